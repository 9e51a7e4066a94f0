import { describe, expect, it } from 'vitest';
import { compareRuns, renderComparison } from '../src/report/compare.js';
import { renderMarkdown } from '../src/report/markdown.js';
import { renderHtml } from '../src/report/html.js';
import type { RunReport } from '../src/report/types.js';
import { runScenarioFile } from '../src/runner/run-scenario.js';

const model = await runScenarioFile('test/e2e/worker-power-loss.ts');

/** The same run with dcn2's NotReady moved `by` seconds later, as a slower real cluster would show it. */
function later(report: RunReport, by: number): RunReport {
  const events = report.timeline.events
    .map((e) => (e.kind === 'node.condition' && e.subject === 'node/dcn2' && e.details?.['status'] !== 'True' ? { ...e, t: e.t + by } : e))
    .sort((a, b) => a.t - b.t);
  return { ...report, engine: 'k3d', timeline: { ...report.timeline, events } };
}

describe('model vs real comparison', () => {
  it("names each fault's key moments as delays from the fault, and agrees with itself", () => {
    const c = compareRuns(model, { ...model, engine: 'k3d' });
    expect(c.moments.map((m) => `${m.what} after ${m.anchor}`)).toEqual([
      'dcn2 NotReady after fault:power',
      'dcn2 tainted NoExecute (unreachable) after fault:power',
      'first pod on dcn2 evicted (Terminating) after fault:power',
      'first replacement pod Ready after fault:power',
      'dcn2 Ready again after heal:power',
    ]);
    const notReady = c.moments[0];
    // The grace period (40 s) after the kubelet's last lease renewal.
    expect(notReady?.model).toBeGreaterThan(30);
    expect(notReady?.model).toBeLessThan(55);
    expect(c.moments.every((m) => m.difference === 0 && m.agrees)).toBe(true);
    expect(c.disagreements).toBe(0);
    expect(c.expectations).toHaveLength(model.expectations.length);
  });

  it('a difference beyond 20 % (and 5 s) is a disagreement; small ones are not', () => {
    const slow = compareRuns(model, later(model, 30));
    expect(slow.moments[0]).toMatchObject({ agrees: false, difference: 30 });
    expect(slow.disagreements).toBeGreaterThanOrEqual(1);
    expect(compareRuns(model, later(model, 3)).moments[0]).toMatchObject({ agrees: true, difference: 3 });
  });

  it('a node that was never shown NotReady has no "Ready again": a heartbeat after its return is not a moment', () => {
    // As when etcd has no quorum: nothing can mark the powered-off server NotReady, so the API shows it Ready throughout.
    const events = model.timeline.events.filter(
      (e) => !(e.kind === 'node.condition' && e.subject === 'node/dcn2' && e.details?.['status'] !== 'True'),
    );
    const stale = { ...model, engine: 'k3d', timeline: { ...model.timeline, events } };
    const again = compareRuns(stale, stale).moments.find((m) => m.what === 'dcn2 Ready again');
    expect(again).toMatchObject({ model: null, real: null, agrees: true });
    expect(compareRuns(model, stale).moments.find((m) => m.what === 'dcn2 Ready again')).toMatchObject({ real: null, agrees: false });
  });

  it('a machine outside Kubernetes has no Node: its moments are the outage of the Services that need it', async () => {
    const nfs = await runScenarioFile('test/e2e/nfs-node-down.ts');
    const c = compareRuns(nfs, { ...nfs, engine: 'k3d' });
    expect(c.moments.map((m) => `${m.what} after ${m.anchor}`)).toEqual([
      'first Service outage (node3 is outside Kubernetes) after fault:nfs',
      'a Service serving again after heal:nfs',
    ]);
    // Three failed readiness probes 10 s apart; back at the first probe after node3 has booted.
    expect(c.moments[0]?.model).toBeCloseTo(30, 0);
    expect(c.moments[1]?.model).toBeGreaterThan(20);
  });

  it('report.md and report.html carry the comparison section', () => {
    const real = { ...later(model, 30), comparison: compareRuns(model, later(model, 30)) };
    const md = renderMarkdown(real);
    expect(md).toContain('## Model vs real (sim against k3d)');
    // The sim column carries the model's range over its estimates beside the point value.
    expect(md).toMatch(/\| dcn2 NotReady \| fault:power \| [\dms]+ \([\dms]+–[\dms]+\) \| [\dms]+ \| \+30 s \(\d+ %\) \| ❌ \|/);
    expect(renderComparison(real.comparison)).toContain('| expectation | sim | k3d |');
    expect(renderHtml(real)).toContain('<h2>Model vs real (sim against k3d)</h2>');
  });
});
