import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, twin } from './helpers/cli.js';

const shipped = readdirSync(new URL('../scenarios/', import.meta.url)).filter((f) => f.endsWith('.ts'));
const out = () => mkdtempSync(join(tmpdir(), 'twin-run-'));
const runDirs = (dir: string, scenario: string) => (existsSync(join(dir, scenario)) ? readdirSync(join(dir, scenario)) : []);

describe('twin run', () => {
  it("ships the nine scenarios of the issue, a rolling K3s upgrade, and seed 000's OOM pressure with and without Edge-Pulse", () => {
    for (const name of [
      'worker-power-loss',
      'control-plane-down',
      'rancher-down',
      'oom-pressure',
      'network-partition',
      'site-power-cut',
      'ha-quorum-loss',
      'sd-card-latency',
      'nfs-node-down',
      'rolling-upgrade',
      'oom-pressure-pi3',
      'oom-edge-pulse',
    ]) {
      expect(shipped).toContain(`${name}.ts`);
    }
  });

  it('runs every shipped scenario on the sim engine; all expectations hold and reports are written', () => {
    const dir = out();
    const junit = join(dir, 'junit.xml');
    const result = twin(['run', ...shipped.map((f) => `scenarios/${f}`), '--out', dir, '--junit', junit, '--quiet']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    for (const file of shipped) {
      const name = file.replace(/\.ts$/, '');
      expect(result.stdout).toMatch(new RegExp(`PASS ${name}: (\\d+)/\\1 expectations hold`));
      const [run] = runDirs(dir, name);
      expect(run).toBeDefined();
      for (const report of ['report.json', 'report.md', 'report.html']) expect(existsSync(join(dir, name, run!, report))).toBe(true);
      const json = JSON.parse(readFileSync(join(dir, name, run!, 'report.json'), 'utf8'));
      expect(json).toMatchObject({ apiVersion: 'twin/v1alpha1', kind: 'RunReport', engine: 'sim', status: 'pass' });
      expect(json.timeline.events.length).toBeGreaterThan(10);
      expect(readFileSync(join(dir, name, run!, 'report.md'), 'utf8')).toMatch(/^# .*PASS/);
    }
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/<testsuites name="twin" tests="\d+" failures="0">/);
    expect(xml.match(/<testsuite /g)).toHaveLength(shipped.length);
  });

  it('a wrong expectation fails with exit code 1 and says what was observed instead', () => {
    const dir = out();
    const result = twin(['run', 'test/fixtures/scenarios/wrong-expectation.ts', '--out', dir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/FAIL wrong-expectation: 1\/2 expectations hold/);
    expect(result.stderr).toMatch(
      new RegExp(
        '✘ Pods rescheduled within 60 s of worker power loss: ' +
          String.raw`expected a replacement web pod Ready within 1m of fault power; observed Ready after 5m\d+s`,
      ),
    );
    expect(result.stderr).toMatch(/toleration \(300 s\)/);
    const report = JSON.parse(readFileSync(join(dir, 'wrong-expectation', runDirs(dir, 'wrong-expectation')[0]!, 'report.json'), 'utf8'));
    expect(report.expectations[0]).toMatchObject({ status: 'fail', description: 'Pods rescheduled within 60 s of worker power loss' });
  });

  it('the same scenario and seed give a byte-identical report.json; --seed changes it', () => {
    const dir = out();
    twin(['run', 'scenarios/worker-power-loss.ts', '--out', dir, '--quiet']);
    twin(['run', 'scenarios/worker-power-loss.ts', '--out', dir, '--quiet']);
    twin(['run', 'scenarios/worker-power-loss.ts', '--out', dir, '--quiet', '--seed', '7']);
    const runs = runDirs(dir, 'worker-power-loss').sort();
    expect(runs).toHaveLength(3);
    const read = (run: string) => readFileSync(join(dir, 'worker-power-loss', run, 'report.json'));
    const seed42 = runs.filter((r) => r.includes('seed42'));
    expect(seed42).toHaveLength(2);
    expect(read(seed42[0]!).equals(read(seed42[1]!))).toBe(true);
    const seed7 = runs.find((r) => r.includes('seed7'))!;
    expect(read(seed7).equals(read(seed42[0]!))).toBe(false);
  });

  it('--json prints the report on stdout', () => {
    const result = twin(['run', 'scenarios/rancher-down.ts', '--json', '--out', out()]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ kind: 'RunReport', scenario: { name: 'rancher-down' } });
  });

  it.each([
    ['a missing file', 'test/fixtures/scenarios/nope.ts', /nope\.ts: file not found/],
    [
      'a TypeScript syntax error',
      'test/fixtures/scenarios/syntax-error.ts',
      /syntax-error\.ts: line 7, column \d+: TypeScript syntax error/,
    ],
    [
      'a fault on a node that does not exist',
      'test/fixtures/scenarios/unknown-node.ts',
      /unknown-node\.ts: faults\[0\]\.node: no node named "dcn9" in cluster edgestack-pi4 \(use one of: dcn0, dcn1, dcn2\)/,
    ],
    [
      'an unknown profile',
      'test/fixtures/scenarios/unknown-profile.ts',
      /unknown-profile\.ts: nodes\[0\]\.profile: unknown hardware profile "pi6-8gb"/,
    ],
    [
      'a malformed manifest',
      'test/fixtures/scenarios/bad-manifest.ts',
      /bad-manifests\/web\.yaml: spec\.template\.spec\.containers\[0\]\.resources\.requests\.memory: "lots" is not a valid size/,
    ],
  ])('bad input (%s): one line, exit 2, no report written', (_what, file, pattern) => {
    const dir = out();
    const result = twin(['run', file, '--out', dir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(pattern);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('an unavailable engine exits 3 with the reason, before running anything', () => {
    const dir = out();
    // A node image that is not there, so the engine is unavailable even on hosts that built one.
    const result = twin(['run', 'scenarios/worker-power-loss.ts', '--engine', 'k3d', '--out', dir], {
      env: { TWIN_K3S_IMAGE: 'twin.local/absent:none' },
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/engine k3d unavailable/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('twin report re-renders a report.json without re-running', () => {
    const dir = out();
    twin(['run', 'scenarios/control-plane-down.ts', '--out', dir, '--quiet']);
    const json = join(dir, 'control-plane-down', runDirs(dir, 'control-plane-down')[0]!, 'report.json');
    const md = twin(['report', json]);
    expect(md.code).toBe(0);
    expect(md.stdout).toMatch(/^# control-plane-down: PASS/);
    expect(md.stdout).toMatch(/\| ✅ pass \| Existing pods continue running \|/);
    const html = twin(['report', json, '--format', 'html', '-o', join(dir, 'cp.html')]);
    expect(html.code).toBe(0);
    expect(readFileSync(join(dir, 'cp.html'), 'utf8')).toMatch(/<svg[^>]*aria-label="timeline of the run"/);
    const junit = twin(['report', json, '--format', 'junit']);
    expect(junit.stdout).toMatch(/<testsuite name="twin.control-plane-down" tests="7" failures="0"/);
    const bad = twin(['report', 'package.json']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/package\.json: kind: not a twin run report/);
  });

  it('Ctrl-C stops the run: nothing further starts, exit 130 with one line', async () => {
    const dir = out();
    const child = spawn(process.execPath, ['bin/twin.js', 'run', ...shipped.map((f) => `scenarios/${f}`), '--out', dir], {
      cwd: repoRoot,
      env: { ...process.env, CI: 'true', NO_COLOR: '1' },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      if (!stderr.includes('twin: running')) setImmediate(() => child.kill('SIGINT'));
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(stderr).toMatch(/twin: SIGINT: stopping/);
    expect(stderr).toMatch(/twin: run interrupted/);
    expect(stderr.match(/twin: running/g)?.length ?? 0).toBeLessThan(shipped.length);
  }, 60_000);
});
