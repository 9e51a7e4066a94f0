/**
 * Engines by name: `--engine`, `twin export ENGINE`, `twin doctor --engine` and `twin down`
 * pick from here, and reach an engine only through its contract (engine.ts).
 */
import { ConfigError } from '../errors.js';
import type { Engine } from './engine.js';
import { k3dEngine } from './k3d/engine.js';
import { simEngine } from './sim/engine.js';

export const engines: ReadonlyMap<string, Engine> = new Map([
  [simEngine.name, simEngine],
  [k3dEngine.name, k3dEngine],
]);

/**
 * The engine by name; an unknown name is bad input. Whether it can run on this host is not
 * asked here: the runner probes `available()` once per engine per run.
 */
export function engineNamed(name: string): Engine {
  const engine = engines.get(name);
  if (!engine) throw ConfigError.single('--engine', '', `unknown engine "${name}"`, `use one of: ${[...engines.keys()].join(', ')}`);
  return engine;
}
