/**
 * The run report: one versioned JSON document holding the scenario, the verdicts and the
 * whole timeline, from which every other format is rendered (`twin report`). For the sim
 * engine it is byte-identical for the same scenario and seed: it holds no wall-clock time.
 */
import type { EngineResult } from '../engines/engine.js';
import type { Finding } from '../model/findings.js';
import { analyseBringUp } from './bringup.js';
import { unfinishedBringUp } from './unfinished.js';
import type { Verdict } from '../scenario/expectations.js';
import type { LoadedScenario } from '../scenario/load.js';
import { reportApiVersion, type RunReport } from './types.js';

export { reportApiVersion, type RunReport } from './types.js';

export function buildReport(
  scenario: LoadedScenario,
  engine: string,
  result: EngineResult,
  verdicts: readonly Verdict[],
  findings: readonly Finding[],
): RunReport {
  const passed = verdicts.filter((v) => v.status === 'pass').length;
  const analysis = analyseBringUp(
    result.timeline,
    scenario.cluster.nodes.filter((n) => n.role === 'server' || n.role === 'agent').map((n) => n.name),
    result.phaseStart,
  );
  // A run from a live state had no bring-up to finish (its settling is in `live.differences`).
  const unfinished = result.live
    ? undefined
    : unfinishedBringUp(result.timeline, result.phaseStart, scenario.cluster, scenario.workloads, analysis);
  const flags = scenario.cluster.k3sFlags;
  const eventTime = (kind: string, id: string) =>
    result.timeline.events.find((e) => e.kind === kind && e.subject === `fault/${id}`)?.t ?? null;
  return {
    apiVersion: reportApiVersion,
    kind: 'RunReport',
    scenario: { name: scenario.name, file: scenario.file, description: scenario.description },
    engine,
    seed: scenario.seed,
    status: passed === verdicts.length ? 'pass' : 'fail',
    summary: { total: verdicts.length, passed, failed: verdicts.length - passed },
    cluster: {
      name: scenario.cluster.name,
      k3sVersion: scenario.cluster.k3s.version,
      datastore: scenario.cluster.k3s.datastore,
      nodes: scenario.cluster.nodes.map((n) => ({
        name: n.name,
        role: n.role,
        profile: n.profile.metadata.name,
        board: n.profile.metadata.displayName,
        storage: n.storage.name,
        network: `${n.network.name} (${n.network.type})`,
      })),
    },
    bringUp: { ...result.bringUp, analysis, ...(unfinished ? { unfinished } : {}) },
    phase: { start: round(result.phaseStart), end: round(result.phaseEnd) },
    faults: scenario.faults.map((f) => ({
      id: f.id,
      description:
        result.timeline.events.find((e) => e.kind === 'fault.injected' && e.subject === `fault/${f.id}`)?.message ??
        `fault ${f.id} (never fired)`,
      injectedAt: eventTime('fault.injected', f.id),
      healedAt: eventTime('fault.healed', f.id),
    })),
    // A verdict's measure appears only in its `range`, when the sim engine's sweep ran (withRanges).
    expectations: verdicts.map(({ measure: _measure, ...verdict }) => verdict),
    findings,
    notModelled: scenario.notModelled,
    ...(flags.applied.length ? { appliedFlags: flags.applied } : {}),
    ...(flags.notModelled.length ? { notModelledFlags: flags.notModelled } : {}),
    timeline: result.timeline,
    // The k3d engine runs real K3s without the calibration (engines/k3d/engine.ts): only the model's report names it.
    ...(scenario.cluster.calibration && engine === 'sim' ? { calibration: scenario.cluster.calibration } : {}),
    ...(result.kept !== undefined ? { kept: result.kept } : {}),
    ...(result.live ? { live: result.live } : {}),
  };
}

function round(t: number): number {
  return Math.round(t * 1000) / 1000;
}

/** Serialises a report; stable key order and numbers make identical runs byte-identical. */
export function reportJson(report: RunReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
