/**
 * The options of a resilience check, read and validated once: the same rules for `twin check`'s
 * flags (text as typed) and for `checkResilience()` called from a user's tests (numbers). A value
 * out of range is a {@link ConfigError} naming the option, the value as given and what is allowed;
 * nothing reaches fast-check or the simulator as NaN, 0 runs or an unknown fault kind.
 */
import { ConfigError } from '../errors.js';
import { didYouMean } from '../model/suggest.js';
import { formatDuration } from '../model/units.js';
import { maxVirtualSeconds, Problems } from '../scenario/fields.js';
import { generatedFaultKinds, type GeneratedFaultKind } from './schedules.js';

/** Bounds of the numbers a check accepts. */
export const checkLimits = Object.freeze({
  /** Each run is a whole simulation; 100 000 is hours of CPU, beyond any CI budget. */
  runs: { min: 1, max: 100_000, example: 100 },
  /** fast-check seeds are 32-bit integers. */
  seed: { min: -(2 ** 31), max: 2 ** 31 - 1, example: 42 },
  /** Faults in one schedule: more only makes the shrunk failure harder to read. */
  maxFaults: { min: 1, max: 20, example: 2 },
  /** A property's recovery time: every schedule runs this long after healing; a day is already far past any K3s timer. */
  within: { max: 24 * 3600 },
});

const shown = (written: unknown) => (typeof written === 'string' ? `"${written}"` : String(written));

/** An integer in `[min, max]`, from a number or the text a user typed. */
export function integerOption(name: string, written: string | number, limits: { min: number; max: number; example: number }): number {
  const value = typeof written === 'number' ? written : written.trim() === '' ? Number.NaN : Number(written);
  if (!Number.isInteger(value) || value < limits.min || value > limits.max)
    throw ConfigError.single(
      name,
      '',
      `${shown(written)} is not a whole number from ${limits.min} to ${limits.max}`,
      `e.g. ${name}${name.startsWith('--') ? ' ' : ': '}${limits.example}`,
    );
  return value;
}

/** A share of time, 0..1 (`0.99`). */
export function shareOption(name: string, written: string | number): number {
  const value = typeof written === 'number' ? written : written.trim() === '' ? Number.NaN : Number(written);
  if (!Number.isFinite(value) || value < 0 || value > 1)
    throw ConfigError.single(name, '', `${shown(written)} is not a share of time from 0 to 1`, `e.g. ${name} 0.99`);
  return value;
}

/** A positive duration within twin's limit of virtual time (`10m`, or seconds). */
export function durationOption(name: string, written: string | number, limits: { max: number } = { max: maxVirtualSeconds }): number {
  const problems = new Problems();
  const seconds = problems.duration('', written, 0, { positive: true });
  if (problems.list.length === 0 && seconds > limits.max)
    problems.add(
      '',
      `${typeof written === 'number' ? `${written} s` : shown(written)} is longer than the ${formatDuration(limits.max)} allowed`,
      `use at most ${formatDuration(limits.max)}`,
    );
  if (problems.list.length > 0) throw new ConfigError(name, problems.list);
  return seconds;
}

/** Fault kinds to generate, comma-separated or a list; each must be one the generator knows. */
export function kindsOption(name: string, written: string | readonly string[]): GeneratedFaultKind[] {
  const kinds = (typeof written === 'string' ? written.split(',') : [...written]).map((k) => k.trim());
  const known: readonly string[] = generatedFaultKinds;
  const unknown = kinds.find((k) => !known.includes(k));
  if (unknown !== undefined || kinds.length === 0) {
    const what = unknown === '' || unknown === undefined ? 'an empty fault kind' : `unknown fault kind "${unknown}"`;
    throw ConfigError.single(
      name,
      '',
      `${what} in ${shown(typeof written === 'string' ? written : written.join(','))}`,
      `${didYouMean(unknown ?? '', known)}use a comma-separated list of ${known.join(', ')}`,
    );
  }
  return kinds as GeneratedFaultKind[];
}

/** A fast-check counterexample path, as a failure prints it (`3:0:1`). */
export function pathOption(name: string, written: string): string {
  if (!/^\d+(:\d+)*$/.test(written))
    throw ConfigError.single(name, '', `"${written}" is not a fast-check path`, 'copy it from the replay line of a failure, e.g. 12:0:3');
  return written;
}
