/**
 * The lanes of report.html's timeline, from report.json alone: the API, two lanes per node
 * (the truth: power and boot; the API's view: Ready, NotReady, Unknown), Rancher, workloads,
 * services, and one lane per expectation with its window and verdict. Two lanes per node make
 * the gap visible between a node losing power and the API marking it NotReady.
 */
import type { TimelineEvent } from '../model/timeline.js';
import { parseDuration } from '../model/units.js';
import { colors, maxOf } from './html-page.js';
import type { RunReport } from './types.js';

export type Segment = readonly [start: number, end: number, color: string, tip: string];

export interface Lane {
  readonly label: string;
  /** A smaller label under a group heading (a node's `power` and `API` lanes). */
  readonly sub?: boolean;
  readonly segments: readonly Segment[];
  /** Optional step line, values 0..1, drawn inside the lane. */
  readonly steps?: ReadonlyArray<readonly [number, number]>;
  /** An expectation's verdict, written after the window. */
  readonly verdict?: { readonly status: 'pass' | 'fail'; readonly text: string; readonly at: number };
}

export interface LaneGroup {
  readonly heading?: string;
  readonly lanes: readonly Lane[];
}

type State = readonly [color: string, tip: string];

/** Segments from a state that changes at events; adjacent equal states merge. */
export function stateSegments(changes: ReadonlyArray<readonly [number, State]>, initial: State, end: number): Segment[] {
  const out: Array<[number, number, string, string]> = [];
  let since = 0;
  let state = initial;
  const close = (t: number) => {
    const last = out[out.length - 1];
    if (last && last[2] === state[0] && last[3] === state[1]) last[1] = t;
    else if (t > since) out.push([since, t, state[0], state[1]]);
  };
  for (const [t, next] of changes) {
    if (next[0] === state[0] && next[1] === state[1]) continue;
    close(t);
    since = t;
    state = next;
  }
  close(end);
  return out;
}

/** At most this many state changes per lane: finer than a pixel of the 910 px plot is noise. */
const maxBuckets = 1800;

function seriesSegments(times: readonly number[], values: readonly number[], end: number, state: (v: number) => State): Segment[] {
  const stride = Math.max(1, Math.ceil(times.length / maxBuckets));
  const changes: Array<readonly [number, State]> = [];
  for (let start = 0; start < times.length; start += stride) {
    // A bucket shows its worst (lowest) value, so a short outage stays visible.
    let worst = Infinity;
    for (let i = start; i < Math.min(start + stride, times.length); i++) worst = Math.min(worst, values[i] ?? 0);
    changes.push([times[start] ?? 0, state(worst)]);
  }
  return stateSegments(changes, state(values[0] ?? 0), end);
}

const apiStates = { up: [colors.ready, 'available'], down: [colors.down, 'unavailable'] } as const;

function eventLane(report: RunReport, label: string, up: string, down: string, subject?: string): Lane {
  const changes = report.timeline.events
    .filter((e) => (e.kind === up || e.kind === down) && (subject === undefined || e.subject === subject))
    .map((e) => [e.t, e.kind === up ? apiStates.up : apiStates.down] as const);
  return { label, segments: stateSegments(changes, [colors.off, 'not up yet'], report.phase.end) };
}

const power = {
  off: [colors.off, 'powered off'],
  booting: [colors.booting, 'powered, booting'],
  on: [colors.ready, 'powered, running'],
} as const;
const apiView = {
  absent: [colors.shade, 'not registered'],
  ready: [colors.ready, 'Ready'],
  notReady: [colors.notReady, 'NotReady'],
  unknown: [colors.unknown, 'NotReady (Unknown: kubelet silent)'],
} as const;

function nodeLanes(report: RunReport, node: string, inCluster: boolean): Lane[] {
  const mine = report.timeline.events.filter((e) => e.subject === `node/${node}`);
  const truth: Array<readonly [number, State]> = [];
  const api: Array<readonly [number, State]> = [];
  for (const e of mine) {
    if (e.kind === 'node.power') truth.push([e.t, e.details?.['on'] === true ? power.booting : power.off]);
    if (e.kind === 'node.booted') truth.push([e.t, power.on]);
    if (e.kind === 'node.registered') api.push([e.t, apiView.notReady]);
    if (e.kind === 'node.condition' && (e.details?.['type'] ?? 'Ready') === 'Ready') api.push([e.t, apiState(e)]);
  }
  const end = report.phase.end;
  const lanes: Lane[] = [{ label: 'power', sub: true, segments: stateSegments(truth, power.off, end) }];
  if (inCluster) lanes.push({ label: 'API', sub: true, segments: stateSegments(api, apiView.absent, end) });
  return lanes;
}

function apiState(e: TimelineEvent): State {
  const status = e.details?.['status'];
  return status === 'True' ? apiView.ready : status === 'Unknown' ? apiView.unknown : apiView.notReady;
}

/**
 * An expectation's window, read back from its `expected` sentence (report.json keeps the verdict,
 * not the resolved expectation): "within 3m of healing of power", "between 30s and 50s after
 * fault power", "from 1m to 16m after faults start", "for at least 5m after fault power".
 */
export function expectationWindow(report: RunReport, expected: string): readonly [number, number] | null {
  const anchorAt = (text: string): number | null => {
    if (/^faults start/.test(text)) return report.phase.start;
    const healing = /^healing of ([\w.-]+)/.exec(text);
    const fault = /^fault ([\w.-]+)/.exec(text);
    const id = healing?.[1] ?? fault?.[1];
    const f = report.faults.find((x) => x.id === id);
    if (!f) return null;
    return healing ? f.healedAt : f.injectedAt;
  };
  const d = (text: string | undefined) => {
    try {
      return text === undefined ? null : parseDuration(text);
    } catch {
      return null;
    }
  };
  const patterns: Array<[RegExp, (m: RegExpExecArray) => [string | undefined, string | undefined, string | undefined]]> = [
    [/(?:between|from) (\S+) (?:and|to) (\S+) after (.+)$/, (m) => [m[1], m[2], m[3]]],
    [/(?:within|for at least) (\S+) (?:of|after) (.+)$/, (m) => ['0s', m[1], m[2]]],
  ];
  for (const [pattern, parts] of patterns) {
    const m = pattern.exec(expected);
    if (!m) continue;
    const [from, to, anchor] = parts(m);
    const at = anchor === undefined ? null : anchorAt(anchor);
    const a = d(from);
    const b = d(to);
    if (at === null || a === null || b === null) return null;
    return [at + a, Math.min(at + b, report.phase.end)];
  }
  return null;
}

function expectationLanes(report: RunReport): Lane[] {
  return report.expectations.map((v) => {
    const window = expectationWindow(report, v.expected) ?? [report.phase.start, report.phase.end];
    const color = v.status === 'pass' ? colors.ready : colors.down;
    return {
      label: `${v.id} ${v.kind}`,
      segments: [
        [window[0], Math.max(window[1], window[0] + 1), color, `${v.description}: expected ${v.expected}; observed ${v.observed}`],
      ],
      verdict: { status: v.status, text: `${v.status === 'pass' ? '✔' : '✘'} ${v.observed}`, at: window[1] },
    };
  });
}

export function laneGroups(report: RunReport): LaneGroup[] {
  const series = report.timeline.series;
  const end = report.phase.end;
  const gateways = [...new Set(report.timeline.events.filter((e) => e.kind.startsWith('gateway.')).map((e) => e.subject))];
  const groups: LaneGroup[] = [
    {
      lanes: [
        eventLane(report, 'Kubernetes API', 'api.available', 'api.unavailable'),
        ...gateways.map((subject) =>
          eventLane(report, `API through ${subject.replace(/^node\//, '')}`, 'gateway.available', 'gateway.unavailable', subject),
        ),
      ],
    },
  ];
  for (const node of report.cluster.nodes)
    groups.push({
      heading: `${node.name} (${node.role})`,
      lanes: nodeLanes(report, node.name, node.role === 'server' || node.role === 'agent'),
    });
  const other: Lane[] = [];
  if (report.timeline.events.some((e) => e.kind === 'rancher.available'))
    other.push(eventLane(report, 'Rancher', 'rancher.available', 'rancher.unavailable'));
  for (const [key, values] of Object.entries(series.workloadsReady)) {
    if (/\/(kube-system|cattle-system)\//.test(key)) continue;
    const max = maxOf(values, 1);
    other.push({
      label: `${key.split('/')[0]} ${key.split('/')[2]} ready`,
      segments: seriesSegments(series.times, values, end, (v) =>
        v === 0 ? [colors.down, '0 ready'] : v < max ? [colors.partial, `${v}/${max} ready`] : [colors.ready, `${v} ready`],
      ),
      steps: series.times.length > maxBuckets ? undefined : series.times.map((t, i) => [t, (values[i] ?? 0) / max] as const),
    });
  }
  for (const [key, values] of Object.entries(series.serviceAvailability)) {
    if (key.startsWith('kube-system/')) continue;
    other.push({
      label: `service ${key}`,
      segments: seriesSegments(series.times, values, end, (v) =>
        v === 0
          ? [colors.down, 'down']
          : v < 1
            ? [colors.partial, `${Math.round(v * 100)} % of requests served`]
            : [colors.ready, 'serving'],
      ),
    });
  }
  if (other.length) groups.push({ heading: 'workloads and services', lanes: other });
  if (report.expectations.length) groups.push({ heading: 'expectations (window and verdict)', lanes: expectationLanes(report) });
  return groups;
}
