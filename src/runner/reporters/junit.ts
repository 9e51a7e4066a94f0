/**
 * JUnit XML of every run, written once the whole run has finished (never for a run that failed
 * or was aborted). The path is checked before the first run starts.
 */
import { renderJunit } from '../../report/junit.js';
import { checkOutputFile, writeFileAtomic } from '../../report/write.js';
import type { Reporter } from '../reporter.js';

export function junitReporter(path: string): Reporter {
  return {
    onRunStart: () => checkOutputFile(path, { flag: '--junit' }),
    onRunEnd: (reports, end) => {
      if (end.error === undefined) writeFileAtomic(path, renderJunit(reports), { flag: '--junit' });
    },
  };
}
