/** The library's one-scenario entry points: thin calls into the runner. */
import type { RunObserver } from '../engines/engine.js';
import { BugError } from '../errors.js';
import type { ClusterLoadOptions } from '../load/cluster.js';
import type { RunReport } from '../report/types.js';
import type { LoadedScenario } from '../scenario/load.js';
import { runScenarios, type RunnerOptions } from './runner.js';

export interface RunOptions extends ClusterLoadOptions {
  /** `sim` (default) or `k3d`. */
  readonly engine?: string;
  /** Overrides the scenario's seed. */
  readonly seed?: number;
  /** Receives every timeline event as the engine emits it. */
  readonly observer?: RunObserver;
  /** k3d: leave the cluster running after the run (`twin down` removes it). */
  readonly keep?: boolean;
  /** Aborting stops the run; the engine tears down what it created. */
  readonly signal?: AbortSignal;
  /** Sim engine: the range sweep over the model's estimates (on unless `false`); see {@link RunnerOptions.ranges}. */
  readonly ranges?: RunnerOptions['ranges'];
}

async function runOne(scenario: LoadedScenario | string, options: RunOptions): Promise<RunReport> {
  const { engine = 'sim', observer, ...rest } = options;
  const [report] = await runScenarios([scenario], { ...rest, engines: [engine], reporters: observer ? [observer] : [] });
  if (!report) throw new BugError(`the runner returned no report for ${typeof scenario === 'string' ? scenario : scenario.name}`);
  return report;
}

/** Runs a loaded scenario on one engine and judges its expectations. */
export function runScenario(scenario: LoadedScenario, options: RunOptions = {}): Promise<RunReport> {
  return runOne(scenario, options);
}

/** Loads and runs a scenario file. */
export function runScenarioFile(path: string, options: RunOptions = {}): Promise<RunReport> {
  return runOne(path, options);
}
