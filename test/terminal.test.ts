import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/cli.js';

const tmux = spawnSync('tmux', ['-V'], { encoding: 'utf8' }).status === 0;
if (!tmux) console.warn('terminal.test: live-view test skipped because tmux is not installed (.ci/run installs it)');

describe('on a terminal', () => {
  it.skipIf(!tmux)(
    'twin run shows the Ink live view: clock, node grid, workloads, faults, then verdicts',
    async () => {
      const session = `twin-live-${process.pid}`;
      const out = mkdtempSync(join(tmpdir(), 'twin-live-'));
      spawnSync('tmux', [
        'new-session',
        '-d',
        '-s',
        session,
        '-x',
        '160',
        '-y',
        '50',
        `cd ${repoRoot} && env -u CI node bin/twin.js run scenarios/ha-quorum-loss.ts --out ${out}; sleep 20`,
      ]);
      let screen = '';
      for (let i = 0; i < 60 && !/PASS ha-quorum-loss/.test(screen); i++) {
        await new Promise((r) => setTimeout(r, 500));
        screen = spawnSync('tmux', ['capture-pane', '-p', '-t', session], { encoding: 'utf8' }).stdout;
      }
      spawnSync('tmux', ['kill-session', '-t', session]);
      expect(screen).toMatch(/twin ha-quorum-loss · sim · seed 21 · T\+30m/);
      expect(screen).toMatch(/arkveld off/);
      expect(screen).toMatch(/whoami\s+■■■■ 4 ready/);
      expect(screen).toMatch(/⚡ fault second: power-off reydau/);
      expect(screen).toMatch(/✔ Two servers down: quorum lost, API unavailable/);
      expect(screen).toMatch(/PASS ha-quorum-loss: 5\/5 expectations hold/);
    },
    60_000,
  );

  it('npm run bench prints one JSON object per benchmark with its target', () => {
    const result = spawnSync('npx', ['tsx', 'bench/run.ts', 'seed'], { cwd: repoRoot, encoding: 'utf8' });
    expect(result.status).toBe(0);
    const figures = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(figures[0]).toMatchObject({ benchmark: 'seed-7-nodes-1h-4-faults', virtualSeconds: 3600 });
    expect(typeof figures[0]!['virtualToWall']).toBe('number');
    expect(figures[0]!['target']).toEqual({ virtualToWall: '>= 100000' });
  }, 60_000);
});
