import { describe, expect, it } from 'vitest';
import { broughtUp, cluster, deployment, eventsAfter, first, manifests, podsOf, service } from '../helpers/sim.js';

const workers = [{ name: 's1', role: 'server' as const }, { name: 'w1' }, { name: 'w2' }, { name: 'w3' }];
const app = [deployment('web', 3, { requests: { cpu: '50m', memory: '32Mi' } }), service('web')];
const db = manifests(`
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: db, namespace: default }
spec:
  replicas: 1
  serviceName: db
  selector: { matchLabels: { app: db } }
  template:
    metadata: { labels: { app: db } }
    spec:
      nodeSelector: { kubernetes.io/hostname: w1 }
      containers: [{ name: db, image: postgres:16-alpine, resources: { requests: { cpu: 100m, memory: 128Mi } } }]
  volumeClaimTemplates:
    - metadata: { name: data }
      spec: { storageClassName: local-path, accessModes: [ReadWriteOnce], resources: { requests: { storage: 1Gi } } }
`);

function lossOfNodeWithWeb(version: string) {
  const sim = broughtUp(cluster(workers, { k3s: { version } }), app);
  const victim = podsOf(sim, 'Deployment/default/web').find((p) => p.nodeName !== 's1')!.nodeName!;
  const t0 = sim.now;
  sim.powerOff(sim.node(victim), 'test');
  sim.runUntil(t0 + 900);
  return { sim, victim, t0 };
}

describe('worker power loss (derived timeline, calibration.md 1.3)', () => {
  it('≤1.31: NotReady after the 40 s grace, eviction after the 300 s toleration, replacement ready after pull and start', () => {
    const { sim, victim, t0 } = lossOfNodeWithWeb('v1.31.4+k3s1');
    const node = new RegExp(`node/${victim}$`);
    const notReady = first(sim, t0, 'node.condition', node);
    expect(notReady.details?.['status']).toBe('Unknown');
    // 40 s grace ± (10 s lease renew + 5 s monitor period): 30–50 s.
    expect(notReady.t - t0).toBeGreaterThanOrEqual(30);
    expect(notReady.t - t0).toBeLessThanOrEqual(50);
    const noExecute = eventsAfter(sim, t0, 'node.taint', node).find((e) => e.details?.['effect'] === 'NoExecute')!;
    expect(noExecute.details?.['key']).toBe('node.kubernetes.io/unreachable');
    const eviction = first(sim, t0, 'pod.terminating', /pod\/default\/web-/);
    expect(eviction.t - noExecute.t).toBeGreaterThanOrEqual(270);
    expect(eviction.t - noExecute.t).toBeLessThanOrEqual(330);
    // Calibration: 5 min 30 s – 5 min 50 s after power loss.
    expect(eviction.t - t0).toBeGreaterThanOrEqual(330);
    expect(eviction.t - t0).toBeLessThanOrEqual(350);
    const replacement = eventsAfter(sim, eviction.t, 'pod.created', /pod\/default\/web-/)[0]!;
    expect(replacement.details?.['replacement']).toBe(true);
    expect(replacement.t).toBeCloseTo(eviction.t, 2);
    const ready = first(sim, eviction.t, 'pod.ready', new RegExp(replacement.subject.replace(/[/.]/g, '\\$&')));
    expect(ready.t).toBeGreaterThan(eviction.t);
    expect(ready.t - eviction.t).toBeLessThan(120);
    // The dead node's pod never leaves the API: Terminating until the kubelet answers.
    expect(eventsAfter(sim, t0, 'pod.deleted', /pod\/default\/web-/)).toHaveLength(0);
  });

  // The heartbeat phase at the loss (sim/heartbeat-phase.ts): NotReady = grace − interval × (1 − due) + period × lag
  // after the cut, so 30 s to 45 s on v1.31 (40 s grace, 10 s renewals, 5 s passes), 37.5 s at the mean phase,
  // whenever the cut comes.
  it.for([
    [0, 0, 0, 30],
    [0, 1, 0, 35],
    [1, 0, 0, 40],
    [1, 1, 0, 45],
    [0.5, 0.5, 0, 37.5],
    [0.2, 0.7, 0, 35.5],
    [0.5, 0.5, 3.7, 37.5],
    [0, 1, 7.3, 35],
  ] as const)(
    'a loss %s of a renewal before the next, the pass %s of a period after it, %s s on: NotReady %s s after the cut',
    ([due, lag, later, at]) => {
      const settings = { heartbeatDueAtLoss: due, nodeMonitorLag: lag };
      const sim = broughtUp(cluster(workers, { k3s: { version: 'v1.31.4+k3s1' }, settings }), app);
      sim.runUntil(sim.now + later);
      const t0 = sim.now;
      sim.powerOff(sim.node('w2'), 'test');
      sim.runUntil(t0 + 120);
      const notReady = first(sim, t0, 'node.condition', /node\/w2$/);
      expect(notReady.details?.['status']).toBe('Unknown');
      expect(notReady.t - t0).toBeCloseTo(at, 3);
      // Nodes that kept their power stay Ready whatever the phase.
      expect(eventsAfter(sim, t0, 'node.condition', /node\/w[13]$/)).toHaveLength(0);
    },
  );

  it("each loss is in the estimated phase; a node still waiting on the controller's passes keeps them where they are", () => {
    const sim = broughtUp(cluster(workers, { k3s: { version: 'v1.31.4+k3s1' } }), app);
    const cut = (node: string) => {
      sim.powerOff(sim.node(node), 'test');
      return sim.now;
    };
    const after = (kind: string, node: string, t: number) =>
      eventsAfter(sim, t, kind, new RegExp(`node/${node}$`)).find((e) => kind !== 'node.taint' || e.details?.['effect'] === 'NoExecute')!
        .t - t;
    const t1 = cut('w1');
    // w1 is NotReady at 37.5 s and gets its NoExecute taint at the next pass, 42.5 s: a cut in between moves neither.
    sim.runUntil(t1 + 40);
    const t2 = cut('w2');
    sim.runUntil(t2 + 100);
    const t3 = cut('w3');
    sim.runUntil(t3 + 120);
    expect(after('node.condition', 'w1', t1)).toBeCloseTo(37.5, 3);
    expect(after('node.taint', 'w1', t1)).toBeCloseTo(42.5, 3);
    // w2 lost while w1 waited: noticed on w1's passes, within the span.
    expect(after('node.condition', 'w2', t2)).toBeGreaterThanOrEqual(30);
    expect(after('node.condition', 'w2', t2)).toBeLessThanOrEqual(45);
    // Nothing waited when w3 was lost: the mean phase again.
    expect(after('node.condition', 'w3', t3)).toBeCloseTo(37.5, 3);
  });

  it('a share outside 0–1 is refused with the setting named', () => {
    expect(() => cluster(workers, { settings: { nodeMonitorLag: 1.5 } })).toThrow(/nodeMonitorLag/);
  });

  it('≥1.32: the grace period is 50 s', () => {
    const { sim, victim, t0 } = lossOfNodeWithWeb('v1.32.3+k3s1');
    const notReady = first(sim, t0, 'node.condition', new RegExp(`node/${victim}$`));
    expect(notReady.t - t0).toBeGreaterThanOrEqual(40);
    expect(notReady.t - t0).toBeLessThanOrEqual(60);
  });

  it('a Service keeps serving from the other replicas, but loses a share of requests until endpoints drop the dead pod', () => {
    const { sim, victim, t0 } = lossOfNodeWithWeb('v1.31.4+k3s1');
    expect(eventsAfter(sim, t0, 'service.outageStarted', /service\/default\/web/)).toHaveLength(0);
    const series = sim.timeline().series;
    const index = series.times.findIndex((t) => t > t0 + 5);
    expect(series.serviceAvailability['default/web']![index]).toBeCloseTo(2 / 3, 2);
    const after = series.times.findIndex((t) => t > t0 + 60);
    expect(series.serviceAvailability['default/web']![after]).toBe(1);
    expect(victim).not.toBe('s1');
  });

  it('DaemonSet pods are never evicted', () => {
    const { sim, victim, t0 } = lossOfNodeWithWeb('v1.31.4+k3s1');
    const daemonPod = podsOf(sim, 'DaemonSet/kube-system/svclb-traefik').find((p) => p.nodeName === victim)!;
    expect(eventsAfter(sim, t0, 'pod.terminating', new RegExp(daemonPod.name))).toHaveLength(0);
    expect(daemonPod.apiExists).toBe(true);
  });

  it('a StatefulSet pod is not replaced while its node is down, and comes back on the same node', () => {
    const sim = broughtUp(cluster(workers), db);
    const t0 = sim.now;
    expect(podsOf(sim, 'StatefulSet/default/db')[0]!.nodeName).toBe('w1');
    sim.powerOff(sim.node('w1'), 'test');
    sim.runUntil(t0 + 1200);
    const terminating = first(sim, t0, 'pod.terminating', /pod\/default\/db-0/);
    expect(terminating.t - t0).toBeGreaterThan(300);
    expect(eventsAfter(sim, t0, 'pod.created', /pod\/default\/db-/)).toHaveLength(0);
    const [old] = podsOf(sim, 'StatefulSet/default/db');
    expect(old!.deletionRequestedAt).not.toBeNull();
    sim.powerOn(sim.node('w1'), 'test');
    sim.runUntil(t0 + 1800);
    const deleted = first(sim, t0 + 1200, 'pod.deleted', /pod\/default\/db-0/);
    const recreated = first(sim, deleted.t, 'pod.created', /pod\/default\/db-0/);
    expect(recreated.t).toBeCloseTo(deleted.t, 2);
    expect(first(sim, recreated.t, 'pod.scheduled', /pod\/default\/db-0/).details?.['node']).toBe('w1');
  });
});
