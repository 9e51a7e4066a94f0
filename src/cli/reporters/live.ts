/**
 * The live view of `twin run` on a terminal, as a reporter. Ink is loaded only here, lazily,
 * so plain and CI runs never pay for it. It draws on stderr, and is off when stderr is not a
 * TTY, when CI is set, or with --quiet/--json.
 */
import type { Reporter } from '../../runner/reporter.js';
import type { LiveRun } from '../views/run-view.js';

export function liveViewWanted(): boolean {
  return Boolean(process.stderr.isTTY) && !process.env['CI'] && process.env['TERM'] !== 'dumb';
}

export function liveViewReporter(): Reporter {
  let live: LiveRun | null = null;
  const stop = () => {
    live?.stop();
    live = null;
  };
  return {
    onScenarioStart: async (scenario, engine) => {
      const { showLiveRun } = await import('../views/run-view.js');
      live = showLiveRun(scenario.name, engine.name, scenario.seed);
    },
    onEvent: (event) => live?.event(event),
    onScenarioEnd: async (report) => {
      stop();
      const { playRun } = await import('../views/run-view.js');
      await playRun(report);
    },
    onRunEnd: stop,
  };
}
