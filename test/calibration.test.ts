import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parse, stringify } from 'yaml';
import { ConfigError } from '../src/errors.js';
import { loadCalibrationFile } from '../src/load/calibration.js';
import { loadClusterFile } from '../src/load/cluster.js';
import { clusterEstimates } from '../src/model/estimates.js';
import { resolveSettings } from '../src/model/settings.js';
import { withoutCalibration } from '../src/model/uncalibrated.js';
import { planCluster } from '../src/plan/plan.js';
import { renderHtml } from '../src/report/html.js';
import { renderMarkdown } from '../src/report/markdown.js';
import { runScenario } from '../src/runner/run-scenario.js';
import { resolveScenario } from '../src/scenario/load.js';
import type { ScenarioInput } from '../src/scenario/scenario.js';
import { createNode } from '../src/sim/state.js';
import { twin } from './helpers/cli.js';
import { profiles } from './helpers/sim.js';

const dir = resolve('test/fixtures/calibration');
const clusterFile = join(dir, 'cluster.yaml');
const measuredFile = join(dir, 'measured.yaml');
const MiB = 1024 * 1024;

function scratch(name: string, content: string): string {
  const where = mkdtempSync(join(tmpdir(), 'twin-calibration-'));
  onTestFinished(() => rmSync(where, { recursive: true, force: true }));
  const file = join(where, name);
  writeFileSync(file, content);
  return file;
}

/** measured.yaml with one change applied to its parsed form. */
function variant(change: (doc: Record<string, any>) => void): string {
  const doc = parse(readFileSync(measuredFile, 'utf8')) as Record<string, any>;
  change(doc);
  return scratch('calibration.yaml', stringify(doc));
}

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loading a calibration', () => {
  it('spec.calibration, relative to the cluster file: node figures by name, pooled profile figures for the rest', async () => {
    const cluster = await loadClusterFile(clusterFile, { profiles });
    const [server, agent, unnamed] = cluster.nodes;
    expect(server?.measured?.k3sStart).toMatchObject({ value: 12, samples: 4, low: 10, high: 15, origin: 'node' });
    expect(agent?.measured?.bootTime).toMatchObject({ value: 24, origin: 'node', measuredOn: ['pi-2'] });
    // pi-3 is not in the file: its profile's pooled agent figures apply (what makes `twin plan` with new boards measured).
    expect(unnamed?.measured?.bootTime).toMatchObject({ value: 25, origin: 'profile', measuredOn: ['pi-2', 'old-pi'] });
    expect(unnamed?.measured?.containerStart).toBeUndefined();
    expect(cluster.calibration?.measuredAt).toBe('2026-11-30T16:00:00Z');
    expect(cluster.calibration?.warnings).toEqual([expect.stringContaining('node "old-pi" is not in this cluster')]);
    expect(cluster.calibration?.nodes.find((n) => n.node === 'pi-1')?.notMeasured).toEqual([
      { figure: 'imagePull', reason: 'no image pulled in the window' },
    ]);
  });

  it('settings: defaults < K3s flags < calibration < spec.settings', async () => {
    expect(resolveSettings(33, {}, { nodeStatusUpdateFrequency: 5 }, { nodeStatusUpdateFrequency: 20 }).nodeStatusUpdateFrequency).toBe(20);
    expect(resolveSettings(33, { nodeStatusUpdateFrequency: 10 }, {}, { nodeStatusUpdateFrequency: 20 }).nodeStatusUpdateFrequency).toBe(
      10,
    );
    const cluster = await loadClusterFile(clusterFile, { profiles });
    expect(cluster.settings.nodeStatusUpdateFrequency).toBe(10); // spec.settings wins over the calibration's 20s
    expect(cluster.settings.evictionHardMemoryAvailable).toBe(100 * MiB);
    expect(cluster.calibration?.settings).toEqual({ evictionHardMemoryAvailable: { model: null, measured: 100 * MiB } });
  });

  it('--calibration overrides spec.calibration for every cluster', async () => {
    const cluster = await loadClusterFile(clusterFile, { profiles, calibration: join(dir, 'plain.yaml') });
    expect(cluster.calibration?.name).toBe('empty');
    expect(cluster.nodes.every((n) => n.measured === undefined)).toBe(true);
    expect(cluster.settings.nodeStatusUpdateFrequency).toBe(10);
  });

  it('a measured node of another role keeps the model (or pooled) figures, with a warning', async () => {
    const file = variant((doc) => (doc.spec.nodes[0].role = 'agent'));
    const cluster = await loadClusterFile(clusterFile, { profiles, calibration: file });
    expect(cluster.nodes[0]?.measured).toBeUndefined();
    expect(cluster.calibration?.warnings).toContainEqual(expect.stringContaining('node "pi-1" was measured as agent but is server here'));
  });

  it('refuses a bad field with one line naming the file, the field and the fix', () => {
    const file = variant((doc) => (doc.spec.nodes[0].figures.k3sStart.value = 'fast'));
    const error = configError(() => loadCalibrationFile(file));
    expect(error.message).toContain('spec.nodes[0].figures.k3sStart.value');
    expect(error.message.split('\n')).toHaveLength(1);
    const inverted = configError(() => loadCalibrationFile(variant((doc) => (doc.spec.nodes[0].figures.k3sStart.low = '20s'))));
    expect(inverted.message).toContain('low is above value');
  });

  it('a missing calibration file names it', async () => {
    const cluster = scratch(
      'cluster.yaml',
      readFileSync(clusterFile, 'utf8').replace('calibration: measured.yaml', 'calibration: nowhere.yaml'),
    );
    const error = await loadClusterFile(cluster, { profiles }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/spec\.calibration.*nowhere\.yaml not found/);
  });
});

describe('the model with a calibration', () => {
  it('node capacity, allocatable and overhead come from the measured figures, not scaled by the CPU factor', async () => {
    const cluster = await loadClusterFile(clusterFile, { profiles });
    const server = createNode(cluster.nodes[0]!, 0, cluster.settings, false);
    expect(server.capacityMemory).toBe(3797 * MiB);
    expect(server.allocatableMemory).toBe(3697 * MiB);
    expect(server.overheadMemory).toBe(1100 * MiB);
    expect(server.overheadCpu).toBe(180);
    expect(server.measuredTimes).toEqual({ bootTime: 21, k3sStart: 12, nodeReady: 4 });
    const plain = createNode(withoutCalibration(cluster).nodes[0]!, 0, withoutCalibration(cluster).settings, false);
    expect(plain.capacityMemory).not.toBe(server.capacityMemory);
    expect(plain.measuredTimes).toEqual({});
  });

  it('twin plan uses the measured memory per node', async () => {
    const cluster = await loadClusterFile(clusterFile, { profiles });
    const plan = planCluster(cluster, [], { skipTolerance: true });
    const server = plan.nodes.find((n) => n.name === 'pi-1');
    expect(server?.capacityMemory).toBe(3797 * MiB);
    expect(plan.nodes.find((n) => n.name === 'pi-3')?.usedMemory).toBeGreaterThanOrEqual(640 * MiB);
  });

  it('the range sweep uses the measured low–high and does not sweep what measurement replaces', async () => {
    const cluster = await loadClusterFile(clusterFile, { profiles });
    const estimates = clusterEstimates(cluster);
    const ids = estimates.map((e) => e.id);
    expect(estimates.find((e) => e.id === 'measured:pi-1:k3sStart')).toMatchObject({ value: 12, low: 10, high: 15 });
    expect(ids).toContain('measured:pi4b-4gb agents:bootTime');
    expect(ids).not.toContain('k3sServerStartTime');
    expect(ids).not.toContain('nodeReadyAfterRegistration');
    expect(ids).not.toContain('pi4b-4gb:bootTime');
    // Single-sample figures have no spread to sweep.
    expect(ids).not.toContain('measured:pi-1:memoryCapacity');
  });
});

function scenario(calibration?: string) {
  const input = {
    name: 'calibrated-faults',
    cluster: './cluster.yaml',
    workloads: [],
    duration: '5m',
    seed: 3,
    faults: [
      { id: 'restart', at: '1m', kind: 'k3s-restart', node: 'pi-1' },
      { id: 'cycle', at: '2m', kind: 'power-off', node: 'pi-3', for: '30s' },
    ],
    expect: [{ kind: 'bring-up-within', within: '5m' }],
  } as unknown as ScenarioInput;
  return resolveScenario(input, 'calibrated.ts', dir, calibration ? { calibration } : {});
}

describe('a run with a calibration', () => {
  it('the API answers again after the measured k3sStart; a power-cycled worker is Ready after boot + k3sStart', async () => {
    const report = await runScenario(await scenario(), { ranges: false });
    const start = report.phase.start;
    const after = (kind: string, from: number, message = '') =>
      report.timeline.events.find((e) => e.kind === kind && e.t - start >= from && e.message.includes(message));
    const api = after('api.available', 60);
    expect((api?.t ?? 0) - start - 60).toBeGreaterThanOrEqual(12 * 0.95);
    expect((api?.t ?? 0) - start - 60).toBeLessThanOrEqual(12 * 1.05);
    const ready = after('node.condition', 150, 'pi-3 is Ready');
    // pi-3's pooled profile figures: boot, then k3s's start to the node's first Ready post (its Node exists, so
    // nodeReady, the registration's wait for the CNI, does not apply); the lease client's first try adds up to ~1 s
    const measured = 25 + 7;
    expect((ready?.t ?? 0) - start - 150).toBeGreaterThanOrEqual(measured * 0.95);
    expect((ready?.t ?? 0) - start - 150).toBeLessThanOrEqual(measured * 1.05 + 1.1);

    const plain = await runScenario(await scenario(join(dir, 'plain.yaml')), { ranges: false });
    const plainApi = plain.timeline.events.find((e) => e.kind === 'api.available' && e.t - plain.phase.start >= 60);
    expect((plainApi?.t ?? 0) - plain.phase.start - 60).toBeGreaterThan(20); // the model's own k3sServerStartTime
  });

  it('report.json, report.md and report.html carry the calibration section', async () => {
    const report = await runScenario(await scenario(), { ranges: false });
    expect(report.calibration?.file).toContain('measured.yaml');
    expect(report.calibration?.cluster).toEqual({ server: 'https://192.168.1.101:6443', context: 'lab' });
    expect(report.calibration?.nodes.map((n) => n.node)).toEqual(['pi-1', 'pi-2', 'pi-3']);
    const markdown = renderMarkdown(report);
    expect(markdown).toContain('## Calibration');
    expect(markdown).toContain('Measured on https://192.168.1.101:6443 (context lab) at 2026-11-30T16:00:00Z');
    expect(markdown).toMatch(/\| pi-3 \| bootTime \| 25s \(22s–28s, 3 samples\) \| its profile, pooled over pi-2, old-pi \|/);
    expect(renderHtml(report)).toContain('<h2>Calibration</h2>');
  });

  it('the k3d engine gets the cluster without its calibration', async () => {
    const cluster = await loadClusterFile(clusterFile, { profiles });
    const real = withoutCalibration(cluster);
    expect(real.calibration).toBeUndefined();
    expect(real.nodes.every((n) => n.measured === undefined)).toBe(true);
    expect(real.settings.evictionHardMemoryAvailable).toBeNull();
    expect(real.settings.nodeStatusUpdateFrequency).toBe(10);
  });
});

describe('twin with --calibration (built CLI)', () => {
  it('validate prints what a calibration changes; a bad field exits 2 with one line', () => {
    const ok = twin(['validate', 'test/fixtures/calibration/cluster.yaml']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('pi-1: k3sStart = 12s (10s–15s, 4 samples) from this node');
    expect(ok.stderr).toContain('node "old-pi" is not in this cluster');
    const bad = variant((doc) => (doc.metadata.measuredAt = 'yesterday'));
    const refused = twin(['validate', 'test/fixtures/calibration/cluster.yaml', '--calibration', bad]);
    expect(refused.code).toBe(2);
    const lines = refused.stderr.trim().split('\n');
    expect(lines.find((l) => l.includes('metadata.measuredAt'))).toBeDefined();
    expect(refused.stderr).not.toMatch(/\n\s+at /);
  });

  it('plan --calibration uses the measured memory; a missing file exits 2', () => {
    const plan = twin([
      'plan',
      'scenarios/clusters/edgestack-pi4.yaml',
      '--json',
      '--calibration',
      'test/fixtures/calibration/measured.yaml',
    ]);
    expect(plan.code === 0 || plan.code === 1).toBe(true);
    const json = JSON.parse(plan.stdout) as { nodes: Array<{ name: string; usedMemory: number }> };
    // dcn2 (a Pi 4 agent) is not in the file: the pooled pi4b-4gb agent figure (640Mi outside pods) applies.
    expect(json.nodes.find((n) => n.name === 'dcn2')?.usedMemory).toBeGreaterThanOrEqual(640 * MiB);
    const missing = twin(['plan', 'scenarios/clusters/edgestack-pi4.yaml', '--calibration', 'nowhere.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nowhere.yaml');
  });

  it('profiles show --calibration puts the measured figures beside the model', () => {
    const shown = twin(['profiles', 'show', 'pi4b-4gb', '--calibration', 'test/fixtures/calibration/measured.yaml']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('Measured on https://192.168.1.101:6443 (context lab) at 2026-11-30T16:00:00Z');
    expect(shown.stdout).toMatch(/k3sStart\s+server\s+node pi-1\s+12s \(10s–15s, 4 samples\)\s+30s/);
    expect(shown.stdout).toMatch(/bootTime\s+agent\s+pooled over pi-2, old-pi\s+25s/);
  });
});
