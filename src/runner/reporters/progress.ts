/** "running X on Y" on stderr before each run (off under a live view, or with --quiet). */
import { formatDuration } from '../../model/units.js';
import type { Reporter, ReporterOutput } from '../reporter.js';

export function progressReporter(output: ReporterOutput): Reporter {
  return {
    onScenarioStart: (scenario, engine) => {
      output.err(
        `twin: running ${scenario.name} on ${engine.name} ` +
          `(${scenario.cluster.nodes.length} machines, ${formatDuration(scenario.duration)} of faults, seed ${scenario.seed})`,
      );
    },
  };
}
