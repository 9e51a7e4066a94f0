import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Argv, CommandModule } from 'yargs';
import { ConfigError, InterruptedError } from '../../errors.js';
import { defaultClusterShape, type ClusterShape } from '../../init/cluster-source.js';
import { initRepository, type InitSource } from '../../init/scaffold.js';
import { displayPath } from '../../load/files.js';
import { ProfileRegistry } from '../../load/profiles.js';
import { writeErr, writeOut } from '../output.js';

interface InitArgs {
  readonly dir: string;
  readonly inventory?: string;
  readonly 'group-vars'?: string;
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly profiles?: string;
  readonly 'default-profile'?: string;
  readonly name?: string;
  readonly servers?: number;
  readonly agents?: number;
  readonly profile?: string;
  readonly 'twin-spec'?: string;
  readonly force: boolean;
  readonly yes: boolean;
}

const twinVersion = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

function profilePairs(list: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of (list ?? '')
    .split(',')
    .map((i) => i.trim())
    .filter(Boolean)) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw ConfigError.single('--profiles', '', `"${item}" is not NAME=PROFILE`, 'write --profiles host=pi4b-4gb,…');
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/** A flag that means something only beside another is an error alone, not silently ignored. */
function refuse(given: boolean, flag: string, why: string, fix: string): void {
  if (given) throw ConfigError.single(flag, '', why, fix);
}

/**
 * Asks for the cluster's shape on a terminal; Enter keeps each default. Lines are read through the
 * interface's iterator, which keeps answers typed ahead; Ctrl-D before the last answer is bad
 * input, Ctrl-C an interruption — either way nothing has been written yet.
 */
async function askShape(): Promise<ClusterShape> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  let interrupted = false;
  prompt.on('SIGINT', () => {
    interrupted = true;
    prompt.close();
  });
  const lines = prompt[Symbol.asyncIterator]();
  const ask = async (question: string, fallback: string) => {
    prompt.setPrompt(`${question} [${fallback}]: `);
    prompt.prompt();
    const answer = await lines.next();
    if (interrupted) throw new InterruptedError('twin init interrupted; nothing was written');
    if (answer.done)
      throw ConfigError.single(
        'twin init',
        '',
        'stdin ended before every question was answered; nothing was written',
        'answer them, or pass --servers, --agents and --profile, or --yes for the defaults',
      );
    return String(answer.value).trim() || fallback;
  };
  try {
    const servers = await ask('K3s servers (1, or 3 for HA)', String(defaultClusterShape.servers));
    const agents = await ask('agents (workers)', String(defaultClusterShape.agents));
    const profile = await ask('board of every node (twin profiles lists them)', defaultClusterShape.profile);
    return { servers: Number(servers), agents: Number(agents), profile };
  } finally {
    prompt.close();
  }
}

/** Where the cluster comes from, and the note to print when defaults were taken without asking. */
async function source(args: InitArgs): Promise<{ source: InitSource; note?: string }> {
  refuse(
    args.inventory !== undefined && args.kubeconfig !== undefined,
    '--kubeconfig',
    'give only one of --inventory and --kubeconfig',
    'drop one',
  );
  const imported = args.inventory ?? args.kubeconfig;
  for (const flag of ['servers', 'agents', 'profile'] as const)
    refuse(
      imported !== undefined && args[flag] !== undefined,
      `--${flag}`,
      `does not apply to an imported cluster`,
      `drop --${flag}, or --profiles host=NAME to set a board`,
    );
  refuse(
    args['group-vars'] !== undefined && !args.inventory,
    '--group-vars',
    'only applies with --inventory',
    'add --inventory, or drop it',
  );
  refuse(args.context !== undefined && !args.kubeconfig, '--context', 'only applies with --kubeconfig', 'add --kubeconfig, or drop it');
  refuse(
    imported === undefined && (args.profiles !== undefined || args['default-profile'] !== undefined),
    args.profiles !== undefined ? '--profiles' : '--default-profile',
    'only applies with --inventory or --kubeconfig',
    'use --profile NAME for a cluster made from flags',
  );
  if (args.inventory)
    return { source: { kind: 'inventory', path: args.inventory, ...(args['group-vars'] ? { groupVars: args['group-vars'] } : {}) } };
  if (args.kubeconfig) return { source: { kind: 'kubeconfig', path: args.kubeconfig, ...(args.context ? { context: args.context } : {}) } };
  const shape: ClusterShape = {
    servers: args.servers ?? defaultClusterShape.servers,
    agents: args.agents ?? defaultClusterShape.agents,
    profile: args.profile ?? defaultClusterShape.profile,
  };
  if (args.servers !== undefined || args.agents !== undefined || args.profile !== undefined || args.yes)
    return { source: { kind: 'shape', shape } };
  if (process.stdin.isTTY) return { source: { kind: 'shape', shape: await askShape() } };
  return {
    source: { kind: 'shape', shape },
    note:
      `stdin is not a terminal, so no questions: ${shape.servers} server and ${shape.agents} agents, all ${shape.profile} ` +
      '(choose with --servers, --agents and --profile)',
  };
}

export const initCommand: CommandModule<object, InitArgs> = {
  command: 'init [dir]',
  describe: 'Start a repository: a cluster file, example workloads, failure scenarios, package.json and a GitHub Actions job',
  builder: (yargs: Argv) =>
    yargs
      .positional('dir', { type: 'string', default: '.', describe: 'directory to start the repository in (created when missing)' })
      .option('inventory', { type: 'string', describe: 'k3s-ansible inventory to import (as twin import --inventory)' })
      .option('group-vars', { type: 'string', describe: 'group_vars/all.yml for an INI inventory' })
      .option('kubeconfig', { type: 'string', describe: 'import a running cluster (list calls only; as twin import --kubeconfig)' })
      .option('context', { type: 'string', describe: 'kubeconfig context' })
      .option('profiles', { type: 'string', describe: 'host=profile,… for imported machines' })
      .option('default-profile', { type: 'string', describe: 'profile for every imported host that names none' })
      .option('name', { type: 'string', describe: "the cluster's name (default: from the directory's name)" })
      .option('servers', { type: 'number', describe: `K3s servers, without an import (default ${defaultClusterShape.servers})` })
      .option('agents', { type: 'number', describe: `agents, without an import (default ${defaultClusterShape.agents})` })
      .option('profile', { type: 'string', describe: `board of every node, without an import (default ${defaultClusterShape.profile})` })
      .option('twin-spec', {
        type: 'string',
        describe: `package.json's spec for twin (default ^${twinVersion}; a git URL or tarball path)`,
      })
      .option('force', { type: 'boolean', default: false, describe: 'overwrite files that exist with other content' })
      .option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'ask nothing: use the flags and their defaults' })
      .example('$0 init my-cluster --servers 1 --agents 3 --profile pi5-8gb', 'a cluster from flags')
      .example('$0 init . --inventory inventory.yml', 'a k3s-ansible inventory'),
  handler: async (args) => {
    const { source: from, note } = await source(args);
    const result = await initRepository({
      dir: args.dir,
      source: from,
      registry: ProfileRegistry.load(),
      ...(args.name !== undefined ? { name: args.name } : {}),
      profiles: profilePairs(args.profiles),
      ...(args['default-profile'] !== undefined ? { defaultProfile: args['default-profile'] } : {}),
      twinSpec: args['twin-spec'] ?? `^${twinVersion}`,
      force: args.force,
    });
    const here = result.dir === process.cwd();
    const shown = (path: string) => (here ? path : join(displayPath(result.dir), path));
    for (const path of result.created) writeOut(`created     ${shown(path)}`);
    for (const path of result.overwritten) writeOut(`overwritten ${shown(path)}`);
    for (const path of result.skipped) writeOut(`skipped     ${shown(path)} (already there, same content)`);
    if (result.packageJson && result.packageJson.added.length > 0)
      writeOut(`updated     ${shown('package.json')}: added ${result.packageJson.added.join(', ')}`);
    for (const kept of result.packageJson?.kept ?? []) writeOut(`kept        ${shown('package.json')}: ${kept}`);
    for (const line of [...(note ? [note] : []), ...result.notes]) writeErr(`note: ${line}`);
    writeOut(`next: ${here ? '' : `cd ${displayPath(result.dir)} && `}npm install && npx twin run ${result.scenarioGlob}`);
  },
};
