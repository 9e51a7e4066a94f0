/**
 * Deployment strategies as the Deployment controller runs them
 * (K8sDocs concepts/workloads/controllers/deployment/#strategy; kubernetes pkg/controller/deployment
 * recreate.go, rolling.go and util.ResolveFenceposts).
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { broughtUp, cluster, deployment, eventsAfter, podsOf } from '../helpers/sim.js';
import { resolveRollingLimits } from '../../src/model/workloads.js';
import { rollout } from '../../src/engines/sim/faults.js';
import type { Simulation } from '../../src/sim/simulation.js';

const nodes = [{ name: 's1', role: 'server' as const }, { name: 'w1' }, { name: 'w2' }, { name: 'w3' }];
const requests = { cpu: '50m', memory: '32Mi' };

/** A Deployment `web` with this `.spec.strategy`. */
function web(replicas: number, strategy: Record<string, unknown>): KubernetesObject {
  const object = deployment('web', replicas, { requests }) as KubernetesObject & { spec: Record<string, unknown> };
  object.spec['strategy'] = strategy;
  return object;
}

/** Rolls the Deployment out and records the most pods at once and the fewest ready at once. */
function watchRollout(sim: Simulation, key: string): { maxActive: number; minReady: number; t0: number } {
  const t0 = sim.now;
  const workload = sim.workloadByKey.get(key)!;
  const seen = { maxActive: 0, minReady: Infinity, t0 };
  sim.onEvent(() => {
    const active = [...workload.pods].filter((p) => p.deletionRequestedAt === null).length;
    seen.maxActive = Math.max(seen.maxActive, active);
    seen.minReady = Math.min(seen.minReady, sim.controllers.readyCount(workload));
  });
  rollout(sim, key);
  sim.runUntil(t0 + 900);
  return seen;
}

describe('Deployment strategies', () => {
  it('resolves maxSurge up and maxUnavailable down, and never both to 0 (ResolveFenceposts)', () => {
    expect(resolveRollingLimits('25%', '25%', 3)).toEqual({ surge: 1, unavailable: 0 });
    expect(resolveRollingLimits('25%', '25%', 10)).toEqual({ surge: 3, unavailable: 2 });
    expect(resolveRollingLimits(0, '10%', 3)).toEqual({ surge: 0, unavailable: 1 });
    expect(resolveRollingLimits('0%', 0, 5)).toEqual({ surge: 0, unavailable: 1 });
    expect(resolveRollingLimits(2, '50%', 3)).toEqual({ surge: 2, unavailable: 1 });
  });

  it('Recreate: every old pod is gone before the first new one is created — a full outage', () => {
    const sim = broughtUp(cluster(nodes), [web(3, { type: 'Recreate' })]);
    const seen = watchRollout(sim, 'Deployment/default/web');
    const deleted = eventsAfter(sim, seen.t0, 'pod.deleted', /web/);
    const created = eventsAfter(sim, seen.t0, 'pod.created', /web/);
    expect(deleted).toHaveLength(3);
    expect(created).toHaveLength(3);
    // recreate.go: scale the old ReplicaSets down, wait until no old pod runs, then scale up.
    expect(created[0]!.t).toBeGreaterThanOrEqual(Math.max(...deleted.map((e) => e.t)));
    expect(seen.minReady).toBe(0);
    expect(seen.maxActive).toBe(3);
    const pods = podsOf(sim, 'Deployment/default/web');
    expect(pods.every((p) => p.revision === 2 && p.apiReady)).toBe(true);
  });

  it('RollingUpdate with maxSurge 0: one pod down at a time, never more pods than replicas', () => {
    const sim = broughtUp(cluster(nodes), [web(3, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } })]);
    const seen = watchRollout(sim, 'Deployment/default/web');
    expect(seen.maxActive).toBe(3);
    expect(seen.minReady).toBe(2);
    const pods = podsOf(sim, 'Deployment/default/web');
    expect(pods).toHaveLength(3);
    expect(pods.every((p) => p.revision === 2 && p.apiReady)).toBe(true);
  });

  it('RollingUpdate with maxSurge "0%" and maxUnavailable 0 still progresses (maxUnavailable becomes 1)', () => {
    const sim = broughtUp(cluster(nodes), [web(2, { rollingUpdate: { maxSurge: '0%', maxUnavailable: 0 } })]);
    const seen = watchRollout(sim, 'Deployment/default/web');
    expect(seen.maxActive).toBe(2);
    expect(seen.minReady).toBe(1);
    expect(podsOf(sim, 'Deployment/default/web').every((p) => p.revision === 2 && p.apiReady)).toBe(true);
  });

  it('RollingUpdate with maxUnavailable 0: no ready pod is lost during the rollout', () => {
    const sim = broughtUp(cluster(nodes), [web(3, { rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } })]);
    const seen = watchRollout(sim, 'Deployment/default/web');
    expect(seen.maxActive).toBe(4);
    expect(seen.minReady).toBe(3);
    expect(podsOf(sim, 'Deployment/default/web').every((p) => p.revision === 2 && p.apiReady)).toBe(true);
  });
});
