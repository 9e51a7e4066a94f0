/**
 * Loads a scenario file and checks it against its cluster: every node, server, workload
 * and fault id it names must exist. Problems are reported with the field path, e.g.
 * `faults[2].node: no node named "dcn9"`.
 */
import { basename, dirname, resolve } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { ConfigError } from '../errors.js';
import type { Cluster, ClusterInput } from '../model/cluster.js';
import { clusterFromDefinition, loadClusterFile, type ClusterLoadOptions } from '../load/cluster.js';
import { loadManifests } from '../load/manifests.js';
import { checkManifestObject, type ManifestObject } from '../model/manifests.js';
import { importDefault } from '../load/modules.js';
import { formatDuration } from '../model/units.js';
import { parseWith } from '../model/validation.js';
import { readWorkloads, type WorkloadSet } from '../model/workloads.js';
import { displayPath } from '../load/files.js';
import { resolveExpectation, type Expectation, type ResolvedExpectation } from './expectations.js';
import { planFault } from './fault-plan.js';
import { nodeObjectFaultKinds, rancherFaultKinds, type Fault } from './faults.js';
import { k3sUpgradeProblems } from './upgrade-checks.js';
import { Problems } from './fields.js';
import { KnownNames } from './names.js';
import type { PlannedFault, RunPlan } from './plan.js';
import { scenarioSchema, type ScenarioInput } from './scenario.js';

export type { PlannedFault, RunPlan } from './plan.js';

export interface LoadedScenario {
  readonly name: string;
  readonly file: string;
  readonly description: string;
  readonly cluster: Cluster;
  readonly objects: readonly KubernetesObject[];
  /** `objects` read once, here: the engines and the bring-up findings use this. */
  readonly workloads: WorkloadSet;
  /** Kinds kept but not simulated, `Kind/namespace/name`. */
  readonly notModelled: readonly string[];
  readonly duration: number;
  readonly seed: number;
  readonly bringUpTimeout: number;
  readonly sampleInterval: number;
  readonly faults: readonly PlannedFault[];
  readonly expectations: readonly ResolvedExpectation[];
}

const defaultBringUpTimeout = 3600;

/** What a `cluster: { live: true }` scenario runs against: a live cluster read by `twin whatif`. */
export interface LiveScenarioCluster {
  readonly cluster: Cluster;
  /** Its workloads' objects, as imported (`importApiObjects`). */
  readonly objects: readonly KubernetesObject[];
}

export interface ScenarioLoadOptions extends ClusterLoadOptions {
  readonly seed?: number;
  /** The live cluster a `cluster: { live: true }` scenario means; without it such a scenario is refused. */
  readonly live?: LiveScenarioCluster;
}

function liveClusterOf(scenario: { cluster: unknown }, file: string, options: ScenarioLoadOptions): LiveScenarioCluster | null {
  const isLive = typeof scenario.cluster === 'object' && scenario.cluster !== null && 'live' in scenario.cluster;
  if (isLive && !options.live)
    throw ConfigError.single(
      file,
      'cluster',
      'a live cluster (live: true) is read from a kubeconfig, not brought up',
      `run it with: twin whatif --kubeconfig FILE --scenario ${file}`,
    );
  if (!isLive && options.live)
    throw ConfigError.single(file, 'cluster', 'twin whatif judges a scenario against the live cluster', 'write cluster: { live: true }');
  return isLive ? (options.live ?? null) : null;
}

/** Validates a scenario value (from a file or built in code) and resolves it against its cluster. */
export async function resolveScenario(
  input: ScenarioInput,
  file: string,
  baseDir: string,
  options: ScenarioLoadOptions = {},
): Promise<LoadedScenario> {
  const scenario = parseWith(scenarioSchema, input, file);
  const live = liveClusterOf(scenario, file, options);
  if (live && scenario.workloads.length > 0)
    throw ConfigError.single(file, 'workloads', "a live scenario runs the live cluster's workloads", 'leave workloads out');
  const cluster = live
    ? live.cluster
    : typeof scenario.cluster === 'string'
      ? await loadClusterFile(resolve(baseDir, scenario.cluster), options).catch((error: unknown) => {
          const clusterPath = resolve(baseDir, scenario.cluster as string);
          const missing = error instanceof ConfigError && error.problems.length === 1 && error.problems[0]?.message === 'file not found';
          // Only the cluster file itself: a missing file it names (its calibration) keeps its own message.
          if (missing && resolve(error.file) === clusterPath) {
            throw ConfigError.single(
              file,
              'cluster',
              `cluster file "${scenario.cluster}" not found`,
              'give a path relative to the scenario file',
            );
          }
          throw error;
        })
      : clusterFromDefinition(scenario.cluster as unknown as ClusterInput, file, options, baseDir);

  const problems = new Problems();
  const manifests: ManifestObject[] = [];
  const paths = scenario.workloads.filter((w): w is string => typeof w === 'string');
  if (paths.length > 0) manifests.push(...loadManifests(paths.map((p) => resolve(baseDir, p))));
  scenario.workloads.forEach((w, i) => {
    if (typeof w === 'string') return;
    for (const problem of checkManifestObject(w, `workloads[${i}]`)) problems.list.push(problem);
    manifests.push({ object: w as unknown as KubernetesObject, file, document: i });
  });
  const objects = live ? [...live.objects] : manifests.map((m) => m.object);
  const workloads = readWorkloads(objects);
  const known = new KnownNames(cluster, workloads);
  /** Every node, server and workload a fault names must exist (by field, whatever its kind); Rancher faults need a Rancher. */
  const checkTargets = (f: Fault, field: string) => {
    if ('node' in f && known.node(problems, `${field}.node`, f.node) && nodeObjectFaultKinds.has(f.kind)) {
      const role = cluster.nodes.find((n) => n.name === f.node)?.role;
      if (role !== 'server' && role !== 'agent')
        problems.add(`${field}.node`, `${f.kind}: "${f.node}" is a ${role} machine, not a Kubernetes node`, 'name a server or an agent');
    }
    if ('servers' in f && f.servers) f.servers.forEach((s, j) => known.server(problems, `${field}.servers[${j}]`, s));
    if ('groups' in f) f.groups.forEach((g, j) => g.forEach((n, k) => known.node(problems, `${field}.groups[${j}][${k}]`, n)));
    if ('order' in f && f.order) f.order.forEach((n, j) => known.node(problems, `${field}.order[${j}]`, n));
    if ('nodes' in f && f.nodes) f.nodes.forEach((n, j) => known.node(problems, `${field}.nodes[${j}]`, n));
    k3sUpgradeProblems(f, field, cluster.nodes, problems);
    if ('workload' in f) known.workload(problems, `${field}.workload`, f.workload);
    if (rancherFaultKinds.has(f.kind) && !cluster.rancher)
      problems.add(`${field}.kind`, `cluster ${cluster.name} has no Rancher`, 'add a rancher section to the cluster, or drop this fault');
  };

  const timing = new Problems();
  const duration = timing.duration('duration', scenario.duration, 0);
  const bringUpTimeout =
    scenario.bringUp?.timeout !== undefined
      ? timing.duration('bringUp.timeout', scenario.bringUp.timeout, defaultBringUpTimeout)
      : defaultBringUpTimeout;
  const sampleInterval =
    scenario.engine?.sim?.sampleInterval !== undefined
      ? timing.duration('engine.sim.sampleInterval', scenario.engine.sim.sampleInterval, 10, { positive: true })
      : 10;
  problems.list.push(...timing.list);

  const faults: PlannedFault[] = scenario.faults.map((fault, i) => {
    checkTargets(fault, `faults[${i}]`);
    const planned = planFault(fault, i, problems);
    // A fault after the end never fires, and every expectation anchored on it would judge nothing.
    if (typeof planned.at === 'number' && timing.list.length === 0 && planned.at > duration)
      problems.add(
        `faults[${i}].at`,
        `${formatDuration(planned.at)} is after the end of the run (duration ${formatDuration(duration)})`,
        'fire it earlier, or make the scenario longer',
      );
    return planned;
  });
  const faultIds = new Set(faults.map((f) => f.id));
  if (faultIds.size !== faults.length) problems.add('faults', 'two faults share an id', 'give each fault its own id');

  const expectations = scenario.expect.map((e: Expectation, i) => {
    const field = `expect[${i}]`;
    const what = `${e.kind}: `;
    if ('node' in e) known.node(problems, `${field}.node`, e.node, what);
    if ('via' in e && e.via !== undefined) known.gateway(problems, `${field}.via`, e.via, what);
    if ('workload' in e) known.workload(problems, `${field}.workload`, e.workload, what);
    if ('workloads' in e && e.workloads) e.workloads.forEach((w, j) => known.workload(problems, `${field}.workloads[${j}]`, w, what));
    // Checks that no run could fail are refused: a PASS must mean something was observed.
    if ('workloads' in e && e.workloads?.length === 0)
      problems.add(
        `${field}.workloads`,
        `${what}an empty list holds whatever happens`,
        'name the workloads, or leave workloads out for all',
      );
    if (e.kind === 'pods-ready' && e.atLeast === 0)
      problems.add(`${field}.atLeast`, `${what}0 ready pods holds whatever happens`, 'give the ready count you expect, at least 1');
    if ('service' in e) known.service(problems, `${field}.service`, e.service, what);
    if (e.kind === 'job') known.job(problems, `${field}.job`, e.job, what);
    return resolveExpectation(e, problems, { field, id: `e${i + 1}`, faultIds });
  });
  if (problems.list.length > 0) throw new ConfigError(file, problems.list);

  return {
    name: scenario.name ?? basename(file).replace(/\.(ts|mts|cts|js|mjs)$/, ''),
    file,
    description: scenario.description ?? '',
    cluster,
    objects,
    workloads,
    notModelled: workloads.notModelled,
    duration,
    seed: options.seed ?? scenario.seed,
    bringUpTimeout,
    sampleInterval,
    faults,
    expectations,
  };
}

/** Loads a scenario file (`export default defineScenario({...})`). */
export async function loadScenarioFile(path: string, options: ScenarioLoadOptions = {}): Promise<LoadedScenario> {
  const absolute = resolve(path);
  const value = await importDefault(absolute);
  return resolveScenario(value as ScenarioInput, displayPath(absolute), dirname(absolute), options);
}

/** What an engine needs from a loaded scenario. */
export function planOf(scenario: LoadedScenario): RunPlan {
  return {
    cluster: scenario.cluster,
    objects: scenario.objects,
    workloads: scenario.workloads,
    faults: scenario.faults,
    duration: scenario.duration,
    seed: scenario.seed,
    bringUpTimeout: scenario.bringUpTimeout,
    sampleInterval: scenario.sampleInterval,
  };
}

/** A scenario that only brings a cluster up (`twin bringup`): no faults, one expectation. */
export async function bringUpScenario(
  clusterPath: string,
  workloadPaths: readonly string[],
  options: ClusterLoadOptions & { seed?: number; timeout?: number } = {},
): Promise<LoadedScenario> {
  const absolute = resolve(clusterPath);
  const file = displayPath(absolute);
  const input: ScenarioInput = {
    name: `${basename(file).replace(/\.(ya?ml|ts|mts|js|mjs)$/, '')}-bringup`,
    description: `Bring-up of ${file}`,
    cluster: absolute,
    workloads: workloadPaths.map((p) => resolve(p)),
    duration: 0,
    seed: options.seed ?? 1,
    bringUp: { timeout: options.timeout ?? defaultBringUpTimeout },
    expect: [
      {
        id: 'bring-up',
        kind: 'bring-up-within',
        within: options.timeout ?? defaultBringUpTimeout,
        description: 'the bring-up completes: every node Ready, every workload at its desired state',
      },
    ],
  };
  return resolveScenario(input, file, dirname(absolute), options);
}
