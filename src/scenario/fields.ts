/**
 * What the fault and expectation vocabularies share: field schemas (durations, anchors, names),
 * the type that turns a schema's input into the user-facing form with node names narrowed to a
 * cluster's, and the problem list the loader fills (every bad field, with its path).
 */
import { z } from 'zod';
import type { InputProblem } from '../errors.js';
import { formatDuration, parseDuration, UnitError } from '../model/units.js';

/** `30m`, `90s`, or seconds. */
export const duration = z.union([z.string(), z.number().nonnegative()]);
/** A point in the run: `start`, `end`, `5m`, `fault:<id>`, `heal:<id>`, optionally `+30s`; a number is seconds from start. */
export const anchor = z.union([z.string(), z.number()]);
export const name = z.string().min(1);

/** Fields that name cluster nodes; a typed `defineCluster()` cluster narrows them to its node names. */
interface NodeFields<N extends string> {
  node: N;
  via: N;
  servers: readonly N[];
  groups: ReadonlyArray<readonly N[]>;
  order: readonly N[];
  /** k3s-upgrade's nodes, in upgrade order. */
  nodes: readonly N[];
}

/** Read-only all the way down (users may pass `as const` values). */
export type Immutable<T> =
  T extends ReadonlyArray<infer E> ? ReadonlyArray<Immutable<E>> : T extends object ? { readonly [K in keyof T]: Immutable<T[K]> } : T;

/**
 * A vocabulary schema's input (a union of kinds), read-only, with its node fields narrowed to
 * `N`: so `node: 'wrker-1'` fails to compile when the cluster is a typed `defineCluster()` value.
 */
export type WithNodeNames<T, N extends string> = T extends unknown
  ? { readonly [K in keyof T]: K extends keyof NodeFields<N> ? NodeFields<N>[K] : Immutable<T[K]> }
  : never;

/**
 * The longest virtual time twin simulates: 30 days. A scenario's duration, bring-up timeout and
 * every fault time or expectation duration must fit in it (`duration: 1e300` is a typo, not a run);
 * a month of virtual time runs in seconds, its series down-sampled to a bounded size (`sim/sampler.ts`).
 */
export const maxVirtualSeconds = 30 * 24 * 3600;
const maxVirtualText = `${formatDuration(maxVirtualSeconds)} (30 days)`;

/** Problems found while resolving an input, each with its field path; reported together. */
export class Problems {
  readonly list: InputProblem[] = [];

  add(field: string, message: string, hint?: string): void {
    this.list.push({ field, message, ...(hint !== undefined ? { hint } : {}) });
  }

  /** The parsed value, or `fallback` with a problem at `field` when `parse` throws (a bad unit). */
  parse<T>(field: string, parse: () => T, fallback: T): T {
    try {
      return parse();
    } catch (error) {
      this.list.push({ field, message: error instanceof UnitError || error instanceof Error ? error.message : String(error) });
      return fallback;
    }
  }

  /**
   * A duration in seconds, at most {@link maxVirtualSeconds} and at least `min` (exclusive when
   * `min` is 0 and `positive` is set); `fallback` with a problem at `field` otherwise.
   */
  duration(field: string, written: string | number, fallback: number, options: { positive?: boolean } = {}): number {
    const before = this.list.length;
    const seconds = this.parse(field, () => parseDuration(written), fallback);
    if (this.list.length > before) return fallback;
    const shown = typeof written === 'number' ? `${written} s` : `"${written}"`;
    if (seconds > maxVirtualSeconds) {
      this.add(field, `${shown} is longer than the ${maxVirtualText} twin simulates`, `use at most ${formatDuration(maxVirtualSeconds)}`);
      return fallback;
    }
    if (options.positive && seconds <= 0) {
      this.add(field, `${shown} must be longer than 0`, 'give a positive duration, e.g. 10s');
      return fallback;
    }
    return seconds;
  }
}
