/**
 * Every numeric or enumerated flag refuses garbage with exit 2 and one line that names the
 * flag and repeats what the user typed (src/cli/flags.ts), never NaN, a crash or a stack trace.
 * Runs the CLI in-process (main()) so the table stays fast.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../src/errors.js';
import { duration, nonNegativeInt, oneOf, positiveInt, requireArgument } from '../src/cli/flags.js';
import { main } from '../src/cli/main.js';

let stderr = '';
let stdout = '';
beforeEach(() => {
  stderr = '';
  stdout = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

const scenario = 'scenarios/control-plane-down.ts';
const cluster = 'scenarios/clusters/edgestack-pi4.yaml';

describe('bad flags: exit 2, the flag and the typed value in one line', () => {
  it.each([
    [['run', scenario, '--seed', 'abc'], '--seed', '"abc"'],
    [['run', scenario, '--seed', '-1'], '--seed', '"-1"'],
    [['run', scenario, '--seed', '1e309'], '--seed', '"1e309"'],
    [['run', scenario, '--seed', '1.5'], '--seed', '"1.5"'],
    [['run', scenario, '--seed='], '--seed', 'no value given'],
    [['run', scenario, '--engine', 'k4d,sim,k3d'], '--engine', '"k4d,sim,k3d"'],
    [['run', scenario, '--engine='], '--engine', '""'],
    [['run', scenario, '--out='], '--out', 'no value given'],
    [['run', scenario, '--junit='], '--junit', 'no value given'],
    [['report', 'x.json', '--format', 'pdf'], '--format', '"pdf"'],
    [['report', 'x.json', '--format='], '--format', 'no value given'],
    [['report', 'x.json', '-o='], '--output', 'no value given'],
    [['bringup', cluster, '--seed', 'abc'], '--seed', '"abc"'],
    [['bringup', cluster, '--seed', '-1'], '--seed', '"-1"'],
    [['bringup', cluster, '--engine', 'pdf'], '--engine', '"pdf"'],
    [['export', 'pdf', cluster], 'twin export', '"pdf"'],
    [['export', 'k3d', cluster, '--output='], '--output', 'no value given'],
    [['import', '--from', 'x.json', '--name='], '--name', 'no value given'],
    [['import', '--from', 'x.json', '--out='], '--out', 'no value given'],
    [['doctor', '--engine', 'xyz'], '--engine', '"xyz"'],
    [['profiles', 'bogus'], 'twin profiles', '"bogus"'],
    [['validate', cluster, '--bogus', '1'], 'Unknown argument', 'bogus'],
    [['down', '--dry-run', '--bogus'], 'Unknown argument', 'bogus'],
  ])('twin %j', async (argv, flag, typed) => {
    const code = await main(argv);
    expect(code, stderr).toBe(2);
    const lines = stderr.trim().split('\n');
    expect(lines, stderr).toHaveLength(1);
    expect(lines[0]).toContain(flag);
    expect(lines[0]).toContain(typed);
    expect(stderr).not.toMatch(/NaN|internal error|\n\s+at /);
    // Refused before anything ran: no table, no report.
    expect(stdout).toBe('');
  });

  it.each([
    [['report'], 'twin report: missing the report to render'],
    [['export'], 'twin export: missing FORMAT and CLUSTER'],
    [['export', 'k3d'], 'twin export: missing CLUSTER'],
  ])('twin %j says what is missing', async (argv, message) => {
    expect(await main(argv)).toBe(2);
    expect(stderr.trim().split('\n')).toEqual([expect.stringContaining(message)]);
  });
});

describe('the shared validators', () => {
  const refused = (f: () => unknown) => {
    try {
      f();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('not refused');
  };

  it('accept what they promise', () => {
    expect(nonNegativeInt('--seed', '0')).toBe(0);
    expect(nonNegativeInt('--seed', ['3', '42'])).toBe(42);
    expect(positiveInt('--count', '7')).toBe(7);
    expect(duration('--for', '1h30m')).toBe(5400);
    expect(duration('--for', '250ms')).toBe(0.25);
    expect(oneOf('--format', 'md', ['json', 'md'] as const)).toBe('md');
    expect(requireArgument('twin x', 'FILE', 'a.yaml', 'give one')).toBe('a.yaml');
  });

  it('refuse the rest, repeating the value as typed', () => {
    expect(refused(() => positiveInt('--count', '0'))).toBe(
      '--count: "0" is not a positive whole number (write a whole number ≥ 1, e.g. --count 2)',
    );
    expect(refused(() => nonNegativeInt('--seed', '0x10'))).toContain('"0x10"');
    expect(refused(() => nonNegativeInt('--seed', '9007199254740993'))).toContain('"9007199254740993"');
    expect(refused(() => duration('--for', '5 minutes'))).toContain('--for: "5 minutes" is not a duration');
    expect(refused(() => duration('--for', ''))).toContain('--for: no value given');
    expect(refused(() => oneOf('--format', 'PDF', ['json', 'md']))).toContain('"PDF" is not one of json, md');
    expect(refused(() => requireArgument('twin x', 'FILE', undefined, 'give one'))).toBe('twin x: missing FILE (give one)');
  });
});
