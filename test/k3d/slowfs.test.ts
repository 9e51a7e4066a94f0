/**
 * twin-slowfs (node-image/slowfs) and the node image's entrypoint scripts (node-image/entrypoint):
 * the Go tests — a synchronous write takes the latency, writes queue one at a time, the latency
 * file overrides and is re-read, and on a FUSE mount where the machine allows one fsync and O_DSYNC
 * writes wait while buffered writes do not — run here, where Go is installed.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diskFillRow, storageLatencyRow } from '../../src/engines/k3d/doctor.js';
import { expectBuiltIntoImage, expectGoTestsPass, haveGo } from '../helpers/go.js';

const go = haveGo('slowfs');
const script = readFileSync('scripts/build-k3s-image.sh', 'utf8');

describe('node-image/slowfs and the entrypoint scripts', () => {
  it('are built into the node image, and their sources are part of its hash', () => {
    expectBuiltIntoImage('slowfs', 'SLOWFS_BIN');
    expect(script).toMatch(/NODE_STAMP=.*\$\(cat node-image\/entrypoint\/\* \| sha256sum/);
    expect(script).toContain('install -m 0755 "$SLOWFS_BIN" "$d/usr/local/bin/twin-slowfs"');
    expect(script).toContain('for script in node-image/entrypoint/k3d-entrypoint-*.sh; do install -m 0755');
  });

  it('mount the datastore and the local-path volumes, and throttle the CPU, only when asked', () => {
    const storage = readFileSync('node-image/entrypoint/k3d-entrypoint-twin-storage.sh', 'utf8');
    expect(storage).toContain('/var/lib/rancher/k3s/server/db /var/lib/rancher/k3s/storage');
    expect(storage).toContain('-latency-file /etc/twin/storage-latency');
    const run = (file: string, env: Record<string, string>) =>
      spawnSync('sh', [file], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', ...env } });
    const plain = run('node-image/entrypoint/k3d-entrypoint-twin-storage.sh', {});
    expect(plain.status).toBe(0);
    expect(plain.stdout).toContain('TWIN_STORAGE_LATENCY not set');
    const cpu = run('node-image/entrypoint/k3d-entrypoint-twin-cpu.sh', {});
    expect(cpu.status).toBe(0);
    expect(cpu.stdout).toContain('TWIN_CPU_QUOTA_US not set');
    const nodefs = run('node-image/entrypoint/k3d-entrypoint-twin-nodefs.sh', {});
    expect(nodefs.status).toBe(0);
    expect(nodefs.stdout).toContain('TWIN_NODEFS not set');
  });

  it("twin doctor says whether a disk-full fault can fill a node: the image and the host's loop devices", () => {
    expect(diskFillRow(true, true)).toMatchObject({ ok: true, detail: expect.stringMatching(/ext4 disk of its own/) });
    expect(diskFillRow(false, true)).toMatchObject({ ok: false, detail: expect.stringMatching(/disk-full refused/) });
    expect(diskFillRow(true, false)).toMatchObject({ ok: false, detail: expect.stringMatching(/no loop devices/) });
  });

  it("twin doctor says whether nodes get their storage's latency: the image's twin-slowfs and the host's FUSE", () => {
    const fuse = 'nodev\tsysfs\nnodev\tfuse\n';
    expect(storageLatencyRow(true, fuse, true)).toMatchObject({ ok: true, detail: expect.stringMatching(/1 \/ 4K write IOPS/) });
    expect(storageLatencyRow(false, fuse, true)).toMatchObject({ ok: false, detail: expect.stringMatching(/no twin-slowfs.*refused/) });
    expect(storageLatencyRow(true, fuse, false)).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/no FUSE.*slow-storage fault fails/),
    });
    expect(storageLatencyRow(true, 'nodev\tsysfs\n', true).ok).toBe(false);
  });

  it.skipIf(!go)('passes its Go tests', () => expectGoTestsPass('slowfs', 240_000), 300_000);
});
