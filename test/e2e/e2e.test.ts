/**
 * End to end on real Kubernetes: each CI-length scenario runs on the model and on real K3s node
 * containers (`--engine sim,k3d`), both must meet the scenario's expectations, and the report
 * carries the model-vs-real comparison. Needs Docker, k3d and a node image (scripts/build-k3s-image.sh);
 * without them the tests say why and are skipped — unless TWIN_E2E=required (as in .ci/run),
 * where a missing piece fails the run.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { k3dEngine } from '../../src/engines/k3d/engine.js';
import { nodeThrottle } from '../../src/engines/k3d/throttle.js';
import { loadClusterFile } from '../../src/load/cluster.js';
import type { RunReport } from '../../src/report/report.js';
import { renderComparison } from '../../src/report/compare.js';
import { repoRoot } from '../helpers/cli.js';

const availability = await k3dEngine.available();
const required = process.env['TWIN_E2E'] === 'required';
const skipped =
  process.env['TWIN_E2E'] === 'skip' ? 'TWIN_E2E=skip' : availability.available ? null : (availability.reason ?? 'engine k3d unavailable');
if (skipped && !required) console.log(`e2e on real K3s skipped: ${skipped}`);

const out = mkdtempSync(join(tmpdir(), 'twin-e2e-'));
const cluster = await loadClusterFile(join(repoRoot, 'test/e2e/cluster.yaml'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function reportsOf(name: string): RunReport[] {
  const dir = join(out, name);
  return readdirSync(dir)
    .sort()
    .map((run) => JSON.parse(readFileSync(join(dir, run, 'report.json'), 'utf8')) as RunReport);
}

describe.skipIf(skipped !== null && !required)('the model against real K3s (engine sim,k3d)', () => {
  it('the engine is available', () => {
    expect(skipped, `engine k3d: ${skipped}`).toBeNull();
  });

  it.each(['worker-power-loss', 'control-plane-down', 'rancher-down', 'oom-pressure'])(
    '%s: both engines meet the expectations and the report compares them',
    async (name) => {
      const run = await execa(
        process.execPath,
        ['bin/twin.js', 'run', `test/e2e/${name}.ts`, '--engine', 'sim,k3d', '--quiet', '--out', out],
        { cwd: repoRoot, reject: false, env: { NO_COLOR: '1' } },
      );
      const reports = reportsOf(name);
      const real = reports.find((r) => r.engine === 'k3d');
      if (real?.comparison) console.log(`\n${name}\n${renderComparison(real.comparison)}`);
      expect(run.stderr).not.toMatch(/Error|internal/);
      expect(reports.map((r) => r.engine).sort()).toEqual(['k3d', 'sim']);
      for (const report of reports) {
        const failed = report.expectations
          .filter((v) => v.status === 'fail')
          .map((v) => `${report.engine}: ${v.description}: ${v.observed} (${v.explanation})`);
        expect(failed).toEqual([]);
      }
      expect(run.exitCode).toBe(0);
      // The comparison names every fault's key moments; what the model predicts happened on the real cluster too.
      expect(real?.comparison?.moments.length).toBeGreaterThan(0);
      for (const moment of real?.comparison?.moments ?? [])
        expect(moment.real === null, `${moment.what} after ${moment.anchor}`).toBe(moment.model === null);
      // Series are sampled on the real cluster as on the model.
      expect(real?.timeline.series.times.length).toBeGreaterThan(10);
      expect(Object.keys(real?.timeline.series.nodes ?? {}).sort()).toEqual(['dcn1', 'dcn2', 'dcn3']);
      // Each kubelet reports its board's usable memory, as on a Pi (and as the model's capacity).
      for (const node of cluster.nodes.filter((n) => n.role === 'server' || n.role === 'agent')) {
        const expected =
          Math.floor(nodeThrottle(node, cluster, { singleCoreEvents: null, cores: 2, source: 'test' }).memoryBytes / 1024) * 1024;
        expect(real?.timeline.series.nodes[node.name]?.capacityMemory, `${node.name} memory capacity`).toBe(expected);
      }
    },
    40 * 60_000,
  );
});
