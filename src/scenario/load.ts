/**
 * Loads a scenario file and checks it against its cluster: every node, server, workload
 * and fault id it names must exist. Problems are reported with the field path, e.g.
 * `faults[2].node: no node named "dcn9"`.
 */
import { basename, dirname, resolve } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { ConfigError, type InputProblem } from '../errors.js';
import type { Cluster, ClusterInput } from '../model/cluster.js';
import { clusterFromDefinition, loadClusterFile, type ClusterLoadOptions } from '../load/cluster.js';
import { loadManifests } from '../load/manifests.js';
import { checkManifestObject, type ManifestObject } from '../model/manifests.js';
import { importDefault } from '../load/modules.js';
import { parseBytes, parseDuration, parseRate, UnitError } from '../model/units.js';
import { parseWith } from '../model/validation.js';
import { readWorkloads } from '../model/workloads.js';
import { displayPath } from '../load/files.js';
import type { Expectation } from './expectations.js';
import type { PlannedFault, RunPlan } from './plan.js';
import type { Fault } from './faults.js';
import { scenarioSchema, type ScenarioInput } from './scenario.js';

export type { PlannedFault, RunPlan } from './plan.js';

export interface LoadedScenario {
  readonly name: string;
  readonly file: string;
  readonly description: string;
  readonly cluster: Cluster;
  readonly objects: readonly KubernetesObject[];
  /** Kinds kept but not simulated, `Kind/namespace/name`. */
  readonly notModelled: readonly string[];
  readonly duration: number;
  readonly seed: number;
  readonly bringUpTimeout: number;
  readonly sampleInterval: number;
  readonly faults: readonly PlannedFault[];
  readonly expectations: ReadonlyArray<Expectation & { readonly id: string }>;
}

const defaultBringUpTimeout = 3600;

function check(problems: InputProblem[], field: string, test: () => void): void {
  try {
    test();
  } catch (error) {
    problems.push({ field, message: error instanceof UnitError || error instanceof Error ? error.message : String(error) });
  }
}

/** Validates a scenario value (from a file or built in code) and resolves it against its cluster. */
export async function resolveScenario(input: ScenarioInput, file: string, baseDir: string, options: ClusterLoadOptions & { seed?: number } = {}): Promise<LoadedScenario> {
  const scenario = parseWith(scenarioSchema, input, file);
  const cluster =
    typeof scenario.cluster === 'string'
      ? await loadClusterFile(resolve(baseDir, scenario.cluster), options).catch((error: unknown) => {
          if (error instanceof ConfigError && error.problems.length === 1 && error.problems[0]?.message === 'file not found') {
            throw ConfigError.single(file, 'cluster', `cluster file "${scenario.cluster}" not found`, 'give a path relative to the scenario file');
          }
          throw error;
        })
      : clusterFromDefinition(scenario.cluster as unknown as ClusterInput, file, options, baseDir);

  const problems: InputProblem[] = [];
  const manifests: ManifestObject[] = [];
  const paths = scenario.workloads.filter((w): w is string => typeof w === 'string');
  if (paths.length > 0) manifests.push(...loadManifests(paths.map((p) => resolve(baseDir, p))));
  scenario.workloads.forEach((w, i) => {
    if (typeof w === 'string') return;
    for (const problem of checkManifestObject(w, `workloads[${i}]`)) problems.push(problem);
    manifests.push({ object: w as unknown as KubernetesObject, file, document: i });
  });
  const objects = manifests.map((m) => m.object);
  const workloadSet = readWorkloads(objects);
  const workloadKeys = workloadSet.workloads.map((w) => w.key);
  const nodeNames = new Set(cluster.nodes.map((n) => n.name));
  const serverNames = new Set(cluster.nodes.filter((n) => n.role === 'server').map((n) => n.name));
  const nodeHint = `use one of: ${[...nodeNames].join(', ')}`;
  const knownNode = (field: string, node: string) => {
    if (!nodeNames.has(node)) problems.push({ field, message: `no node named "${node}" in cluster ${cluster.name}`, hint: nodeHint });
  };
  const knownWorkload = (field: string, wanted: string) => {
    const found = workloadKeys.some((key) => {
      const [, namespace, name] = key.split('/');
      return key === wanted || `${namespace}/${name}` === wanted || name === wanted;
    });
    if (!found) problems.push({ field, message: `no workload "${wanted}" in the scenario's manifests`, hint: `use one of: ${workloadKeys.join(', ') || '(none)'}` });
  };

  const faults: PlannedFault[] = scenario.faults.map((fault, i) => {
    const field = `faults[${i}]`;
    const f = fault as Fault;
    if ('node' in f) knownNode(`${field}.node`, f.node);
    if ((f.kind === 'control-plane-down' || f.kind === 'control-plane-up') && f.servers) {
      f.servers.forEach((s, j) => {
        knownNode(`${field}.servers[${j}]`, s);
        if (nodeNames.has(s) && !serverNames.has(s)) problems.push({ field: `${field}.servers[${j}]`, message: `node "${s}" is not a server`, hint: `servers: ${[...serverNames].join(', ')}` });
      });
    }
    if (f.kind === 'partition') f.groups.forEach((g, j) => g.forEach((n, k) => knownNode(`${field}.groups[${j}][${k}]`, n)));
    if ((f.kind === 'site-power-restore' || f.kind === 'site-power-cut') && f.order) f.order.forEach((n, j) => knownNode(`${field}.order[${j}]`, n));
    if (f.kind === 'memory-leak' || f.kind === 'scale' || f.kind === 'rollout-restart') knownWorkload(`${field}.workload`, f.workload);
    if (f.kind === 'memory-leak') check(problems, `${field}.rate`, () => parseBytes(f.rate.replace(/\/s$/, '')));
    if (f.kind === 'memory-fill') check(problems, `${field}.amount`, () => parseBytes(f.amount));
    if (f.kind === 'link-degrade' && typeof f.bandwidth === 'string') check(problems, `${field}.bandwidth`, () => parseRate(f.bandwidth as string));
    if (f.kind === 'slow-storage') check(problems, `${field}.latency`, () => parseDuration(f.latency));
    if (f.kind === 'rancher-down' || f.kind === 'rancher-up') {
      if (!cluster.rancher) problems.push({ field: `${field}.kind`, message: `cluster ${cluster.name} has no Rancher`, hint: 'add a rancher section to the cluster, or drop this fault' });
    }
    let at: PlannedFault['at'] = 0;
    if (typeof fault.at === 'object') {
      let delay = 0;
      check(problems, `${field}.at.delay`, () => (delay = parseDuration(fault.at && typeof fault.at === 'object' ? (fault.at.delay ?? 0) : 0)));
      at = { after: fault.at.after, delay };
    } else {
      check(problems, `${field}.at`, () => (at = parseDuration(fault.at as string | number)));
    }
    let revertAfter: number | null = null;
    if (fault.for !== undefined) check(problems, `${field}.for`, () => (revertAfter = parseDuration(fault.for as string | number)));
    return { id: fault.id ?? `f${i + 1}`, fault: f, at, revertAfter };
  });
  const faultIds = new Set(faults.map((f) => f.id));
  if (faultIds.size !== faults.length) problems.push({ field: 'faults', message: 'two faults share an id', hint: 'give each fault its own id' });

  const expectations = scenario.expect.map((raw, i) => {
    const e = raw as Expectation;
    const field = `expect[${i}]`;
    if ('node' in e) knownNode(`${field}.node`, e.node);
    if ('workload' in e && typeof e.workload === 'string') knownWorkload(`${field}.workload`, e.workload);
    for (const key of ['after', 'from', 'to'] as const) {
      const value = (raw as Record<string, unknown>)[key];
      if (typeof value !== 'string') continue;
      const [base = '', offset] = value.split('+');
      const ref = /^(fault|heal):(.+)$/.exec(base);
      if (ref && !faultIds.has(ref[2] ?? '')) problems.push({ field: `${field}.${key}`, message: `no fault with id "${ref[2]}"`, hint: `fault ids: ${[...faultIds].join(', ') || '(none)'}` });
      if (!ref && base !== 'start' && base !== 'end') check(problems, `${field}.${key}`, () => parseDuration(base));
      if (offset) check(problems, `${field}.${key}`, () => parseDuration(offset));
    }
    for (const key of ['within', 'notBefore', 'forAtLeast'] as const) {
      const value = (raw as Record<string, unknown>)[key];
      if (value !== undefined) check(problems, `${field}.${key}`, () => parseDuration(value as string | number));
    }
    return { ...e, id: e.id ?? `e${i + 1}` };
  });
  if (problems.length > 0) throw new ConfigError(file, problems);

  let duration = 0;
  let bringUpTimeout = defaultBringUpTimeout;
  let sampleInterval = 10;
  const timing: InputProblem[] = [];
  check(timing, 'duration', () => (duration = parseDuration(scenario.duration)));
  if (scenario.bringUp?.timeout !== undefined) check(timing, 'bringUp.timeout', () => (bringUpTimeout = parseDuration(scenario.bringUp?.timeout ?? 0)));
  if (scenario.engine?.sim?.sampleInterval !== undefined) check(timing, 'engine.sim.sampleInterval', () => (sampleInterval = parseDuration(scenario.engine?.sim?.sampleInterval ?? 10)));
  if (timing.length > 0) throw new ConfigError(file, timing);

  return {
    name: scenario.name ?? basename(file).replace(/\.(ts|mts|js|mjs)$/, ''),
    file,
    description: scenario.description ?? '',
    cluster,
    objects,
    notModelled: workloadSet.notModelled,
    duration,
    seed: options.seed ?? scenario.seed,
    bringUpTimeout,
    sampleInterval,
    faults,
    expectations,
  };
}

/** Loads a scenario file (`export default defineScenario({...})`). */
export async function loadScenarioFile(path: string, options: ClusterLoadOptions & { seed?: number } = {}): Promise<LoadedScenario> {
  const absolute = resolve(path);
  const value = await importDefault(absolute);
  return resolveScenario(value as ScenarioInput, displayPath(absolute), dirname(absolute), options);
}

/** What an engine needs from a loaded scenario. */
export function planOf(scenario: LoadedScenario): RunPlan {
  return {
    cluster: scenario.cluster,
    objects: scenario.objects,
    faults: scenario.faults,
    duration: scenario.duration,
    seed: scenario.seed,
    bringUpTimeout: scenario.bringUpTimeout,
    sampleInterval: scenario.sampleInterval,
  };
}

/** A scenario that only brings a cluster up (`twin bringup`): no faults, one expectation. */
export async function bringUpScenario(clusterPath: string, workloadPaths: readonly string[], options: ClusterLoadOptions & { seed?: number; timeout?: number } = {}): Promise<LoadedScenario> {
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
    expect: [{ id: 'bring-up', kind: 'bring-up-within', within: options.timeout ?? defaultBringUpTimeout, description: 'the bring-up completes: every node Ready, every workload at its desired state' }],
  };
  return resolveScenario(input, file, dirname(absolute), options);
}
