/**
 * The live view of `twin run` on a terminal, as a reporter. Ink is loaded only here, lazily,
 * so plain and CI runs never pay for it. It draws on stderr, and is off when stderr is not a
 * TTY, when CI is set, or with --quiet/--json.
 *
 * Engines on a wall clock (k3d: many minutes) are drawn live from each timeline event as the
 * engine emits it. The sim engine finishes in about a second, so its result prints at once;
 * `--replay` plays the finished run back in a few seconds.
 */
import type { Reporter } from '../../runner/reporter.js';
import type { LiveRun } from '../views/run-view.js';

export function liveViewWanted(): boolean {
  return Boolean(process.stderr.isTTY) && !process.env['CI'] && process.env['TERM'] !== 'dumb';
}

/** The sim engine's clock is virtual: nothing to watch while it runs. */
const virtualClock = new Set(['sim']);

export function liveViewReporter(options: { readonly replay?: boolean } = {}): Reporter {
  let live: LiveRun | null = null;
  return {
    onScenarioStart: async (scenario, engine) => {
      if (virtualClock.has(engine.name)) return;
      const { showLiveRun } = await import('../views/run-view.js');
      const workloads = scenario.workloads.workloads.map((w) => ({ key: w.key, replicas: w.replicas }));
      const rancher = scenario.cluster.nodes.some((n) => n.role === 'rancher');
      live = showLiveRun(`twin ${scenario.name} · ${engine.name} · seed ${scenario.seed}`, {
        nodes: scenario.cluster.nodes,
        workloads,
        rancher,
      });
    },
    onEvent: (event) => live?.event(event),
    onScenarioEnd: async (report) => {
      if (live) {
        live.finish(report);
        live = null;
        return;
      }
      if (!options.replay) return;
      const { playRun } = await import('../views/run-view.js');
      await playRun(report);
    },
    onRunEnd: () => {
      live?.finish(null);
      live = null;
    },
  };
}
