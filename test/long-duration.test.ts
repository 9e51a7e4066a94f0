/**
 * Long runs: a month of virtual time runs in bounded time and gives a bounded report. The sampler
 * keeps at most 2000 points per series, doubling its interval (recorded in the report) as the run
 * grows; the same scenario and seed still give a byte-identical report.json.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { reportJson } from '../src/report/report.js';
import { runScenario } from '../src/runner/run-scenario.js';
import { resolveScenario } from '../src/scenario/load.js';
import type { ScenarioInput } from '../src/scenario/scenario.js';
import { maxSamples } from '../src/sim/sampler.js';
import { twin } from './helpers/cli.js';

const scenario = (duration: string, sampleInterval: number): ScenarioInput => ({
  cluster: 'clusters/edgestack-pi3.ts',
  workloads: ['workloads/edgestack'],
  duration,
  seed: 7,
  faults: [{ id: 'power', kind: 'power-off', node: 'dcn3', at: '1h', for: '30m' }],
  expect: [{ kind: 'node-condition', node: 'dcn3', status: 'Ready', after: 'heal:power', within: '5m' }],
  engine: { sim: { sampleInterval } },
});
const run = async (duration: string, sampleInterval = 10) =>
  runScenario(await resolveScenario(scenario(duration, sampleInterval), 'long.ts', 'scenarios'));

describe('long runs', () => {
  it('720h runs (within the test timeout); report.json stays small, its series at most 2000 evenly spaced points', () => {
    const dir = mkdtempSync(join(process.cwd(), 'test', '.tmp-long-'));
    const month = {
      ...scenario('720h', 10),
      cluster: '../../scenarios/clusters/edgestack-pi3.ts',
      workloads: ['../../scenarios/workloads/edgestack'],
    };
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(
      join(dir, 'month.ts'),
      `import { defineScenario } from 'twin';
export default defineScenario(${JSON.stringify(month)});
`,
    );
    const result = twin(['run', join(dir, 'month.ts'), '--out', join(dir, 'reports'), '--quiet']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const runDir = join(dir, 'reports', 'month', readdirSync(join(dir, 'reports', 'month'))[0]!);
    const json = join(runDir, 'report.json');
    expect(statSync(json).size).toBeLessThan(5 * 1024 * 1024);
    expect(existsSync(join(runDir, 'report.html'))).toBe(true);
    const series = JSON.parse(readFileSync(json, 'utf8')).timeline.series;
    expect(series.times.length).toBeLessThanOrEqual(maxSamples);
    expect(series.times.length).toBeGreaterThan(maxSamples / 2);
    // 720 h of 10 s samples, halved until they fit: the interval is 10 s times a power of two.
    expect(Math.log2(series.interval / 10) % 1).toBe(0);
    expect(series.times.every((t: number, i: number) => Math.abs(t - i * series.interval) < 1e-6)).toBe(true);
    for (const node of Object.values<{ cpu: number[] }>(series.nodes)) expect(node.cpu).toHaveLength(series.times.length);
    for (const ready of Object.values<number[]>(series.workloadsReady)) expect(ready).toHaveLength(series.times.length);
  }, 200_000);

  it('a down-sampled series is the same run, deterministically: byte-identical report.json twice', async () => {
    const first = await run('12h');
    const again = await run('12h');
    expect(reportJson(again)).toBe(reportJson(first));
    const { series } = first.timeline;
    expect(series.interval).toBeGreaterThan(10);
    expect(series.times.length).toBeLessThanOrEqual(maxSamples);
  }, 120_000);

  it('halving keeps exactly the samples a coarser interval takes', async () => {
    const fine = (await run('12h', 10)).timeline.series;
    const coarse = (await run('12h', fine.interval)).timeline.series;
    expect(fine.times).toEqual(coarse.times);
    expect(fine.nodes).toEqual(coarse.nodes);
    expect(fine.workloadsReady).toEqual(coarse.workloadsReady);
  }, 120_000);

  it('short runs are untouched: one sample per interval', async () => {
    const { series } = (await run('2h', 10)).timeline;
    expect(series.interval).toBe(10);
    expect(series.times.length).toBeLessThan(maxSamples);
  }, 120_000);
});
