/**
 * `twin calibrate`'s analysis: from what was read of a live cluster (Nodes, Events, and per node
 * the summary API, configz and /metrics) to a `kind: Calibration` document. Pure: the objects
 * and the moment of reading come in, the document goes out; calibrate-read.ts does the I/O.
 */
import type { CoreV1Event, V1Node, V1Pod } from '@kubernetes/client-node';
import { calibrationFigureNames, type CalibrationFigureName, type CalibrationInput } from '../model/calibration.js';
import { twinApiVersion } from '../model/hardware-profile.js';
import { settingDefinitions, type SettingName } from '../model/setting-definitions.js';
import {
  agentStartSamples,
  bootSamples,
  containerStartSamples,
  imagePullSamples,
  nodeReadySamples,
  serverStartSamples,
} from './calibrate-events.js';
import { writtenFigure } from './calibrate-format.js';
import { nodeMemory, settingsFromConfigz, summaryFigures, type StatsSummary } from './calibrate-node.js';
import { epochSeconds, eventTimes, type FigureSamples } from './calibrate-samples.js';

export type SourceStatus = 'read' | 'refused' | 'unavailable';
export interface SourceRecord {
  readonly name: string;
  readonly status: SourceStatus;
  readonly detail?: string;
}

/** Source names, as written in `sources` and named in notes. */
export const sourceNames = {
  nodes: 'nodes',
  events: 'events',
  summary: 'nodes/proxy stats/summary',
  configz: 'nodes/proxy configz',
  metrics: 'nodes/proxy metrics',
  apiserverMetrics: 'API server /metrics',
  apiEndpoints: 'EndpointSlice default/kubernetes',
} as const;

/** What was read of one node through the API server's proxy; undefined: not readable (see `sources`). */
export interface NodeReadings {
  readonly summary?: StatsSummary;
  readonly configz?: unknown;
  readonly metrics?: string;
}

export interface CalibrationReadings {
  readonly server: string;
  readonly context?: string;
  /** When the reading was done, epoch seconds. */
  readonly readAt: number;
  readonly nodes: readonly V1Node[];
  /** Undefined when the events could not be read. */
  readonly events?: readonly CoreV1Event[];
  /** The pods, to place a pod's events on its node when an Event does not name its host. */
  readonly pods?: readonly V1Pod[];
  readonly perNode: Readonly<Record<string, NodeReadings>>;
  readonly apiserverMetrics?: string;
  /**
   * When the API server last wrote the `kubernetes` Service's EndpointSlice (its newest managedFields
   * time, epoch seconds): after a clean stop, the API server puts its address back once its /readyz answers.
   */
  readonly apiEndpointsWritten?: number;
  readonly sources: readonly SourceRecord[];
}

export interface CalibrationOptions {
  readonly name: string;
  /** `--since`, seconds before the reading. */
  readonly since: number;
  /** The node's hardware profile when it has no `twin.dev/profile` label (`--profiles`, else the import's inference). */
  readonly profileOf?: (node: V1Node) => string | undefined;
  /** The node controller's grace period, to date a power-off from its NodeNotReady (bootTime). */
  readonly nodeMonitorGracePeriod: number;
  /**
   * The longest a boot of this node's board can take (its profile's bootTime high end): a longer gap
   * between the last heartbeat and K3s's start had the power off for part of it, so it dates no boot.
   */
  readonly longestBoot?: (node: V1Node, profile: string | undefined) => number | undefined;
  readonly twinVersion?: string;
}

/** `process_start_time_seconds 1.79612227439e+09` in Prometheus text: epoch seconds. */
export function processStart(metrics: string | undefined): number | undefined {
  const match = /^process_start_time_seconds(?:\{[^}]*\})?\s+(\S+)/m.exec(metrics ?? '');
  const value = match ? Number(match[1]) : NaN;
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

export const isServer = (node: V1Node) =>
  node.metadata?.labels?.['node-role.kubernetes.io/control-plane'] === 'true' ||
  node.metadata?.labels?.['node-role.kubernetes.io/master'] === 'true';

const iso = (seconds: number) => new Date(Math.round(seconds * 1000)).toISOString();

function sourceReason(sources: readonly SourceRecord[], name: string, node?: string): string {
  const source = sources.find((s) => s.name === name);
  const detail = source?.detail ? `: ${source.detail}` : '';
  return `${name}${node ? ` of ${node}` : ''} ${source?.status === 'refused' ? 'refused' : 'not available'}${detail}`;
}

type NodeFigures = Partial<Record<CalibrationFigureName, FigureSamples>>;

function measureNode(node: V1Node, readings: CalibrationReadings, options: CalibrationOptions, from: number, servers: number) {
  const name = node.metadata?.name ?? '';
  // Up to the newest Event, not only to this host's clock: a server clock ahead of it must not drop the latest Events.
  const newest = Math.max(0, ...(readings.events ?? []).map((e) => eventTimes(e)?.last ?? 0));
  const to = Math.max(readings.readAt, newest);
  const created = epochSeconds(node.metadata?.creationTimestamp);
  const own = readings.perNode[name] ?? {};
  const figures: NodeFigures = {};
  const missing: Partial<Record<CalibrationFigureName, string>> = {};
  const memory = nodeMemory(node, readings.readAt);
  Object.assign(figures, memory);
  if (own.summary) {
    const summary = summaryFigures(own.summary, readings.readAt);
    Object.assign(figures, summary.figures);
    Object.assign(missing, summary.missing);
  } else
    for (const figure of ['memoryOutsidePods', 'k3sMemory', 'k3sCpu'] as const)
      missing[figure] = sourceReason(readings.sources, sourceNames.summary, name);
  const server = isServer(node);
  // On K3s the kubelet and the API server run in the one k3s process; a single server's is also the API server's.
  const starts = [processStart(own.metrics), server && servers === 1 ? processStart(readings.apiserverMetrics) : undefined];
  const known = starts.filter((s): s is number => s !== undefined);
  const started = known.length ? Math.min(...known) : undefined;
  const events = readings.events;
  if (!events) {
    for (const figure of ['nodeReady', 'k3sStart', 'bootTime', 'containerStart', 'imagePull'] as const)
      missing[figure] = sourceReason(readings.sources, sourceNames.events);
    return { figures, missing };
  }
  const add = (figure: CalibrationFigureName, samples: FigureSamples, reason: string) => {
    if (samples.samples.length) figures[figure] = samples;
    else missing[figure] = reason;
  };
  add('nodeReady', nodeReadySamples(events, name, created, from, to), 'no kubelet start that registered the node in the window');
  if (started === undefined) {
    missing.k3sStart = sourceReason(readings.sources, sourceNames.metrics, name);
    missing.bootTime = missing.k3sStart;
  } else {
    const after = `after the latest k3s start (${iso(started)})`;
    if (started < from) missing.k3sStart = `the latest k3s start (${iso(started)}) is before the window (--since)`;
    else if (server && servers > 1)
      // Another server's controller-manager may hold the lead and register the nodes: its events date no start of this one.
      missing.k3sStart = `${servers} servers: the RegisteredNode events may come from another server's controller-manager`;
    else {
      const existing = new Map(
        readings.nodes.map((n) => [n.metadata?.name ?? '', epochSeconds(n.metadata?.creationTimestamp) ?? Infinity]),
      );
      const k3s = server
        ? serverStartSamples(events, started, to, existing, name, readings.apiEndpointsWritten)
        : agentStartSamples(events, name, created, started, to);
      add(
        'k3sStart',
        k3s,
        server
          ? `no write of the kubernetes EndpointSlice and no RegisteredNode event ${after} in the window`
          : `no kubelet event ${after} in the window`,
      );
    }
    const boot = bootSamples(events, name, started, options.nodeMonitorGracePeriod, from, to);
    const profile = node.metadata?.labels?.['twin.dev/profile'] ?? options.profileOf?.(node);
    const longest = options.longestBoot?.(node, profile);
    const gap = boot.samples[0]?.value;
    if (gap !== undefined && (longest === undefined || gap > longest))
      add(
        'bootTime',
        { samples: [], source: boot.source },
        longest === undefined
          ? `down ${gap.toFixed(0)} s before K3s started, but its board's longest boot is unknown: no telling a boot from time switched off`
          : `down ${gap.toFixed(0)} s before K3s started, more than a boot of its board takes (${longest} s): the power was off part of it`,
      );
    else add('bootTime', boot, boot.reason ?? 'no reboot in the window');
  }
  const nodeOfPod = new Map((readings.pods ?? []).map((p) => [p.metadata?.uid ?? '', p.spec?.nodeName ?? '']));
  add(
    'containerStart',
    containerStartSamples(events, name, from, to, nodeOfPod),
    'no pod scheduled and started on this node in the window',
  );
  add(
    'imagePull',
    imagePullSamples(events, name, from, to),
    'no image pulled in the window (images already present, or kubelet messages without "Image size")',
  );
  return { figures, missing };
}

function written(figures: NodeFigures) {
  const out: Record<string, ReturnType<typeof writtenFigure>> = {};
  for (const figure of calibrationFigureNames) {
    const samples = figures[figure];
    const w = samples ? writtenFigure(figure, samples) : undefined;
    if (w) out[figure] = w;
  }
  return out;
}

/** spec.settings syntax for a setting value in base units. */
function settingText(name: SettingName, value: number | boolean | null): string | number | boolean | null {
  const kind = settingDefinitions[name].kind;
  if (kind === 'duration' && typeof value === 'number') return `${Number(value.toFixed(3))}s`;
  if (kind === 'bytes-or-none' && value === null) return 'none';
  return value;
}

/** Settings every node read agrees on; disagreements described for the configz source's detail. */
function agreedSettings(perNode: ReadonlyArray<[string, ReturnType<typeof settingsFromConfigz>]>) {
  const settings: Record<string, unknown> = {};
  const disagreements: string[] = [];
  const names = new Set(perNode.flatMap(([, s]) => Object.keys(s) as SettingName[]));
  for (const name of names) {
    const values = perNode.map(([node, s]) => [node, s[name]] as const);
    const distinct = new Set(values.map(([, v]) => JSON.stringify(v)));
    if (distinct.size === 1 && values[0]?.[1] !== undefined) settings[name] = settingText(name, values[0][1]);
    else
      disagreements.push(
        `${name} differs (${values.map(([n, v]) => `${n} ${v === undefined ? 'unset' : String(settingText(name, v))}`).join(', ')})`,
      );
  }
  return { settings, disagreements };
}

/** The Calibration document for what was read (validate it with calibrationDocumentSchema before writing). */
export function buildCalibration(readings: CalibrationReadings, options: CalibrationOptions): CalibrationInput {
  const from = readings.readAt - options.since;
  const servers = readings.nodes.filter(isServer).length;
  const measured = readings.nodes.map((node) => {
    const name = node.metadata?.name ?? '';
    const profile = node.metadata?.labels?.['twin.dev/profile'] ?? options.profileOf?.(node);
    const role = isServer(node) ? ('server' as const) : ('agent' as const);
    return { node, name, profile, role, ...measureNode(node, readings, options, from, servers) };
  });
  const pools = new Map<string, typeof measured>();
  for (const m of measured)
    if (m.profile) pools.set(`${m.profile}\u0000${m.role}`, [...(pools.get(`${m.profile}\u0000${m.role}`) ?? []), m]);
  const profiles = [...pools.values()].map((members) => {
    const pooled: NodeFigures = {};
    for (const m of members)
      for (const [figure, samples] of Object.entries(m.figures) as Array<[CalibrationFigureName, FigureSamples]>) {
        const sofar = pooled[figure];
        pooled[figure] = {
          samples: [...(sofar?.samples ?? []), ...samples.samples],
          source: `${samples.source}; pooled over ${members.length} node${members.length === 1 ? '' : 's'}`,
        };
      }
    return {
      profile: members[0]?.profile ?? '',
      role: members[0]?.role ?? 'agent',
      nodes: members.map((m) => m.name),
      figures: written(pooled),
    };
  });
  const configz = measured.flatMap((m) => {
    const c = readings.perNode[m.name]?.configz;
    return c === undefined ? [] : [[m.name, settingsFromConfigz(c)] as [string, ReturnType<typeof settingsFromConfigz>]];
  });
  const { settings, disagreements } = agreedSettings(configz);
  const sources = readings.sources.map((s) =>
    s.name === sourceNames.configz && disagreements.length
      ? { ...s, detail: [s.detail, `not in spec.settings: ${disagreements.join('; ')}`].filter(Boolean).join('; ') }
      : s,
  );
  return {
    apiVersion: twinApiVersion,
    kind: 'Calibration',
    metadata: {
      name: options.name,
      cluster: { server: readings.server, ...(readings.context ? { context: readings.context } : {}) },
      measuredAt: iso(readings.readAt),
      window: { from: iso(from), to: iso(readings.readAt) },
      ...(options.twinVersion ? { twinVersion: options.twinVersion } : {}),
    },
    spec: {
      nodes: measured.map((m) => ({
        name: m.name,
        role: m.role,
        ...(m.profile ? { profile: m.profile } : {}),
        figures: written(m.figures),
        notMeasured: Object.entries(m.missing).map(([figure, reason]) => ({ figure: figure as CalibrationFigureName, reason })),
      })),
      profiles,
      settings,
      sources: sources.map((s) => ({ name: s.name, status: s.status, ...(s.detail ? { detail: s.detail } : {}) })),
    },
  };
}
