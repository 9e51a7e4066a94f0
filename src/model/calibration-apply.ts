/**
 * Which measured figures of a `kind: Calibration` apply to which node of a cluster. A node the
 * file names (with the same role) gets its own figures; every figure it lacks, and every node
 * the file does not name (a new board in `twin plan`), falls back to the figure pooled over the
 * nodes of its hardware profile and role. Pure module: no I/O.
 */
import type { Calibration, CalibrationFigureName, CalibrationFigures } from './calibration.js';
import { calibrationFigureNames } from './calibration.js';
import type { NodeRole } from './cluster-schema.js';
import type { SettingName } from './setting-definitions.js';

/** One measured figure as a node uses it, with where it came from. */
export interface MeasuredValue {
  /** The median, in twin's base unit (s, bytes, bytes/s, millicores). */
  readonly value: number;
  readonly samples: number;
  readonly low: number;
  readonly high: number;
  /** What was read, as the calibration file says. */
  readonly source: string;
  /** `node`: measured on this very node; `profile`: pooled over the measured nodes of its profile and role. */
  readonly origin: 'node' | 'profile';
  /** The nodes the figure was measured on. */
  readonly measuredOn: readonly string[];
}

export type NodeMeasurements = Readonly<Partial<Record<CalibrationFigureName, MeasuredValue>>>;

/** A figure the calibration could not measure on a node, and why: the model keeps its own value. */
export interface NotMeasured {
  readonly figure: CalibrationFigureName;
  readonly reason: string;
}

export type SettingValue = number | boolean | null;
export interface SettingChange {
  readonly model: SettingValue;
  readonly measured: SettingValue;
}
type ParsedSettings = Partial<Record<SettingName, SettingValue>>;

/** A calibration file as read, before it is matched to a cluster. */
export interface CalibrationSource {
  readonly document: Calibration;
  /** The file, as the user typed it (for messages and reports). */
  readonly file: string;
}

/** What a cluster took from its calibration, for reports and `twin validate`. */
export interface AppliedCalibration {
  readonly file: string;
  readonly name: string;
  readonly cluster: { readonly server: string; readonly context?: string };
  readonly measuredAt: string;
  readonly window: { readonly from: string; readonly to: string };
  /**
   * The settings the calibration sets (the kubelet's configz, below `spec.settings`): the
   * model's value without it and the measured value used. A setting `spec.settings` overrides is
   * not listed.
   */
  readonly settings: Readonly<Partial<Record<SettingName, SettingChange>>>;
  readonly nodes: ReadonlyArray<{
    readonly node: string;
    readonly profile: string;
    readonly figures: NodeMeasurements;
    readonly notMeasured: readonly NotMeasured[];
  }>;
  /** Nodes or profiles of the file the cluster does not have, and role mismatches. */
  readonly warnings: readonly string[];
}

/** A node as matching needs it: its name, role and its profile's (canonical) name. */
export interface CalibrationTarget {
  readonly name: string;
  readonly role: NodeRole;
  readonly profile: { readonly metadata: { readonly name: string } };
}

function valuesOf(figures: CalibrationFigures, origin: 'node' | 'profile', measuredOn: readonly string[]): NodeMeasurements {
  const out: Partial<Record<CalibrationFigureName, MeasuredValue>> = {};
  for (const name of calibrationFigureNames) {
    const figure = figures[name];
    if (figure)
      out[name] = {
        value: figure.value,
        samples: figure.samples,
        low: figure.low,
        high: figure.high,
        source: figure.source,
        origin,
        measuredOn,
      };
  }
  return out;
}

/**
 * Matches a calibration to a cluster's nodes. `canonical` maps a profile name or alias of the
 * file to the registry's name (undefined when unknown). Returns each node's figures (absent when
 * none apply) and what the cluster's report and `twin validate` show.
 */
export function matchCalibration(
  source: CalibrationSource,
  targets: readonly CalibrationTarget[],
  canonical: (profile: string) => string | undefined,
): { readonly perNode: ReadonlyMap<string, NodeMeasurements>; readonly applied: AppliedCalibration } {
  const { document, file } = source;
  const warnings: string[] = [];
  const byName = new Map(targets.map((t) => [t.name, t]));
  const pooled = document.spec.profiles.map((p) => ({ ...p, canonical: canonical(p.profile) }));
  for (const p of pooled) {
    if (!p.canonical)
      warnings.push(`${file}: spec.profiles names profile "${p.profile}", which no profile file defines; its figures are unused`);
  }
  for (const entry of document.spec.nodes) {
    const target = byName.get(entry.name);
    if (!target) warnings.push(`${file}: node "${entry.name}" is not in this cluster; only its profile's pooled figures can apply`);
    else if (target.role !== entry.role)
      warnings.push(`${file}: node "${entry.name}" was measured as ${entry.role} but is ${target.role} here; its own figures are skipped`);
  }
  const perNode = new Map<string, NodeMeasurements>();
  const nodes: Array<AppliedCalibration['nodes'][number]> = [];
  for (const target of targets) {
    if (target.role === 'rancher') continue;
    const entry = document.spec.nodes.find((n) => n.name === target.name && n.role === target.role);
    const profile = target.profile.metadata.name;
    const pool = pooled.find((p) => p.canonical === profile && p.role === target.role);
    const figures = {
      ...(pool ? valuesOf(pool.figures, 'profile', pool.nodes) : {}),
      ...(entry ? valuesOf(entry.figures, 'node', [entry.name]) : {}),
    };
    const notMeasured = (entry?.notMeasured ?? []).filter((n) => figures[n.figure] === undefined);
    if (Object.keys(figures).length === 0 && notMeasured.length === 0) continue;
    perNode.set(target.name, figures);
    nodes.push({ node: target.name, profile, figures, notMeasured });
  }
  const { metadata } = document;
  const applied: AppliedCalibration = {
    file,
    name: metadata.name,
    cluster: { server: metadata.cluster.server, ...(metadata.cluster.context ? { context: metadata.cluster.context } : {}) },
    measuredAt: metadata.measuredAt,
    window: metadata.window,
    settings: {},
    nodes,
    warnings,
  };
  return { perNode, applied };
}

/**
 * A cluster's resolved nodes with their measured figures, its settings with the calibration's
 * (`resolve` fills every setting from the defaults, flags, the given measured values and
 * `spec.settings`), and what was applied.
 */
export function applyCalibration<N extends CalibrationTarget, S extends Readonly<Record<SettingName, SettingValue>>>(
  source: CalibrationSource,
  nodes: readonly N[],
  canonical: (profile: string) => string | undefined,
  resolve: (measured?: ParsedSettings) => S,
): { readonly nodes: N[]; readonly settings: S; readonly applied: AppliedCalibration } {
  const { perNode, applied } = matchCalibration(source, nodes, canonical);
  const model = resolve();
  const settings = resolve(source.document.spec.settings as ParsedSettings);
  const changes: Partial<Record<SettingName, SettingChange>> = {};
  for (const [name, value] of Object.entries(source.document.spec.settings) as Array<[SettingName, SettingValue | undefined]>)
    if (value !== undefined && settings[name] === value) changes[name] = { model: model[name], measured: value };
  return {
    nodes: nodes.map((n) => {
      const measured = perNode.get(n.name);
      return measured ? { ...n, measured } : n;
    }),
    settings,
    applied: { ...applied, settings: changes },
  };
}
