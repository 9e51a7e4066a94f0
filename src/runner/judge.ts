/** An engine's result judged against the scenario's expectations, as a run report. */
import type { EngineResult } from '../engines/engine.js';
import { ConfigError } from '../errors.js';
import { bringUpFindings } from '../model/findings.js';
import { readWorkloads } from '../model/workloads.js';
import { buildReport } from '../report/report.js';
import type { RunReport } from '../report/types.js';
import { AnchorError, judge } from '../scenario/expectations.js';
import type { LoadedScenario } from '../scenario/load.js';

export function judgeRun(scenario: LoadedScenario, engine: string, result: EngineResult): RunReport {
  const context = { phaseStart: result.phaseStart, phaseEnd: result.phaseEnd };
  const verdicts = scenario.expectations.map((expectation) => {
    try {
      return judge(expectation, expectation.id, result.timeline, context);
    } catch (error) {
      if (error instanceof AnchorError) throw ConfigError.single(scenario.file, `expect ${expectation.id}`, error.message, 'name a fault id of this scenario');
      throw error;
    }
  });
  return buildReport(scenario, engine, result, verdicts, bringUpFindings(scenario.cluster, readWorkloads(scenario.objects)));
}
