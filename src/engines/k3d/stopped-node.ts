/**
 * A node that is off is a stopped container: `docker exec` refuses it, but `docker cp` still writes
 * into its file system, and the node image's entrypoint scripts read what was written at the next
 * power-on (a board keeps its card while off). Used by the storage faults (storage-latency.ts,
 * disk-fill.ts).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Exec, ExecResult } from './exec.js';

/** A change to a node that may be off. */
export interface NodeChange {
  /** The shell command that makes it in the running container (`docker exec … sh -c`). */
  readonly running: string;
  /** The file that makes it at the stopped container's next power-on. */
  readonly path: string;
  /** That file's content, or why the change cannot wait for a power-on ({ why }). */
  readonly content: () => Promise<string | { readonly why: string }>;
  /** Why, when the running command fails without a word on its standard error. */
  readonly silentFailure?: string;
}

/** Why a change failed, and whether the node was off then. */
export interface ChangeFailure {
  readonly why: string;
  readonly whileOff: boolean;
}

/**
 * Makes a change on a running node, or leaves it for a stopped one's next power-on. A power-on may
 * overlap (the schedule starts containers while other faults run): a node that started between the
 * refused exec and the check is tried again, and one that started while the file was being copied
 * (its entrypoint may have read the files before) gets the change in the running container too.
 */
export async function changeOnOrOff(exec: Exec, container: string, change: NodeChange): Promise<ChangeFailure | undefined> {
  let done = await runIn(exec, container, change.running);
  if (done.exitCode === 0) return undefined;
  let state = await stateOf(exec, container);
  if (state === 'running' && /is not running/.test(done.stderr)) {
    done = await runIn(exec, container, change.running);
    if (done.exitCode === 0) return undefined;
    state = await stateOf(exec, container);
  }
  if (state !== 'stopped') return { why: lastLine(done, change.silentFailure), whileOff: false };
  const content = await change.content();
  if (typeof content !== 'string') return { why: content.why, whileOff: true };
  const why = await writeIntoStopped(exec, container, change.path, content);
  if (why !== undefined) return { why, whileOff: true };
  if ((await stateOf(exec, container)) === 'running') await runIn(exec, container, change.running);
  return undefined;
}

/** The container's `Config.Env` entry `name`, or undefined (no such variable, or no such container). */
export async function containerEnv(exec: Exec, container: string, name: string): Promise<string | undefined> {
  const env = await exec('docker', ['inspect', '--format', '{{range .Config.Env}}{{println .}}{{end}}', container], { allowFailure: true });
  if (env.exitCode !== 0) return undefined;
  return env.stdout
    .split('\n')
    .find((line) => line.startsWith(`${name}=`))
    ?.slice(name.length + 1);
}

const runIn = (exec: Exec, container: string, command: string) =>
  exec('docker', ['exec', container, 'sh', '-c', command], { allowFailure: true });

const lastLine = (result: ExecResult, silent?: string) =>
  (result.stderr.trim().split('\n').pop() || silent || `exit ${result.exitCode}`).slice(0, 200);

/** running, stopped (a powered-off node), or missing (no such container: not a node that is off). */
async function stateOf(exec: Exec, container: string): Promise<'running' | 'stopped' | 'missing'> {
  const state = await exec('docker', ['inspect', '--format', '{{.State.Running}}', container], { allowFailure: true });
  if (state.exitCode !== 0) return 'missing';
  return state.stdout.trim() === 'true' ? 'running' : 'stopped';
}

/** Writes `content` as the file `path` of a stopped container. Returns why it failed, or undefined. */
async function writeIntoStopped(exec: Exec, container: string, path: string, content: string): Promise<string | undefined> {
  let dir: string | undefined;
  try {
    dir = await mkdtemp(join(tmpdir(), 'twin-off-node-'));
    const file = join(dir, 'content');
    await writeFile(file, content);
    const copied = await exec('docker', ['cp', file, `${container}:${path}`], { allowFailure: true });
    return copied.exitCode === 0 ? undefined : lastLine(copied);
  } catch (error) {
    return `could not write ${path} for it: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }
}
