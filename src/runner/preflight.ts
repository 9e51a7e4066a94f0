/**
 * Before anything starts: every engine known and usable on this host (asked once each), every
 * scenario loaded once, and every engine asked what of every scenario it cannot do. A refusal
 * stops the run here, with nothing built and nothing written.
 */
import type { Engine, Refusal } from '../engines/engine.js';
import { engineNamed } from '../engines/registry.js';
import { EngineUnavailableError } from '../errors.js';
import type { ClusterLoadOptions } from '../load/cluster.js';
import { loadScenarioFile, planOf, type LoadedScenario } from '../scenario/load.js';

/** Engines by name (from the registry) or as objects; `available()` is probed once per engine. */
export async function usableEngines(wanted: ReadonlyArray<string | Engine>): Promise<Engine[]> {
  const chosen = wanted.map((e) => (typeof e === 'string' ? engineNamed(e) : e));
  for (const engine of chosen) {
    const { available, reason } = await engine.available();
    if (!available) throw new EngineUnavailableError(`engine ${engine.name} unavailable: ${reason ?? 'unknown reason'}`);
  }
  return chosen;
}

/** Files are loaded (once each); loaded scenarios are taken as they are. `seed` overrides both. */
export async function loadScenarios(
  scenarios: ReadonlyArray<string | LoadedScenario>,
  options: ClusterLoadOptions & { readonly seed?: number | undefined },
): Promise<LoadedScenario[]> {
  const { seed, ...load } = options;
  const loaded: LoadedScenario[] = [];
  for (const scenario of scenarios) {
    if (typeof scenario === 'string') loaded.push(await loadScenarioFile(scenario, { ...load, ...(seed !== undefined ? { seed } : {}) }));
    else loaded.push(seed !== undefined ? { ...scenario, seed } : scenario);
  }
  return loaded;
}

function refusalText(refusal: Refusal): string {
  // Some engines repeat the subject at the head of the reason; say it once.
  const text = refusal.reason.startsWith(refusal.subject) ? refusal.reason : `${refusal.subject}: ${refusal.reason}`;
  return text.replace(/\s*\n\s*/g, ' ');
}

/** Asks every engine about every scenario before any runs; throws one line listing every refusal. */
export async function refuseUnsupported(scenarios: readonly LoadedScenario[], engines: readonly Engine[]): Promise<void> {
  const refused: string[] = [];
  for (const scenario of scenarios) {
    for (const engine of engines) {
      const refusals = await engine.supports(planOf(scenario));
      if (refusals.length === 0) continue;
      const what = scenarios.length === 1 ? 'this scenario' : scenario.name;
      refused.push(`engine ${engine.name} cannot run ${what}: ${refusals.map(refusalText).join('; ')}`);
    }
  }
  if (refused.length > 0) throw new EngineUnavailableError(refused.join('; '));
}
