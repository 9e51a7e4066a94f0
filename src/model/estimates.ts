/**
 * The model's estimates for one cluster: every constant whose true value is not pinned down,
 * with the documented low and high it may really be. They come from the settings table (a
 * `range` on a setting the cluster does not override) and from the hardware profiles its nodes
 * use (`low`/`high` beside a sourced figure). The sim engine's range sweep (runner/ranges.ts)
 * runs a scenario again with each at its ends. Pure module: no I/O.
 */
import type { Cluster, ClusterNode } from './cluster.js';
import type { HardwareProfile } from './hardware-profile.js';
import { settingDefinitions, type SettingName } from './setting-definitions.js';
import type { SettingDefinition } from './setting-table.js';
import { formatBitRate, formatBytes, formatByteRate, formatDuration } from './units.js';
import { calibrationFigureUnits, type CalibrationFigureName } from './calibration.js';
import { measuredEstimates, replacedByMeasurement } from './measured-estimates.js';

/** What an estimate's number measures, for its text. */
export type EstimateUnit = 'seconds' | 'bytes' | 'bytes/s' | 'bits/s' | 'hertz' | 'number';

export type EstimateTarget =
  | { readonly kind: 'setting'; readonly setting: SettingName }
  /** A figure of a hardware profile: its path under `spec`, e.g. `['storage', 0, 'randomWriteIops']`. */
  | { readonly kind: 'profile'; readonly profile: string; readonly path: ReadonlyArray<string | number> }
  /** A figure a calibration measured, on the nodes that use it (its own node, or the nodes of a pooled profile). */
  | { readonly kind: 'measured'; readonly figure: CalibrationFigureName; readonly nodes: readonly string[] };

export interface Estimate {
  /** `k3sServerStartTime`, or `pi3bplus:bootTime` for a profile figure. */
  readonly id: string;
  /** Plain words: "boot time of Raspberry Pi 3 Model B+ (pi3bplus)". */
  readonly description: string;
  readonly unit: EstimateUnit;
  /** The value the model uses. */
  readonly value: number;
  readonly low: number;
  readonly high: number;
  readonly source: string;
  readonly target: EstimateTarget;
}

/** Setting ranges to sweep, by setting name, in the setting's base unit. */
export type SettingRanges = Partial<Record<SettingName, readonly [low: number, high: number]>>;

const unitOfFigure = { duration: 'seconds', bytes: 'bytes', rate: 'bytes/s', millicores: 'number' } as const;
const unitOfKind = { duration: 'seconds', bytes: 'bytes', 'bytes-or-none': 'bytes', rate: 'bytes/s', number: 'number' } as const;

/** The `range` every setting of the table documents. */
export function tableRanges(): SettingRanges {
  const out: Record<string, readonly [number, number]> = {};
  const table: Record<string, SettingDefinition> = settingDefinitions;
  for (const [name, definition] of Object.entries(table)) if (definition.range) out[name] = definition.range;
  return out as SettingRanges;
}

/** One setting as an estimate; null when the cluster overrides it (the user's figure is not the model's guess) or it has no number. */
export function settingEstimate(cluster: Cluster, name: SettingName, range: readonly [number, number]): Estimate | null {
  const definition = settingDefinitions[name];
  const value = cluster.settings[name];
  if (definition.kind === 'boolean' || typeof value !== 'number' || value !== definition.default(cluster.k3s.minor)) return null;
  return {
    id: name,
    description: definition.description,
    unit: unitOfKind[definition.kind],
    value,
    low: Math.min(range[0], range[1]),
    high: Math.max(range[0], range[1]),
    source: definition.source,
    target: { kind: 'setting', setting: name },
  };
}

interface Figure {
  readonly value: unknown;
  readonly source: string;
  readonly low?: unknown;
  readonly high?: unknown;
}

/** A profile figure's words and unit. Power and price feed the draw series and `twin plan`, never an event a verdict reads. */
function figureWords(path: ReadonlyArray<string | number>, profile: HardwareProfile): { words: string; unit: EstimateUnit } | null {
  const [head, index, leaf] = path;
  const spec = profile.spec;
  if (head === 'bootTime') return { words: 'boot time', unit: 'seconds' };
  if (head === 'memory') return { words: 'memory', unit: 'bytes' };
  if (head === 'cpu' && index === 'relativePerformance') return { words: 'CPU performance (Pi 3B+ = 1)', unit: 'number' };
  if (head === 'cpu' && index === 'clock') return { words: 'CPU clock', unit: 'hertz' };
  if (head === 'cpu' && index === 'cores') return { words: 'CPU cores', unit: 'number' };
  if (head === 'network' && typeof index === 'number')
    return { words: `${spec.network[index]?.name ?? 'network'} throughput`, unit: 'bits/s' };
  if (head === 'storage' && typeof index === 'number') {
    const name = spec.storage[index]?.name ?? 'storage';
    if (leaf === 'randomWriteIops') return { words: `${name} random 4K writes per second`, unit: 'number' };
    if (leaf === 'sequentialRead') return { words: `${name} sequential read`, unit: 'bytes/s' };
    if (leaf === 'sequentialWrite') return { words: `${name} sequential write`, unit: 'bytes/s' };
  }
  return null;
}

function isFigure(x: unknown): x is Figure {
  return typeof x === 'object' && x !== null && 'value' in x && 'source' in x;
}

/** The figures of a profile the cluster's nodes use (their storage and network only) that carry a low or high. */
function profileEstimates(profile: HardwareProfile, nodes: readonly ClusterNode[]): Estimate[] {
  const name = profile.metadata.name;
  const storages = new Set(nodes.map((n) => n.storage.name));
  const networks = new Set(nodes.map((n) => n.network.name));
  const candidates: Array<ReadonlyArray<string | number>> = [['bootTime'], ['memory'], ['cpu', 'relativePerformance'], ['cpu', 'clock']];
  profile.spec.network.forEach((n, i) => networks.has(n.name) && candidates.push(['network', i, 'throughput']));
  profile.spec.storage.forEach((s, i) => {
    if (storages.has(s.name))
      for (const leaf of ['sequentialRead', 'sequentialWrite', 'randomWriteIops']) candidates.push(['storage', i, leaf]);
  });
  const out: Estimate[] = [];
  for (const path of candidates) {
    const figure = path.reduce<unknown>((at, key) => (at as Record<string | number, unknown> | undefined)?.[key], profile.spec);
    const words = figureWords(path, profile);
    if (!isFigure(figure) || !words || typeof figure.value !== 'number') continue;
    const low = typeof figure.low === 'number' ? figure.low : figure.value;
    const high = typeof figure.high === 'number' ? figure.high : figure.value;
    if (low === figure.value && high === figure.value) continue;
    out.push({
      id: `${name}:${path.join('.')}`,
      description: `${words.words} of ${profile.metadata.displayName} (${name})`,
      unit: words.unit,
      value: figure.value,
      low: Math.min(low, high),
      high: Math.max(low, high),
      source: figure.source,
      target: { kind: 'profile', profile: name, path },
    });
  }
  return out;
}

/**
 * Every estimate of a cluster: the settings with a range (the table's, or `ranges`) that it does
 * not override, then the ranged figures of each profile its nodes use, in node order.
 */
export function clusterEstimates(cluster: Cluster, ranges: SettingRanges = tableRanges()): Estimate[] {
  const out: Estimate[] = [];
  // What a calibration measured is swept over its measured low–high instead (measuredEstimates).
  const replaced = replacedByMeasurement(cluster);
  for (const name of Object.keys(settingDefinitions) as SettingName[]) {
    const range = replaced.has(name) ? undefined : ranges[name];
    const estimate = range ? settingEstimate(cluster, name, range) : null;
    if (estimate && (estimate.low !== estimate.value || estimate.high !== estimate.value)) out.push(estimate);
  }
  const seen = new Set<string>();
  for (const node of cluster.nodes) {
    if (seen.has(node.profile.metadata.name)) continue;
    seen.add(node.profile.metadata.name);
    out.push(
      ...profileEstimates(
        node.profile,
        cluster.nodes.filter((n) => n.profile.metadata.name === node.profile.metadata.name),
      ).filter((e) => !replaced.has(e.id)),
    );
  }
  out.push(...measuredEstimates(cluster, (figure) => unitOfFigure[calibrationFigureUnits[figure]]));
  return out;
}

function setAt(object: unknown, path: ReadonlyArray<string | number>, value: number): void {
  const parent = path.slice(0, -1).reduce<unknown>((at, key) => (at as Record<string | number, unknown>)[key], object);
  const figure = (parent as Record<string | number, unknown>)[path[path.length - 1] ?? ''];
  if (isFigure(figure)) (figure as { value: unknown }).value = value;
}

/** The cluster with one estimate at `value`: its setting, or its figure on every node of that profile. */
export function withEstimate(cluster: Cluster, estimate: Estimate, value: number): Cluster {
  const target = estimate.target;
  if (target.kind === 'measured') {
    const nodes = cluster.nodes.map((n) => {
      const measured = n.measured?.[target.figure];
      return measured && target.nodes.includes(n.name) ? { ...n, measured: { ...n.measured, [target.figure]: { ...measured, value } } } : n;
    });
    return { ...cluster, nodes };
  }
  if (target.kind === 'setting') return { ...cluster, settings: Object.freeze({ ...cluster.settings, [target.setting]: value }) };
  const original = cluster.nodes.find((n) => n.profile.metadata.name === target.profile)?.profile;
  if (!original) return cluster;
  const profile = structuredClone(original) as HardwareProfile;
  setAt(profile.spec, target.path, value);
  const nodes = cluster.nodes.map((n) =>
    n.profile.metadata.name !== target.profile
      ? n
      : {
          ...n,
          profile,
          storage: profile.spec.storage.find((s) => s.name === n.storage.name) ?? n.storage,
          network: profile.spec.network.find((i) => i.name === n.network.name) ?? n.network,
        },
  );
  return { ...cluster, nodes };
}

/** An estimate's value with its unit: `40s`, `512 MiB`, `20 MB/s`, `1.2`. */
export function estimateValueText(estimate: Pick<Estimate, 'unit'>, value: number): string {
  switch (estimate.unit) {
    case 'seconds':
      return formatDuration(value);
    case 'bytes':
      return formatBytes(value);
    case 'bytes/s':
      return formatByteRate(value);
    case 'bits/s':
      return formatBitRate(value);
    case 'hertz':
      return `${Math.round(value / 1e6)} MHz`;
    case 'number':
      return String(Math.round(value * 1000) / 1000);
  }
}
