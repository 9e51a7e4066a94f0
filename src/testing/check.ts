/**
 * Property-based resilience checks: fast-check generates fault schedules, each runs on the
 * sim engine, the property is judged with the scenario expectation vocabulary, and a
 * failure is shrunk to a minimal schedule, replayable from its seed and path.
 */
import fc from 'fast-check';
import type { KubernetesObject } from '@kubernetes/client-node';
import { ConfigError } from '../errors.js';
import type { Cluster } from '../model/cluster.js';
import { readWorkloads, type WorkloadSet } from '../model/workloads.js';
import { runPlanSync } from '../engines/sim/engine.js';
import { resolveExpectations, type Expectation, type Verdict } from '../scenario/expectations.js';
import { planFault } from '../scenario/fault-plan.js';
import { describeFault, type Fault } from '../scenario/faults.js';
import { Problems } from '../scenario/fields.js';
import { judgeAll } from '../scenario/judge.js';
import { KnownNames } from '../scenario/names.js';
import { checkLimits, integerOption, kindsOption, pathOption } from './options.js';
import { defaultBounds, healedAt, scheduleArbitrary, type GeneratedFaultKind, type ScheduleBounds } from './schedules.js';
import type { ResilienceProperty } from './properties.js';

export interface CheckOptions {
  /** Generated schedules to try (default 100). */
  readonly runs?: number;
  /** fast-check seed; the same seed replays the same schedules. */
  readonly seed?: number;
  /** Replay a shrunk failure directly (from a previous failure's `path`). */
  readonly path?: string;
  readonly bounds?: ScheduleBounds;
  /** Called after each run (progress bars). */
  readonly onRun?: (run: number, total: number) => void;
}

export interface CheckedRun {
  readonly faults: readonly Fault[];
  readonly simSeed: number;
  readonly duration: number;
  readonly expectations: ReadonlyArray<Expectation & { id: string }>;
  readonly verdicts: readonly Verdict[];
}

export interface CheckFailure extends CheckedRun {
  /** fast-check's seed and path: `checkResilience(…, { seed, path })` replays exactly this case. */
  readonly seed: number;
  readonly path: string;
  readonly shrinks: number;
  /** Plain-language reasons, from the failed verdicts. */
  readonly explanation: string;
}

export interface CheckResult {
  readonly property: string;
  readonly ok: boolean;
  readonly runs: number;
  readonly seed: number;
  readonly failure: CheckFailure | null;
  /** What the schedules were drawn from: the property's description holds for these. */
  readonly schedules: { readonly kinds: readonly GeneratedFaultKind[]; readonly maxFaults: number };
}

/** Runs one schedule on the sim engine and judges the property. */
export function runSchedule(
  cluster: Cluster,
  objects: readonly KubernetesObject[],
  property: ResilienceProperty,
  faults: readonly Fault[],
  simSeed: number,
): CheckedRun {
  return runPlanned({ cluster, objects, workloads: readWorkloads(objects) }, property, faults, simSeed);
}

/** The cluster and workloads a check runs every schedule on, the objects read once. */
export interface CheckSetup {
  readonly cluster: Cluster;
  readonly objects: readonly KubernetesObject[];
  readonly workloads: WorkloadSet;
}

/** A schedule resolved as a scenario's faults and expectations are, run on the sim engine, judged. */
export function runPlanned(
  { cluster, objects, workloads }: CheckSetup,
  property: ResilienceProperty,
  faults: readonly Fault[],
  simSeed: number,
): CheckedRun {
  const healed = Math.max(0, ...faults.map(healedAt));
  const duration = healed + property.settle;
  const problems = new Problems();
  const planned = faults.map((fault, i) => planFault(fault, i, problems));
  if (problems.list.length > 0) throw new ConfigError('fault schedule', problems.list);
  const result = runPlanSync({
    cluster,
    objects,
    workloads,
    faults: planned,
    duration,
    seed: simSeed,
    bringUpTimeout: 3600,
    sampleInterval: 30,
    series: false,
  });
  const expectations = property.expectations({ cluster, workloads, faults, healed }).map((e, i) => ({ ...e, id: e.id ?? `p${i + 1}` }));
  const resolved = resolveExpectations(expectations, { source: `property ${property.name}`, faultIds: planned.map((f) => f.id) });
  const verdicts = judgeAll(resolved, result.timeline, { phaseStart: result.phaseStart, phaseEnd: result.phaseEnd });
  return { faults, simSeed, duration, expectations, verdicts };
}

/**
 * The runs and schedule bounds of a check, validated: every number in range, every fault kind
 * known, every node, workload and Service the bounds or the property name present in the cluster
 * and manifests (a property about a Service that does not exist could never fail).
 */
function resolveCheck(
  setup: CheckSetup,
  property: ResilienceProperty,
  options: CheckOptions,
): { readonly runs: number; readonly bounds: ScheduleBounds } {
  const runs = integerOption('runs', options.runs ?? 100, checkLimits.runs);
  if (options.seed !== undefined) integerOption('seed', options.seed, checkLimits.seed);
  if (options.path !== undefined) pathOption('path', options.path);
  const bounds: ScheduleBounds = {
    ...(property.kinds ? { kinds: kindsOption('property kinds', property.kinds) } : {}),
    workloads: setup.workloads.workloads.filter((w) => w.kind === 'Deployment').map((w) => w.key),
    ...property.bounds,
    ...options.bounds,
  };
  if (bounds.kinds) kindsOption('bounds.kinds', bounds.kinds);
  if (bounds.maxFaults !== undefined) integerOption('bounds.maxFaults', bounds.maxFaults, checkLimits.maxFaults);
  const problems = new Problems();
  const window = bounds.window ?? defaultBounds.window;
  const minDuration = bounds.minDuration ?? defaultBounds.minDuration;
  const maxDuration = bounds.maxDuration ?? defaultBounds.maxDuration;
  problems.duration('bounds.window', window, 0);
  problems.duration('bounds.minDuration', minDuration, 0);
  problems.duration('bounds.maxDuration', maxDuration, 0);
  if (maxDuration < minDuration) problems.add('bounds.maxDuration', `${maxDuration} s is shorter than minDuration ${minDuration} s`);
  const known = new KnownNames(setup.cluster, setup.workloads);
  if (bounds.nodes?.length === 0) problems.add('bounds.nodes', 'an empty list leaves no node to fault', 'leave nodes out for every node');
  bounds.nodes?.forEach((n, i) => known.node(problems, `bounds.nodes[${i}]`, n));
  bounds.workloads?.forEach((w, i) => known.workload(problems, `bounds.workloads[${i}]`, w));
  const expectations = property.expectations({ cluster: setup.cluster, workloads: setup.workloads, faults: [], healed: 0 });
  // A property that judges nothing holds for every schedule: a pass that says nothing.
  if (expectations.length === 0)
    problems.add(
      '',
      'judges nothing: none of what it checks is in the manifests, so it would hold for any schedule',
      'give the workloads it is about: twin check -w <manifests>',
    );
  expectations.forEach((e, i) => {
    const field = `expect[${i}]`;
    const what = `${e.kind}: `;
    if ('node' in e) known.node(problems, `${field}.node`, e.node, what);
    if ('workload' in e) known.workload(problems, `${field}.workload`, e.workload, what);
    if ('service' in e) known.service(problems, `${field}.service`, e.service, what, 'the manifests checked');
  });
  if (problems.list.length > 0) throw new ConfigError(`property ${property.name}`, problems.list);
  return { runs, bounds };
}

/** A check made ready to run: inputs validated, the schedules' arbitrary built. */
export interface PreparedCheck {
  readonly setup: CheckSetup;
  readonly property: ResilienceProperty;
  readonly runs: number;
  readonly schedules: CheckResult['schedules'];
  /** A generated schedule and the sim seed it runs with. */
  readonly arbitrary: fc.Arbitrary<[Fault[], number]>;
}

/** Validates a check's inputs and builds what every way of running it (one thread, workers, shards) draws from. */
export function prepareCheck(
  cluster: Cluster,
  objects: readonly KubernetesObject[],
  property: ResilienceProperty,
  options: CheckOptions = {},
): PreparedCheck {
  const setup: CheckSetup = { cluster, objects, workloads: readWorkloads(objects) };
  const { runs, bounds } = resolveCheck(setup, property, options);
  const schedules = { kinds: bounds.kinds ?? defaultBounds.kinds, maxFaults: bounds.maxFaults ?? defaultBounds.maxFaults };
  const arbitrary = fc.tuple(scheduleArbitrary(cluster, bounds), fc.integer({ min: 1, max: 2 ** 31 - 1 }));
  return { setup, property, runs, schedules, arbitrary };
}

/** Whether the property holds for one generated schedule (what fast-check's predicate returns). */
export function holds(check: PreparedCheck, faults: readonly Fault[], simSeed: number): boolean {
  return runPlanned(check.setup, check.property, faults, simSeed).verdicts.every((v) => v.status === 'pass');
}

/** Checks a property over generated fault schedules; on failure, the minimal schedule. */
export function checkResilience(
  cluster: Cluster,
  objects: readonly KubernetesObject[],
  property: ResilienceProperty,
  options: CheckOptions = {},
): CheckResult {
  const check = prepareCheck(cluster, objects, property, options);
  const { runs } = check;
  let run = 0;
  const details = fc.check(
    fc.property(check.arbitrary, ([faults, simSeed]) => {
      run++;
      options.onRun?.(Math.min(run, runs), runs);
      return holds(check, faults, simSeed);
    }),
    {
      numRuns: runs,
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.path !== undefined ? { path: options.path } : {}),
      endOnFailure: false,
    },
  );
  return checkResultOf(check, details, details.numRuns);
}

/**
 * Shrinks from the failing run `firstFailure` (0-based, in fast-check's run order) exactly as a
 * run on one thread that met it first does: fast-check replays that run from its path and
 * shrinks from there. `runs` in the result counts the runs up to and including it, as fast-check's does.
 */
export function shrinkFrom(check: PreparedCheck, seed: number, firstFailure: number): CheckResult {
  const details = fc.check(
    fc.property(check.arbitrary, ([faults, simSeed]) => holds(check, faults, simSeed)),
    { numRuns: check.runs, seed, path: String(firstFailure), endOnFailure: false },
  );
  return checkResultOf(check, details, firstFailure + 1);
}

/** The result when every run held. */
export function passedCheck(check: PreparedCheck, seed: number): CheckResult {
  return { property: check.property.name, ok: true, runs: check.runs, seed, failure: null, schedules: check.schedules };
}

function checkResultOf(check: PreparedCheck, details: fc.RunDetails<[[Fault[], number]]>, runs: number): CheckResult {
  const { property, schedules } = check;
  if (!details.failed || !details.counterexample)
    return { property: property.name, ok: true, runs, seed: details.seed, failure: null, schedules };
  const [faults, simSeed] = details.counterexample[0];
  const replay = runPlanned(check.setup, property, faults, simSeed);
  const failed = replay.verdicts.filter((v) => v.status === 'fail');
  const broken = failed.map((v) => `${v.description} — observed ${v.observed} (${v.explanation})`);
  const explanation = `under ${faults.map(describeFault).join('; ')}: ${broken.join('; ')}`;
  return {
    property: property.name,
    schedules,
    ok: false,
    runs,
    seed: details.seed,
    failure: { ...replay, seed: details.seed, path: details.counterexamplePath ?? '', shrinks: details.numShrinks, explanation },
  };
}
