/**
 * "What if, from now?": the sim engine started from a live cluster's current state instead of a
 * fresh bring-up (`twin whatif`, and `twin watch` on top of it). The library surface:
 *
 * - {@link liveClusterFromObjects}: listed API objects → a {@link LiveCluster} (cluster spec, workloads,
 *   live state, where and when it was read). Pure apart from loading hardware profiles.
 * - {@link whatIf}: a live cluster, faults and (optionally) expectations → the same `RunReport` as
 *   `twin run`, whose timeline starts at the moment the state was read (t = 0 is "now").
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { simEngine } from '../engines/sim/engine.js';
import type { Engine, EngineResult } from '../engines/engine.js';
import { importApiObjects } from '../import/api-objects.js';
import { liveStateFromObjects, type LiveState } from '../import/live-state.js';
import { clusterFromDocument, type ClusterLoadOptions } from '../load/cluster.js';
import { ProfileRegistry } from '../load/profiles.js';
import type { Cluster } from '../model/cluster.js';
import { resolveSettings } from '../model/settings.js';
import { readWorkloads, type WorkloadSet } from '../model/workloads.js';
import { withRanges } from '../report/ranges.js';
import type { RangeSweep, RunReport } from '../report/types.js';
import type { Expectation } from '../scenario/expectations.js';
import type { Fault } from '../scenario/faults.js';
import { planOf, resolveScenario, type LoadedScenario } from '../scenario/load.js';
import type { ScenarioInput } from '../scenario/scenario.js';
import { judgeRun } from './judge.js';
import { allOf, type Reporter } from './reporter.js';
import { sweepRanges, type RangeOptions } from './ranges.js';
import { rebaseAtPhaseStart } from './whatif-timeline.js';

/**
 * The sweep's moments anchored on the report's clock (t = 0 when the live state was read). The
 * settling's own moments (API available, bring-up done: anchored on power-on) are no prediction
 * and are left out, as the report leaves out the settling.
 */
function rebaseSweep(sweep: RangeSweep, start: number): RangeSweep {
  const ms = (t: number) => Math.round(t * 1000) / 1000;
  const predicted = sweep.moments.filter((m) => m.anchor !== 'power-on');
  return { ...sweep, moments: predicted.map((m) => ({ ...m, anchorAt: m.anchorAt === null ? null : ms(m.anchorAt - start) })) };
}

/** A live cluster as the twin sees it. */
export interface LiveCluster {
  readonly cluster: Cluster;
  /** The user's workloads' objects, as `twin import` would write them. */
  readonly objects: readonly KubernetesObject[];
  readonly workloads: WorkloadSet;
  readonly state: LiveState;
  /** Where it was read: `https://192.168.1.10:6443 (context lab)`, or a dump file. */
  readonly source: string;
  /** When it was read, ISO 8601 (only shown; the model never reads a clock). */
  readonly readAt: string;
  /** Each node's hardware profile and why it was chosen. */
  readonly inferences: ReadonlyArray<{ readonly node: string; readonly profile: string; readonly reason: string }>;
}

export interface LiveClusterOptions extends ClusterLoadOptions {
  readonly source: string;
  readonly readAt: string;
  /** Cluster name in reports (default `live`). */
  readonly name?: string;
  /** host=profile overrides, as `twin import --profiles`. */
  readonly boards?: Readonly<Record<string, string>>;
}

/** Listed objects (Nodes, Pods, workloads, Services, PVCs, PVs) → the twin of the cluster as it is. */
export function liveClusterFromObjects(items: readonly KubernetesObject[], options: LiveClusterOptions): LiveCluster {
  const registry = options.profiles ?? ProfileRegistry.load(options.profileDirs ?? []);
  const imported = importApiObjects(
    items.filter((i) => i.kind !== 'Lease'),
    options.source,
    registry.all(),
    {
      name: options.name ?? 'live',
      ...(options.boards ? { profiles: options.boards } : {}),
      firmwareReserve: resolveSettings(33).firmwareMemoryReserve,
    },
  );
  const state = liveStateFromObjects(items);
  // The bring-up starts with the first server: make it one that is Ready live.
  const readyNow = new Set(state.nodes.filter((n) => n.ready === 'True').map((n) => n.name));
  const spec = imported.cluster['spec'] as { nodes: Array<{ name: string; role: string }> };
  const first = (n: { name: string; role: string }) => (n.role === 'server' && readyNow.has(n.name) ? 0 : 1);
  const document = { ...imported.cluster, spec: { ...spec, nodes: [...spec.nodes].sort((a, b) => first(a) - first(b)) } };
  const cluster = clusterFromDocument(document, options.source, {
    profiles: registry,
    ...(options.calibration !== undefined ? { calibration: options.calibration } : {}),
  });
  return {
    cluster,
    objects: imported.manifests,
    workloads: readWorkloads(imported.manifests),
    state,
    source: options.source,
    readAt: options.readAt,
    inferences: imported.inferences.map((i) => ({ node: i.node, profile: i.inference.profile, reason: i.inference.reason })),
  };
}

export interface WhatIfOptions {
  readonly seed?: number;
  /** Seconds (or `15m`) of faults and observation from now; default 15 minutes. */
  readonly duration?: number | string;
  /**
   * What you believe happens; default: every workload stays unaffected (`workloads-unaffected`),
   * so the verdict says whether the faults would hurt.
   */
  readonly expect?: readonly Expectation[];
  /** Instead of `expect`: a scenario whose cluster is `{ live: true }` (its faults come before `faults`), and its file. */
  readonly scenario?: { readonly input: ScenarioInput; readonly file: string; readonly baseDir: string };
  /** Receive the reported (rebased) events and the report, as `twin run`'s reporters do. */
  readonly reporters?: readonly Reporter[];
  /** Settle limit: give up reproducing the live state after this many seconds (default 3600); faults start then anyway. */
  readonly settleTimeout?: number;
  /** The range sweep over the model's estimates, as `twin run` does it (on unless `false`). */
  readonly ranges?: false | RangeOptions;
}

export const defaultWhatIfDuration = '15m';

const defaultExpectation: Expectation = {
  id: 'unaffected',
  kind: 'workloads-unaffected',
  description: 'every workload stays at its desired state through the faults',
};

/** Resolves the what-if into a scenario against the live cluster (faults and expectations checked as `twin run` checks them). */
export async function whatIfScenario(live: LiveCluster, faults: readonly Fault[], options: WhatIfOptions = {}): Promise<LoadedScenario> {
  const given = options.scenario?.input;
  const input: ScenarioInput = {
    ...(given ?? { name: 'whatif', description: `What if, from the live state of ${live.source}` }),
    cluster: given?.cluster ?? { live: true },
    duration: options.duration ?? given?.duration ?? defaultWhatIfDuration,
    ...(options.settleTimeout !== undefined ? { bringUp: { timeout: options.settleTimeout } } : {}),
    faults: [...(given?.faults ?? []), ...faults],
    expect: given?.expect ?? options.expect ?? [defaultExpectation],
  };
  return resolveScenario(input, options.scenario?.file ?? live.source, options.scenario?.baseDir ?? process.cwd(), {
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    live: { cluster: live.cluster, objects: live.objects },
  });
}

/**
 * Runs the faults on the model started from the live state and judges the expectations. The
 * settling (the bring-up that reproduces the live state) is not a prediction: the report starts
 * when it is done, at t = 0, with one event saying what of the live state was reproduced and one
 * per difference.
 */
export async function whatIf(live: LiveCluster, faults: readonly Fault[], options: WhatIfOptions = {}): Promise<RunReport> {
  const scenario = await whatIfScenario(live, faults, options);
  return runWhatIf(live, scenario, options.reporters ?? [], options.ranges === undefined ? {} : { ranges: options.ranges });
}

/**
 * Runs an already resolved what-if scenario (see {@link whatIfScenario}), then, unless `ranges`
 * is `false`, the same range sweep as `twin run` from the same live state: how sure each
 * moment is over the model's estimates, the heartbeat phase the faults land in among them.
 */
export async function runWhatIf(
  live: LiveCluster,
  scenario: LoadedScenario,
  reporters: readonly Reporter[] = [],
  options: { readonly ranges?: false | RangeOptions } = {},
): Promise<RunReport> {
  const all = allOf(reporters);
  await all.onRunStart({ scenarios: [scenario], engines: [simEngine] });
  try {
    await all.onScenarioStart(scenario, simEngine);
    const liveStart = { state: live.state, source: live.source, readAt: live.readAt };
    const fromLive: Engine = { ...simEngine, run: (plan, observer, run) => simEngine.run({ ...plan, live: liveStart }, observer, run) };
    const raw: EngineResult = await fromLive.run(planOf(scenario));
    const result = rebaseAtPhaseStart(raw);
    for (const event of result.timeline.events) all.onEvent(event);
    const judged = judgeRun(scenario, simEngine.name, result);
    const swept = options.ranges === false ? null : await sweepRanges(scenario, fromLive, raw, options.ranges);
    const report = swept ? withRanges(judged, swept.expectations, rebaseSweep(swept.sweep, raw.phaseStart)) : judged;
    await all.onScenarioEnd(report);
    await all.onRunEnd([report], {});
    return report;
  } catch (error) {
    await all.onRunEnd([], { error });
    throw error;
  }
}
