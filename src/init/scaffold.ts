/**
 * `twin init`: starts a user's repository with a cluster file, an example application, scenarios
 * for the failures that matter and the CI job that runs them. Nothing the user wrote is replaced
 * without `force`: every conflict is found before the first file is written, a file that already
 * has the generated content is left alone, and package.json is merged, never rewritten.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { ConfigError } from '../errors.js';
import { displayPath } from '../load/files.js';
import { clusterFromDocument } from '../load/cluster.js';
import type { ProfileRegistry } from '../load/profiles.js';
import { writeFileAtomic } from '../report/write.js';
import {
  clusterFromInventoryFile,
  clusterFromKubeconfig,
  clusterFromShape,
  type ClusterShape,
  type ClusterSource,
  type SourceOptions,
} from './cluster-source.js';
import { isEsmPackage, mergePackageJson, newPackageJson, packageName } from './package-json.js';
import { exampleManifests, layout, npmScripts, scenarioFiles, workflow } from './templates.js';

/** Where the cluster comes from. */
export type InitSource =
  | { readonly kind: 'inventory'; readonly path: string; readonly groupVars?: string }
  | { readonly kind: 'kubeconfig'; readonly path: string; readonly context?: string }
  | { readonly kind: 'shape'; readonly shape: ClusterShape };

export interface InitOptions {
  readonly dir: string;
  readonly source: InitSource;
  readonly registry: ProfileRegistry;
  /** The cluster's name; from the directory's name when omitted. */
  readonly name?: string;
  readonly profiles?: Readonly<Record<string, string>>;
  readonly defaultProfile?: string;
  /** What package.json's devDependency on twin says: a semver range, a git URL or a tarball path. */
  readonly twinSpec: string;
  /** Replace files that exist with other content. */
  readonly force?: boolean;
}

export interface InitResult {
  readonly dir: string;
  /** Paths relative to `dir`, in the order written. */
  readonly created: string[];
  readonly overwritten: string[];
  /** Files that were already there with the same content. */
  readonly skipped: string[];
  /** package.json, when merged into an existing one, with what was added and kept. */
  readonly packageJson?: { readonly added: string[]; readonly kept: string[] };
  /** The scenario files, relative to `dir`. */
  readonly scenarios: string[];
  /** What `twin run` takes for all of them, e.g. `scenarios/*.ts`. */
  readonly scenarioGlob: string;
  readonly notes: string[];
}

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A cluster name (an RFC 1123 label) from a directory's name. */
export function clusterName(dirName: string): string {
  const name = dirName
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return name || 'cluster';
}

function checkNotAFile(dir: string): void {
  if (existsSync(dir) && !statSync(dir).isDirectory())
    throw ConfigError.single(displayPath(dir), '', 'is a file, not a directory', 'give a directory; a missing one is created');
}

function createDirectory(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw ConfigError.single(displayPath(dir), '', `cannot create the directory (${code})`, 'give a directory you can write to');
  }
}

/** `a/b/c.ts` → `a`, `a/b`. */
function parentFolders(path: string): string[] {
  const parts = path.split('/').slice(0, -1);
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
}

/** Writes one file of the repository atomically; a file system refusal (permissions, a full disk) is the user's to fix. */
function write(dir: string, path: string, text: string): void {
  const absolute = join(dir, path);
  try {
    mkdirSync(dirname(absolute), { recursive: true });
    writeFileAtomic(absolute, text);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) throw error;
    throw ConfigError.single(displayPath(absolute), '', `cannot write (${code})`, 'check the permissions and free space of the directory');
  }
}

async function clusterSource(options: InitOptions, name: string): Promise<ClusterSource> {
  const common: SourceOptions = {
    name,
    registry: options.registry,
    ...(options.profiles ? { profiles: options.profiles } : {}),
    ...(options.defaultProfile ? { defaultProfile: options.defaultProfile } : {}),
  };
  const source = options.source;
  switch (source.kind) {
    case 'inventory':
      return clusterFromInventoryFile(source.path, source.groupVars, common);
    case 'kubeconfig':
      return clusterFromKubeconfig(source.path, source.context, common);
    case 'shape':
      return clusterFromShape(source.shape, common);
  }
}

/** Makes the repository in `options.dir`; throws a {@link ConfigError} (and writes nothing) on any conflict. */
export async function initRepository(options: InitOptions): Promise<InitResult> {
  const dir = resolve(options.dir);
  checkNotAFile(dir);
  if (options.name !== undefined && !dnsLabel.test(options.name))
    throw ConfigError.single(
      '--name',
      '',
      `"${options.name}" is not a cluster name`,
      'use lower-case letters, digits and dashes (an RFC 1123 label), e.g. homelab',
    );
  const name = options.name ?? clusterName(basename(dir));
  const source = await clusterSource(options, name);
  const clusterPath = join(dir, layout.cluster);
  // The cluster must load as `twin run` will load it: profiles known, names unique, roles consistent.
  clusterFromDocument(source.cluster, `${source.origin} → ${displayPath(clusterPath)}`, { profiles: options.registry }, dir);
  const nodes = (source.cluster['spec'] as { nodes: Array<{ name: string; role: string }> }).nodes;
  const agent = nodes.filter((n) => n.role === 'agent').at(-1)?.name;

  const packagePath = join(dir, 'package.json');
  const existingPackage = existsSync(packagePath) ? readFileSync(packagePath, 'utf8') : undefined;
  const extension = existingPackage === undefined || isEsmPackage(existingPackage, displayPath(packagePath)) ? '.ts' : '.mts';
  const scenarios = Object.entries(scenarioFiles(agent ? { agent } : {})).map(
    ([file, text]) => [`${layout.scenarios}/${file}${extension}`, text] as const,
  );
  const files: ReadonlyArray<readonly [string, string]> = [
    [
      layout.cluster,
      `# Made by twin init from ${source.origin}. Check each node's profile (twin profiles lists them).\n` +
        stringify(source.cluster, { lineWidth: 0 }),
    ],
    ...Object.entries(exampleManifests).map(([file, text]) => [`${layout.workloads}/${file}`, text] as const),
    ...scenarios,
    [layout.workflow, workflow(extension)],
  ];

  const conflicts: string[] = [];
  const plan: Array<{ path: string; text: string; action: 'create' | 'overwrite' | 'skip' }> = [];
  const blockedFolders = new Set<string>();
  for (const [path, text] of files) {
    const absolute = join(dir, path);
    const folder = parentFolders(path).find((f) => existsSync(join(dir, f)) && !statSync(join(dir, f)).isDirectory());
    if (folder) blockedFolders.add(folder);
    else if (!existsSync(absolute)) plan.push({ path, text, action: 'create' });
    else if (statSync(absolute).isDirectory()) conflicts.push(`${path} (a directory)`);
    else if (readFileSync(absolute, 'utf8') === text) plan.push({ path, text, action: 'skip' });
    else if (options.force) plan.push({ path, text, action: 'overwrite' });
    else conflicts.push(path);
  }
  const merged =
    existingPackage === undefined
      ? undefined
      : mergePackageJson(existingPackage, displayPath(packagePath), options.twinSpec, npmScripts(extension), options.force ?? false);
  if (blockedFolders.size > 0)
    throw ConfigError.single(
      displayPath(dir),
      '',
      `${[...blockedFolders].join(', ')}: a file where twin init puts a folder; nothing was written`,
      'move it away, or run twin init in another directory',
    );
  if (conflicts.length > 0)
    throw ConfigError.single(
      displayPath(dir),
      '',
      `${conflicts.join(', ')} already ${conflicts.length === 1 ? 'exists' : 'exist'} with other content; nothing was written`,
      'pass --force to overwrite, or run twin init in another directory',
    );

  createDirectory(dir);
  const result = { created: [] as string[], overwritten: [] as string[], skipped: [] as string[] };
  for (const { path, text, action } of plan) {
    if (action === 'skip') {
      result.skipped.push(path);
      continue;
    }
    write(dir, path, text);
    (action === 'create' ? result.created : result.overwritten).push(path);
  }
  if (existingPackage === undefined) {
    write(dir, 'package.json', newPackageJson(packageName(basename(dir)), options.twinSpec, npmScripts(extension)));
    result.created.push('package.json');
  } else if (merged?.text === undefined) result.skipped.push('package.json');
  else write(dir, 'package.json', merged.text);

  const notes = [...source.notes];
  if (!agent) notes.push('no agent in the cluster, so no worker-power-loss scenario');
  if (extension === '.mts')
    notes.push('package.json has no "type": "module": the scenarios are written as .mts, which Node always loads as ES modules');
  return {
    dir,
    ...result,
    ...(merged ? { packageJson: { added: merged.added, kept: merged.kept } } : {}),
    scenarios: scenarios.map(([path]) => path),
    scenarioGlob: `${layout.scenarios}/*${extension}`,
    notes,
  };
}
