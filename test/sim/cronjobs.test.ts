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

describe('concurrencyPolicy', () => {
  // A run of 25 min on a 10-minute schedule: each run overlaps the next schedule time.
  const overlapping = (policy: string, extra: Record<string, unknown> = {}) =>
    run(cronJob({ schedule: '*/10 * * * *', concurrencyPolicy: policy, ...extra }, '25m'), 3700);

  it('Allow (the default) starts every run, overlapping', () => {
    const sim = overlapping('Allow');
    expect(eventsAfter(sim, 0, 'cronjob.scheduled', /nightly/).map((e) => Math.round(e.t))).toEqual([600, 1200, 1800, 2400, 3000, 3600]);
  });

  it('Forbid skips a time while a Job runs (JobAlreadyActive) and starts it late once that Job ends', () => {
    // cronjob_controllerv2.go syncCronJob: Forbid with an active Job returns without advancing lastScheduleTime; the Job's
    // update re-queues the CronJob, and mostRecentScheduleTime then yields the skipped time, started late if not tooLate.
    const sim = overlapping('Forbid');
    const started = eventsAfter(sim, 0, 'cronjob.scheduled', /nightly/);
    const skipped = eventsAfter(sim, 0, 'cronjob.missed', /nightly/).filter((e) => e.details?.['reason'] === 'JobAlreadyActive');
    expect(started[0]!.t).toBeCloseTo(600.1, 1);
    expect(skipped.map((e) => Math.round(e.t))).toEqual(expect.arrayContaining([1200, 1800]));
    // Never two at once: each run starts after the previous one completed.
    const complete = eventsAfter(sim, 0, 'job.complete', /nightly-/);
    expect(started[1]!.t).toBeGreaterThanOrEqual(complete[0]!.t);
    expect(started[1]!.details?.['scheduledTime']).toBe('2026-01-01T00:30:00Z');
    expect(Number(started[1]!.details?.['late'])).toBeGreaterThan(0);
  });

  it('Forbid with a short startingDeadlineSeconds: a skipped time is never started late', () => {
    const sim = overlapping('Forbid', { startingDeadlineSeconds: 60 });
    const started = eventsAfter(sim, 0, 'cronjob.scheduled', /nightly/);
    // Each start is within 60 s of its schedule time (utils.go: earliest = now − startingDeadlineSeconds).
    for (const e of started) expect(Number(e.details?.['late'])).toBeLessThanOrEqual(60);
    expect(started.map((e) => e.details?.['scheduledTime'])).toEqual(['2026-01-01T00:10:00Z', '2026-01-01T00:40:00Z']);
  });

  it('Replace deletes the running Job at the next time and starts the new one', () => {
    const sim = overlapping('Replace');
    const started = eventsAfter(sim, 0, 'cronjob.scheduled', /nightly/);
    expect(started.map((e) => Math.round(e.t))).toEqual([600, 1200, 1800, 2400, 3000, 3600]);
    expect(started[1]!.details?.['replaced']).toBe(true);
    // The replaced Job's pod is deleted then (deleteJob, background propagation) and no Job ever completes.
    const deleted = eventsAfter(sim, 0, 'pod.terminating', /nightly-/);
    expect(deleted[0]!.t).toBeCloseTo(started[1]!.t, 3);
    expect(eventsAfter(sim, 0, 'job.complete', /nightly-/)).toHaveLength(0);
  });
});

describe('runs missed while the controller-manager is down', () => {
  /** The only server's K3s stops from 01:50 to 04:20 (UTC), across the 02:00, 03:00 and 04:00 schedule times. */
  const outage = (extra: Record<string, unknown>) =>
    run(cronJob({ schedule: '0 * * * *', ...extra }), 5 * 3600 + 600, (sim) => {
      sim.runUntil(6600);
      sim.stopK3s(sim.node('s1'), 'test');
      sim.runUntil(15600);
      sim.startK3s(sim.node('s1'));
    });

  it('without startingDeadlineSeconds: one late run for the most recent missed time, none for the others', () => {
    const sim = outage({});
    const started = eventsAfter(sim, 0, 'cronjob.scheduled', /nightly/);
    // cronjob_controllerv2.go syncCronJob + utils.go mostRecentScheduleTime: ONE Job, for 04:00, once the controllers are back.
    expect(started.map((e) => e.details?.['scheduledTime'])).toEqual([
      '2026-01-01T01:00:00Z',
      '2026-01-01T04:00:00Z',
      '2026-01-01T05:00:00Z',
    ]);
    // SQLite: the controller-manager runs without leader election and starts with the API (kine; k3s NoLeaderElect).
    const leader = eventsAfter(sim, 15600, 'api.available')[0]!;
    expect(started[1]!.t).toBeCloseTo(leader.t, 3);
    const missed = eventsAfter(sim, 0, 'cronjob.missed', /nightly/);
    expect(missed).toHaveLength(1);
    expect(missed[0]!.details).toMatchObject({ reason: 'NotStarted', count: 2, scheduledTime: '2026-01-01T03:00:00Z' });
  });

  it('startingDeadlineSeconds 1800: the 04:00 run starts late (within 30 min); 600: none starts until 05:00', () => {
    const within = eventsAfter(outage({ startingDeadlineSeconds: 1800 }), 0, 'cronjob.scheduled', /nightly/);
    expect(within.map((e) => e.details?.['scheduledTime'])).toEqual([
      '2026-01-01T01:00:00Z',
      '2026-01-01T04:00:00Z',
      '2026-01-01T05:00:00Z',
    ]);
    const sim = outage({ startingDeadlineSeconds: 600 });
    const past = eventsAfter(sim, 0, 'cronjob.scheduled', /nightly/);
    expect(past.map((e) => e.details?.['scheduledTime'])).toEqual(['2026-01-01T01:00:00Z', '2026-01-01T05:00:00Z']);
    // The controller starts nothing (earliest = now − startingDeadlineSeconds leaves no unmet time); twin says so.
    const missed = eventsAfter(sim, 0, 'cronjob.missed', /nightly/);
    expect(missed.map((e) => e.details?.['reason'])).toEqual(['StartingDeadlineExceeded']);
    expect(missed[0]!.details?.['count']).toBe(3);
  });
});

describe('more than 100 missed times', () => {
  it('one late run, and the TooManyMissedTimes warning once', () => {
    // utils.go mostRecentScheduleTime: numberOfMissedSchedules > 100 → the controller warns "too many missed start times".
    const sim = run(cronJob({ schedule: '* * * * *' }, '10s'), 6600 + 7200 + 300, (s) => {
      s.runUntil(6600);
      s.stopK3s(s.node('s1'), 'test');
      s.runUntil(6600 + 7200);
      s.startK3s(s.node('s1'));
    });
    const warnings = eventsAfter(sim, 0, 'cronjob.missed').filter((e) => e.details?.['reason'] === 'TooManyMissedTimes');
    expect(warnings).toHaveLength(1);
    expect(Number(warnings[0]!.details?.['count'])).toBeGreaterThan(100);
    const leader = eventsAfter(sim, 6600 + 7200, 'api.available')[0]!;
    expect(eventsAfter(sim, leader.t, 'cronjob.scheduled').filter((e) => e.t < leader.t + 1)).toHaveLength(1);
  });
});

describe('suspend, history limits, schedules', () => {
  it('suspend: true starts nothing', () => {
    const sim = run(cronJob({ schedule: '*/5 * * * *', suspend: true }), 3600);
    expect(eventsAfter(sim, 0, 'cronjob.scheduled')).toHaveLength(0);
  });

  it('successfulJobsHistoryLimit 1: older finished Jobs are deleted with their pods', () => {
    const sim = run(cronJob({ schedule: '*/10 * * * *', successfulJobsHistoryLimit: 1 }), 3600);
    const jobs = sim.workloads.filter((w) => w.spec.createdBy === 'CronJob/default/nightly');
    expect(jobs.length).toBeGreaterThanOrEqual(5);
    // cleanupFinishedJobs/removeOldestJobs: at most 1 finished Job kept.
    expect(jobs.filter((j) => j.job.terminal === 'Complete' && j.job.deletedAt === null)).toHaveLength(1);
  });

  it('a schedule the API server refuses is bad input naming the field', async () => {
    const { parseManifests } = await import('../../src/model/manifests.js');
    const text = JSON.stringify({ ...cronJob({ schedule: '0 25 * * *' }) });
    expect(() => parseManifests(text, 'cron.yaml')).toThrow(
      /spec\.schedule: "0 25 \* \* \*" is not a cron schedule: hour: 25 is outside 0-23/,
    );
    const zone = JSON.stringify({ ...cronJob({ schedule: '@daily', timeZone: 'Mars/Olympus' }) });
    expect(() => parseManifests(zone, 'cron.yaml')).toThrow(/spec\.timeZone: unknown time zone "Mars\/Olympus"/);
  });
});
