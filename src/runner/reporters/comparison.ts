/** One line per model-vs-real comparison (`--engine sim,k3d`); the tables are in report.md. */
import { comparisonTolerance } from '../../report/compare.js';
import type { Reporter, ReporterOutput } from '../reporter.js';

export function modelVsRealReporter(output: ReporterOutput): Reporter {
  return {
    onScenarioEnd: ({ comparison }) => {
      if (!comparison) return;
      const disagreements = comparison.disagreements === 0 ? 'no disagreement' : `${comparison.disagreements} disagreement(s)`;
      output.err(`  model vs real: ${disagreements} beyond ${comparisonTolerance.relative * 100} % (report.md, "Model vs real")`);
    },
  };
}
