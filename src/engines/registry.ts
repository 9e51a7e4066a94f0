import { ConfigError, EngineUnavailableError } from '../errors.js';
import type { Engine } from './engine.js';
import { k3dEngine } from './k3d/engine.js';
import { simEngine } from './sim/engine.js';

/** Engines by name; `--engine` picks one. */
export const engines: ReadonlyMap<string, Engine> = new Map([
  [simEngine.name, simEngine],
  [k3dEngine.name, k3dEngine],
]);

/** The engine by name, checked to be usable on this host. */
export async function engineFor(name: string): Promise<Engine> {
  const engine = engines.get(name);
  if (!engine) throw ConfigError.single('--engine', '', `unknown engine "${name}"`, `use one of: ${[...engines.keys()].join(', ')}`);
  const availability = await engine.available();
  if (!availability.available) throw new EngineUnavailableError(`engine ${name} unavailable: ${availability.reason ?? 'unknown reason'}`);
  return engine;
}
