import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createElement } from 'react';
import { renderToString } from 'ink';
import { describe, expect, it, vi } from 'vitest';
import { fitColumns } from '../src/cli/output.js';
import { liveViewReporter } from '../src/cli/reporters/live.js';
import { applyEvent, initialState, type ViewState } from '../src/cli/views/live-state.js';
import { RunView, viewSetup } from '../src/cli/views/run-view.js';
import type { Engine } from '../src/engines/engine.js';
import type { RunReport } from '../src/report/types.js';
import type { LoadedScenario } from '../src/scenario/load.js';
import { repoRoot } from './helpers/cli.js';

const golden = () =>
  JSON.parse(readFileSync(join(repoRoot, 'test/fixtures/golden/scenarios__worker-power-loss.report.json'), 'utf8')) as RunReport;

/** The view's state after the report's events up to `t` (seconds from power-on). */
function stateAt(report: RunReport, t: number): ViewState {
  const workloads = [
    { key: 'Deployment/default/web', replicas: 4 },
    { key: 'StatefulSet/default/postgres', replicas: 1 },
  ];
  let state = initialState(viewSetup(report, workloads));
  for (const e of report.timeline.events) if (e.t <= t) state = applyEvent(state, e);
  return state;
}

const view = (report: RunReport, t: number, verdicts = false) =>
  renderToString(
    createElement(RunView, {
      title: 'twin worker-power-loss · k3d · seed 42',
      state: stateAt(report, t),
      phaseStart: report.phase.start,
      verdicts: verdicts ? report.expectations : [],
    }),
    { columns: 160 },
  );

describe('tables on a terminal', () => {
  it('fit the terminal: the widest columns give way, a narrow table is left alone', () => {
    const head = ['node', 'power supply'];
    const rows = [['dcn1', 'ok: load 5.6 W of 12.75 W supply; PoE 12.95 W ok'.repeat(3)]];
    const widths = fitColumns(head, rows, 80)!;
    expect(widths.reduce((sum, w) => sum + w + 1, 1)).toBe(80);
    expect(widths[0]).toBe(6);
    expect(fitColumns(head, [['dcn1', 'ok']], 80)).toBeUndefined();
    expect(fitColumns(head, rows, undefined)).toBeUndefined();
  });
});

describe('the run view, folded from timeline events', () => {
  it('shows nodes off and booting before the API knows them, then Ready', () => {
    const report = golden();
    expect(view(report, 0)).toMatch(/dcn2 booting/);
    expect(view(report, 0)).toMatch(/Kubernetes API not up/);
    expect(view(report, 50)).toMatch(/dcn2 joining/);
    const up = view(report, 300);
    expect(up).toMatch(/Kubernetes API available/);
    expect(up).toMatch(/dcn2 Ready/);
    expect(up).toMatch(/Deployment\/default\/web\s+■■■ 3\/3 ready/);
  });

  it('shows the truth (off) at once, the API going Unknown after the grace period, and the heal', () => {
    const report = golden();
    const fault = report.faults[0]!;
    expect(view(report, fault.injectedAt! + 1)).toMatch(/dcn2 off · API Ready/);
    expect(view(report, fault.injectedAt! + 45)).toMatch(/dcn2 off · API Unknown/);
    expect(view(report, fault.injectedAt! + 1)).toMatch(/⚡ T\+1m fault power: power-off dcn2/);
    expect(view(report, fault.injectedAt! + 60)).toMatch(/StatefulSet\/default\/postgres\s+□ 0\/1 ready/);
    const healed = view(report, fault.healedAt! + 1);
    expect(healed).toMatch(/✓ T\+16m fault power healed: power-on dcn2/);
    expect(healed).toMatch(/dcn2 booting · API Unknown/);
    const end = view(report, report.phase.end, true);
    expect(end).toMatch(/T\+30m/);
    expect(end).toMatch(/✔ The node is marked NotReady after the 40 s grace period/);
  });

  it('a wall-clock engine is drawn live from onEvent; the sim engine draws nothing without --replay', async () => {
    const report = golden();
    const scenario = {
      name: 'worker-power-loss',
      seed: 42,
      cluster: { nodes: report.cluster.nodes },
      workloads: { workloads: [{ key: 'Deployment/default/web', replicas: 4 }] },
    } as unknown as LoadedScenario;
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const sim = liveViewReporter();
      await sim.onScenarioStart?.(scenario, { name: 'sim' } as Engine);
      for (const e of report.timeline.events) sim.onEvent?.(e);
      await sim.onScenarioEnd?.(report);
      expect(written.join('')).toBe('');
      const k3d = liveViewReporter();
      await k3d.onScenarioStart?.(scenario, { name: 'k3d' } as Engine);
      for (const e of report.timeline.events) k3d.onEvent?.(e);
      await k3d.onScenarioEnd?.(report);
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      spy.mockRestore();
    }
    const out = written.join('');
    expect(out).toMatch(/twin worker-power-loss · k3d · seed 42/);
    expect(out).toMatch(/⚡ T\+1m fault power/);
    expect(out).toMatch(/✔ When the node returns it rejoins automatically/);
  });
});

// tmux must be able to start a server here, not only be installed.
const tmux = spawnSync('tmux', ['-L', `twin-probe-${process.pid}`, 'new-session', '-d', 'true'], { encoding: 'utf8' }).status === 0;
/** util-linux script(1): a pseudo-terminal for one command, so the CLI sees a TTY. */
const script = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

function onTerminal(args: string): string {
  const out = mkdtempSync(join(tmpdir(), 'twin-tty-'));
  const command = `stty cols 160 rows 50; env -u CI node bin/twin.js run ${args} --out ${out}`;
  const result = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: repoRoot, encoding: 'utf8', timeout: 90_000 });
  return result.stdout.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[a-zA-Z]`, 'g'), '');
}
if (!tmux) console.warn('terminal.test: live-view test skipped because tmux is not installed (.ci/run installs it)');

describe('on a terminal', () => {
  it.skipIf(!script)(
    'twin run on the sim engine prints the result at once; --replay plays the run back first',
    () => {
      const plain = onTerminal('scenarios/ha-quorum-loss.ts');
      expect(plain).toMatch(/PASS ha-quorum-loss: 5\/5 expectations hold/);
      expect(plain).not.toMatch(/╭|T\+30m/);
      const replay = onTerminal('scenarios/ha-quorum-loss.ts --replay');
      expect(replay).toMatch(/twin ha-quorum-loss · sim · seed 21 · T\+30m/);
      expect(replay).toMatch(/arkveld off · API Unknown/);
      expect(replay).toMatch(/✓ T\+18m fault second healed: power-on reydau/);
      expect(replay).toMatch(/PASS ha-quorum-loss: 5\/5 expectations hold/);
    },
    120_000,
  );

  it.skipIf(!tmux)(
    'twin run --replay shows the Ink view: clock, API, node grid, workloads, faults and heals, then verdicts',
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
        `cd ${repoRoot} && env -u CI node bin/twin.js run scenarios/ha-quorum-loss.ts --replay --out ${out}; sleep 20`,
      ]);
      let screen = '';
      for (let i = 0; i < 60 && !/PASS ha-quorum-loss/.test(screen); i++) {
        await new Promise((r) => setTimeout(r, 500));
        screen = spawnSync('tmux', ['capture-pane', '-p', '-t', session], { encoding: 'utf8' }).stdout;
      }
      spawnSync('tmux', ['kill-session', '-t', session]);
      expect(screen).toMatch(/twin ha-quorum-loss · sim · seed 21 · T\+30m/);
      expect(screen).toMatch(/arkveld off/);
      expect(screen).toMatch(/Kubernetes API unavailable/);
      expect(screen).toMatch(/whoami\s+■■■■ 4\/4 ready/);
      expect(screen).toMatch(/⚡ T\+\S+ fault second: power-off reydau/);
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
    expect(figures[0]!['target']).toEqual({ virtualToWall: '>= 1000000' });
  }, 60_000);
});
