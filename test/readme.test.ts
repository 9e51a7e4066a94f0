import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/cli.js';
import { runScenarioFile } from '../src/runner/run-scenario.js';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const quickStart = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
const commands = quickStart
  .split('\n')
  .map((line) => line.replace(/#.*$/, '').trim())
  .filter(Boolean);

describe('README', () => {
  it('has exactly two set-up commands: one runs twin on the sim engine, one runs the tests', () => {
    expect(commands).toEqual(['npm ci && npx twin run scenarios/control-plane-down.ts', 'npm test']);
    expect(readFileSync(join(repoRoot, '.ci/run'), 'utf8')).toMatch(/^npm test$/m);
  });

  it("the first command's twin part works as written (after npm ci)", () => {
    const twinPart = commands[0]!.split('&&')[1]!.trim().split(/\s+/);
    const out = mkdtempSync(join(tmpdir(), 'twin-readme-'));
    const result = spawnSync(twinPart[0]!, ['--no-install', ...twinPart.slice(1), '--out', out], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, CI: 'true' },
    });
    expect(result.stderr).not.toMatch(/internal error/);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^PASS control-plane-down: 7\/7 expectations hold \(engine sim, seed 42\)/);
  });

  it('the library example runs', async () => {
    const report = await runScenarioFile(join(repoRoot, 'scenarios/worker-power-loss.ts'), { seed: 7 });
    expect(report.seed).toBe(7);
    expect(report.expectations.map((e) => `${e.status} ${e.description}`).length).toBe(7);
  });
});
