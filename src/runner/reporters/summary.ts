/**
 * The plain text of `twin run`: a PASS/FAIL line per run (stdout) and, below it, what a bring-up that
 * did not finish waited for, each failed expectation and what was observed instead (stderr).
 */
import { displayPath } from '../../load/files.js';
import type { RunReport } from '../../report/types.js';
import { unfinishedLines } from '../../report/unfinished.js';
import { verdictRangeText } from '../../report/ranges.js';
import type { Reporter, ReporterOutput } from '../reporter.js';

export interface SummaryOptions {
  /** Each failed expectation under its FAIL line (off with --quiet). */
  readonly failures: boolean;
  /** The runs were asked to keep their clusters: say how to reach them. */
  readonly keep: boolean;
  /** Where the run's report was written, for the PASS/FAIL line. */
  readonly directoryOf?: (report: RunReport) => string | undefined;
}

export function summaryLine(report: RunReport, dir: string | undefined): string {
  const verdict = report.status === 'pass' ? 'PASS' : 'FAIL';
  const link = dir ? ` — ${displayPath(dir)}/report.html` : '';
  const run = `engine ${report.engine}, seed ${report.seed}`;
  return `${verdict} ${report.scenario.name}: ${report.summary.passed}/${report.summary.total} expectations hold (${run})${link}`;
}

export function summaryReporter(output: ReporterOutput, options: SummaryOptions): Reporter {
  return {
    onScenarioEnd: (report) => {
      output.out(summaryLine(report, options.directoryOf?.(report)));
      // Never silent: a bring-up that did not finish says what it waited for, even with --quiet.
      if (report.bringUp.unfinished) {
        output.err('  bring-up did not finish:');
        for (const line of unfinishedLines(report.bringUp.unfinished)) output.err(`    ✘ ${line}`);
      }
      if (options.failures)
        for (const v of report.expectations.filter((e) => e.status === 'fail'))
          output.err(`  ✘ ${v.description}: expected ${v.expected}; observed ${v.observed}${verdictRangeText(v)} — ${v.explanation}`);
      // How sure: every verdict one estimate turns around, pass or fail (off with --quiet).
      if (options.failures)
        for (const v of report.expectations) for (const f of v.sensitivity ?? []) output.err(`  ~ ${v.description}: ${f.text}`);
      if (options.keep && report.kept !== undefined) output.err(`  kept: ${report.kept}`);
    },
  };
}
