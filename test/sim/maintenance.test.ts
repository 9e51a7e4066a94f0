/**
 * Maintenance on the model: cordon, drain (kubectl's filters, the Eviction API and
 * PodDisruptionBudgets) and a rolling k3s-upgrade. Sources beside each assertion.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { applyFault } from '../../src/engines/sim/apply.js';
import { readDisruptionBudget } from '../../src/model/disruption-budgets.js';
import { readWorkloads } from '../../src/model/workloads.js';
import type { ResolvedFault } from '../../src/scenario/faults.js';
import { resolveScenario } from '../../src/scenario/load.js';
import { budgetStatus } from '../../src/sim/disruption.js';
import type { Simulation } from '../../src/sim/simulation.js';
import { broughtUp, cluster, deployment, eventsAfter } from '../helpers/sim.js';

const nodes = [{ name: 'cp', role: 'server' as const }, { name: 'a' }, { name: 'b' }];
const budget = (name: string, spec: Record<string, unknown>): KubernetesObject =>
  ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace: 'default' }, spec }) as KubernetesObject;
const daemonSet: KubernetesObject = {
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'agent', namespace: 'default' },
  spec: {
    selector: { matchLabels: { app: 'agent' } },
    template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image: 'busybox:1.36' }] } },
  },
} as KubernetesObject;
const drainAll = { ignoreDaemonSets: true, deleteEmptyDirData: true, force: false, gracePeriod: null, timeout: null };

function apply(sim: Simulation, fault: ResolvedFault): string | undefined {
  return applyFault(sim, fault, 'test');
}

/** Brings the cluster up, then moves every web pod onto node a (cp and b cordoned during a rollout), then reopens b. */
function webOnA(objects: KubernetesObject[]): Simulation {
  const sim = broughtUp(cluster(nodes), objects);
  apply(sim, { kind: 'cordon', node: 'cp' });
  apply(sim, { kind: 'cordon', node: 'b' });
  apply(sim, { kind: 'rollout-restart', workload: 'Deployment/default/web' });
  sim.runUntil(sim.now + 600);
  apply(sim, { kind: 'uncordon', node: 'b' });
  const web = [...sim.workloadByKey.get('Deployment/default/web')!.pods];
  expect(web.map((p) => p.nodeName)).toEqual(['a', 'a']);
  return sim;
}

describe('cordon', () => {
  it('adds the unschedulable taint: new pods go elsewhere, running pods stay', () => {
    const sim = broughtUp(cluster(nodes), [deployment('web', 2)]);
    const before = [...sim.workloadByKey.get('Deployment/default/web')!.pods];
    const t = sim.now;
    expect(apply(sim, { kind: 'cordon', node: 'a' })).toBeUndefined();
    // spec.unschedulable → node.kubernetes.io/unschedulable:NoSchedule
    // (K8sDocs reference/labels-annotations-taints#node-kubernetes-io-unschedulable).
    expect(sim.node('a').apiTaints).toContainEqual({ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' });
    expect(eventsAfter(sim, t, 'node.cordon', /node\/a$/)[0]?.details).toEqual({ unschedulable: true });
    apply(sim, { kind: 'scale', workload: 'Deployment/default/web', replicas: 6 });
    sim.runUntil(sim.now + 300);
    const after = [...sim.workloadByKey.get('Deployment/default/web')!.pods];
    // Cordoning does not evict (K8sDocs architecture/nodes#manual-node-administration): the pods already there stay.
    for (const pod of before) expect(after).toContain(pod);
    expect(after.filter((p) => !before.includes(p)).map((p) => p.nodeName)).not.toContain('a');
    expect(after.filter((p) => !before.includes(p))).toHaveLength(6 - before.length);
  });

  it('fails like kubectl while no API server answers, and on a host that is not a node', () => {
    const sim = broughtUp(cluster([...nodes, { name: 'nas', role: 'external' }]), [deployment('web', 1)]);
    expect(apply(sim, { kind: 'cordon', node: 'nas' })).toMatch(/nodes "nas" not found/);
    sim.stopK3s(sim.node('cp'), 'test');
    expect(apply(sim, { kind: 'cordon', node: 'a' })).toMatch(/kubectl cordon a failed: the connection to the API server was refused/);
    expect(sim.node('a').apiTaints.some((t) => t.key === 'node.kubernetes.io/unschedulable')).toBe(false);
  });
});

describe('drain', () => {
  it('honours a PodDisruptionBudget: the second pod goes only once the first replacement is Ready', () => {
    const sim = webOnA([deployment('web', 2), budget('web', { minAvailable: 1, selector: { matchLabels: { app: 'web' } } })]);
    const [first, second] = [...sim.workloadByKey.get('Deployment/default/web')!.pods].sort((x, y) => x.name.localeCompare(y.name));
    const t = sim.now;
    expect(apply(sim, { kind: 'drain', node: 'a', ...drainAll })).toBeUndefined();
    sim.runUntil(sim.now + 900);
    const terminating = (name: string) => eventsAfter(sim, t, 'pod.terminating', new RegExp(`/${name}$`))[0]!.t;
    // The Eviction API answers 429 while disruptionsAllowed = 0 (KK pkg/registry/core/pod/storage/eviction.go).
    expect(eventsAfter(sim, t, 'pod.evictionBlocked').map((e) => e.subject)).toEqual([`pod/default/${second!.name}`]);
    expect(terminating(first!.name)).toBeCloseTo(t, 3);
    const replacementReady = eventsAfter(sim, t, 'pod.ready', /pod\/default\/web-/)[0]!.t;
    expect(terminating(second!.name)).toBeGreaterThanOrEqual(replacementReady);
    // kubectl retries a refused eviction every 5 s (kubernetes/kubectl pkg/cmd/drain/drain.go EvictErrorRetryDelay).
    expect(terminating(second!.name) - replacementReady).toBeLessThanOrEqual(5);
    const retriedAfter = terminating(second!.name) - t;
    expect(Math.abs(retriedAfter - 5 * Math.round(retriedAfter / 5))).toBeLessThan(0.01);
    const finished = eventsAfter(sim, t, 'node.drain').find((e) => e.details?.['state'] === 'finished');
    expect(finished).toBeDefined();
    expect([...sim.node('a').pods].filter((p) => p.workload.spec.kind !== 'DaemonSet')).toEqual([]);
  });

  it('leaves DaemonSet pods where they are', () => {
    const sim = webOnA([deployment('web', 2), daemonSet]);
    const agent = [...sim.workloadByKey.get('DaemonSet/default/agent')!.pods].find((p) => p.nodeName === 'a')!;
    const t = sim.now;
    apply(sim, { kind: 'drain', node: 'a', ...drainAll });
    sim.runUntil(sim.now + 600);
    // kubectl drain --ignore-daemonsets skips them (kubectl pkg/drain/filters.go daemonSetFilter).
    expect(agent.apiExists && agent.deletionRequestedAt === null).toBe(true);
    expect(eventsAfter(sim, t, 'pod.terminating', /pod\/default\/agent-/)).toEqual([]);
  });

  it('without ignoreDaemonSets: false it refuses the node, as kubectl without --ignore-daemonsets', () => {
    const sim = broughtUp(cluster(nodes), [deployment('web', 2), daemonSet]);
    const failed = apply(sim, { kind: 'drain', node: 'a', ...drainAll, ignoreDaemonSets: false });
    expect(failed).toMatch(/cannot delete DaemonSet-managed Pods \(use --ignore-daemonsets to ignore\): default\/agent-/);
  });

  it('refuses a pod with an emptyDir volume without deleteEmptyDirData: the node stays cordoned, nothing is evicted', () => {
    const scratch = deployment('cache', 1, { spec: { volumes: [{ name: 'scratch', emptyDir: {} }] } });
    const sim = broughtUp(cluster([{ name: 'cp', role: 'server' }, { name: 'a' }]), [scratch]);
    const node = sim.workloadByKey.get('Deployment/default/cache')!.pods.values().next().value!.nodeName!;
    const t = sim.now;
    const failed = apply(sim, { kind: 'drain', node, ...drainAll, deleteEmptyDirData: false });
    // kubectl pkg/drain/filters.go localStorageFilter: "cannot delete Pods with local storage (use --delete-emptydir-data to override)".
    expect(failed).toMatch(
      /^kubectl drain failed: cannot delete Pods with local storage \(use --delete-emptydir-data to override\): .*default\/cache-/,
    );
    // kubectl drain cordons first (pkg/cmd/drain/drain.go RunDrain), so the node stays cordoned.
    expect(sim.node(node).apiTaints.some((x) => x.key === 'node.kubernetes.io/unschedulable')).toBe(true);
    sim.runUntil(sim.now + 120);
    expect(eventsAfter(sim, t, 'pod.terminating')).toEqual([]);
  });

  it('refuses a bare pod without force, evicts it with force', () => {
    const bare = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'lonely', namespace: 'default' },
      spec: { nodeName: undefined, containers: [{ name: 'c', image: 'busybox:1.36' }] },
    } as unknown as KubernetesObject;
    const sim = broughtUp(cluster([{ name: 'cp', role: 'server' }]), [bare]);
    expect(apply(sim, { kind: 'drain', node: 'cp', ...drainAll })).toMatch(
      /cannot delete Pods that declare no controller \(use --force to override\): default\/lonely/,
    );
    expect(apply(sim, { kind: 'drain', node: 'cp', ...drainAll, force: true })).toBeUndefined();
    sim.runUntil(sim.now + 120);
    // Nothing recreates a pod without a controller.
    expect(sim.workloadByKey.get('Pod/default/lonely')!.pods.size).toBe(0);
  });

  it('times out against a budget that never allows a disruption (minAvailable 100%)', () => {
    const sim = webOnA([deployment('web', 2), budget('web', { minAvailable: '100%', selector: { matchLabels: { app: 'web' } } })]);
    const t = sim.now;
    apply(sim, { kind: 'drain', node: 'a', ...drainAll, timeout: 120 });
    sim.runUntil(sim.now + 600);
    const end = eventsAfter(sim, t, 'node.drain').find((e) => e.details?.['state'] !== 'started')!;
    expect(end.details?.['state']).toBe('timedOut');
    expect(end.t - t).toBeCloseTo(120, 3);
    expect(eventsAfter(sim, t, 'pod.evictionBlocked')).toHaveLength(2);
    expect(eventsAfter(sim, t, 'pod.terminating', /pod\/default\/web-/)).toEqual([]);
  });
});

describe('PodDisruptionBudget status (KK pkg/controller/disruption/disruption.go)', () => {
  const statusOf = (spec: Record<string, unknown>) => {
    const sim = broughtUp(cluster(nodes), [deployment('web', 3)]);
    return budgetStatus(
      readDisruptionBudget(budget('web', { selector: { matchLabels: { app: 'web' } }, ...spec }) as never),
      sim.workloads,
    );
  };

  it('rounds percentages up, for minAvailable and maxUnavailable alike (getExpectedPodCount, roundUp = true)', () => {
    expect(statusOf({ minAvailable: '50%' })).toEqual({ expectedPods: 3, desiredHealthy: 2, currentHealthy: 3, disruptionsAllowed: 1 });
    // maxUnavailable 50 % of 3 = ceil(1.5) = 2 → desiredHealthy 1.
    expect(statusOf({ maxUnavailable: '50%' })).toEqual({ expectedPods: 3, desiredHealthy: 1, currentHealthy: 3, disruptionsAllowed: 2 });
    expect(statusOf({ minAvailable: 3 }).disruptionsAllowed).toBe(0);
    // Neither set: expectedCount stays 0, so no disruption is allowed (updatePdbStatus).
    expect(statusOf({}).disruptionsAllowed).toBe(0);
  });

  it('is read from manifests, no longer listed as not modelled', () => {
    const set = readWorkloads([budget('web', { maxUnavailable: 1, selector: { matchLabels: { app: 'web' } } })]);
    expect(set.notModelled).toEqual([]);
    expect(set.disruptionBudgets[0]).toMatchObject({ key: 'default/web', maxUnavailable: 1, minAvailable: null });
  });
});

describe('k3s-upgrade', () => {
  it('upgrades one node at a time, servers first, each cordoned, drained, restarted and uncordoned', () => {
    const sim = broughtUp(cluster(nodes), [deployment('web', 2)]);
    const t = sim.now;
    expect(apply(sim, { kind: 'k3s-upgrade', version: 'v1.34.1+k3s1', concurrency: 1, drain: true })).toBeUndefined();
    sim.runUntil(sim.now + 3600);
    const k3s = eventsAfter(sim, t, 'node.k3s').filter((e) => ['upgrading', 'upgraded'].includes(String(e.details?.['state'])));
    expect(k3s.map((e) => `${e.subject} ${e.details?.['state']}`)).toEqual([
      'node/cp upgrading',
      'node/cp upgraded',
      'node/a upgrading',
      'node/a upgraded',
      'node/b upgrading',
      'node/b upgraded',
    ]);
    for (const e of k3s) expect(e.details?.['version']).toBe('v1.34.1+k3s1');
    expect(k3s.filter((e) => e.details?.['state'] === 'upgraded').every((e) => e.details?.['kubeletVersion'] === 'v1.34.1+k3s1')).toBe(
      true,
    );
    // Each node is drained before its k3s restarts, and schedulable again at the end.
    for (const name of ['cp', 'a', 'b']) {
      const drained = eventsAfter(sim, t, 'node.drain', new RegExp(`node/${name}$`)).find((e) => e.details?.['state'] === 'finished')!;
      const stopped = eventsAfter(sim, t, 'node.k3s', new RegExp(`node/${name}$`)).find((e) => e.details?.['state'] === 'stopped')!;
      expect(drained.t).toBeLessThan(stopped.t);
      expect(sim.node(name).apiTaints.some((x) => x.key === 'node.kubernetes.io/unschedulable')).toBe(false);
    }
    expect(eventsAfter(sim, t, 'upgrade.finished')[0]?.details).toMatchObject({ state: 'finished', nodes: 3 });
  });

  it('is refused at load when it skips a minor version, downgrades, or names a host without k3s', async () => {
    const scenario = (fault: Record<string, unknown>) =>
      resolveScenario(
        {
          cluster: 'clusters/edgestack-pi3.ts',
          workloads: ['workloads/edgestack'],
          duration: '10m',
          faults: [{ at: '1m', kind: 'k3s-upgrade', ...fault }],
          expect: [{ kind: 'api-stays-available' }],
        } as never,
        'upgrade.ts',
        'scenarios',
      );
    // The API server moves one minor version at a time (K8sDocs releases/version-skew-policy#supported-component-upgrade-order).
    await expect(scenario({ version: 'v1.33.1+k3s1' })).rejects.toThrow(/runs v1\.31\.4\+k3s1: v1\.33\.1\+k3s1 skips a minor version/);
    await expect(scenario({ version: 'v1.30.9+k3s1' })).rejects.toThrow(/K3s cannot be downgraded/);
    await expect(scenario({ version: 'v1.32.3+k3s1', nodes: ['dcn0'] })).rejects.toThrow(/dcn0 runs no k3s \(role rancher\)/);
    await expect(scenario({ version: 'latest' })).rejects.toThrow(/"latest" is not a K3s release/);
    await expect(scenario({ version: 'v1.32.3+k3s1' })).resolves.toBeDefined();
  });
});
