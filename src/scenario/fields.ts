/**
 * What the fault and expectation vocabularies share: field schemas (durations, anchors, names),
 * the type that turns a schema's input into the user-facing form with node names narrowed to a
 * cluster's, and the problem list the loader fills (every bad field, with its path).
 */
import { z } from 'zod';
import type { InputProblem } from '../errors.js';
import { UnitError } from '../model/units.js';

/** `30m`, `90s`, or seconds. */
export const duration = z.union([z.string(), z.number().nonnegative()]);
/** A point in the run: `start`, `end`, `5m`, `fault:<id>`, `heal:<id>`, optionally `+30s`; a number is seconds from start. */
export const anchor = z.union([z.string(), z.number()]);
export const name = z.string().min(1);

/** Fields that name cluster nodes; a typed `defineCluster()` cluster narrows them to its node names. */
interface NodeFields<N extends string> {
  node: N;
  servers: readonly N[];
  groups: ReadonlyArray<readonly N[]>;
  order: readonly N[];
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
}
