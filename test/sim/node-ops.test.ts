/**
 * Node maintenance: `kubectl delete node`, the out-of-service taint of non-graceful node shutdown,
 * and orderly shutdowns with and without the kubelet's graceful node shutdown.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { restartK3s } from '../../src/engines/sim/faults.js';
import { applyFault } from '../../src/engines/sim/apply.js';
import type { ResolvedFault } from '../../src/scenario/faults.js';
import { resolveScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/runner/run-scenario.js';
import { podGcCheckPeriod, podGcQuarantineTime } from '../../src/sim/podgc.js';
import type { Simulation } from '../../src/sim/simulation.js';
import { broughtUp, cluster, deployment, eventsAfter, first, podsOf, service } from '../helpers/sim.js';

const nodes = [{ name: 's1', role: 'server' as const }, { name: 'w1' }, { name: 'w2' }, { name: 'w3' }];
const k3s = { k3s: { version: 'v1.31.4+k3s1' } };

function statefulSet(name: string, storageClassName: string): KubernetesObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: 'default' },
    spec: {
      serviceName: name,
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name, image: 'postgres:16-alpine', resources: { requests: { cpu: '100m', memory: '128Mi' } } }] },
      },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { storageClassName, resources: { requests: { storage: '1Gi' } } } }],
    },
  } as KubernetesObject;
}

function apply(sim: Simulation, fault: ResolvedFault): string | undefined {
  return applyFault(sim, fault, 'test');
}

/** The node the workload's first pod runs on. */
function nodeOf(sim: Simulation, key: string): string {
  const pod = podsOf(sim, key).find((p) => p.running);
  if (!pod?.nodeName) throw new Error(`no running pod of ${key}`);
  return pod.nodeName;
}

function readyOn(sim: Simulation, key: string): string[] {
  return podsOf(sim, key)
    .filter((p) => p.apiReady && p.deletionRequestedAt === null)
    .map((p) => p.nodeName as string);
}

describe('delete-node', () => {
  it('removes the pods after the pod GC quarantine, recreates them elsewhere; the node returns only when k3s restarts', () => {
    const sim = broughtUp(cluster(nodes, k3s), [deployment('web', 3), service('web')]);
    const victim = nodeOf(sim, 'Deployment/default/web');
    const onVictim = podsOf(sim, 'Deployment/default/web').filter((p) => p.nodeName === victim);
    const t0 = sim.now;
    expect(apply(sim, { kind: 'delete-node', node: victim })).toBeUndefined();
    expect(first(sim, t0, 'node.deleted', new RegExp(`node/${victim}$`)).t).toBeCloseTo(t0, 3);
    sim.runUntil(t0 + 900);

    // gcOrphaned: a missing Node's pods wait quarantineTime (40 s), checked every gcCheckPeriod (20 s)
    // (KK pkg/controller/podgc/gc_controller.go).
    for (const pod of onVictim) {
      const gc = first(sim, t0, 'pod.terminating', new RegExp(`${pod.name}$`));
      expect(gc.details?.['reason']).toBe('DeletionByPodGC');
      expect(gc.t - t0).toBeGreaterThanOrEqual(podGcQuarantineTime - 0.001);
      expect(gc.t - t0).toBeLessThanOrEqual(podGcQuarantineTime + podGcCheckPeriod + 0.001);
      expect(pod.apiExists).toBe(false);
      // The kubelet there still runs and stops the containers of the deleted pod.
      expect(pod.running).toBe(false);
    }
    // The ReplicaSet recreates them on the nodes that remain.
    expect(readyOn(sim, 'Deployment/default/web')).toHaveLength(3);
    expect(readyOn(sim, 'Deployment/default/web')).not.toContain(victim);

    // A running kubelet does not register its deleted Node again (KK kubelet_node_status.go registerWithAPIServer;
    // kubernetes/kubernetes#71398): still gone 15 minutes later.
    expect(eventsAfter(sim, t0, 'node.registered', new RegExp(`node/${victim}$`))).toHaveLength(0);
    expect(sim.node(victim).registered).toBe(false);

    // k3s restarts: the new kubelet registers the Node at start-up and it becomes Ready.
    const t1 = sim.now;
    restartK3s(sim, sim.node(victim));
    sim.runUntil(t1 + 300);
    first(sim, t1, 'node.registered', new RegExp(`node/${victim}$`));
    expect(sim.node(victim).apiReady).toBe('True');
  });

  it('a kubelet that loses and regains the API still does not register its deleted Node', () => {
    const sim = broughtUp(cluster(nodes, k3s), [deployment('web', 2)]);
    const t0 = sim.now;
    apply(sim, { kind: 'delete-node', node: 'w1' });
    // The API goes away and comes back: w1's kubelet reconnects, but registers only at its own start-up.
    restartK3s(sim, sim.node('s1'));
    sim.runUntil(t0 + 600);
    expect(sim.node('s1').apiReady).toBe('True');
    expect(eventsAfter(sim, t0, 'node.registered', /node\/w1$/)).toHaveLength(0);
  });

  it('fails like kubectl while no API server answers, and for a Node that is already gone', () => {
    const sim = broughtUp(cluster(nodes, k3s), [deployment('web', 2)]);
    sim.stopK3s(sim.node('s1'), 'test');
    expect(apply(sim, { kind: 'delete-node', node: 'w1' })).toMatch(/connection to the API server was refused/);
    expect(sim.node('w1').registered).toBe(true);
    sim.startK3s(sim.node('s1'));
    sim.runUntil(sim.now + 300);
    expect(apply(sim, { kind: 'delete-node', node: 'w1' })).toBeUndefined();
    expect(apply(sim, { kind: 'delete-node', node: 'w1' })).toMatch(/NotFound\): nodes "w1" not found/);
  });
});

describe('out-of-service taint (non-graceful node shutdown)', () => {
  /** Brings up web and a StatefulSet, powers off the StatefulSet's node, waits until it is NotReady. */
  function powerLoss(storageClassName: string) {
    const sim = broughtUp(cluster(nodes, k3s), [deployment('web', 3), service('web'), statefulSet('db', storageClassName)]);
    const victim = nodeOf(sim, 'StatefulSet/default/db');
    sim.powerOff(sim.node(victim), 'test');
    sim.runUntil(sim.now + 90);
    expect(sim.node(victim).apiReady).toBe('Unknown');
    return { sim, victim };
  }

  it('replaces the dead node’s Deployment pods at once and its StatefulSet pod with a network volume', () => {
    const { sim, victim } = powerLoss('nfs-client');
    const webThere = podsOf(sim, 'Deployment/default/web').filter((p) => p.nodeName === victim);
    const t0 = sim.now;
    expect(apply(sim, { kind: 'out-of-service', node: victim })).toBeUndefined();
    sim.runUntil(t0 + 240);
    // The taint manager evicts untolerated pods at once; a terminating pod no longer counts for its ReplicaSet,
    // so the replacement comes now instead of after the 300 s not-ready/unreachable toleration.
    for (const pod of webThere) expect(first(sim, t0, 'pod.terminating', new RegExp(`${pod.name}$`)).t).toBeCloseTo(t0, 3);
    if (webThere.length > 0) expect(first(sim, t0, 'pod.created', /pod\/default\/web-/).t - t0).toBeLessThan(1);
    // gcTerminating force-deletes the terminating pods of a NotReady node with the taint within one gcCheckPeriod
    // (KK pkg/controller/podgc/gc_controller.go; K8sDocs concepts/cluster-administration/node-shutdown).
    const gone = first(sim, t0, 'pod.terminating', /pod\/default\/db-0$/);
    expect(eventsAfter(sim, t0, 'pod.terminating', /pod\/default\/db-0$/).some((e) => e.details?.['force'] === true)).toBe(true);
    expect(gone.t - t0).toBeLessThanOrEqual(podGcCheckPeriod + 0.001);
    // The StatefulSet recreates db-0 once the old object is gone; its volume is detached at once and follows it.
    expect(readyOn(sim, 'StatefulSet/default/db')).toHaveLength(1);
    expect(readyOn(sim, 'StatefulSet/default/db')[0]).not.toBe(victim);
    expect(readyOn(sim, 'Deployment/default/web')).toHaveLength(3);
    // DaemonSet pods do not tolerate the taint automatically (KK pkg/controller/daemon/util/daemonset_util.go):
    // the DaemonSet wants no pod there, so none is recreated for it (none left Pending).
    expect(eventsAfter(sim, t0, 'pod.terminating', /pod\/kube-system\/svclb-/).length).toBeGreaterThan(0);
    expect(eventsAfter(sim, t0, 'pod.created', /pod\/kube-system\/svclb-/)).toHaveLength(0);
  });

  it('without the taint the StatefulSet pod of a dead node is never replaced', () => {
    const { sim } = powerLoss('nfs-client');
    const t0 = sim.now;
    sim.runUntil(t0 + 1800);
    // Evicted after the 300 s toleration, it stays Terminating: nobody confirms the deletion
    // (K8sDocs tasks/run-application/force-delete-stateful-set-pod).
    expect(eventsAfter(sim, t0, 'pod.created', /pod\/default\/db-/)).toHaveLength(0);
    expect(readyOn(sim, 'StatefulSet/default/db')).toHaveLength(0);
  });

  it('a local-path volume cannot follow: the new pod stays Pending on the PersistentVolume’s node affinity', () => {
    const { sim, victim } = powerLoss('local-path');
    const t0 = sim.now;
    apply(sim, { kind: 'out-of-service', node: victim });
    sim.runUntil(t0 + 600);
    first(sim, t0, 'pod.created', /pod\/default\/db-0$/);
    const pending = podsOf(sim, 'StatefulSet/default/db');
    expect(pending.every((p) => p.nodeName === null)).toBe(true);
    expect(first(sim, t0, 'pod.unschedulable', /pod\/default\/db-0$/).message).toMatch(/PersistentVolume's node affinity/);
    // Removing the taint (what `for` does) is a kubectl taint … - as well.
    expect(apply(sim, { kind: 'return-to-service', node: victim })).toBeUndefined();
    expect(sim.node(victim).apiTaints.some((t) => t.key === 'node.kubernetes.io/out-of-service')).toBe(false);
    expect(apply(sim, { kind: 'return-to-service', node: victim })).toMatch(/not found/);
  });
});

describe('orderly shutdown', () => {
  const critical = deployment('critical', 1, { priorityClassName: 'system-cluster-critical' });

  it('with K3s’s defaults (shutdownGracePeriod 0) the pods are not terminated first: they die with the machine', () => {
    const sim = broughtUp(cluster(nodes, k3s), [deployment('web', 3)]);
    const victim = nodeOf(sim, 'Deployment/default/web');
    const t0 = sim.now;
    apply(sim, { kind: 'shutdown', node: victim });
    sim.runUntil(t0 + 120);
    // K3s leaves shutdownGracePeriod unset, so the kubelet's graceful node shutdown is off
    // (K8sDocs concepts/cluster-administration/node-shutdown: both options default to zero).
    expect(eventsAfter(sim, t0, 'node.shutdown')).toHaveLength(0);
    expect(eventsAfter(sim, t0, 'pod.failed')).toHaveLength(0);
    const off = first(sim, t0, 'node.power', new RegExp(`node/${victim}$`));
    expect(off.t - t0).toBeCloseTo(sim.settings.shutdownTime, 3);
    expect(off.message).toMatch(/shut down/);
    // The API still shows them Running until the node lifecycle controller notices.
    expect(podsOf(sim, 'Deployment/default/web').filter((p) => p.nodeName === victim && p.apiPhase === 'Running').length).toBeGreaterThan(
      0,
    );
  });

  it('reboot keeps its timing with graceful shutdown off: power off after shutdownTime, then boot', () => {
    const sim = broughtUp(cluster(nodes, k3s), [deployment('web', 2)]);
    const t0 = sim.now;
    apply(sim, { kind: 'reboot', node: 'w1' });
    sim.runUntil(t0 + 300);
    const power = eventsAfter(sim, t0, 'node.power', /node\/w1$/);
    expect(power.map((e) => e.details?.['on'])).toEqual([false, true]);
    expect(power[0]!.t - t0).toBeCloseTo(sim.settings.shutdownTime, 3);
    expect(sim.node('w1').apiReady).toBe('True');
  });

  it('with shutdownGracePeriod set, the kubelet terminates regular pods, then critical ones, before power-off', () => {
    const settings = { settings: { shutdownGracePeriod: '30s', shutdownGracePeriodCriticalPods: '10s' } };
    const sim = broughtUp(cluster(nodes, { ...k3s, ...settings }), [
      deployment('web', 3, { spec: { terminationGracePeriodSeconds: 60 } }),
      critical,
    ]);
    const victim = nodeOf(sim, 'Deployment/default/critical');
    const regular = podsOf(sim, 'Deployment/default/web').filter((p) => p.nodeName === victim);
    const t0 = sim.now;
    apply(sim, { kind: 'shutdown', node: victim });
    sim.runUntil(t0 + 300);
    first(sim, t0, 'node.shutdown', new RegExp(`node/${victim}$`));
    // The kubelet posts Ready=False, KubeletNotReady "node is shutting down" (KK pkg/kubelet/nodestatus/setters.go).
    const notReady = first(sim, t0, 'node.condition', new RegExp(`node/${victim}$`));
    expect(notReady.details).toMatchObject({ status: 'False', reason: 'KubeletNotReady' });
    expect(notReady.t).toBeCloseTo(t0, 3);
    const off = first(sim, t0, 'node.power', new RegExp(`node/${victim}$`));
    // Pods end Failed "Pod was terminated in response to imminent node shutdown." before the power goes.
    const failed = eventsAfter(sim, t0, 'pod.failed').filter((e) => e.t <= off.t);
    const criticalFailed = failed.find((e) => /critical-/.test(e.subject));
    expect(criticalFailed?.message).toMatch(/imminent node shutdown/);
    for (const pod of regular) {
      const event = failed.find((e) => e.subject.endsWith(pod.name));
      expect(event).toBeDefined();
      // Regular pods first, within shutdownGracePeriod − shutdownGracePeriodCriticalPods (20 s) despite their 60 s.
      expect(event!.t - t0).toBeLessThanOrEqual(20 + 0.001);
      expect(event!.t).toBeLessThanOrEqual(criticalFailed!.t);
    }
    expect(off.t - t0).toBeLessThanOrEqual(30 + sim.settings.shutdownTime + 0.001);
    // Replacements are created on the other nodes while the node shuts down (Failed pods do not count).
    expect(eventsAfter(sim, t0, 'pod.created', /pod\/default\/critical-/)[0]!.t).toBeLessThan(off.t);
    expect(readyOn(sim, 'Deployment/default/critical')).toHaveLength(1);
    expect(readyOn(sim, 'Deployment/default/critical')[0]).not.toBe(victim);
  });
});

describe('node maintenance faults in a scenario', () => {
  const base = { cluster: 'clusters/edgestack-pi3.ts', workloads: ['workloads/edgestack'], duration: '12m', seed: 5 } as const;

  it('out-of-service with `for` removes the taint again; the local-path database cannot leave its node', async () => {
    const scenario = await resolveScenario(
      {
        ...base,
        faults: [
          { id: 'power', at: '1m', kind: 'power-off', node: 'dcn2' },
          { id: 'oos', at: '3m', kind: 'out-of-service', node: 'dcn2', for: '5m' },
        ],
        expect: [{ kind: 'node-condition', node: 'dcn2', status: 'NotReady', after: 'fault:power', within: '2m' }],
      },
      'node-ops.ts',
      'scenarios',
    );
    const report = await runScenario(scenario);
    const taints = report.timeline.events.filter(
      (e) => e.kind === 'node.taint' && e.details?.['key'] === 'node.kubernetes.io/out-of-service',
    );
    expect(taints.map((e) => e.details?.['action'])).toEqual(['added', 'removed']);
    expect(taints[1]!.t - taints[0]!.t).toBeCloseTo(300, 0);
    // postgres-0 is force-deleted within 20 s and recreated, but cannot run anywhere else.
    const gc = report.timeline.events.find(
      (e) => e.kind === 'pod.terminating' && e.subject === 'pod/default/postgres-0' && e.details?.['force'],
    );
    expect(gc).toBeDefined();
    const pending = report.timeline.events.find(
      (e) => e.kind === 'pod.unschedulable' && e.subject === 'pod/default/postgres-0' && e.t >= gc!.t,
    );
    // Its nodeSelector (storage=ssd) and then its volume leave only dcn2, which is down and tainted.
    expect(pending?.message).toMatch(/0\/7 nodes are available/);
    expect(report.timeline.events.some((e) => e.kind === 'pod.ready' && e.subject === 'pod/default/postgres-0' && e.t > gc!.t)).toBe(false);
    expect(report.expectations[0]!.status).toBe('pass');
  });

  it('refuses a Node fault on a machine that runs no kubelet, at its field', async () => {
    await expect(
      resolveScenario(
        {
          ...base,
          faults: [{ at: '1m', kind: 'delete-node', node: 'dcn0' }],
          expect: [{ kind: 'api-available', after: 'start', within: '1m' }],
        },
        'node-ops.ts',
        'scenarios',
      ),
    ).rejects.toThrow(/faults\[0\]\.node.*dcn0" is a rancher machine, not a Kubernetes node/s);
  });
});
