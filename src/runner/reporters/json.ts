/** Each report as JSON (`twin run --json`), as report.json holds it. */
import { reportJson } from '../../report/report.js';
import type { Reporter, ReporterOutput } from '../reporter.js';

export function jsonReporter(output: ReporterOutput): Reporter {
  return { onScenarioEnd: (report) => output.out(reportJson(report).trimEnd()) };
}
