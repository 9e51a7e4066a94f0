import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RunReport } from '../src/report/types.js';
import { runScenario } from '../src/runner/run-scenario.js';
import { lossAnalyser } from '../src/runner/watch-analysis.js';
import { lossRunOf, nodeImpact, rankImpacts, workloadName, type NodeImpact } from '../src/runner/watch-impact.js';
import { loadScenarioFile, resolveScenario } from '../src/scenario/load.js';

// The reducer reads runs of the sim engine itself: seed 000's cluster and workloads, one node's power cut
// and never restored, observed for 15 minutes, as twin watch asks the model for each node.
async function lossOf(node: string): Promise<RunReport> {
  const scenario = await resolveScenario(
    {
      cluster: './clusters/edgestack-pi3.ts',
      workloads: ['./workloads/edgestack'],
      duration: '15m',
      seed: 42,
      faults: [{ id: 'loss', at: '0s', kind: 'power-off', node }],
      expect: [{ kind: 'node-condition', node, status: 'NotReady', after: 'fault:loss', within: '5m' }],
    },
    'watch-loss.ts',
    'scenarios',
  );
  return runScenario(scenario, { ranges: false });
}

const byNode = new Map<string, NodeImpact>();
async function impactOf(node: string): Promise<NodeImpact> {
  const known = byNode.get(node);
  if (known) return known;
  const impact = nodeImpact(lossRunOf(node, await lossOf(node)));
  byNode.set(node, impact);
  return impact;
}

describe('the impact of losing one node, from a sim run', () => {
  it('dcn2: api below its replicas until its replacement is Ready; Postgres never rescheduled', async () => {
    const impact = await impactOf('dcn2');
    expect(impact.apiDownFor).toBeNull();
    const postgres = impact.workloads.find((w) => w.workload === 'StatefulSet/default/postgres');
    expect(postgres).toMatchObject({ desired: 1, minReady: 0, belowFrom: 0, belowFor: 900, restored: false, rescheduled: false });
    expect(postgres?.reason).toMatch(/stays Terminating until dcn2 answers/);
    const api = impact.workloads.find((w) => w.workload === 'Deployment/default/api');
    expect(api).toMatchObject({ desired: 2, minReady: 1, belowFrom: 0, restored: true, rescheduled: true });
    // Counted from the power cut: the 40 s grace, the 300 s NoExecute toleration, then the replacement's start.
    expect(api?.belowFor).toBeGreaterThan(340);
    expect(api?.belowFor).toBeLessThan(900);
    // A DaemonSet's pod belongs to its node: nothing to reschedule.
    expect(impact.workloads.some((w) => w.workload.startsWith('DaemonSet/'))).toBe(false);
    expect(impact.services).toEqual([{ service: 'default/postgres', outageFor: 900, restored: false }]);
    expect(impact.text).toMatch(/^losing dcn2 now would take default\/api below its replicas for \d+m\d+s; default\/postgres would not be/);
  });

  it('the single server: the API is gone, so nothing it ran is rescheduled', async () => {
    const impact = await impactOf('dcn1');
    expect(impact.apiDownFor).toBe(900);
    expect(impact.apiRestored).toBe(false);
    expect(impact.workloads.length).toBeGreaterThan(0);
    for (const w of impact.workloads) expect(w).toMatchObject({ rescheduled: false, reason: 'without the API nothing is rescheduled' });
    expect(impact.text).toMatch(/^losing dcn1 now would stop the Kubernetes API for 15m or more; /);
  });

  it('ranks the server first, then the node with the database, and worker order is stable', async () => {
    const impacts = await Promise.all(['dcn3', 'dcn1', 'dcn2'].map(impactOf));
    const ranked = rankImpacts(impacts);
    expect(ranked.map((i) => i.node)).toEqual(['dcn1', 'dcn2', 'dcn3']);
    expect(ranked[0]!.score).toBeGreaterThan(ranked[1]!.score);
    expect(rankImpacts([...impacts].reverse()).map((i) => i.node)).toEqual(ranked.map((i) => i.node));
  });

  it('reads the shipped worker-power-loss run the same way, healed at 15 m', async () => {
    const report = await runScenario(await loadScenarioFile('scenarios/worker-power-loss.ts'), { ranges: false });
    const impact = nodeImpact(lossRunOf('dcn2', report));
    const postgres = impact.workloads.find((w) => w.workload === 'StatefulSet/default/postgres');
    // Healed after 15 minutes: Postgres comes back on its own node, so it is restored, but it was never started elsewhere.
    expect(postgres?.restored).toBe(true);
    expect(postgres?.belowFor).toBeGreaterThan(900);
    expect(impact.services.find((s) => s.service === 'default/postgres')?.restored).toBe(true);
  });

  it('a node whose loss the model says nothing about hurts nothing', () => {
    const impact = nodeImpact({ node: 'n1', timeline: { events: [] }, faultAt: 10, end: 910 });
    expect(impact).toMatchObject({ score: 0, workloads: [], services: [], apiDownFor: null });
    expect(impact.text).toBe('losing n1 now would hurt nothing the twin models');
    expect(workloadName('Deployment/default/web')).toBe('default/web');
  });
});

describe('each node of a live cluster lost, from its recorded state (whatIf)', () => {
  it('ranks the single server first, then the node holding the StatefulSet and a web replica', async () => {
    const items = (JSON.parse(readFileSync('test/fixtures/whatif/live.json', 'utf8')) as { items: never[] }).items;
    const analysis = await lossAnalyser({ source: 'test/fixtures/whatif/live.json' })(items, new AbortController().signal);
    if ('error' in analysis) throw new Error(analysis.error);
    const ranked = rankImpacts(analysis.impacts);
    expect(ranked.map((i) => i.node)).toEqual(['cp1', 'node3', 'node2', 'node4', 'node5']);
    expect(ranked[0]!.apiDownFor).toBe(900);
    const db = ranked[1]!.workloads.find((w) => w.workload === 'StatefulSet/default/db');
    expect(db).toMatchObject({ rescheduled: false, minReady: 0 });
    expect(ranked[1]!.text).toMatch(
      /^losing node3 now would take default\/web below its replicas for \d+m\d+s; default\/db would not be rescheduled/,
    );
    expect(ranked.slice(3).every((i) => i.score === 0)).toBe(true);
  });

  it('stops between nodes once a newer state replaces this one', async () => {
    const items = (JSON.parse(readFileSync('test/fixtures/whatif/live.json', 'utf8')) as { items: never[] }).items;
    const analysis = await lossAnalyser({ source: 'live.json' })(items, AbortSignal.abort());
    expect(analysis).toEqual({ impacts: [] });
  });
});
