import { describe, expect, it } from 'vitest';
import { clusterFromK3sConfigs } from '../../src/import/k3s-config.js';
import { clusterFromDocument } from '../../src/load/cluster.js';
import { broughtUp, cluster, deployment, eventsAfter, first, podsOf, profiles, service } from '../helpers/sim.js';

const nodes = [{ name: 's1', role: 'server' as const }, { name: 'w1' }, { name: 'w2' }, { name: 'w3' }];
const app = [deployment('web', 3, { requests: { cpu: '50m', memory: '32Mi' } }), service('web')];

/** Powers off a worker running a web pod; returns when, and the events after it. */
function workerPowerLoss(c: ReturnType<typeof cluster>) {
  const sim = broughtUp(c, app);
  const victim = podsOf(sim, 'Deployment/default/web').find((p) => p.nodeName !== 's1')!.nodeName!;
  const t0 = sim.now;
  sim.powerOff(sim.node(victim), 'test');
  sim.runUntil(t0 + 600);
  const node = new RegExp(`node/${victim}$`);
  const notReady = first(sim, t0, 'node.condition', node);
  const noExecute = eventsAfter(sim, t0, 'node.taint', node).find((e) => e.details?.['effect'] === 'NoExecute')!;
  const eviction = first(sim, t0, 'pod.terminating', /pod\/default\/web-/);
  return { t0, notReady, noExecute, eviction };
}

describe('K3s component flags change the simulated cluster', () => {
  it('--kube-controller-manager-arg=node-monitor-grace-period=20s: NotReady about 20 s after a worker powers off', () => {
    const flagged = workerPowerLoss(
      cluster(nodes, { k3s: { version: 'v1.31.4+k3s1', serverArgs: ['--kube-controller-manager-arg=node-monitor-grace-period=20s'] } }),
    );
    // K8sDocs reference/command-line-tools-reference/kube-controller-manager: --node-monitor-grace-period is how long a
    // running Node may be unresponsive before it is marked unhealthy. 20 s grace, less up to one 10 s lease renewal
    // interval already elapsed, plus up to one 5 s --node-monitor-period: 10–25 s.
    expect(flagged.notReady.t - flagged.t0).toBeGreaterThanOrEqual(10);
    expect(flagged.notReady.t - flagged.t0).toBeLessThanOrEqual(25);
    const unflagged = workerPowerLoss(cluster(nodes, { k3s: { version: 'v1.31.4+k3s1' } }));
    // The 1.31 default is 40 s (30–50 s after power-off, test/sim/worker-power-loss.test.ts).
    expect(unflagged.notReady.t - unflagged.t0).toBeGreaterThanOrEqual(30);
  });

  it('--kube-apiserver-arg=default-unreachable-toleration-seconds=60: pods are evicted 60 s after the unreachable taint', () => {
    const flagged = workerPowerLoss(
      cluster(nodes, { k3s: { version: 'v1.31.4+k3s1', serverArgs: ['--kube-apiserver-arg=default-unreachable-toleration-seconds=60'] } }),
    );
    // K8sDocs reference/command-line-tools-reference/kube-apiserver: --default-unreachable-toleration-seconds is the
    // tolerationSeconds of the unreachable:NoExecute toleration added to every pod without one (default 300);
    // taint-based eviction (K8sDocs concepts/scheduling-eviction/taint-and-toleration/#taint-based-evictions) evicts
    // when it runs out. 60 s ± the 5 % jitter and the controller's sync.
    expect(flagged.noExecute.details?.['key']).toBe('node.kubernetes.io/unreachable');
    expect(flagged.eviction.t - flagged.noExecute.t).toBeGreaterThanOrEqual(54);
    expect(flagged.eviction.t - flagged.noExecute.t).toBeLessThanOrEqual(70);
  });

  it('twin import round trip: kube-controller-manager-arg in a K3s config.yaml reaches the model', () => {
    const imported = clusterFromK3sConfigs(
      [
        { name: 's1', role: 'server', config: { 'kube-controller-manager-arg': ['node-monitor-grace-period=20s'] }, profile: 'pi4b-4gb' },
        { name: 'w1', role: 'agent', config: { server: 'https://s1:6443' }, profile: 'pi4b-4gb' },
        { name: 'w2', role: 'agent', config: { server: 'https://s1:6443' }, profile: 'pi4b-4gb' },
        { name: 'w3', role: 'agent', config: { server: 'https://s1:6443' }, profile: 'pi4b-4gb' },
      ],
      'config.yaml',
      { defaultProfile: 'pi4b-4gb' },
    );
    const document = imported.cluster as { spec: { k3s: Record<string, unknown> } };
    document.spec.k3s['version'] = 'v1.31.4+k3s1';
    const c = clusterFromDocument(document, 'cluster.yaml', { profiles });
    expect(c.settings.nodeMonitorGracePeriod).toBe(20);
    expect(c.k3sFlags.applied).toEqual([
      {
        flag: '--kube-controller-manager-arg=node-monitor-grace-period=20s',
        field: 'spec.k3s.serverArgs[0]',
        setting: 'nodeMonitorGracePeriod',
        value: '20s',
      },
    ]);
    const run = workerPowerLoss(c);
    expect(run.notReady.t - run.t0).toBeLessThanOrEqual(25);
  });
});

describe('twin import and per-node component flags', () => {
  it('says which host keeps a --kubelet-arg the cluster file cannot hold (one arg list per role, no per-node args)', () => {
    const server = { 'kube-controller-manager-arg': ['node-monitor-grace-period=20s'] };
    const agent = (extra: Record<string, unknown> = {}) => ({ server: 'https://s1:6443', ...extra });
    const imported = clusterFromK3sConfigs(
      [
        { name: 's1', role: 'server', config: server },
        { name: 'w1', role: 'agent', config: agent({ 'kubelet-arg': ['max-pods=50'] }) },
        { name: 'w2', role: 'agent', config: agent({ 'kubelet-arg': ['max-pods=20'] }) },
      ],
      'config.yaml',
      { defaultProfile: 'pi4b-4gb' },
    );
    const spec = (imported.cluster as { spec: { k3s: { agentArgs: string[] } } }).spec;
    expect(spec.k3s.agentArgs).toEqual(['--kubelet-arg=max-pods=50']);
    expect(imported.warnings).toContain(
      'w2: --kubelet-arg=max-pods=20 is not in cluster.yaml (twin keeps one k3s.agentArgs list for the role and has no per-node args)',
    );
    expect(imported.warnings).toContain(
      "w2: does not have --kubelet-arg=max-pods=50, which cluster.yaml's k3s.agentArgs gives every node of its role",
    );
    expect(imported.warnings.filter((w) => w.startsWith('w1') || w.startsWith('s1'))).toEqual([]);
  });
});
