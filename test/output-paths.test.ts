/**
 * Every file twin writes goes through one helper (src/report/write.ts): a path that cannot be
 * written ends in exit 2 with one line naming the path and the reason, and nothing half-written
 * is left beside it.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/errors.js';
import { checkOutputDirectory, outputPathError, sweepStalePartials, writeFileAtomic } from '../src/report/write.js';
import { twin } from './helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'twin-out-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const aFile = join(tmp, 'a-file');
writeFileSync(aFile, 'not a directory');
const scenario = 'scenarios/control-plane-down.ts';
const cluster = 'scenarios/clusters/edgestack-pi4.yaml';

/** Every entry below `dir` whose name says it is a temporary of an atomic write. */
function partialsUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((name) => name.includes('.partial-'));
}

function expectRefused(result: { code: number; stderr: string }, path: string, reason: RegExp): void {
  expect(result.code, result.stderr).toBe(2);
  const lines = result.stderr.trim().split('\n');
  const line = lines[lines.length - 1] ?? '';
  expect(line).toContain(path);
  expect(line).toMatch(reason);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describe('a path twin cannot write is exit 2 with the path and the reason', () => {
  const report = (() => {
    const out = join(tmp, 'good');
    const run = twin(['run', scenario, '--out', out, '--quiet']);
    if (run.code !== 0) throw new Error(run.stderr);
    const dir = join(out, 'control-plane-down');
    return join(dir, readdirSync(dir)[0] ?? '', 'report.json');
  })();

  it.each([
    ['a file where the reports directory goes', () => ['run', scenario, '--out', aFile], aFile, /is not a directory/],
    ['a file as a parent of --out', () => ['run', scenario, '--out', join(aFile, 'sub')], aFile, /a parent is a file/],
    ['--out /dev/null (a device, not a directory)', () => ['run', scenario, '--out', '/dev/null'], '/dev/null', /is not a directory/],
    ['--out under /proc', () => ['run', scenario, '--out', '/proc/twin-x'], '/proc/twin-x', /no file can be created there/],
    ['--junit naming a directory', () => ['run', scenario, '--out', join(tmp, 'r1'), '--junit', tmp], tmp, /is a directory/],
    ['--junit under /proc', () => ['run', scenario, '--out', join(tmp, 'r2'), '--junit', '/proc/j.xml'], '/proc/j.xml', /no file/],
    ['report -o naming a directory', () => ['report', report, '-o', tmp], tmp, /is a directory/],
    ['report -o below a file', () => ['report', report, '-o', join(aFile, 'x.md')], aFile, /a parent is a file/],
    ['export -o under /proc', () => ['export', 'k3d', cluster, '-o', '/proc/k3d.yaml'], '/proc/k3d.yaml', /no file can be created/],
    ['export -o naming a directory', () => ['export', 'sim', cluster, '-o', tmp], tmp, /is a directory/],
  ])('%s', (_name, args, path, reason) => {
    expectRefused(twin(args()), path, reason);
    expect(partialsUnder(tmp)).toEqual([]);
    expect(existsSync(join(aFile, 'sub'))).toBe(false);
  });

  it('import --out below a file', () => {
    expectRefused(twin(['import', '--from', 'test/fixtures/import/dump.json', '--out', join(aFile, 'twin')]), aFile, /a parent is a file/);
    expect(partialsUnder(tmp)).toEqual([]);
  });

  it('a refused --out fails before the run, not after it', () => {
    const result = twin(['run', scenario, '--out', aFile]);
    expect(result.stdout).not.toMatch(/PASS|FAIL/);
  });

  it('creates missing parent folders, and writes straight to /dev/null', () => {
    const deep = join(tmp, 'new', 'deeper', 'r.md');
    expect(twin(['report', report, '-o', deep]).code).toBe(0);
    expect(readFileSync(deep, 'utf8')).toContain('control-plane-down');
    const devnull = twin(['report', report, '-o', '/dev/null']);
    expect(devnull.code, devnull.stderr).toBe(0);
    expect(existsSync('/dev/null')).toBe(true);
    expect(readdirSync('/dev').filter((n) => n.includes('.partial-'))).toEqual([]);
  });

  it('a read-only directory is "not writable" (skipped as root, where chmod does not stop writes)', (context) => {
    const readOnly = join(tmp, 'read-only');
    mkdirSync(readOnly);
    chmodSync(readOnly, 0o500);
    if (process.getuid?.() === 0) {
      console.warn('output-paths.test: read-only case skipped: running as root, chmod does not stop root writing');
      context.skip();
    }
    expectRefused(twin(['report', report, '-o', join(readOnly, 'x.md')]), readOnly, /not writable/);
    expectRefused(twin(['run', scenario, '--out', readOnly]), readOnly, /not writable/);
    expect(partialsUnder(readOnly)).toEqual([]);
  });
});

describe('writeFileAtomic and the run directory', () => {
  it.each([
    ['EACCES', 'not writable (permission denied)'],
    ['EROFS', 'not writable (read-only file system)'],
    ['ENOSPC', 'no space left on the device'],
    ['EISDIR', 'is a directory, expected a file'],
    ['EWHATEVER', 'EWHATEVER'],
  ])('names the reason for %s', (code, reason) => {
    const error = outputPathError('/somewhere/r.xml', Object.assign(new Error(code), { code }), { flag: '--junit' });
    expect(error.message).toBe(`/somewhere/r.xml: cannot write: ${reason} (choose another path for --junit)`);
  });

  it('throws a ConfigError naming the flag, leaving no temporary', () => {
    const target = join(tmp, 'dir-target');
    mkdirSync(target);
    const error = (() => {
      try {
        writeFileAtomic(target, 'x', { flag: '--junit' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/dir-target: cannot write: is a directory.*--junit/);
    expect(partialsUnder(tmp)).toEqual([]);
  });

  it('checks a reports directory by writing a probe there, and removes the probe', () => {
    const out = join(tmp, 'checked');
    checkOutputDirectory(out);
    expect(readdirSync(out)).toEqual([]);
    expect(() => checkOutputDirectory('/proc/twin-y', { flag: '--out' })).toThrow(/\/proc\/twin-y: cannot write.*--out/);
  });

  it('sweeps temporaries of dead processes and keeps those of live ones', () => {
    const dir = join(tmp, 'sweep');
    mkdirSync(dir);
    const dead = '.20260101-000000-sim-seed1.partial-999999999';
    const live = `.20260101-000000-sim-seed2.partial-${process.pid}`;
    mkdirSync(join(dir, dead));
    writeFileSync(join(dir, dead, 'report.json'), '{');
    mkdirSync(join(dir, live));
    writeFileSync(join(dir, 'keep.md'), 'x');
    // A dead PID's temporary is left while recent: a writer in another container may share the folder.
    const recent = '.20260101-000000-sim-seed3.partial-999999998';
    mkdirSync(join(dir, recent));
    const hourAgo = new Date(Date.now() - 3600_000);
    for (const name of [dead, live]) utimesSync(join(dir, name), hourAgo, hourAgo);
    sweepStalePartials(dir, '.');
    expect(readdirSync(dir).sort()).toEqual([live, recent, 'keep.md'].sort());
  });

  it('a run removes stale partial report directories a killed run left', () => {
    const out = join(tmp, 'stale');
    const stale = join(out, 'control-plane-down', '.20260101-000000-sim-seed42.partial-999999999');
    mkdirSync(stale, { recursive: true });
    writeFileSync(join(stale, 'report.json'), '{"half');
    utimesSync(stale, new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000));
    const run = twin(['run', scenario, '--out', out, '--quiet']);
    expect(run.code, run.stderr).toBe(0);
    const left = readdirSync(join(out, 'control-plane-down'));
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(/^\d{8}-\d{6}-sim-seed42$/);
  });
});
