/**
 * The CronJob controller on the virtual clock (KK v1.31 pkg/controller/cronjob/cronjob_controllerv2.go
 * syncCronJob, utils.go mostRecentScheduleTime; K8sDocs concepts/workloads/controllers/cron-jobs/).
 * Virtual t = 0 is 2026-01-01T00:00:00Z (simEpoch, a Thursday).
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { cluster, eventsAfter } from '../helpers/sim.js';
import { createSimulation } from '../../src/sim/index.js';
import { readWorkloads } from '../../src/model/workloads.js';
import type { Simulation } from '../../src/sim/simulation.js';

const nodes = [{ name: 's1', role: 'server' as const }, { name: 'w1' }, { name: 'w2' }];

function cronJob(spec: Record<string, unknown>, runFor = '1m', exitCode = '0'): KubernetesObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'nightly', namespace: 'default' },
    spec: {
      ...spec,
      jobTemplate: {
        spec: {
          backoffLimit: 0,
          template: {
            metadata: { annotations: { 'twin.dev/run-duration': runFor, 'twin.dev/exit-code': exitCode } },
            spec: {
              restartPolicy: 'Never',
              containers: [{ name: 'backup', image: 'busybox:1.36', resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
            },
          },
        },
      },
    },
  } as KubernetesObject;
}

function run(object: KubernetesObject, until: number, during?: (sim: Simulation) => void): Simulation {
  const sim = createSimulation({ cluster: cluster(nodes), workloads: readWorkloads([object]), seed: 1 });
  during?.(sim);
  sim.runUntil(until);
  return sim;
}

describe('CronJob schedules', () => {
  it('starts a Job at each schedule time, named <cronjob>-<minutes since the epoch>', () => {
    const sim = run(cronJob({ schedule: '0 */2 * * *' }), 7 * 3600);
    const started = eventsAfter(sim, 0, 'cronjob.scheduled', /nightly/);
    // 02:00, 04:00, 06:00 UTC on 2026-01-01; the controller wakes 100 ms after each (nextScheduleDelta).
    expect(started.map((e) => e.details?.['scheduledTime'])).toEqual([
      '2026-01-01T02:00:00Z',
      '2026-01-01T04:00:00Z',
      '2026-01-01T06:00:00Z',
    ]);
    expect(started.map((e) => Math.round(e.t))).toEqual([7200, 14400, 21600]);
    // getJobName: fmt.Sprintf("%s-%d", cj.Name, scheduledTime.Unix()/60).
    expect(started[0]!.details?.['job']).toBe(`Job/default/nightly-${(1767225600 + 7200) / 60}`);
    const complete = eventsAfter(sim, 0, 'job.complete', /nightly-/);
    expect(complete).toHaveLength(3);
    expect(complete[0]!.details?.['cronJob']).toBe('CronJob/default/nightly');
  });
});
