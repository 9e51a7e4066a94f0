/**
 * `twin check`'s flags: every number and name is validated with the value as typed (exit 2, one
 * line naming the flag and what is allowed), and the replay line a failure prints carries every
 * flag that shaped the schedules, so running it gives the same failure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { checkResilience, deploymentsRecover } from '../src/testing/index.js';
import { twin } from './helpers/cli.js';
import { cluster, deployment } from './helpers/sim.js';

const fragile = ['check', 'test/fixtures/fragile/cluster.yaml', '-w', 'test/fixtures/fragile'];

describe('twin check flags', () => {
  it.each([
    [['--kinds', 'nope'], '--kinds: unknown fault kind "nope" in "nope" (use a comma-separated list of power-off, reboot,'],
    [['--kinds', 'power-off,rebot'], '--kinds: unknown fault kind "rebot" in "power-off,rebot" (did you mean reboot? use a'],
    [['--kinds', ''], '--kinds: an empty fault kind in "" (use a comma-separated list of'],
    [['--max-faults', '0'], '--max-faults: "0" is not a whole number from 1 to 20 (e.g. --max-faults 2)'],
    [['--max-faults', '-1'], '--max-faults: "-1" is not a whole number from 1 to 20'],
    [['--max-faults', 'two'], '--max-faults: "two" is not a whole number from 1 to 20'],
    [['--runs', '0'], '--runs: "0" is not a whole number from 1 to 100000 (e.g. --runs 100)'],
    [['--runs', '1.5'], '--runs: "1.5" is not a whole number from 1 to 100000'],
    [['--seed', 'abc'], '--seed: "abc" is not a whole number from -2147483648 to 2147483647 (e.g. --seed 42)'],
    [['--seed', '1e12'], '--seed: "1e12" is not a whole number from -2147483648 to 2147483647'],
    [['--within', 'abc'], '--within: "abc" is not a valid duration; write e.g. 40s, 5m, 1h30m or 250ms'],
    [['--within', '0'], '--within: "0" must be longer than 0 (give a positive duration, e.g. 10s)'],
    [['--within', '9999h'], '--within: "9999h" is longer than the 720h (30 days) twin simulates (use at most 720h)'],
    [['--within', '48h'], '--within: "48h" is longer than the 24h allowed (use at most 24h)'],
    [
      ['--kinds', 'rancher-down'],
      'fault kinds: no fault kind asked for applies to cluster fragile: rancher-down needs a Rancher in the cluster (choose others',
    ],
    [['--path', 'x'], '--path: "x" is not a fast-check path (copy it from the replay line of a failure, e.g. 12:0:3)'],
    [['--property', 'api-availble'], '--property: unknown property "api-availble" (did you mean api-available? use one of:'],
    [['--property', 'service-availability'], '--service: service-availability needs a Service (pass --service namespace/name)'],
    [
      ['--property', 'service-availability', '--service', 'default/frontend', '--at-least', '1.5'],
      '--at-least: "1.5" is not a share of time from 0 to 1 (e.g. --at-least 0.99)',
    ],
  ])('%j', (flags, message) => {
    const result = twin([...fragile, ...flags]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([`twin: ${message}`.trim()].map((m) => expect.stringContaining(m)));
    expect(result.stdout).toBe('');
  });

  it('the library refuses the same values, named as options', () => {
    const c = cluster([{ name: 's1', role: 'server' }, { name: 'w1' }]);
    const objects = [deployment('web', 1)];
    const check = (options: Parameters<typeof checkResilience>[3]) => () => checkResilience(c, objects, deploymentsRecover(), options);
    expect(() => deploymentsRecover({ within: '2d' })).toThrow('within: "2d" is longer than the 24h allowed');
    expect(() => deploymentsRecover({ within: 90_000 })).toThrow('within: 90000 s is longer than the 24h allowed (use at most 24h)');
    expect(check({ runs: 0 })).toThrow('runs: 0 is not a whole number from 1 to 100000 (e.g. runs: 100)');
    expect(check({ runs: 1, seed: Number.NaN })).toThrow('seed: NaN is not a whole number');
    expect(check({ runs: 1, bounds: { maxFaults: -1 } })).toThrow('bounds.maxFaults: -1 is not a whole number from 1 to 20');
    expect(check({ runs: 1, bounds: { kinds: ['nope' as 'reboot'] } })).toThrow('bounds.kinds: unknown fault kind "nope"');
    expect(check({ runs: 1, bounds: { minDuration: 60, maxDuration: 30 } })).toThrow(
      'bounds.maxDuration: 30 s is shorter than minDuration 60 s',
    );
  });
});

describe('the replay line', () => {
  it('carries every flag, and running it gives the same failure', () => {
    const dir = mkdtempSync(join(process.cwd(), 'test', '.tmp-replay-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const flags = [
      '--property',
      'service-availability',
      '--service',
      'default/frontend',
      '--at-least',
      '0.95',
      '--kinds',
      'power-off,reboot',
      '--max-faults',
      '3',
      '--runs',
      '30',
      '--seed',
      '42',
    ];
    const first = twin([...fragile, ...flags, '--out', dir]);
    expect(first.code).toBe(1);
    const replay = /^ {2}replay: twin (.*)$/m.exec(first.stdout)?.[1];
    expect(replay).toBeDefined();
    const words = replay!.split(' ');
    for (let i = 0; i < flags.length; i += 2) expect(replay).toContain(`${flags[i]} ${flags[i + 1]}`);
    expect(replay).toContain('-w test/fixtures/fragile');
    expect(words).toContain('--path');
    const second = twin([...words, '--out', dir]);
    expect(second.code).toBe(1);
    const failure = (out: string) =>
      out
        .split('\n')
        .filter((l) => /^(✘| {2}(schedules|why|minimal schedule))/.test(l))
        .map((l) => l.replace(/\(\d+ shrink step\(s\)\)/, ''));
    expect(failure(second.stdout)).toEqual(failure(first.stdout));
    expect(failure(first.stdout)).toHaveLength(4);
    expect(second.stdout).toContain(`replay: twin ${replay}`);
  });
});
