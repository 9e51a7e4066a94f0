/**
 * Ctrl-C on a real run (engine k3d) leaves nothing of what the run made: its node containers, its
 * networks, and what the emulation adds inside them — the twin-slowfs mounts and the loop device of
 * a disk-full node's kubelet directory. Interrupted while the cluster is being created, and again
 * once the disk-full fault has filled that disk. `npm run test:e2e:all` only: each case creates a
 * cluster (README "Development").
 */
import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { k3dEngine } from '../../src/engines/k3d/engine.js';

const repoRoot = join(import.meta.dirname, '../..');
const everyTest = process.env['TWIN_E2E_ALL'] === '1';
const availability = everyTest ? await k3dEngine.available() : { available: false, reason: 'not asked' };
const skipped = !everyTest
  ? 'it runs in npm run test:e2e:all, not in CI (README "Development")'
  : availability.available
    ? null
    : (availability.reason ?? 'engine k3d unavailable');
if (skipped) console.log(`e2e interrupt skipped: ${skipped}`);
const out = mkdtempSync(join(tmpdir(), 'twin-e2e-interrupt-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const docker = (args: string[]) => execa('docker', args, { reject: false });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The run ids of twin's containers on this host now. */
async function runIds(): Promise<Set<string>> {
  const ps = await docker(['ps', '-a', '--filter', 'label=twin.dev/managed=true', '--format', '{{.Label "twin.dev/run"}}']);
  return new Set(ps.stdout.split('\n').filter(Boolean));
}

/** Polls `check` every second until it holds, for up to `seconds`. */
async function until(check: () => Promise<boolean>, seconds: number): Promise<boolean> {
  for (let i = 0; i < seconds; i++) {
    if (await check()) return true;
    await sleep(1000);
  }
  return false;
}

/**
 * The host's [device]:inode names of the loop devices attached now, or null where losetup cannot tell
 * (not installed, or run without root: util-linux then prints "[]:" for each backing file).
 */
async function loopBackings(): Promise<string[] | null> {
  const loops = await execa('losetup', ['-a'], { reject: false });
  if (loops.exitCode !== 0) return null;
  const backings = [...loops.stdout.matchAll(/\[\w+\]:\d+/g)].map((m) => m[0]);
  return loops.stdout.trim() !== '' && backings.length === 0 ? null : backings;
}

describe.skipIf(skipped !== null)('Ctrl-C on a real run', () => {
  it.for([
    { when: 'while the cluster is being created', filled: false, ready: async (_id: string) => true },
    {
      when: 'once disk-full has filled a node',
      filled: true,
      ready: async (id: string) =>
        (await docker(['exec', `k3d-twin-edgestack-mini-${id}-agent-1`, 'test', '-f', '/var/lib/kubelet/.twin-disk-full'])).exitCode === 0,
    },
  ])(
    '$when: exit 130, and no container, network, mount or loop device of the run is left',
    { timeout: 15 * 60_000 },
    async ({ ready, filled }) => {
      const before = await runIds();
      const loopsBefore = await loopBackings();
      const run = execa(process.execPath, ['bin/twin.js', 'run', 'test/e2e/disk-full.ts', '--engine', 'k3d', '--quiet', '--out', out], {
        cwd: repoRoot,
        reject: false,
        env: { NO_COLOR: '1' },
      });
      let id: string | undefined;
      expect(await until(async () => (id = [...(await runIds())].find((r) => !before.has(r))) !== undefined, 300)).toBe(true);
      expect(await until(() => ready(id!), 600)).toBe(true);
      // The filled node's kubelet directory is on a loop device the run attached (where losetup can tell).
      const attached = await loopBackings();
      if (filled && loopsBefore !== null && attached !== null)
        expect(attached.filter((b) => !loopsBefore.includes(b)).length).toBeGreaterThan(0);
      run.kill('SIGINT');
      const done = await run;
      expect(done.exitCode, done.stderr).toBe(130);
      expect(done.stderr).not.toMatch(/Error|internal/);
      const left = await docker(['ps', '-a', '--filter', `label=twin.dev/run=${id}`, '--format', '{{.Names}}']);
      expect(left.stdout.trim()).toBe('');
      // k3d's network and twin's own carry the run's id in their names (run-names.ts).
      const networks = await docker(['network', 'ls', '--filter', `name=${id}`, '--format', '{{.Name}}']);
      expect(networks.stdout.trim()).toBe('');
      expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toMatch(/twin-slowfs/);
      // Every loop device attached since the run started is released (autoclear can lag a moment behind the container).
      if (loopsBefore === null) console.log('loop devices not checked: losetup cannot tell here (not installed, or not root)');
      else {
        const released = await until(async () => ((await loopBackings()) ?? []).every((b) => loopsBefore.includes(b)), 15);
        expect(released, `loop devices left: ${((await loopBackings()) ?? []).filter((b) => !loopsBefore.includes(b)).join(', ')}`).toBe(
          true,
        );
      }
    },
  );
});
