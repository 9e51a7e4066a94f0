/**
 * The slow-storage and storage-restore faults on a node container of twin's image: twin-slowfs
 * (node-image/slowfs) takes its latency from /etc/twin/storage-latency while that file exists, and
 * from TWIN_STORAGE_LATENCY (the board's own) otherwise. It reads the file when it starts, as the
 * node powers on, and again on SIGHUP.
 *
 * A board that is off keeps its card: a fault on it writes the file into the stopped container
 * (stopped-node.ts), and the node has that latency from its next power-on, as the sim engine's node
 * does. Restoring an off node writes the board's own latency, which is what the absent file means
 * (`docker cp` cannot delete). A node that will have no twin-slowfs (a container without the board's
 * latency, or a host without /dev/fuse, as `twin doctor` checks it) cannot take it, off or on.
 */
import { existsSync } from 'node:fs';
import { storageLatencyEnv, storageLatencyFile } from './config.js';
import type { Exec } from './exec.js';
import { changeOnOrOff, containerEnv } from './stopped-node.js';

/**
 * Sets (a Go duration) or, with null, restores a node's storage latency. Returns why it failed, or
 * undefined; the node's storage is then unchanged.
 */
export async function setStorageLatency(exec: Exec, container: string, latency: string | null, what: string): Promise<string | undefined> {
  const set = latency !== null ? `printf '%s\\n' ${latency} > ${storageLatencyFile}` : `rm -f ${storageLatencyFile}`;
  const failed = await changeOnOrOff(exec, container, {
    running: `${set} && pkill -HUP -x twin-slowfs`,
    path: storageLatencyFile,
    silentFailure: 'no twin-slowfs process on the node (no FUSE there?)',
    content: async () => {
      const own = await containerEnv(exec, container, storageLatencyEnv);
      if (own === undefined) return { why: `the node has no ${storageLatencyEnv} (not twin's node image?), so no twin-slowfs at power-on` };
      if (!existsSync('/dev/fuse')) return { why: 'this host has no /dev/fuse, so the node has no twin-slowfs at power-on' };
      return `${latency ?? own}\n`;
    },
  });
  if (failed === undefined) return undefined;
  return `${what} failed${failed.whileOff ? ' on the powered-off node' : ''}: ${failed.why}; the node's storage is unchanged`;
}
