import { describe, expect, it } from 'vitest';
import type { KubernetesObject } from '@kubernetes/client-node';
import { broughtUp, cluster, deployment, eventsAfter, podsOf } from '../helpers/sim.js';
import { readWorkloads } from '../../src/model/workloads.js';
import { rollout } from '../../src/engines/sim/faults.js';

const nodes = [{ name: 's1', role: 'server' as const }, { name: 'w1' }, { name: 'w2' }, { name: 'w3' }];

describe('workload controllers', () => {
  it('a rolling update respects maxSurge and maxUnavailable (25 % of 4: one extra, none missing)', () => {
    const sim = broughtUp(cluster(nodes), [deployment('web', 4, { requests: { cpu: '50m', memory: '32Mi' } })]);
    const t0 = sim.now;
    const workload = sim.workloadByKey.get('Deployment/default/web')!;
    let maxActive = 0;
    let minReady = Infinity;
    sim.onEvent(() => {
      const active = [...workload.pods].filter((p) => p.deletionRequestedAt === null).length;
      maxActive = Math.max(maxActive, active);
      minReady = Math.min(minReady, sim.controllers.readyCount(workload));
    });
    rollout(sim, 'Deployment/default/web');
    sim.runUntil(t0 + 600);
    expect(maxActive).toBe(5);
    expect(minReady).toBeGreaterThanOrEqual(3);
    const pods = podsOf(sim, 'Deployment/default/web');
    expect(pods).toHaveLength(4);
    expect(pods.every((p) => p.revision === 2 && p.apiReady)).toBe(true);
    expect(eventsAfter(sim, t0, 'pod.terminating').filter((e) => e.details?.['reason'] === 'rolling update')).toHaveLength(4);
  });

  it('a Job runs its completions with its parallelism and completes', () => {
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'backup', namespace: 'default' },
      spec: {
        completions: 4,
        parallelism: 2,
        template: {
          metadata: { annotations: { 'twin.dev/run-duration': '60s' } },
          spec: {
            restartPolicy: 'Never',
            containers: [{ name: 'backup', image: 'busybox:1.36', resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
          },
        },
      },
    } as KubernetesObject;
    const sim = broughtUp(cluster(nodes), [job]);
    // The bring-up settles once the Job's pods run (#17 item 6); it completes later.
    const backup = sim.workloadByKey.get('Job/default/backup')!;
    expect(sim.runUntilCondition(() => backup.complete, sim.now + 3600)).not.toBeNull();
    const created = eventsAfter(sim, 0, 'pod.created', /backup/);
    const succeeded = eventsAfter(sim, 0, 'pod.succeeded', /backup/);
    expect(created).toHaveLength(4);
    expect(succeeded).toHaveLength(4);
    // Two at a time: the third pod is created only when one of the first two completes.
    expect(created[2]!.t).toBeCloseTo(succeeded[0]!.t, 2);
    expect(eventsAfter(sim, 0, 'workload.ready', /Job\/backup/)).toHaveLength(1);
  });

  it('an image without an arm64 build cannot start on a Pi: ImagePullBackOff with doubling back-off', () => {
    const sim = broughtUp(cluster(nodes), []);
    const t0 = sim.now;
    sim.applyWorkloads(readWorkloads([deployment('legacy', 1, { annotations: { 'twin.dev/architectures': 'amd64' } })]));
    sim.runUntil(t0 + 400);
    const backoffs = eventsAfter(sim, t0, 'pod.backOff', /legacy/);
    expect(backoffs[0]!.message).toMatch(/no matching manifest for linux\/arm64/);
    expect(backoffs.slice(0, 4).map((e) => e.details?.['backoff'])).toEqual([10, 20, 40, 80]);
    expect(eventsAfter(sim, t0, 'pod.started', /legacy/)).toHaveLength(0);
  });
});
