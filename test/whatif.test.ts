import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareLiveStart, settleLiveStart } from '../src/engines/sim/live-start.js';
import { readLiveCluster } from '../src/import/kubeconfig.js';
import { importDefault } from '../src/load/modules.js';
import { createSimulation } from '../src/sim/index.js';
import { liveClusterFromObjects, whatIf, type LiveCluster } from '../src/runner/whatif.js';
import type { ScenarioInput } from '../src/scenario/scenario.js';
import { startLiveServer, type LiveServer } from './helpers/live-server.js';

// test/fixtures/whatif/live.json: cp1 (server), node2, node3 Ready; node4 cordoned; node5 Ready=Unknown with the
// unreachable taints. web (3 replicas) runs 2 pods on node2 and 1 on node3 (not what the default spreading would
// pick); db-0 runs on node3 with 4 restarts and its local-path volume there.
const boards = Object.fromEntries(['cp1', 'node2', 'node3', 'node4', 'node5'].map((n) => [n, 'pi4b-8gb']));
let api: LiveServer;
let live: LiveCluster;

beforeAll(async () => {
  api = await startLiveServer('test/fixtures/whatif/live.json');
  const items = await readLiveCluster(api.kubeconfig, 'lab');
  live = liveClusterFromObjects(items, { source: `${api.server} (context lab)`, readAt: '2026-12-01T11:00:00.000Z', boards });
});

afterAll(() => api.close());

describe('the live state', () => {
  it('is read with GET requests only', () => {
    expect(api.requests.length).toBeGreaterThan(0);
    expect(api.requests.filter((r) => !r.startsWith('GET '))).toEqual([]);
  });

  it('holds where pods run, their restarts and readiness, cordons, NotReady nodes and local volumes', () => {
    const { state } = live;
    expect(state.nodes.find((n) => n.name === 'node4')?.unschedulable).toBe(true);
    expect(state.nodes.find((n) => n.name === 'node5')?.ready).toBe('Unknown');
    expect(state.pods.filter((p) => p.workload === 'Deployment/default/web').map((p) => p.node)).toEqual(['node2', 'node2', 'node3']);
    expect(state.pods.find((p) => p.name === 'db-0')).toMatchObject({ workload: 'StatefulSet/default/db', ordinal: 0, restarts: 4 });
    expect(state.pods.some((p) => p.namespace === 'kube-system')).toBe(false);
    expect(state.volumes).toEqual([{ claim: 'default/data-db-0', volume: 'pvc-5b2e', node: 'node3' }]);
  });

  it('is what the model settles into: pods on their live nodes, restarts carried, NotReady held off, cordoned kept empty', () => {
    const sim = createSimulation({ cluster: live.cluster, workloads: live.workloads, seed: 1 });
    const start = { state: live.state, source: 'lab', readAt: 'now' };
    prepareLiveStart(sim, start);
    expect(sim.runUntilCondition(() => sim.bringUp.workloadsReady !== null, 3600)).not.toBeNull();
    const outcome = settleLiveStart(sim, start);
    const nodesOf = (key: string) => [...(sim.workloadByKey.get(key)?.pods ?? [])].map((p) => p.nodeName).sort();
    expect(nodesOf('Deployment/default/web')).toEqual(['node2', 'node2', 'node3']);
    expect(nodesOf('StatefulSet/default/db')).toEqual(['node3']);
    expect([...(sim.workloadByKey.get('StatefulSet/default/db')?.pods ?? [])].map((p) => p.restarts)).toEqual([4]);
    expect(sim.workloadByKey.get('StatefulSet/default/db')?.volumeNodes.get(0)).toBe('node3');
    expect(sim.node('node5').registered).toBe(false);
    expect(sim.node('node5').powered).toBe(false);
    expect(sim.node('node4').apiTaints.map((t) => t.key)).toContain('node.kubernetes.io/unschedulable');
    expect(outcome).toMatchObject({ nodes: 5, pods: 4, reproduced: 4 });
    expect(outcome.differences).toEqual([
      'node node5: Ready=Unknown live; the twin keeps it powered off (it never registered, so no NotReady Node object)',
    ]);
  });
});

describe('whatIf', () => {
  it('predicts power-off:node3 from now: NotReady ~40 s later, eviction after the 300 s toleration, nothing on node4, node5', async () => {
    const report = await whatIf(live, [{ kind: 'power-off', node: 'node3', at: '0s' }], { duration: '10m' });
    const events = report.timeline.events;
    expect(events[0]?.message).toBe(
      `live state of ${api.server} (context lab) read at 2026-12-01T11:00:00.000Z: 5 nodes, 4 pods; ` +
        'placement reproduced for 4 of 4 pods; 1 difference(s) follow',
    );
    expect(events.every((e) => e.t >= 0)).toBe(true);
    expect(report.phase).toEqual({ start: 0, end: 600 });
    const notReady = events.find((e) => e.kind === 'node.condition' && e.subject === 'node/node3' && e.details?.['status'] !== 'True');
    // kube-controller-manager --node-monitor-grace-period 40 s, less the time since the kubelet's last renewal.
    expect(notReady?.t).toBeGreaterThan(30);
    expect(notReady?.t).toBeLessThanOrEqual(40);
    const noExecute = events.find((e) => e.kind === 'node.taint' && e.subject === 'node/node3' && e.message.includes('NoExecute'));
    const evicted = events.find((e) => e.kind === 'pod.terminating' && e.subject === 'pod/default/db-0');
    expect(evicted && noExecute ? evicted.t - noExecute.t : null).toBeCloseTo(300, 3);
    expect(evicted?.t).toBeLessThan(360);
    const scheduled = events.filter((e) => e.kind === 'pod.scheduled').map((e) => e.details?.['node']);
    expect(scheduled.length).toBeGreaterThan(0);
    expect(scheduled).not.toContain('node4');
    expect(scheduled).not.toContain('node5');
    const node5 = report.timeline.series.nodes['node5']?.powered ?? [];
    expect(node5.length).toBeGreaterThan(0);
    expect(node5.every((p) => p === 0)).toBe(true);
    expect(report.timeline.series.times[0]).toBeGreaterThanOrEqual(0);
    expect(report.timeline.series.times[0]).toBeLessThan(report.timeline.series.interval);
    expect(report.live?.reproduced).toBe(4);
    expect(report.bringUp.workloadsReady).toBeNull();
  });

  it("starts each kubelet's heartbeats in their live phase: NotReady a grace period after the Lease's last renewal", async () => {
    const items = await readLiveCluster(api.kubeconfig, 'lab');
    const noticed = async (renewedAgo: number) => {
      const renewTime = new Date(Date.parse('2026-12-01T11:00:00.000Z') - renewedAgo * 1000).toISOString();
      const lease = { kind: 'Lease', apiVersion: 'coordination.k8s.io/v1', metadata: { name: 'node3', namespace: 'kube-node-lease' } };
      const withLease = [...items, { ...lease, spec: { holderIdentity: 'node3', leaseDurationSeconds: 40, renewTime } }];
      const leased = liveClusterFromObjects(withLease as KubernetesObject[], { source: 'lab', readAt: '2026-12-01T11:00:00.000Z', boards });
      expect(leased.state.nodes.find((n) => n.name === 'node3')?.leaseRenewed).toBe(renewTime);
      const report = await whatIf(leased, [{ kind: 'power-off', node: 'node3', at: '0s' }], { duration: '2m' });
      const event = report.timeline.events.find((e) => e.kind === 'node.condition' && e.subject === 'node/node3');
      return event?.t ?? Infinity;
    };
    // KK pkg/controller/nodelifecycle: Unknown once now − probeTimestamp > 40 s, looked at every 5 s.
    const early = await noticed(9);
    const late = await noticed(1);
    expect(early).toBeGreaterThan(31);
    expect(early).toBeLessThanOrEqual(31 + 5.1);
    expect(late).toBeGreaterThan(39);
    expect(late).toBeLessThanOrEqual(39 + 5.1);
  });

  it('a fault a minute after the read: the heartbeat phase is an estimate, and the sweep states its whole span', async () => {
    const items = await readLiveCluster(api.kubeconfig, 'lab');
    const live = liveClusterFromObjects(items, { source: 'lab', readAt: '2026-12-01T11:00:00.000Z', boards });
    const report = await whatIf(live, [{ kind: 'power-off', node: 'node3', at: '60s' }], { duration: '2m' });
    const notReady = report.ranges?.moments.find((m) => m.what === 'node3 NotReady');
    // 40 s grace (v1.31) − a whole 10 s renewal interval … + a whole 5 s monitor period; the mean phase in the run.
    expect(notReady?.value).toBeCloseTo(37.5, 3);
    expect(notReady?.range).toEqual({ low: 30, high: 45, unit: 'seconds' });
    expect(report.ranges?.estimates.map((e) => e.id)).toEqual(expect.arrayContaining(['heartbeatDueAtLoss', 'nodeMonitorLag']));
    // Anchored on the report's clock: the power cut at t = 60 s; the settling's moments are no prediction.
    expect(notReady?.anchorAt).toBeCloseTo(60, 3);
    expect(report.ranges?.moments.map((m) => m.anchor)).not.toContain('power-on');
    const quick = await whatIf(live, [{ kind: 'power-off', node: 'node3', at: '60s' }], { duration: '2m', ranges: false });
    expect(quick.ranges).toBeUndefined();
    expect(quick.timeline.events).toEqual(report.timeline.events);
  });

  it('puts a StatefulSet pod with no pod live where its local volume is, dashes in its name and all', async () => {
    const text = readFileSync('test/fixtures/whatif/live.json', 'utf8').replace(/"db"/g, '"my-db"').replace(/db-0"/g, 'my-db-0"');
    const { items } = JSON.parse(text) as { items: KubernetesObject[] };
    const withoutPod = items.filter((i) => !(i.kind === 'Pod' && i.metadata?.name === 'my-db-0'));
    expect(withoutPod.length).toBe(items.length - 1);
    const other = liveClusterFromObjects(withoutPod, { source: 'dump', readAt: 'then', boards });
    expect(other.state.volumes.map((v) => [v.claim, v.node])).toEqual([['default/data-my-db-0', 'node3']]);
    const report = await whatIf(other, [], { duration: '1m' });
    expect(report.live?.differences.join('\n')).not.toMatch(/volume default\/data-my-db-0/);
    expect(report.live?.differences.join('\n')).toMatch(/pod default\/my-db-0: in the twin on node3, not live/);
  });

  it('says what it could not reproduce: a pod on a NotReady node, a pod not Ready live', async () => {
    const { items } = JSON.parse(readFileSync('test/fixtures/whatif/live.json', 'utf8')) as { items: KubernetesObject[] };
    const changed = items.map((item) => {
      const pod = item as V1Pod;
      if (pod.metadata?.name === 'web-6d4b9c7f8-t5rjd') return { ...pod, spec: { ...pod.spec, nodeName: 'node5' } };
      if (pod.metadata?.name === 'web-6d4b9c7f8-k2mzp')
        return { ...pod, status: { ...pod.status, conditions: [{ type: 'Ready', status: 'False' }] } };
      return item;
    });
    const other = liveClusterFromObjects(changed as KubernetesObject[], { source: 'dump', readAt: 'then', boards });
    const report = await whatIf(other, [], { duration: '1m' });
    expect(report.live?.reproduced).toBe(3);
    expect(report.live?.differences).toEqual([
      'node node5: Ready=Unknown live; the twin keeps it powered off (it never registered, so no NotReady Node object)',
      expect.stringMatching(/^pod default\/web-6d4b9c7f8-k2mzp: not Ready live, Ready in the twin \(web-/),
      expect.stringMatching(/^pod default\/web-6d4b9c7f8-t5rjd: on node5 live; the twin's web-\S+ is on (cp1|node2|node3)$/),
    ]);
    expect(report.timeline.events[0]?.message).toMatch(/placement reproduced for 3 of 4 pods; 3 difference\(s\) follow$/);
  });

  it("judges a live scenario's expectations", async () => {
    const file = resolve('test/fixtures/whatif/node3-down.mjs');
    const input = (await importDefault(file)) as ScenarioInput;
    const report = await whatIf(live, [], { scenario: { input, file: 'node3-down.mjs', baseDir: resolve('test/fixtures/whatif') } });
    expect(report.scenario.name).toBe('node3-down-now');
    expect(report.expectations.map((v) => [v.id, v.status])).toEqual([
      ['notready', 'pass'],
      ['web-back', 'fail'],
    ]);
  });
});
