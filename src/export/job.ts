/**
 * `twin export job`: a sweep (`twin check`, `twin plan --search`) as a Kubernetes Indexed Job.
 * Each of the Job's N pods runs twin with `--shard auto/N` (its `JOB_COMPLETION_INDEX` is its
 * slice, load/shards.ts) and prints its shard file on stdout between two marker lines, so the
 * pods' logs carry the results and `twin merge --from-job` joins them (import/job-shards.ts).
 * Kubernetes schedules, retries and runs the pods in parallel: no scheduler of twin's own.
 *
 * The pods see the command's input files (cluster, manifests, profiles, calibration) in a
 * ConfigMap mounted as the pod's working directory, each file at the path the user named it by,
 * relative to where `twin export job` ran: the shard files then record the same paths, and
 * `twin merge` run from that directory loads the same inputs. With `inputs: 'image'` there is no
 * ConfigMap and the image must hold them there (`FROM` twin's image, `COPY . /work`).
 *
 * Objects are typed with @kubernetes/client-node and written with the yaml library.
 */
import { statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { V1ConfigMap, V1Job, V1KeyToPath, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { Document } from 'yaml';
import { ConfigError } from '../errors.js';
import { readTextFile, yamlFilesIn } from '../load/files.js';
import { shardLogMarkers } from '../load/shards.js';

/** Where the pod works and finds its inputs. */
export const jobWorkDir = '/work';
/** Where each pod writes its shard file before printing it. */
export const jobShardDir = '/tmp/twin-shard';
/** The container's name, which `twin merge --from-job` reads the log of. */
export const jobContainer = 'twin';
/** A ConfigMap holds at most 1 MiB (Kubernetes, "ConfigMaps"); a little is kept for keys and metadata. */
export const configMapLimitBytes = 1024 * 1024 - 16 * 1024;
/** Exit codes after which another try of a shard would fail the same way (README "Exit codes": bad input, a bug). */
export const hopelessExitCodes: readonly number[] = [2, 70];

export type SweepCommand = 'check' | 'plan-search';
export type InputsSource = 'configmap' | 'image';

/** One input the command names, as the user named it: a flag and a file or a directory. */
export interface InputPath {
  /** The flag or argument that names it (`CLUSTER`, `-w`, `--profiles-dir`, …), for errors. */
  readonly flag: string;
  readonly path: string;
  /** `file`: must be a file; `yaml-dir`: a directory whose `*.yaml`/`*.yml` files are read; `either`: one or the other. */
  readonly kind: 'file' | 'yaml-dir' | 'either';
}

/** The files a sweep reads, by their path relative to the working directory (POSIX separators), with their text. */
export type InputFiles = ReadonlyMap<string, string>;

/** A path relative to `cwd`, refused when it leaves it: the pod sees only what is under its working directory. */
export function relativeInput(input: InputPath, cwd = process.cwd()): string {
  const rel = relative(cwd, resolve(cwd, input.path));
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel))
    throw ConfigError.single(
      input.flag,
      '',
      `"${input.path}" is ${rel === '' ? 'the working directory itself' : 'outside the working directory'}` +
        ", which is all a shard's pod sees",
      'run twin export job from a directory that holds every input, and name them from there',
    );
  return rel.split(sep).join('/');
}

/** Reads every file the inputs name (a directory: its YAML files, as twin reads them). */
export function readInputFiles(inputs: readonly InputPath[], cwd = process.cwd()): InputFiles {
  const files = new Map<string, string>();
  for (const input of inputs) {
    relativeInput(input, cwd);
    const absolute = resolve(cwd, input.path);
    let isDirectory: boolean;
    try {
      isDirectory = statSync(absolute).isDirectory();
    } catch {
      throw ConfigError.single(input.flag, '', `"${input.path}" not found`, 'check the path');
    }
    if (isDirectory && input.kind === 'file')
      throw ConfigError.single(input.flag, '', `"${input.path}" is a directory, expected a file`, 'name the file');
    if (!isDirectory && input.kind === 'yaml-dir')
      throw ConfigError.single(input.flag, '', `"${input.path}" is a file, expected a directory`, 'name the directory');
    for (const path of isDirectory ? yamlFilesIn(absolute) : [absolute])
      files.set(relativeInput({ ...input, path }, cwd), readTextFile(path));
  }
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export interface ShardJobOptions {
  readonly command: SweepCommand;
  /** The Job's name (a DNS label); the ConfigMap is `<name>-inputs`. */
  readonly name: string;
  readonly namespace?: string;
  readonly image: string;
  /** N: the shards, one pod each. */
  readonly completions: number;
  /** Pods at a time. */
  readonly parallelism: number;
  /** Tries of a shard before the Job fails (Kubernetes' `backoffLimit`, counted over the Job). */
  readonly backoffLimit: number;
  /** twin's arguments in each pod, without `--shard` and `--out` (the Job adds them). */
  readonly args: readonly string[];
  readonly inputs: InputsSource;
  /** The files for the ConfigMap (`inputs: 'configmap'`). */
  readonly files: InputFiles;
}

export interface ShardJob {
  readonly configMap: V1ConfigMap | null;
  readonly job: V1Job;
}

/** A DNS label short enough that `<name>-inputs` and the Job's pod names stay within Kubernetes' limits. */
const namePattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const maxJobNameLength = 52;

export function checkJobName(flag: string, name: string): string {
  if (!namePattern.test(name) || name.length > maxJobNameLength)
    throw ConfigError.single(
      flag,
      '',
      `"${name}" is not a Kubernetes name of at most ${maxJobNameLength} characters ` +
        '(lower-case letters, digits and "-", starting and ending with a letter or digit)',
      `e.g. ${flag} twin-check`,
    );
  return name;
}

export function checkNamespace(flag: string, namespace: string): string {
  if (!namePattern.test(namespace) || namespace.length > 63)
    throw ConfigError.single(flag, '', `"${namespace}" is not a Kubernetes namespace name`, `e.g. ${flag} default`);
  return namespace;
}

/** ConfigMap keys allow `[-._a-zA-Z0-9]`: the file's place and name, made safe; the item path keeps the real one. */
function configMapKey(index: number, path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1).replace(/[^-._a-zA-Z0-9]/g, '_');
  return `${String(index).padStart(3, '0')}-${base}`.slice(0, 200);
}

/**
 * The script each pod runs: twin with the sweep's arguments (`"$@"`, never re-parsed by the shell),
 * then its shard file between the marker lines. A failing twin ends the pod with twin's exit code.
 */
export function podScript(): string {
  return [
    'set -e',
    `twin "$@"`,
    `echo '${shardLogMarkers.begin}'`,
    `cat ${jobShardDir}/shard-*-of-*.json`,
    `echo '${shardLogMarkers.end}'`,
  ].join('\n');
}

/** The ConfigMap of the inputs (or none) and the Indexed Job. */
export function shardJob(options: ShardJobOptions): ShardJob {
  const labels = {
    'app.kubernetes.io/name': 'twin',
    'app.kubernetes.io/component': options.command,
    'twin.dev/sweep': options.name,
  };
  const namespace = options.namespace !== undefined ? { namespace: options.namespace } : {};
  const configMapName = `${options.name}-inputs`;
  const entries = [...options.files].map(([path, text], i) => ({ key: configMapKey(i, path), path, text }));
  const size = entries.reduce((sum, e) => sum + Buffer.byteLength(e.key) + Buffer.byteLength(e.text), 0);
  if (options.inputs === 'configmap' && size > configMapLimitBytes)
    throw ConfigError.single(
      '--inputs',
      '',
      `the inputs take ${(size / 1024).toFixed(0)} KiB, more than a ConfigMap holds (1 MiB)`,
      'build an image FROM twin\u2019s with them in /work and pass --inputs image',
    );
  const configMap: V1ConfigMap | null =
    options.inputs === 'configmap'
      ? {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: configMapName, ...namespace, labels },
          data: Object.fromEntries(entries.map((e) => [e.key, e.text])),
        }
      : null;
  const items: V1KeyToPath[] = entries.map((e) => ({ key: e.key, path: e.path }));
  const volumes: V1Volume[] = configMap ? [{ name: 'inputs', configMap: { name: configMapName, items } }] : [];
  const volumeMounts: V1VolumeMount[] = configMap ? [{ name: 'inputs', mountPath: jobWorkDir, readOnly: true }] : [];
  const job: V1Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: options.name, ...namespace, labels },
    spec: {
      completionMode: 'Indexed',
      completions: options.completions,
      parallelism: options.parallelism,
      backoffLimit: options.backoffLimit,
      // Bad input or a bug fails every try alike: stop the Job at once.
      podFailurePolicy: {
        rules: [{ action: 'FailJob', onExitCodes: { containerName: jobContainer, operator: 'In', values: [...hopelessExitCodes] } }],
      },
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: jobContainer,
              image: options.image,
              imagePullPolicy: 'IfNotPresent',
              workingDir: jobWorkDir,
              command: ['/bin/sh', '-c', podScript(), 'twin'],
              args: [...options.args, '--shard', `auto/${options.completions}`, '--out', jobShardDir],
              env: [
                { name: 'CI', value: 'true' },
                { name: 'NO_COLOR', value: '1' },
              ],
              ...(volumeMounts.length > 0 ? { volumeMounts } : {}),
            },
          ],
          ...(volumes.length > 0 ? { volumes } : {}),
        },
      },
    },
  };
  return { configMap, job };
}

/** The objects as a multi-document YAML file, headed by how to run it and merge its results. */
export function renderShardJob(objects: ShardJob, comment: readonly string[]): string {
  const docs = [objects.configMap, objects.job].filter((o) => o !== null);
  return docs
    .map((object, i) => {
      const doc = new Document(object, { aliasDuplicateObjects: false });
      if (i === 0) doc.commentBefore = comment.map((line) => ` ${line}`).join('\n');
      return doc.toString({ lineWidth: 0 });
    })
    .join('---\n');
}
