/** An engine's result judged against the scenario's expectations, as a run report. */
import type { EngineResult } from '../engines/engine.js';
import { bringUpFindings } from '../model/findings.js';
import { buildReport } from '../report/report.js';
import type { RunReport } from '../report/types.js';
import { judgeAll } from '../scenario/judge.js';
import type { LoadedScenario } from '../scenario/load.js';

export function judgeRun(scenario: LoadedScenario, engine: string, result: EngineResult): RunReport {
  const verdicts = judgeAll(scenario.expectations, result.timeline, { phaseStart: result.phaseStart, phaseEnd: result.phaseEnd });
  return buildReport(scenario, engine, result, verdicts, bringUpFindings(scenario.cluster, scenario.workloads));
}
