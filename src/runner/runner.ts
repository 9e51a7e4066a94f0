/**
 * The runner behind `twin run` and the library's `runScenario`: checks everything up front
 * (preflight.ts), then runs each scenario on each engine in turn, judges it, sets the second
 * engine's run against the first (model against real), and hands every step to the reporters.
 */
import type { Engine } from '../engines/engine.js';
import { InterruptedError, isUserFacing } from '../errors.js';
import type { ClusterLoadOptions } from '../load/cluster.js';
import { compareRuns } from '../report/compare.js';
import type { RunReport } from '../report/types.js';
import { planOf, type LoadedScenario } from '../scenario/load.js';
import { judgeRun } from './judge.js';
import { loadScenarios, refuseUnsupported, usableEngines } from './preflight.js';
import { sweepRanges, type RangeOptions } from './ranges.js';
import { withRanges } from '../report/ranges.js';
import { allOf, type Reporter } from './reporter.js';

export interface RunnerOptions extends ClusterLoadOptions {
  /** One engine, or two to compare (the first is the model, the second the real cluster). By name or as objects. */
  readonly engines: ReadonlyArray<string | Engine>;
  readonly reporters?: readonly Reporter[];
  /** Aborting stops the run: the running engine tears down what it created, nothing further starts. */
  readonly signal?: AbortSignal;
  /** Overrides every scenario's seed. */
  readonly seed?: number;
  /** Engines that create a cluster leave it running (`twin down` removes it). */
  readonly keep?: boolean;
  /**
   * Sim engine: run again with each of the model's estimates at its low and high and report
   * the spread (runner/ranges.ts); on unless `false` (`--no-ranges`).
   */
  readonly ranges?: false | RangeOptions;
}

/** Why an aborted run stopped: the signal's reason when it is one of ours, else a plain interruption. */
function abortReason(signal: AbortSignal): unknown {
  return isUserFacing(signal.reason) ? signal.reason : new InterruptedError('run interrupted');
}

/**
 * Runs scenarios (files or loaded) on one or two engines and returns their reports, in the
 * order run (scenario by scenario, engine by engine). Expectations that fail are reported,
 * not thrown: the caller decides what a failed run means.
 */
export async function runScenarios(scenarios: ReadonlyArray<string | LoadedScenario>, options: RunnerOptions): Promise<RunReport[]> {
  const { signal } = options;
  const engines = await usableEngines(options.engines);
  const loaded = await loadScenarios(scenarios, { ...options, seed: options.seed });
  await refuseUnsupported(loaded, engines);
  const reporters = allOf(options.reporters ?? []);
  const reports: RunReport[] = [];
  await reporters.onRunStart({ scenarios: loaded, engines });
  try {
    for (const scenario of loaded) {
      let first: RunReport | null = null;
      for (const engine of engines) {
        // Let signals and I/O in between runs: the sim engine never yields while it runs.
        await new Promise<void>((resolve) => setImmediate(resolve));
        signal?.throwIfAborted();
        await reporters.onScenarioStart(scenario, engine);
        const result = await engine.run(
          planOf(scenario),
          { onEvent: reporters.onEvent },
          { ...(signal ? { signal } : {}), keep: options.keep ?? false },
        );
        const judged = judgeRun(scenario, engine.name, result);
        // Only the model has estimates: a real cluster's run (k3d) is what it is.
        const sweep =
          options.ranges !== false && engine.name === 'sim' ? await sweepRanges(scenario, engine, result, options.ranges) : null;
        const run = sweep ? withRanges(judged, sweep.expectations, sweep.sweep) : judged;
        const report: RunReport = first ? { ...run, comparison: compareRuns(first, run) } : run;
        first ??= report;
        reports.push(report);
        await reporters.onScenarioEnd(report);
      }
    }
    // An engine that cannot stop midway (the sim finishes what it started) still ends an aborted run as aborted.
    signal?.throwIfAborted();
  } catch (error) {
    const reason = signal?.aborted ? abortReason(signal) : error;
    await reporters.onRunEnd(reports, { error: reason });
    throw reason;
  }
  await reporters.onRunEnd(reports, {});
  return reports;
}
