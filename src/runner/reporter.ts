/**
 * Reporters: plug-ins that watch a run through optional hooks, each doing one thing (write the
 * run directory, JUnit, summary lines, the live view). The runner calls every hook of every
 * reporter in the order given and waits for it, so a reporter may rely on one before it.
 */
import type { Engine } from '../engines/engine.js';
import type { TimelineEvent } from '../model/timeline.js';
import type { RunReport } from '../report/types.js';
import type { LoadedScenario } from '../scenario/load.js';

type Awaitable<T> = T | Promise<T>;

/** What a run will do: every scenario on every engine, in this order. */
export interface RunStart {
  readonly scenarios: readonly LoadedScenario[];
  readonly engines: readonly Engine[];
}

/** How a run ended. */
export interface RunEnd {
  /** Why the run stopped early (an error, or the abort reason); absent when every scenario ran. */
  readonly error?: unknown;
}

export interface Reporter {
  /** Everything is loaded and every engine accepted every scenario; nothing has started yet. */
  onRunStart?(run: RunStart): Awaitable<void>;
  onScenarioStart?(scenario: LoadedScenario, engine: Engine): Awaitable<void>;
  /** Each timeline event as the engine emits it (synchronously, from inside the engine). */
  onEvent?(event: TimelineEvent): void;
  /** The judged run; on the second of two engines it carries the model-vs-real comparison. */
  onScenarioEnd?(report: RunReport): Awaitable<void>;
  /** Always called, also when the run failed or was aborted (then `end.error` says why). */
  onRunEnd?(reports: readonly RunReport[], end: RunEnd): Awaitable<void>;
}

/** Where text reporters write: the CLI passes stdout and stderr. */
export interface ReporterOutput {
  /** Results (stdout). */
  out(text: string): void;
  /** Progress and details (stderr). */
  err(text: string): void;
}

/** Every reporter as one: hooks are called in order, each awaited before the next. */
export function allOf(reporters: readonly Reporter[]): Required<Reporter> {
  const each = async (call: (r: Reporter) => Awaitable<void>) => {
    for (const reporter of reporters) await call(reporter);
  };
  return {
    onRunStart: (run) => each((r) => r.onRunStart?.(run)),
    onScenarioStart: (scenario, engine) => each((r) => r.onScenarioStart?.(scenario, engine)),
    onEvent: (event) => {
      for (const reporter of reporters) reporter.onEvent?.(event);
    },
    onScenarioEnd: (report) => each((r) => r.onScenarioEnd?.(report)),
    onRunEnd: (reports, end) => each((r) => r.onRunEnd?.(reports, end)),
  };
}
