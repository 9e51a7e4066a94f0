/**
 * The slow-storage and storage-restore faults on a node container of twin's image: twin-slowfs
 * (node-image/slowfs) takes its latency from /etc/twin/storage-latency while that file exists, and
 * from TWIN_STORAGE_LATENCY (the board's own) otherwise. It reads the file when it starts, as the
 * node powers on, and again on SIGHUP.
 *
 * A board that is off keeps its card: a fault on it writes the file into the stopped container
 * (stopped-node.ts), and the node has that latency from its next power-on, as the sim engine's node
 * does. Restoring an off node writes the board's own latency, which is what the absent file means
 * (`docker cp` cannot delete).
 */
import { storageLatencyEnv, storageLatencyFile } from './config.js';
import type { Exec } from './exec.js';
import { isStopped, writeIntoStopped } from './stopped-node.js';

/**
 * Sets (a Go duration) or, with null, restores a node's storage latency. Returns why it failed, or
 * undefined; the node's storage is then unchanged.
 */
export async function setStorageLatency(exec: Exec, container: string, latency: string | null, what: string): Promise<string | undefined> {
  const set = latency !== null ? `printf '%s\\n' ${latency} > ${storageLatencyFile}` : `rm -f ${storageLatencyFile}`;
  const done = await exec('docker', ['exec', container, 'sh', '-c', `${set} && pkill -HUP -x twin-slowfs`], { allowFailure: true });
  if (done.exitCode === 0) return undefined;
  if (await isStopped(exec, container)) return whileOff(exec, container, latency, what);
  const why = done.stderr.trim().split('\n').pop() || 'no twin-slowfs process on the node (no FUSE there?)';
  return `${what} failed: ${why.slice(0, 200)}; the node's storage is unchanged`;
}

async function whileOff(exec: Exec, container: string, latency: string | null, what: string): Promise<string | undefined> {
  let value = latency;
  if (value === null) {
    const env = await exec('docker', ['inspect', '--format', '{{range .Config.Env}}{{println .}}{{end}}', container], {
      allowFailure: true,
    });
    const own = env.stdout.split('\n').find((line) => line.startsWith(`${storageLatencyEnv}=`));
    // Without the board's latency the node never had twin-slowfs's: nothing to restore.
    if (own === undefined) return undefined;
    value = own.slice(storageLatencyEnv.length + 1);
  }
  const why = await writeIntoStopped(exec, container, storageLatencyFile, `${value}\n`);
  return why === undefined ? undefined : `${what} failed on the powered-off node: ${why}; the node's storage is unchanged`;
}
