/**
 * The CronJob controller (KK v1.31 pkg/controller/cronjob/cronjob_controllerv2.go syncCronJob,
 * utils.go mostRecentScheduleTime / nextScheduleTime; K8sDocs concepts/workloads/controllers/cron-jobs/)
 * on the virtual clock, whose t = 0 is {@link simEpoch} on the wall clock.
 *
 * On each sync it takes the most recent schedule time not yet started, counted from the last
 * one it started (or the CronJob's creation), and never earlier than now − startingDeadlineSeconds;
 * it starts ONE Job for it, however many were missed while the controller-manager was down,
 * and wakes again at the next schedule time (+100 ms, nextScheduleDelta). Forbid skips a time
 * while a Job is active (and, as lastScheduleTime is not advanced, starts it late when that Job
 * ends, if still within the deadline); Replace deletes the active Jobs first. Finished Jobs beyond
 * successfulJobsHistoryLimit / failedJobsHistoryLimit are deleted, oldest first (cleanupFinishedJobs).
 */
import { isoTime, nextScheduleTime, parseCronSchedule, simEpoch, type CronSchedule } from '../model/cron-schedule.js';
import type { ControllersContext } from './context.js';
import { Priority } from './priority.js';
import type { SimPod, WorkloadState } from './state.js';

/** KK cronjob_controllerv2.go nextScheduleDelta: the controller wakes 100 ms after a schedule time. */
const nextScheduleDelta = 0.1;
/** KK utils.go mostRecentScheduleTime: more missed start times than this raise the TooManyMissedTimes warning. */
const tooManyMissed = 100;

export interface CronJobControls {
  markDirty(workload: WorkloadState): void;
  requestDeletion(pod: SimPod, reason: string): void;
}

interface CronState {
  /** Wall-clock seconds: metadata.creationTimestamp, status.lastScheduleTime. */
  readonly createdAt: number;
  lastScheduleTime: number | null;
  /** Jobs this CronJob created, oldest first. */
  readonly jobs: WorkloadState[];
  /** Schedule times up to this one have been reported as started or missed. */
  reportedThrough: number;
  /** The scheduled time a JobAlreadyActive skip was last reported for. */
  forbidReported: number | null;
  /** The lastScheduleTime a TooManyMissedTimes warning was given for (once, not at every sync). */
  tooManyReported: number | null;
  wakeAt: number | null;
}

const subject = (w: WorkloadState) => `workload/${w.spec.namespace}/CronJob/${w.spec.name}`;

/** What the CronJob controller keeps between syncs (held by the WorkloadControllers component). */
export interface CronJobsState {
  readonly crons: Map<WorkloadState, CronState>;
  readonly schedules: Map<string, CronSchedule>;
}

export function newCronJobsState(): CronJobsState {
  return { crons: new Map(), schedules: new Map() };
}

type Ctx = Pick<ControllersContext, 'env' | 'emit' | 'world'>;

export function syncCronJob(ctx: Ctx, controls: CronJobControls, all: CronJobsState, cron: WorkloadState): void {
  const spec = cron.spec.cronJob;
  if (!spec) return;
  const now = simEpoch + ctx.env.now;
  let state = all.crons.get(cron);
  if (!state) {
    state = {
      createdAt: now,
      lastScheduleTime: null,
      jobs: [],
      reportedThrough: now,
      forbidReported: null,
      tooManyReported: null,
      wakeAt: null,
    };
    all.crons.set(cron, state);
  }
  cleanupFinishedJobs(ctx, controls, state, spec.successfulJobsHistoryLimit, spec.failedJobsHistoryLimit);
  if (spec.suspend) return;
  const schedule = scheduleOf(all, spec.schedule);
  const next = (t: number) => nextScheduleTime(schedule, t, spec.timeZone);
  wakeAtNext(ctx, controls, cron, state, next(now));
  let earliest = state.lastScheduleTime ?? state.createdAt;
  const deadline = spec.startingDeadlineSeconds;
  if (deadline !== null) reportPastDeadline(ctx, cron, state, next, now - deadline);
  if (deadline !== null && now - deadline > earliest) earliest = now - deadline;
  const { time: scheduled, missed } = mostRecentScheduleTime(next, earliest, now);
  const since = state.lastScheduleTime ?? state.createdAt;
  if (missed > tooManyMissed && state.tooManyReported !== since) {
    state.tooManyReported = since;
    ctx.emit('cronjob.missed', subject(cron), 'api', `CronJob ${cron.spec.name}: too many missed start times: ${missed}`, {
      reason: 'TooManyMissedTimes',
      count: missed,
    });
  }
  if (scheduled === null || scheduled === state.lastScheduleTime) return;
  if (deadline !== null && scheduled + deadline < now) return; // tooLate: only reachable with clock skew here
  const active = state.jobs.filter((j) => j.job.terminal === null && j.job.deletedAt === null);
  if (spec.concurrencyPolicy === 'Forbid' && active.length > 0) {
    if (state.forbidReported !== scheduled) {
      state.forbidReported = scheduled;
      state.reportedThrough = Math.max(state.reportedThrough, scheduled);
      ctx.emit(
        'cronjob.missed',
        subject(cron),
        'api',
        `CronJob ${cron.spec.name}: not starting the ${isoTime(scheduled)} run: ` +
          `${active[0]?.spec.name} still running and concurrencyPolicy is Forbid`,
        { reason: 'JobAlreadyActive', scheduledTime: isoTime(scheduled), count: 1 },
      );
    }
    return;
  }
  reportNotStarted(ctx, cron, state, next, scheduled);
  if (spec.concurrencyPolicy === 'Replace') for (const job of active) deleteJob(ctx, controls, job, 'replaced by the next scheduled run');
  const name = `${cron.spec.name}-${Math.floor(scheduled / 60)}`;
  const created = ctx.world.addWorkload({ ...spec.jobTemplate, name, key: `Job/${cron.spec.namespace}/${name}` });
  state.lastScheduleTime = scheduled;
  state.reportedThrough = Math.max(state.reportedThrough, scheduled);
  if (!created.created) return;
  state.jobs.push(created.state);
  controls.markDirty(created.state);
  const late = now - scheduled;
  const lateText = late >= 1 ? ` (${Math.round(late)} s late)` : '';
  const replaced =
    spec.concurrencyPolicy === 'Replace' && active.length > 0 ? `; deleted ${active.map((j) => j.spec.name).join(', ')}` : '';
  ctx.emit(
    'cronjob.scheduled',
    subject(cron),
    'api',
    `CronJob ${cron.spec.name} created Job ${name} for ${isoTime(scheduled)}${lateText}${replaced}`,
    {
      job: created.state.spec.key,
      scheduledTime: isoTime(scheduled),
      scheduledAt: scheduled - simEpoch,
      late: Math.round(late * 1000) / 1000,
      replaced: replaced !== '',
    },
  );
}

/** The CronJob to sync when one of its Jobs finished (the controller watches its Jobs). */
export function cronJobOf(ctx: Pick<Ctx, 'world'>, job: WorkloadState): WorkloadState | undefined {
  const owner = job.spec.createdBy;
  return owner === null ? undefined : ctx.world.workloadByKey.get(owner);
}

function scheduleOf(all: CronJobsState, text: string): CronSchedule {
  let schedule = all.schedules.get(text);
  if (!schedule) {
    schedule = parseCronSchedule(text);
    all.schedules.set(text, schedule);
  }
  return schedule;
}

function wakeAtNext(ctx: Ctx, controls: CronJobControls, cron: WorkloadState, state: CronState, next: number | null): void {
  if (next === null || state.wakeAt === next) return;
  state.wakeAt = next;
  ctx.env.at(next - simEpoch + nextScheduleDelta, Priority.controller, () => controls.markDirty(cron));
}

/** Schedule times older than now − startingDeadlineSeconds that never started: the controller skips them without a word. */
function reportPastDeadline(ctx: Ctx, cron: WorkloadState, state: CronState, next: (t: number) => number | null, limit: number): void {
  reportMissed(
    ctx,
    cron,
    state,
    next,
    limit,
    'StartingDeadlineExceeded',
    `never started and are now past startingDeadlineSeconds ${cron.spec.cronJob?.startingDeadlineSeconds}`,
  );
}

/** Earlier missed times before the one being started now: only the most recent one runs. */
function reportNotStarted(ctx: Ctx, cron: WorkloadState, state: CronState, next: (t: number) => number | null, scheduled: number): void {
  reportMissed(
    ctx,
    cron,
    state,
    next,
    scheduled - 1,
    'NotStarted',
    `never started; only the most recent missed time (${isoTime(scheduled)}) runs`,
  );
}

/** One `cronjob.missed` event for the schedule times not yet reported, up to `through`. */
function reportMissed(
  ctx: Ctx,
  cron: WorkloadState,
  state: CronState,
  next: (t: number) => number | null,
  through: number,
  reason: string,
  outcome: string,
): void {
  const times = scheduleTimes(next, Math.max(state.reportedThrough, state.lastScheduleTime ?? state.createdAt), through);
  if (times.count === 0) return;
  state.reportedThrough = times.last;
  ctx.emit(
    'cronjob.missed',
    subject(cron),
    'api',
    `CronJob ${cron.spec.name}: ${times.count} run(s) from ${isoTime(times.first)} to ${isoTime(times.last)} ${outcome}`,
    { reason, count: times.count, scheduledTime: isoTime(times.last) },
  );
}

function cleanupFinishedJobs(ctx: Ctx, controls: CronJobControls, state: CronState, successfulLimit: number, failedLimit: number): void {
  for (const [condition, limit] of [
    ['Complete', successfulLimit],
    ['Failed', failedLimit],
  ] as const) {
    const finished = state.jobs.filter((j) => j.job.terminal === condition && j.job.deletedAt === null);
    for (const job of finished.slice(0, Math.max(0, finished.length - limit))) deleteJob(ctx, controls, job, `history limit ${limit}`);
  }
  for (let i = state.jobs.length - 1; i >= 0; i--) if (state.jobs[i]?.job.deletedAt !== null) state.jobs.splice(i, 1);
}

/** Deletes a Job with background propagation: its pods go (KK cronjob_controllerv2.go deleteJob). */
function deleteJob(ctx: Ctx, controls: CronJobControls, job: WorkloadState, reason: string): void {
  job.job.deletedAt = ctx.env.now;
  for (const pod of job.pods) controls.requestDeletion(pod, `Job ${job.spec.name} deleted (${reason})`);
}

/**
 * The most recent schedule time in (earliest, now] and how many there were (KK utils.go
 * mostRecentScheduleTime); past 100 the count is estimated from the interval as KK does.
 */
export function mostRecentScheduleTime(
  next: (t: number) => number | null,
  earliest: number,
  now: number,
): { time: number | null; missed: number } {
  const first = next(earliest);
  if (first === null || first > now) return { time: null, missed: 0 };
  let last = first;
  let count = 0;
  for (let t: number | null = first; t !== null && t <= now; t = next(t)) {
    last = t;
    if (++count > tooManyMissed) break;
  }
  if (count <= tooManyMissed) return { time: last, missed: count };
  const interval = (next(first) ?? first + 60) - first;
  count = Math.floor((now - first) / interval) + 1;
  for (let t = next(Math.max(last, now - 2 * interval - 60)); t !== null && t <= now; t = next(t)) last = t;
  return { time: last, missed: count };
}

/** Schedule times in (from, to]: how many, the first and the last (counted up to 10 000). */
function scheduleTimes(next: (t: number) => number | null, from: number, to: number): { count: number; first: number; last: number } {
  let count = 0;
  let first = 0;
  let last = 0;
  for (let t = next(from); t !== null && t <= to && count < 10000; t = next(t)) {
    if (count === 0) first = t;
    last = t;
    count++;
  }
  return { count, first, last };
}
