/**
 * How sure is the prediction? After a sim run, the same scenario and seed run again with each
 * of the model's estimates (model/estimates.ts) at its documented low and at its high, one at a
 * time, then all low and all high together. Every expectation and key moment gets the lowest
 * and highest it reached; where one estimate alone turns a verdict (or whether a moment
 * happens) around, a few more runs bisect that estimate between its value and that end to say
 * where. The sim engine is deterministic, so the sweep is too: same scenario and seed, same
 * report.
 */
import type { Engine, EngineResult } from '../engines/engine.js';
import type { Cluster } from '../model/cluster.js';
import { clusterEstimates, withEstimate, type Estimate } from '../model/estimates.js';
import { replacedByMeasurement } from '../model/measured-estimates.js';
import { flip, runMoments, spread, type ExpectationRange } from '../report/ranges.js';
import type { Flip, MomentRange, RangeSweep, ValueRange } from '../report/types.js';
import type { Verdict } from '../scenario/expectations.js';
import { judgeAll } from '../scenario/judge.js';
import { planOf, type LoadedScenario } from '../scenario/load.js';
import type { RunPlan } from '../scenario/plan.js';

export interface RangeOptions {
  /** The estimates to sweep for a cluster; default: the settings table's ranges and its profiles' low/high. */
  readonly estimates?: (cluster: Cluster) => readonly Estimate[];
}

/**
 * Bisection steps per flip: the threshold is found to 1/64 of the way from the value to the
 * end where the outcome differs, in 6 runs.
 */
export const bisectionSteps = 6;

/** Times to the millisecond, as the report's phase. */
const ms = (t: number) => Math.round(t * 1000) / 1000;

interface Outcome {
  readonly verdicts: readonly Verdict[];
  readonly moments: ReadonlyMap<string, number | null>;
}

function outcomeOf(scenario: LoadedScenario, result: EngineResult): Outcome {
  const verdicts = judgeAll(scenario.expectations, result.timeline, { phaseStart: result.phaseStart, phaseEnd: result.phaseEnd });
  return { verdicts, moments: new Map(runMoments(result).map((m) => [m.key, m.delay])) };
}

/** An outcome that can flip: a verdict's status, or whether a key moment happened. */
interface Item {
  readonly read: (o: Outcome) => string;
  /** What holds in the run itself, for the flip's sentence. */
  readonly says: string;
}

/**
 * The settings a run reads. A setting the run never reads cannot change it, so its low and high
 * runs would repeat the run itself: they are skipped (the all-low and all-high runs still move
 * it). One run with the settings watched; the sim engine is deterministic, so it is the run.
 */
async function settingsRead(engine: Engine, plan: RunPlan): Promise<Set<string>> {
  const read = new Set<string>();
  const settings = new Proxy(plan.cluster.settings, {
    get(target, key, receiver) {
      read.add(String(key));
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  await engine.run({ ...plan, cluster: { ...plan.cluster, settings } }, {}, { keep: false });
  return read;
}

export interface SweepResult {
  readonly expectations: ReadonlyMap<string, ExpectationRange>;
  readonly sweep: RangeSweep;
}

/** Runs the sweep for one sim run; null when the cluster has no estimate. */
export async function sweepRanges(
  scenario: LoadedScenario,
  engine: Engine,
  result: EngineResult,
  options: RangeOptions = {},
): Promise<SweepResult | null> {
  const plan = planOf(scenario);
  const estimates = (options.estimates ?? clusterEstimates)(plan.cluster);
  if (estimates.length === 0) return null;
  let runs = 0;
  const run = async (cluster: Cluster): Promise<Outcome> => {
    runs++;
    return outcomeOf(scenario, await engine.run({ ...plan, cluster }, {}, { keep: false }));
  };
  const base = outcomeOf(scenario, result);
  const baseMoments = runMoments(result);
  // Bisections of different outcomes on the same estimate often try the same values: run each once.
  const tried = new Map<string, Promise<Outcome>>();
  const at = (estimate: Estimate, value: number): Promise<Outcome> => {
    const key = `${estimate.id}=${value}`;
    const known = tried.get(key) ?? run(withEstimate(plan.cluster, estimate, value));
    tried.set(key, known);
    return known;
  };
  const ends: Array<{ estimate: Estimate; value: number; outcome: Outcome }> = [];
  const read = await settingsRead(engine, plan);
  runs++;
  const notRead = estimates.filter((e) => e.target.kind === 'setting' && !read.has(e.target.setting));
  for (const estimate of estimates.filter((e) => !notRead.includes(e)))
    for (const value of [estimate.low, estimate.high])
      if (value !== estimate.value) ends.push({ estimate, value, outcome: await at(estimate, value) });
  const corner = (pick: (e: Estimate) => number) => run(estimates.reduce((c, e) => withEstimate(c, e, pick(e)), plan.cluster));
  const corners = estimates.length > 1 ? [await corner((e) => e.low), await corner((e) => e.high)] : [];
  const all = [base, ...ends.map((e) => e.outcome), ...corners];

  /** Every one-estimate end where the item differs from the run, bisected back towards the value. */
  const flipsOf = async (item: Item): Promise<Flip[]> => {
    const flips: Flip[] = [];
    for (const end of ends) {
      const wanted = item.read(base);
      if (item.read(end.outcome) === wanted) continue;
      let [same, other] = [end.estimate.value, end.value];
      for (let step = 0; step < bisectionSteps; step++) {
        const middle = (same + other) / 2;
        if (item.read(await at(end.estimate, middle)) === wanted) same = middle;
        else other = middle;
      }
      flips.push(flip(end.estimate, other, Math.abs(other - same), item.says));
    }
    return flips;
  };

  const expectations = new Map<string, ExpectationRange>();
  for (const [i, verdict] of base.verdicts.entries()) {
    const read = (o: Outcome) => o.verdicts[i]?.status ?? 'fail';
    const sensitivity = await flipsOf({ read, says: verdict.status === 'pass' ? 'passes' : 'fails' });
    const range = spread(all.map((o) => o.verdicts[i]?.measure));
    expectations.set(verdict.id, { ...(range ? { range } : {}), sensitivity });
  }
  const moments: MomentRange[] = [];
  for (const m of baseMoments) {
    const values = all.map((o) => o.moments.get(m.key) ?? null);
    if (values.every((v) => v === null)) continue;
    const read = (o: Outcome) => ((o.moments.get(m.key) ?? null) === null ? 'never' : 'happens');
    const sensitivity = await flipsOf({ read, says: m.delay === null ? 'never happens' : 'happens' });
    const present = values.filter((v): v is number => v !== null);
    const range: ValueRange = { low: Math.min(...present), high: Math.max(...present), unit: 'seconds' };
    const missedIn = values.filter((v) => v === null).length;
    const value = m.delay === null ? null : ms(m.delay);
    const anchorAt = m.anchorAt === null ? null : ms(m.anchorAt);
    moments.push({
      what: m.what,
      anchor: m.anchor,
      anchorAt,
      value,
      range: { ...range, low: ms(range.low), high: ms(range.high) },
      missedIn,
      sensitivity,
    });
  }
  const sweep: RangeSweep = {
    runs,
    estimates: estimates.map(({ target: _target, ...e }) => e),
    notRead: notRead.map((e) => e.id),
    moments,
    ...(plan.cluster.calibration ? { replacedByMeasurement: [...replacedByMeasurement(plan.cluster)] } : {}),
  };
  return { expectations, sweep };
}
