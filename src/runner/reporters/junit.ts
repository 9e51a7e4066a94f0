/** JUnit XML of every run, written once the whole run has finished (never for a run that failed or was aborted). */
import { renderJunit } from '../../report/junit.js';
import { writeFileAtomic } from '../../report/write.js';
import type { Reporter } from '../reporter.js';

export function junitReporter(path: string): Reporter {
  return {
    onRunEnd: (reports, end) => {
      if (end.error === undefined) writeFileAtomic(path, renderJunit(reports));
    },
  };
}
