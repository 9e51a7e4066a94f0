/**
 * Deployment availability and rollout progress (K8sDocs concepts/workloads/controllers/deployment/
 * #min-ready-seconds and #progress-deadline-seconds; KK pkg/controller/deployment/progress.go,
 * util/deployment_util.go, pkg/api/v1/pod/util.go IsPodAvailable).
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { broughtUp, cluster, deployment, eventsAfter } from '../helpers/sim.js';
import { rollout } from '../../src/engines/sim/faults.js';
import { createSimulation } from '../../src/sim/index.js';
import { readWorkloads } from '../../src/model/workloads.js';
import type { Timeline } from '../../src/model/timeline.js';
import { resolveExpectations } from '../../src/scenario/expectations.js';
import { judgeAll } from '../../src/scenario/judge.js';

const nodes = [{ name: 's1', role: 'server' as const }, { name: 'w1' }, { name: 'w2' }, { name: 'w3' }];

function web(spec: Record<string, unknown>, requests = { cpu: '50m', memory: '32Mi' }): KubernetesObject {
  const object = deployment('web', 3, { requests }) as KubernetesObject & { spec: Record<string, unknown> };
  Object.assign(object.spec, spec);
  return object;
}

const surgeOne = { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } };

/** Rolls `web` out; returns when each old pod was deleted and when each new pod became Ready. */
function rollOut(spec: Record<string, unknown>) {
  const sim = broughtUp(cluster(nodes), [web(spec)]);
  const t0 = sim.now;
  const old = new Set([...sim.workloadByKey.get('Deployment/default/web')!.pods].map((p) => `pod/default/${p.name}`));
  rollout(sim, 'Deployment/default/web');
  sim.runUntil(t0 + 1200);
  const deleted = eventsAfter(sim, t0, 'pod.terminating', /web/).filter((e) => old.has(e.subject));
  const ready = eventsAfter(sim, t0, 'pod.ready', /web/).filter((e) => !old.has(e.subject));
  return { sim, t0, deleted, ready };
}

describe('minReadySeconds', () => {
  it('an old pod goes only once a new one has been Ready for minReadySeconds (maxUnavailable 0)', () => {
    const fast = rollOut(surgeOne);
    const slow = rollOut({ ...surgeOne, minReadySeconds: 30 });
    expect(slow.deleted).toHaveLength(3);
    // Without minReadySeconds the first old pod goes the moment the first new one is Ready.
    expect(fast.deleted[0]!.t).toBeCloseTo(fast.ready[0]!.t, 3);
    // With it, each old pod waits until a new one has been Ready 30 s (IsPodAvailable).
    for (const [i, deletion] of slow.deleted.entries()) expect(deletion.t - slow.ready[i]!.t).toBeGreaterThanOrEqual(30 - 1e-6);
    // So the whole rollout takes at least 3 × 30 s longer.
    const took = (r: ReturnType<typeof rollOut>) => r.deleted[r.deleted.length - 1]!.t - r.t0;
    expect(took(slow) - took(fast)).toBeGreaterThanOrEqual(90 - 1e-6);
    expect(eventsAfter(slow.sim, slow.t0, 'workload.progressDeadlineExceeded')).toHaveLength(0);
  });
});

describe('progressDeadlineSeconds', () => {
  it('a rollout that makes no progress: Progressing=False, ProgressDeadlineExceeded, after the deadline', () => {
    // Pods that no node can hold stay Pending: the first rollout never completes.
    const sim = createSimulation({
      cluster: cluster(nodes),
      workloads: readWorkloads([web({ progressDeadlineSeconds: 120 }, { cpu: '50m', memory: '64Gi' })]),
      seed: 1,
    });
    sim.runUntil(3600);
    const created = eventsAfter(sim, 0, 'pod.created', /web/);
    const stuck = eventsAfter(sim, 0, 'workload.progressDeadlineExceeded', /Deployment\/web/);
    expect(stuck).toHaveLength(1);
    // deployment_util.go DeploymentTimedOut: lastUpdateTime (the last pod created) + progressDeadlineSeconds.
    expect(stuck[0]!.t - created[created.length - 1]!.t).toBeCloseTo(120, 0);
    expect(stuck[0]!.details).toMatchObject({ reason: 'ProgressDeadlineExceeded', available: 0, desired: 3 });
    // The rollout-stuck expectation is judged on that event alone.
    const timeline = { events: [...sim.events], series: {} as Timeline['series'], duration: 3600 };
    const judge = (within: string) =>
      judgeAll(resolveExpectations([{ kind: 'rollout-stuck', workload: 'Deployment/default/web', within }]), timeline, {
        phaseStart: 0,
        phaseEnd: 3600,
      })[0]!.status;
    expect(judge('10m')).toBe('pass');
    expect(judge(`${Math.floor(stuck[0]!.t) - 1}s`)).toBe('fail');
  });

  it('a completed rollout is not timed out later, even when its pods become unavailable', () => {
    // progress.go syncRolloutStatus: no progress check once the Progressing reason is NewReplicaSetAvailable.
    const sim = broughtUp(cluster(nodes), [web({ progressDeadlineSeconds: 60 })]);
    const t0 = sim.now;
    for (const name of ['w1', 'w2', 'w3']) sim.powerOff(sim.node(name), 'test');
    sim.runUntil(t0 + 1800);
    expect(eventsAfter(sim, 0, 'workload.progressDeadlineExceeded')).toHaveLength(0);
  });
});
