/**
 * Checks for command-line values, shared by every command: each one takes the flag's name and
 * the text the user typed, and returns the parsed value or throws a {@link ConfigError} whose
 * one line names the flag, repeats the value as typed and says what to write instead (exit 2).
 *
 * Use them as yargs `coerce` functions on `type: 'string'` options, so yargs never turns the
 * text into `NaN` first:
 *
 * ```ts
 * .option('seed', { type: 'string', coerce: (v: unknown) => nonNegativeInt('--seed', v) })
 * ```
 */
import { ConfigError } from '../errors.js';
import { parseDuration } from '../model/units.js';

/** What the user typed: the last value of a repeated flag, `''` for a flag given without one. */
export function typedValue(flag: string, value: unknown): string {
  const last: unknown = Array.isArray(value) ? value[value.length - 1] : value;
  if (last === undefined || last === null || last === true) return '';
  if (typeof last === 'string' || typeof last === 'number') return String(last);
  throw ConfigError.single(flag, '', `"${String(last)}" is not a value`, `write ${flag} VALUE`);
}

function refuse(flag: string, text: string, what: string, hint: string): ConfigError {
  const message = text.trim() === '' ? `no value given (expected ${what})` : `"${text}" is not ${what}`;
  return ConfigError.single(flag, '', message, hint);
}

/** An integer ≥ `min` written in decimal digits (no `1e3`, `0x10`, `1.5`), at most 2^53 − 1. */
export function integerAtLeast(flag: string, value: unknown, min: number, what: string): number {
  const text = typedValue(flag, value);
  const number = /^\s*-?\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(number) || number < min)
    throw refuse(flag, text, what, `write a whole number ≥ ${min}, e.g. ${flag} ${min + 1}`);
  return number;
}

/** 0, 1, 2, … (seeds, counts that may be zero). */
export function nonNegativeInt(flag: string, value: unknown): number {
  return integerAtLeast(flag, value, 0, 'a non-negative whole number');
}

/** 1, 2, 3, … (counts, sizes). */
export function positiveInt(flag: string, value: unknown): number {
  return integerAtLeast(flag, value, 1, 'a positive whole number');
}

/** A duration such as `40s`, `5m`, `1h30m`, `250ms` or plain seconds; returns seconds. */
export function duration(flag: string, value: unknown): number {
  const text = typedValue(flag, value);
  let seconds = NaN;
  try {
    seconds = parseDuration(text);
  } catch {
    // refused below, with the flag's name
  }
  if (!Number.isFinite(seconds)) throw refuse(flag, text, 'a duration', `write e.g. ${flag} 40s, 5m, 1h30m or 250ms`);
  return seconds;
}

/** One of a fixed list of words. */
export function oneOf<const T extends string>(flag: string, value: unknown, choices: readonly T[]): T {
  const text = typedValue(flag, value);
  const found = choices.find((c) => c === text.trim());
  if (found === undefined) throw refuse(flag, text, `one of ${choices.join(', ')}`, `use one of: ${choices.join(', ')}`);
  return found;
}

/** A non-empty text (a name, a path): refuses a flag given without its value. */
export function nonEmpty(flag: string, value: unknown, what: string): string {
  const text = typedValue(flag, value);
  if (text.trim() === '') throw refuse(flag, text, what, `write ${flag} followed by ${what}`);
  return text;
}

/** A positional argument the user left out: says which, and what to give (one line, exit 2). */
export function requireArgument(command: string, name: string, value: string | undefined, hint: string): string {
  if (value === undefined || value.trim() === '') throw ConfigError.single(command, '', `missing ${name}`, hint);
  return value;
}

/** `--calibration FILE` of run, plan, check, bringup and validate: a measured calibration for every cluster of the command. */
export const calibrationOption = {
  type: 'string',
  coerce: (v: unknown) => nonEmpty('--calibration', v, 'a Calibration file (twin calibrate writes one)'),
  describe: "measured figures (a twin calibrate file) over the model's defaults, for every cluster; overrides spec.calibration",
} as const;

/** The cluster-loading option `--calibration` sets, or nothing. */
export function calibrationLoad(file: string | undefined): { readonly calibration?: string } {
  return file === undefined ? {} : { calibration: file };
}
