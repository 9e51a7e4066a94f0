/**
 * twin's userspace NFSv3 client (node-image/nfs-mount, /sbin/mount.nfs in the node image): its Go
 * tests — mount.nfs's arguments and nfs(5) options, the NFSv3 operations against an NFSv3 server
 * on loopback, a soft mount's EIO after timeo × retrans, a hard mount that waits for its server and
 * continues, and a FUSE mount where the machine allows one — run here, where Go is installed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter } from 'node:path';
import { describe, expect, it } from 'vitest';

const PATH = [process.env['PATH'] ?? '', '/usr/local/go/bin'].join(delimiter);
const go = spawnSync('go', ['version'], { encoding: 'utf8', env: { ...process.env, PATH } });
const script = readFileSync('scripts/build-k3s-image.sh', 'utf8');

describe('node-image/nfs-mount', () => {
  it('is built into the node image as mount.nfs and mount.nfs4, and its sources are part of the image hash', () => {
    const sources = 'cat node-image/nfs-mount/*.go node-image/nfs-mount/go.mod node-image/nfs-mount/go.sum';
    expect(script).toContain(`NFS_MOUNT_BIN="$CACHE/nfs-mount-$( (${sources})`);
    expect(script).toMatch(/NODE_STAMP=.*\$\(basename "\$NFS_MOUNT_BIN"\)/);
    expect(script).toContain('install -m 0755 "$NFS_MOUNT_BIN" "$d/sbin/mount.nfs" && ln -sf mount.nfs "$d/sbin/mount.nfs4"');
    expect(existsSync('node-image/nfs-mount/go.sum')).toBe(true);
  });

  it.skipIf(go.status !== 0)(
    'passes its Go tests',
    () => {
      const run = spawnSync('go', ['test', '-count=1', './...'], {
        cwd: 'node-image/nfs-mount',
        encoding: 'utf8',
        env: { ...process.env, PATH },
        timeout: 540_000,
      });
      expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    },
    600_000,
  );
});
