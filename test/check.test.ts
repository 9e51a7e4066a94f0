import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { fc } from '@fast-check/vitest';
import { twin } from './helpers/cli.js';
import { cluster, deployment, service } from './helpers/sim.js';
import { checkResilience, scheduleArbitrary, serviceAvailability, deploymentsRecover, runSchedule } from '../src/testing/index.js';

/** A folder inside the repository (so a written scenario's `import … from 'twin'` resolves), removed after the test. */
function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(process.cwd(), 'test', prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const fragile = () => [
  deployment('frontend', 2, { requests: { cpu: '50m', memory: '32Mi' }, spec: { nodeSelector: { 'kubernetes.io/hostname': 'w1' } } }),
  service('frontend'),
];
const nodes = [{ name: 's1', role: 'server' as const }, { name: 'w1' }, { name: 'w2' }, { name: 'w3' }];

describe('twin/testing', () => {
  it('schedule arbitraries respect their bounds and always heal', () => {
    const c = cluster(nodes);
    fc.assert(
      fc.property(scheduleArbitrary(c, { maxFaults: 3, window: 600, minDuration: 30, maxDuration: 120, overlap: false }), (faults) => {
        expect(faults.length).toBeGreaterThanOrEqual(1);
        expect(faults.length).toBeLessThanOrEqual(3);
        let free = 0;
        for (const f of faults) {
          expect(Number(f.at)).toBeGreaterThanOrEqual(free);
          if ('node' in f) expect(['s1', 'w1', 'w2', 'w3']).toContain(f.node);
          if (f.for !== undefined) expect(Number(f.for)).toBeLessThanOrEqual(120);
          free = Number(f.at) + Number(f.for ?? 0) + 1;
        }
        expect(faults.map((f) => f.id)).toEqual(faults.map((_, i) => `f${i + 1}`));
      }),
      { numRuns: 200, seed: 1 },
    );
  });

  it('catches a fragile cluster (two replicas forced onto one node) and shrinks it to one fault', () => {
    const result = checkResilience(cluster(nodes), fragile(), serviceAvailability({ service: 'default/frontend', atLeast: 0.99 }), {
      runs: 100,
      seed: 42,
    });
    expect(result.ok).toBe(false);
    const failure = result.failure!;
    expect(failure.faults).toHaveLength(1);
    expect(failure.faults[0]).toMatchObject({ node: 'w1' });
    expect(failure.explanation).toMatch(/service default\/frontend available ≥ 99\.0 % — observed [\d.]+ %/);
    // Replaying the same seed and path gives the same failure.
    const replay = checkResilience(cluster(nodes), fragile(), serviceAvailability({ service: 'default/frontend', atLeast: 0.99 }), {
      runs: 1,
      seed: result.seed,
      path: failure.path,
    });
    expect(replay.failure?.faults).toEqual(failure.faults);
  });

  it('a robust spread holds the same property', () => {
    const spread = [deployment('frontend', 3, { requests: { cpu: '50m', memory: '32Mi' } }), service('frontend')];
    const result = checkResilience(cluster(nodes), spread, deploymentsRecover({ within: '10m' }), { runs: 25, seed: 7 });
    expect(result.failure?.explanation ?? 'ok').toBe('ok');
  });

  it('runSchedule judges with the scenario vocabulary', () => {
    const run = runSchedule(
      cluster(nodes),
      fragile(),
      serviceAvailability({ service: 'default/frontend', atLeast: 0.99 }),
      [{ id: 'f1', kind: 'power-off', node: 'w2', at: 60, for: 120 }],
      3,
    );
    expect(run.verdicts.map((v) => v.status)).toEqual(['pass']);
  });

  it('plans a schedule as the loader plans a scenario: a bad quantity is refused at its field', () => {
    const slow = [{ id: 'f1', kind: 'slow-storage', node: 'w1', at: 0, for: 10, latency: 'slowly' }] as const;
    expect(() => runSchedule(cluster(nodes), fragile(), serviceAvailability({ service: 'default/frontend' }), slow, 1)).toThrow(
      /^fault schedule: faults\[0\]\.latency: "slowly" is not a valid duration/,
    );
  });
});

describe('twin check', () => {
  it('finds the failure, writes a scenario that twin run reproduces, and reports JUnit', () => {
    // Inside the repository so the scenario's `import … from 'twin'` resolves, as in a user's project.
    const dir = scratchDir('.tmp-check-');
    const junit = join(dir, 'junit.xml');
    const result = twin([
      'check',
      'test/fixtures/fragile/cluster.yaml',
      '-w',
      'test/fixtures/fragile',
      '--property',
      'service-availability',
      '--service',
      'default/frontend',
      '--seed',
      '42',
      '--out',
      dir,
      '--junit',
      junit,
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✘ service-availability: .* — fails/);
    expect(result.stdout).toMatch(/minimal schedule \(\d+ shrink step\(s\)\): power-off w1 at \d+s for \d+s/);
    expect(result.stdout).toMatch(/replay: twin check .* --seed 42 --path \S+/);
    expect(readFileSync(junit, 'utf8')).toMatch(/<failure message="under power-off w1/);
    const scenario = readdirSync(dir).find((f) => f.endsWith('.ts'))!;
    const run = twin(['run', join(dir, scenario), '--out', join(dir, 'reports'), '--quiet']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAIL check-service-availability-\d+: 0\/1 expectations hold/);
    const observed = /observed ([\d.]+ %)/.exec(result.stdout)![1]!;
    const report = JSON.parse(
      readFileSync(
        join(
          dir,
          'reports',
          scenario.replace(/\.ts$/, ''),
          readdirSync(join(dir, 'reports', scenario.replace(/\.ts$/, '')))[0]!,
          'report.json',
        ),
        'utf8',
      ),
    );
    expect(report.expectations[0].observed).toContain(observed);
  });

  it('passes on a property that holds, and rejects an unknown property', () => {
    const ok = twin([
      'check',
      'scenarios/clusters/edgestack-pi4.yaml',
      '-w',
      'scenarios/workloads/edgestack',
      '--property',
      'deployments-recover',
      '--runs',
      '15',
      '--seed',
      '3',
      '--junit',
      join(scratchDir('.tmp-check-'), 'j.xml'),
    ]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/✔ deployments-recover: .* held for 15 generated schedules \(seed 3\)/);
    const bad = twin(['check', 'scenarios/clusters/edgestack-pi4.yaml', '--property', 'nonsense']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown property "nonsense" \(use one of: deployments-recover, service-availability/);
    expect(existsSync('reports/check/nonsense')).toBe(false);
  });
});
