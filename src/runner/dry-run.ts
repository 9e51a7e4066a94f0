/** `twin run --dry-run`: what each engine would do for each scenario, with nothing executed. */
import type { Engine } from '../engines/engine.js';
import { engineNamed } from '../engines/registry.js';
import type { ClusterLoadOptions } from '../load/cluster.js';
import { planOf, type LoadedScenario } from '../scenario/load.js';
import { loadScenarios } from './preflight.js';

export interface DryRun {
  readonly scenario: LoadedScenario;
  readonly engine: string;
  /** The engine's plan: commands (k3d) or steps (sim). */
  readonly lines: readonly string[];
}

/** Yields scenario by scenario, engine by engine, so each plan can be shown before the next is made. */
export async function* dryRuns(
  scenarios: ReadonlyArray<string | LoadedScenario>,
  options: ClusterLoadOptions & { readonly engines: ReadonlyArray<string | Engine>; readonly seed?: number | undefined },
): AsyncGenerator<DryRun> {
  const engines = options.engines.map((e) => (typeof e === 'string' ? engineNamed(e) : e));
  for (const file of scenarios) {
    const [scenario] = await loadScenarios([file], options);
    if (!scenario) continue;
    for (const engine of engines) yield { scenario, engine: engine.name, lines: await engine.dryRun(planOf(scenario)) };
  }
}
