/**
 * The Job controller's failure handling (K8sDocs concepts/workloads/controllers/job/
 * #pod-backoff-failure-policy and #job-termination-and-cleanup; KK pkg/controller/job
 * job_controller.go pastBackoffLimitOnFailure, pastActiveDeadline).
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { cluster, deployment, eventsAfter } from '../helpers/sim.js';
import { createSimulation } from '../../src/sim/index.js';
import { readWorkloads } from '../../src/model/workloads.js';
const nodes = [{ name: 's1', role: 'server' as const }, { name: 'w1' }, { name: 'w2' }];
import type { Simulation } from '../../src/sim/simulation.js';
import { ConfigError } from '../../src/errors.js';
import { resolveScenario } from '../../src/scenario/load.js';
import type { ScenarioInput } from '../../src/scenario/scenario.js';

/** Runs the cluster with the Job for 40 virtual minutes (a failing Job never lets the bring-up finish). */
function run(job: KubernetesObject): Simulation {
  const sim = createSimulation({ cluster: cluster(nodes), workloads: readWorkloads([job]), seed: 1 });
  sim.runUntil(2400);
  return sim;
}

/** A Job whose container always exits with an error after `runFor`. */
function failingJob(restartPolicy: 'Never' | 'OnFailure', spec: Record<string, unknown> = {}): KubernetesObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'backup', namespace: 'default' },
    spec: {
      ...spec,
      template: {
        metadata: { annotations: { 'twin.dev/run-duration': '5s', 'twin.dev/exit-code': '1' } },
        spec: {
          restartPolicy,
          containers: [{ name: 'backup', image: 'busybox:1.36', resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
        },
      },
    },
  } as KubernetesObject;
}

describe('Job failures', () => {
  it('restartPolicy Never: replacements wait 10, 20, 40 s after each failure; backoffLimit 3 fails the Job after 4 pods', () => {
    const sim = run(failingJob('Never', { backoffLimit: 3 }));
    const failed = eventsAfter(sim, 0, 'pod.failed', /backup/);
    const created = eventsAfter(sim, 0, 'pod.created', /backup/);
    // failed > backoffLimit: the initial pod and 3 retries.
    expect(created).toHaveLength(4);
    expect(failed).toHaveLength(4);
    const waits = created.slice(1).map((c, i) => Math.round(c.t - failed[i]!.t));
    expect(waits).toEqual([10, 20, 40]);
    const verdict = eventsAfter(sim, 0, 'workload.degraded', /Job\/backup/);
    expect(verdict).toHaveLength(1);
    expect(verdict[0]!.message).toMatch(/failed: BackoffLimitExceeded/);
    expect(verdict[0]!.t).toBeCloseTo(failed[3]!.t, 3);
  });

  it('restartPolicy OnFailure: container restarts count against backoffLimit, and the running pod is deleted', () => {
    const sim = run(failingJob('OnFailure', { backoffLimit: 2 }));
    expect(eventsAfter(sim, 0, 'pod.created', /backup/)).toHaveLength(1);
    const verdict = eventsAfter(sim, 0, 'workload.degraded', /Job\/backup/);
    expect(verdict).toHaveLength(1);
    expect(verdict[0]!.message).toMatch(/BackoffLimitExceeded.*2 restarts/);
    expect(eventsAfter(sim, 0, 'pod.terminating', /backup/).some((e) => /Job failed/.test(e.message))).toBe(true);
  });

  it('activeDeadlineSeconds fails a Job that is still retrying (DeadlineExceeded)', () => {
    const sim = run(failingJob('Never', { backoffLimit: 100, activeDeadlineSeconds: 60 }));
    const verdict = eventsAfter(sim, 0, 'workload.degraded', /Job\/backup/);
    expect(verdict).toHaveLength(1);
    expect(verdict[0]!.message).toMatch(/DeadlineExceeded/);
    // status.startTime is when the controller first synced the Job; it fails 60 s after that.
    const started = sim.workloadByKey.get('Job/default/backup')!.job.startedAt!;
    expect(verdict[0]!.t - started).toBeCloseTo(60, 3);
    expect(eventsAfter(sim, verdict[0]!.t + 0.001, 'pod.created', /backup/)).toHaveLength(0);
  });
});

describe('bring-up readiness of workloads that are never "ready"', () => {
  // #17 item 6: `kubectl rollout status` returns at once for 0 replicas; a Job is not a service to wait for.
  it('a Deployment scaled to 0 and a long Job with its pod running both let the bring-up finish', () => {
    const idle = deployment('idle', 0, { requests: { cpu: '10m', memory: '16Mi' } });
    const long = failingJob('Never', {});
    const annotations = (long as { spec: { template: { metadata: { annotations: Record<string, string> } } } }).spec.template.metadata
      .annotations;
    annotations['twin.dev/run-duration'] = '6h';
    annotations['twin.dev/exit-code'] = '0';
    const sim = createSimulation({ cluster: cluster(nodes), workloads: readWorkloads([idle, long]), seed: 1 });
    const ready = sim.runUntilCondition(() => sim.bringUp.workloadsReady !== null, 3600);
    expect(ready).not.toBeNull();
    const job = sim.workloadByKey.get('Job/default/backup')!;
    expect(job.complete).toBe(false);
    expect([...job.pods].some((p) => p.apiReady)).toBe(true);
  });
});

/** A Job whose pods run `runFor` and exit 0. */
function succeedingJob(spec: Record<string, unknown>, runFor = '30s'): KubernetesObject {
  const job = failingJob('Never', spec);
  const annotations = (job as { spec: { template: { metadata: { annotations: Record<string, string> } } } }).spec.template.metadata
    .annotations;
  annotations['twin.dev/run-duration'] = runFor;
  annotations['twin.dev/exit-code'] = '0';
  return job;
}

describe('Job conditions on the timeline (what `kubectl get job` shows as STATUS)', () => {
  it('Complete once `completions` pods succeeded, `parallelism` at a time', () => {
    const sim = run(succeedingJob({ completions: 5, parallelism: 2 }));
    const succeeded = eventsAfter(sim, 0, 'pod.succeeded', /backup/);
    const created = eventsAfter(sim, 0, 'pod.created', /backup/);
    // K8sDocs concepts/workloads/controllers/job/#parallel-jobs: fixed completion count, NonIndexed: 5 pods succeed in all.
    expect(created).toHaveLength(5);
    expect(succeeded).toHaveLength(5);
    // At most parallelism (2) pods exist before the first one succeeds.
    expect(created.filter((c) => c.t < succeeded[0]!.t)).toHaveLength(2);
    const complete = eventsAfter(sim, 0, 'job.complete', /Job\/backup/);
    expect(complete).toHaveLength(1);
    // KK v1.31 job_controller.go: Complete (after SuccessCriteriaMet, reason CompletionsReached) once no pod is left running.
    expect(complete[0]!.t).toBeCloseTo(succeeded[4]!.t, 3);
    expect(complete[0]!.details).toMatchObject({ condition: 'Complete', reason: 'CompletionsReached', succeeded: 5 });
    expect(eventsAfter(sim, 0, 'job.failed', /backup/)).toHaveLength(0);
  });

  it('without completions (a work queue): parallelism pods, Complete when one succeeded and all have ended', () => {
    // K8sDocs …/job/#parallel-jobs "work queue": no new pod once any succeeded; done when all have terminated.
    const sim = run(succeedingJob({ parallelism: 3 }));
    expect(eventsAfter(sim, 0, 'pod.created', /backup/)).toHaveLength(3);
    const succeeded = eventsAfter(sim, 0, 'pod.succeeded', /backup/);
    const complete = eventsAfter(sim, 0, 'job.complete', /Job\/backup/);
    expect(complete).toHaveLength(1);
    expect(complete[0]!.t).toBeCloseTo(succeeded[succeeded.length - 1]!.t, 3);
  });

  it.each([
    ['Never', 3, 4],
    ['OnFailure', 2, 1],
  ] as const)('restartPolicy %s, backoffLimit %i: Failed BackoffLimitExceeded after %i pod(s)', (policy, backoffLimit, pods) => {
    const sim = run(failingJob(policy, { backoffLimit }));
    expect(eventsAfter(sim, 0, 'pod.created', /backup/)).toHaveLength(pods);
    const failed = eventsAfter(sim, 0, 'job.failed', /Job\/backup/);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.details).toMatchObject({ condition: 'Failed', reason: 'BackoffLimitExceeded' });
    // KK v1.31 job_controller.go delayTerminalCondition: FailureTarget first (the workload.degraded event), Failed once every
    // pod has terminated — with OnFailure the Job's pod must first be deleted and gone.
    const target = eventsAfter(sim, 0, 'workload.degraded', /Job\/backup/)[0]!;
    const lastGone = [...eventsAfter(sim, 0, 'pod.failed', /backup/), ...eventsAfter(sim, 0, 'pod.deleted', /backup/)].sort(
      (a, b) => a.t - b.t,
    );
    expect(failed[0]!.t).toBeGreaterThanOrEqual(target.t);
    expect(failed[0]!.t).toBeCloseTo(Math.max(target.t, lastGone[lastGone.length - 1]!.t), 3);
    if (policy === 'OnFailure') expect(eventsAfter(sim, 0, 'pod.deleted', /backup/)).toHaveLength(1);
  });

  it('activeDeadlineSeconds: Failed DeadlineExceeded', () => {
    const sim = run(failingJob('Never', { backoffLimit: 100, activeDeadlineSeconds: 60 }));
    const failed = eventsAfter(sim, 0, 'job.failed', /Job\/backup/);
    expect(failed).toHaveLength(1);
    // K8sDocs …/job/#job-termination-and-cleanup: reason DeadlineExceeded.
    expect(failed[0]!.details?.['reason']).toBe('DeadlineExceeded');
  });
});

describe('the job expectation', () => {
  const base = { cluster: 'clusters/edgestack-pi3.ts', workloads: ['workloads/edgestack'], duration: '10m' } as const;
  const load = (input: Partial<ScenarioInput>) =>
    resolveScenario({ ...base, expect: [{ kind: 'no-oom-kills' }], ...input } as ScenarioInput, 'edge.ts', 'scenarios');

  it.each([
    [{ kind: 'job', job: 'backup', condition: 'Complete' }, 'expect[0].job: job: no Job or CronJob "backup" in the scenario\'s manifests'],
    [{ kind: 'job', job: 'web', condition: 'Complete' }, 'expect[0].job: job: "web" is Deployment/default/web, not a Job or CronJob'],
  ])('a name that is no Job or CronJob is a load error (exit 2): %j', async (expectation, message) => {
    const error = await load({ expect: [expectation] as ScenarioInput['expect'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(message);
  });
});
