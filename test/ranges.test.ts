/**
 * How sure is the prediction (runner/ranges.ts): the sim run is repeated with each of the model's
 * estimates at its low and high. The estimates are injected here (or come from a test profile's
 * `low`/`high`), so these tests do not depend on the ranges the settings table ships.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { clusterEstimates, settingEstimate, withEstimate, type Estimate } from '../src/model/estimates.js';
import { compareRuns, renderComparison } from '../src/report/compare.js';
import { renderHtml } from '../src/report/html.js';
import { renderMarkdown } from '../src/report/markdown.js';
import { reportJson } from '../src/report/report.js';
import type { RunReport } from '../src/report/types.js';
import { bisectionSteps } from '../src/runner/ranges.js';
import { runScenario } from '../src/runner/run-scenario.js';
import { loadScenarioFile, type LoadedScenario } from '../src/scenario/load.js';
import type { Cluster } from '../src/model/cluster.js';
import { twin } from './helpers/cli.js';

const file = 'test/fixtures/ranges/start-time.ts';

/** Only k3sServerStartTime, with the given range (seconds); the profile's boot-time range is left out. */
const startTimeOnly =
  (range: readonly [number, number]) =>
  (cluster: Cluster): Estimate[] => {
    const estimate = settingEstimate(cluster, 'k3sServerStartTime', range);
    return estimate ? [estimate] : [];
  };

let scenario: LoadedScenario;
beforeAll(async () => {
  scenario = await loadScenarioFile(file);
});

const verdict = (report: RunReport, id: string) => report.expectations.find((v) => v.id === id)!;

describe('range sweep', () => {
  it('gives an expectation that hangs on the K3s start time a range around its value, wider for a wider range', async () => {
    const narrow = await runScenario(scenario, { ranges: { estimates: startTimeOnly([25, 35]) } });
    const wide = await runScenario(scenario, { ranges: { estimates: startTimeOnly([15, 60]) } });
    const point = await runScenario(scenario, { ranges: false });
    // bring-up-within measures when the workloads were ready, seconds after power-on.
    const value = point.bringUp.workloadsReady!;
    for (const report of [narrow, wide]) {
      const range = verdict(report, 'bringup').range!;
      expect(range.unit).toBe('seconds');
      expect(range.low).toBeLessThanOrEqual(value + 1e-3);
      expect(range.high).toBeGreaterThanOrEqual(value - 1e-3);
      expect(range.high).toBeGreaterThan(range.low);
    }
    const [n, w] = [verdict(narrow, 'bringup').range!, verdict(wide, 'bringup').range!];
    expect(w.low).toBeLessThan(n.low);
    expect(w.high).toBeGreaterThan(n.high);
    expect(narrow.ranges?.estimates.map((e) => e.id)).toEqual(['k3sServerStartTime']);
    // The key moment "bring-up done" spans the same as the expectation that measures it.
    const done = wide.ranges!.moments.find((m) => m.what.startsWith('workloads ready'))!;
    expect(done.range).toMatchObject({ low: w.low, high: w.high });
  });

  it('names the estimate that flips a verdict and where, within one bisection step', async () => {
    const range = [15, 120] as const;
    const report = await runScenario(scenario, { ranges: { estimates: startTimeOnly(range) } });
    const bringUp = verdict(report, 'bringup');
    expect(bringUp.status).toBe('pass');
    const [flip] = bringUp.sensitivity!;
    expect(flip).toMatchObject({ estimate: 'k3sServerStartTime', direction: 'above' });
    expect(flip!.text).toMatch(
      /^passes unless k3s server start until the API answers \(k3sServerStartTime\) is longer than (\d+m)?(\d+s)?$/,
    );
    // Bisection halves (high − value) `bisectionSteps` times.
    expect(flip!.within).toBeCloseTo((range[1] - 30) / 2 ** bisectionSteps, 6);
    const estimate = settingEstimate(scenario.cluster, 'k3sServerStartTime', range)!;
    const at = async (value: number) => {
      const run = await runScenario({ ...scenario, cluster: withEstimate(scenario.cluster, estimate, value) }, { ranges: false });
      return verdict(run, 'bringup').status;
    };
    expect(await at(flip!.flipsAt - flip!.within)).toBe('pass');
    expect(await at(flip!.flipsAt + flip!.within)).toBe('fail');
    // A verdict no estimate moves has no flip.
    expect(verdict(report, 'notready').sensitivity).toEqual([]);
  });

  it('reads estimates from the profiles the cluster uses by default, and none for an overridden setting', () => {
    const estimates = clusterEstimates(scenario.cluster, { k3sServerStartTime: [15, 60] });
    expect(estimates.map((e) => e.id)).toEqual(['k3sServerStartTime', 'pi4b-ranged:bootTime']);
    expect(estimates[1]).toMatchObject({ value: 20, low: 15, high: 60, unit: 'seconds' });
    const overridden = { ...scenario.cluster, settings: { ...scenario.cluster.settings, k3sServerStartTime: 45 } };
    expect(clusterEstimates(overridden, { k3sServerStartTime: [15, 60] }).map((e) => e.id)).toEqual(['pi4b-ranged:bootTime']);
  });

  it('changes a profile figure on every node of that profile, storage and network included', () => {
    const [boot] = clusterEstimates(scenario.cluster, {});
    const changed = withEstimate(scenario.cluster, boot!, 45);
    for (const node of changed.nodes) {
      expect(node.profile.spec.bootTime.value).toBe(45);
      expect(node.profile.spec.storage).toContain(node.storage);
    }
    expect(scenario.cluster.nodes[0]!.profile.spec.bootTime.value).toBe(20);
  });

  it('skips the low and high runs of a setting the run never reads, and says so', async () => {
    // No container crashes in this scenario, so the kubelet's CrashLoopBackOff cap is never read.
    const estimates = (cluster: Cluster) =>
      [settingEstimate(cluster, 'k3sServerStartTime', [25, 35]), settingEstimate(cluster, 'crashLoopBackOffMax', [150, 600])].filter(
        (e): e is Estimate => e !== null,
      );
    const report = await runScenario(scenario, { ranges: { estimates } });
    expect(report.ranges!.notRead).toEqual(['crashLoopBackOffMax']);
    // 1 run watching the settings, low and high of the start time, all low, all high.
    expect(report.ranges!.runs).toBe(5);
    const alone = await runScenario(scenario, { ranges: { estimates: startTimeOnly([25, 35]) } });
    expect(verdict(report, 'bringup').range).toEqual(verdict(alone, 'bringup').range);
  });

  it('keeps report.json byte-identical for the same scenario and seed', async () => {
    const options = { ranges: { estimates: startTimeOnly([15, 120]) } };
    const [a, b] = [await runScenario(scenario, options), await runScenario(scenario, options)];
    expect(a.ranges?.runs).toBeGreaterThan(1);
    expect(reportJson(a)).toBe(reportJson(b));
  });

  it("shows the model's spread beside the other run in a model-vs-real comparison", async () => {
    const model = await runScenario(scenario, { ranges: { estimates: startTimeOnly([15, 120]) } });
    const other = await runScenario(scenario, { ranges: false });
    const moment = compareRuns(model, other).moments.find((m) => m.what === 'a1 NotReady')!;
    const swept = model.ranges!.moments.find((m) => m.what === 'a1 NotReady')!;
    expect(moment.modelRange).toEqual(swept.range);
    expect(renderComparison(compareRuns(model, other))).toMatch(/\| a1 NotReady \| fault:power \| \d+s \(\d+s–\d+s\) \|/);
    expect(compareRuns(other, model).moments.every((m) => m.modelRange === undefined)).toBe(true);
  });

  it('renders the spread in report.md and a band in report.html', async () => {
    const report = await runScenario(scenario, { ranges: { estimates: startTimeOnly([15, 120]) } });
    const markdown = renderMarkdown(report);
    expect(markdown).toMatch(/\| 2m\d+s \(\d+m\d+s–\d+m\d+s over the model's estimates\) \|/);
    expect(markdown).toContain('## How sure is it?');
    expect(markdown).toMatch(/- bring-up complete \(workloads ready\) within 3m: passes unless k3s server start/);
    const html = renderHtml(report);
    expect(html).toContain("How sure (over the model's estimates)");
    expect(html).toMatch(/<rect [^>]*fill-opacity="0.3" class="range-band"><title>workloads ready \(bring-up done\)/);
    expect(html).toContain('class="range-marker"');
  });
});

describe('twin run and ranges', () => {
  const out = () => mkdtempSync(join(tmpdir(), 'twin-ranges-'));
  const reportOf = (dir: string) => {
    const [run] = readdirSync(join(dir, 'ranged-start-time'));
    return join(dir, 'ranged-start-time', run!);
  };

  it('sweeps the profile ranges by default, prints flips, and --no-ranges leaves them out', () => {
    const dir = out();
    const on = twin(['run', file, '--out', dir]);
    expect(on.code).toBe(0);
    // The terminal names the estimate that turns a verdict around, with the board and the value.
    expect(on.stderr).toMatch(
      /~ bring-up complete \(workloads ready\) within 3m: passes unless boot time of Raspberry Pi 4 .*\(pi4b-ranged\) is longer than \d+s/,
    );
    const json = JSON.parse(readFileSync(join(reportOf(dir), 'report.json'), 'utf8'));
    expect(json.ranges.estimates.map((e: { id: string }) => e.id)).toContain('pi4b-ranged:bootTime');
    expect(json.expectations[0].range).toMatchObject({ unit: 'seconds' });
    expect(readFileSync(join(reportOf(dir), 'report.html'), 'utf8')).toContain('class="range-band"');

    const offDir = out();
    const off = twin(['run', file, '--out', offDir, '--quiet', '--no-ranges']);
    expect(off.code).toBe(0);
    const plain = readFileSync(join(reportOf(offDir), 'report.json'), 'utf8');
    expect(plain).not.toMatch(/"ranges"|"range"|"sensitivity"|"measure"/);
    expect(readFileSync(join(reportOf(offDir), 'report.html'), 'utf8')).not.toContain('range-band');
    expect(existsSync(join(reportOf(offDir), 'report.md'))).toBe(true);
  });

  it('--json carries the ranges', () => {
    const result = twin(['run', file, '--json', '--out', out()]);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.ranges.moments.length).toBeGreaterThan(0);
    expect(json.expectations[0].sensitivity).toBeInstanceOf(Array);
  });
});
