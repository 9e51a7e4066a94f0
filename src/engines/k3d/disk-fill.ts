/**
 * The disk-full and disk-free faults. On the nodes a disk-full fault names, twin's node image puts
 * the kubelet's directory on an ext4 disk of its own (node-image/entrypoint/k3d-entrypoint-twin-nodefs.sh):
 * `fallocate` marks all but 1 % of it used without writing it, below K3s's nodefs.available<5%
 * threshold, as a card that filled up; disk-free deletes that file.
 *
 * A board that is off keeps its card: the fault writes `full` or `free` into the stopped container's
 * /var/lib/twin-nodefs/pending (stopped-node.ts), and the entrypoint fills or frees the disk at the
 * next power-on, before K3s starts, as the sim engine's node keeps its full disk.
 */
import type { Exec } from './exec.js';
import { changeOnOrOff } from './stopped-node.js';

/** The kubelet directory, when it is on the loop-mounted disk twin's node image gives a disk-full node. */
const ownDisk =
  'dir=/var/lib/kubelet; awk -v dir="$dir" \'$2 == dir && $1 ~ /^\\/dev\\/loop/ { found = 1 } END { exit !found }\' /proc/mounts || ' +
  '{ echo "$dir has no disk of its own (the node image predates twin nodefs, or the node found no free loop device)" >&2; exit 1; }';
/** The disk-full fault's command in the node container: all but 1 % of the kubelet's own disk taken. */
export const fillDisk =
  `set -eu; ${ownDisk}; rm -f "$dir/.twin-disk-full"; ` +
  'set -- $(df -P -k "$dir" | awk \'NR == 2 { print $2, $4 }\'); fill=$(( $2 - $1 / 100 )); ' +
  'if [ "$fill" -gt 0 ]; then fallocate -l "${fill}k" "$dir/.twin-disk-full"; fi';
/** Where the node image's entrypoint looks, at power-on, for a fault that came while the node was off. */
export const pendingDiskFile = '/var/lib/twin-nodefs/pending';
/** The disk-free fault's command. */
export const freeDisk = `set -eu; ${ownDisk}; rm -f "$dir/.twin-disk-full"`;

/** Fills (full) or frees a node's own disk. Returns why it failed, or undefined; the disk is then unchanged. */
export async function setDiskFull(exec: Exec, container: string, full: boolean, what: string): Promise<string | undefined> {
  const failed = await changeOnOrOff(exec, container, {
    // Done on the running node: nothing is left pending for its next power-on.
    running: `${full ? fillDisk : freeDisk}; rm -f ${pendingDiskFile}`,
    path: pendingDiskFile,
    content: async () => (full ? 'full\n' : 'free\n'),
  });
  if (failed === undefined) return undefined;
  return `${what} failed${failed.whileOff ? ' on the powered-off node' : ''}: ${failed.why}; the node's disk is unchanged`;
}
