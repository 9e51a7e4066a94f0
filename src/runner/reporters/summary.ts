/**
 * The plain text of `twin run`: a PASS/FAIL line per run (stdout) and, below it, each failed
 * expectation and what was observed instead (stderr).
 */
import type { Cluster } from '../../model/cluster.js';
import { displayPath } from '../../load/files.js';
import type { RunReport } from '../../report/types.js';
// The one engine detail left outside the engine contract: the name of a cluster kept with --keep (see the runner's notes).
import { k3dClusterName } from '../../engines/k3d/config.js';
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
  return `${verdict} ${report.scenario.name}: ${report.summary.passed}/${report.summary.total} expectations hold (engine ${report.engine}, seed ${report.seed})${dir ? ` — ${displayPath(dir)}/report.html` : ''}`;
}

export function summaryReporter(output: ReporterOutput, options: SummaryOptions): Reporter {
  let cluster: Cluster | null = null;
  return {
    onScenarioStart: (scenario) => {
      cluster = scenario.cluster;
    },
    onScenarioEnd: (report) => {
      output.out(summaryLine(report, options.directoryOf?.(report)));
      if (options.failures) for (const v of report.expectations.filter((e) => e.status === 'fail')) output.err(`  ✘ ${v.description}: expected ${v.expected}; observed ${v.observed} — ${v.explanation}`);
      if (options.keep && report.engine === 'k3d' && cluster) {
        const name = k3dClusterName(cluster);
        output.err(`  kept: cluster ${name} is still running; kubectl --kubeconfig .twin/${name}.kubeconfig get nodes; twin down removes it`);
      }
    },
  };
}
