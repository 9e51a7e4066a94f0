/**
 * Writes each run to `<out>/<scenario>/<run-id>/` (report.json, .md, .html), atomically. The
 * directory is checked before the first run starts, so a path that cannot be written fails at
 * once (exit 2) rather than after a long run.
 */
import type { RunReport } from '../../report/types.js';
import { checkOutputDirectory, writeRunDirectory } from '../../report/write.js';
import type { Reporter } from '../reporter.js';

export interface RunDirectoryReporter extends Reporter {
  /** Where a report was written; undefined before its run ended. */
  directoryOf(report: RunReport): string | undefined;
}

/** `flag` names the option the directory came from (`--out`), for the error a user reads. */
export function runDirectoryReporter(outDir: string, flag = '--out'): RunDirectoryReporter {
  const written = new WeakMap<RunReport, string>();
  // The run id starts with the wall-clock time the run started (reports themselves hold none).
  let startedAt = new Date();
  return {
    onRunStart: () => checkOutputDirectory(outDir, { flag }),
    onScenarioStart: () => {
      startedAt = new Date();
    },
    onScenarioEnd: (report) => {
      written.set(report, writeRunDirectory(report, outDir, startedAt, { flag }));
    },
    directoryOf: (report) => written.get(report),
  };
}
