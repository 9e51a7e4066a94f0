/**
 * The shape of the settings table (`setting-definitions.ts`) and of its parts: each constant's
 * kind, description, default and source. Pure module: no I/O, usable from the simulation core.
 */

export type SettingKind = 'duration' | 'number' | 'bytes' | 'bytes-or-none' | 'rate' | 'boolean';

export interface SettingDefinition {
  readonly kind: SettingKind;
  readonly description: string;
  /** The default for a cluster of the given Kubernetes minor version. */
  readonly default: (minor: number) => number | boolean | null;
  readonly source: string;
  /**
   * For an estimate: the documented low and high it may really be, in the setting's base unit
   * (seconds, bytes, bytes per second…), each end sourced in `source`. The sim engine's range
   * sweep runs the scenario at these ends to say how sure a prediction is.
   */
  readonly range?: readonly [low: number, high: number];
  /** The largest value a `number` setting may take (a share: 1). */
  readonly maximum?: number;
}

export const MiB = 1024 * 1024;

export function define<const T extends Record<string, SettingDefinition>>(table: T): T {
  return Object.freeze(table);
}
