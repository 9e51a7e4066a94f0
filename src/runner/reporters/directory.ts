/** Writes each run to `<out>/<scenario>/<run-id>/` (report.json, .md, .html), atomically. */
import type { RunReport } from '../../report/types.js';
import { writeRunDirectory } from '../../report/write.js';
import type { Reporter } from '../reporter.js';

export interface RunDirectoryReporter extends Reporter {
  /** Where a report was written; undefined before its run ended. */
  directoryOf(report: RunReport): string | undefined;
}

export function runDirectoryReporter(outDir: string): RunDirectoryReporter {
  const written = new WeakMap<RunReport, string>();
  // The run id starts with the wall-clock time the run started (reports themselves hold none).
  let startedAt = new Date();
  return {
    onScenarioStart: () => {
      startedAt = new Date();
    },
    onScenarioEnd: (report) => {
      written.set(report, writeRunDirectory(report, outDir, startedAt));
    },
    directoryOf: (report) => written.get(report),
  };
}
