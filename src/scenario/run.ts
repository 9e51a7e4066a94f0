/**
 * Runs a scenario on an engine and judges its expectations: the library behind `twin run`.
 */
import { engineFor } from '../engines/registry.js';
import type { RunObserver } from '../engines/engine.js';
import type { ClusterLoadOptions } from '../load/cluster.js';
import { buildReport, type RunReport } from '../report/report.js';
import { judgeAll } from './judge.js';
import { loadScenarioFile, planOf, type LoadedScenario } from './load.js';
import { bringUpFindings } from '../model/findings.js';

export interface RunOptions extends ClusterLoadOptions {
  /** `sim` (default) or `k3d`. */
  readonly engine?: string;
  /** Overrides the scenario's seed. */
  readonly seed?: number;
  readonly observer?: RunObserver;
  /** k3d: leave the cluster running after the run (`twin down` removes it). */
  readonly keep?: boolean;
}

export async function runScenario(scenario: LoadedScenario, options: RunOptions = {}): Promise<RunReport> {
  const engineName = options.engine ?? 'sim';
  const engine = await engineFor(engineName);
  const result = await engine.run(planOf(scenario), options.observer, { keep: options.keep ?? false });
  const verdicts = judgeAll(scenario.expectations, result.timeline, { phaseStart: result.phaseStart, phaseEnd: result.phaseEnd });
  return buildReport(scenario, engine.name, result, verdicts, bringUpFindings(scenario.cluster, scenario.workloads));
}

/** Loads and runs a scenario file. */
export async function runScenarioFile(path: string, options: RunOptions = {}): Promise<RunReport> {
  const scenario = await loadScenarioFile(path, { ...options, ...(options.seed !== undefined ? { seed: options.seed } : {}) });
  return runScenario(scenario, options);
}
