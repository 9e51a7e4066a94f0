/**
 * A node that is off is a stopped container: `docker exec` refuses it, but `docker cp` still writes
 * into its file system, and the node image's entrypoint scripts read what was written at the next
 * power-on (a board keeps its card while off). Used by the storage faults (storage-latency.ts,
 * disk-fill.ts).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Exec } from './exec.js';

/** Whether the container exists and is not running: a powered-off node, not a missing one. */
export async function isStopped(exec: Exec, container: string): Promise<boolean> {
  const state = await exec('docker', ['inspect', '--format', '{{.State.Running}}', container], { allowFailure: true });
  return state.exitCode === 0 && state.stdout.trim() === 'false';
}

/** Writes `content` as the file `path` of a stopped container. Returns why it failed, or undefined. */
export async function writeIntoStopped(exec: Exec, container: string, path: string, content: string): Promise<string | undefined> {
  const dir = await mkdtemp(join(tmpdir(), 'twin-off-node-'));
  try {
    const file = join(dir, 'content');
    await writeFile(file, content);
    const copied = await exec('docker', ['cp', file, `${container}:${path}`], { allowFailure: true });
    if (copied.exitCode === 0) return undefined;
    return (copied.stderr.trim().split('\n').pop() || `docker cp exit ${copied.exitCode}`).slice(0, 200);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
