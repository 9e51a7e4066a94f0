/**
 * twin's userspace NFSv3 client (node-image/nfs-mount, /sbin/mount.nfs in the node image): its Go
 * tests — mount.nfs's arguments and nfs(5) options, the NFSv3 operations against an NFSv3 server
 * on loopback, a soft mount's EIO after timeo × retrans, a hard mount that waits for its server and
 * continues, and a FUSE mount where the machine allows one — run here, where Go is installed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectBuiltIntoImage, expectGoTestsPass, haveGo } from '../helpers/go.js';

const go = haveGo('nfs-mount');
const script = readFileSync('scripts/build-k3s-image.sh', 'utf8');

describe('node-image/nfs-mount', () => {
  it('is built into the node image as mount.nfs and mount.nfs4, and its sources are part of the image hash', () => {
    expectBuiltIntoImage('nfs-mount', 'NFS_MOUNT_BIN');
    expect(script).toContain('install -m 0755 "$NFS_MOUNT_BIN" "$d/sbin/mount.nfs" && ln -sf mount.nfs "$d/sbin/mount.nfs4"');
    expect(existsSync('node-image/nfs-mount/go.sum')).toBe(true);
  });

  it.skipIf(!go)('passes its Go tests', () => expectGoTestsPass('nfs-mount', 540_000), 600_000);
});
