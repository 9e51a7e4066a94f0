/**
 * Ctrl-C belongs to the CLI, not to engines: the first SIGINT (or SIGTERM) aborts the run's
 * signal, so the running engine tears down what it created and the run ends with exit 130;
 * a second one leaves at once, with 130, whatever is still running. Either way no half-written
 * report is left: what this process was writing is removed (report/write.ts), and a temporary a
 * killed process left (`.<run-id>.partial-<pid>`) is swept by the next run that writes there.
 */
import { ExitCode, InterruptedError } from '../errors.js';
import { removePartialOutputs } from '../report/write.js';
import { writeErr } from './output.js';

/** What the first Ctrl-C says, and the error the work ends with; a run's by default. */
export interface InterruptWords {
  readonly stopping: string;
  readonly stopped: string;
}

const runWords: InterruptWords = {
  stopping: 'stopping; the engine tears down what this run created (again to leave at once)',
  stopped: 'run interrupted; what it created was torn down',
};

/** A run with --keep: what it created stays, for `twin down` to remove. */
export const keptRunWords: InterruptWords = {
  stopping: 'stopping; what this run created is kept (--keep; again to leave at once)',
  stopped: 'run interrupted; what it created is kept (--keep): twin down removes it',
};

export async function interruptible<T>(work: (signal: AbortSignal) => Promise<T>, words: InterruptWords = runWords): Promise<T> {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      removePartialOutputs();
      process.exit(ExitCode.interrupted);
    }
    writeErr(`\ntwin: ${name}: ${words.stopping}`);
    controller.abort(new InterruptedError(words.stopped));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await work(controller.signal);
  } finally {
    if (controller.signal.aborted) removePartialOutputs();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}
