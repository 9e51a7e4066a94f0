/**
 * Ink views of a run. One picture, folded from timeline events (live-state.ts): the clock, the
 * Kubernetes API, each node (off and booting as the truth, then Ready, NotReady or Unknown as the
 * API says), pods Ready against desired per workload, faults and heals, then the verdicts.
 * `showLiveRun` draws it as a k3d engine's events arrive; `playRun` replays a finished run in a
 * few seconds (`twin run --replay`: the sim engine finishes in milliseconds).
 */
import { createElement as h, type ReactElement } from 'react';
import { Box, Text, render } from 'ink';
import { verdictRangeText } from '../../report/ranges.js';
import type { ReportedVerdict as Verdict } from '../../report/types.js';
import type { RunReport } from '../../report/types.js';
import type { TimelineEvent } from '../../model/timeline.js';
import { formatDuration } from '../../model/units.js';
import { applyEvent, initialState, nodeLabel, type NodeShown, type ViewSetup, type ViewState } from './live-state.js';

export interface RunViewProps {
  readonly title: string;
  readonly state: ViewState;
  /** When faults start (seconds from power-on), once known: the clock then counts T+. */
  readonly phaseStart: number | null;
  readonly verdicts: readonly Verdict[];
}

function nodeColor(n: NodeShown): string {
  if (n.power === 'off') return 'gray';
  if (n.power === 'booting') return 'cyan';
  if (n.role !== 'server' && n.role !== 'agent') return 'blue';
  return { absent: 'cyan', Ready: 'green', NotReady: 'yellow', Unknown: 'magenta' }[n.api];
}

const apiColor = { 'not up': 'gray', available: 'green', unavailable: 'red' } as const;

export function RunView({ title, state, phaseStart, verdicts }: RunViewProps): ReactElement {
  const relative = phaseStart === null ? null : state.t - phaseStart;
  const clock = relative === null || relative < 0 ? `bring-up ${formatDuration(state.t)}` : `T+${formatDuration(relative)}`;
  const nodes = state.nodes.map((n) =>
    h(
      Box,
      { key: n.name, borderStyle: 'round', borderColor: nodeColor(n), paddingX: 1, marginRight: 1 },
      h(Text, { color: nodeColor(n) }, nodeLabel(n)),
    ),
  );
  const width = Math.max(8, ...state.workloads.map((w) => w.key.length));
  const workloads = state.workloads.map((w) => {
    const color = w.ready >= w.desired && w.desired > 0 ? 'green' : w.ready === 0 ? 'red' : 'yellow';
    const bar = '■'.repeat(Math.min(w.ready, 40)) + '□'.repeat(Math.max(0, Math.min(w.desired, 40) - Math.min(w.ready, 40)));
    return h(Text, { key: w.key }, `${w.key.padEnd(width)} `, h(Text, { color }, bar), ` ${w.ready}/${w.desired} ready`);
  });
  const at = (t: number) => (phaseStart !== null && t >= phaseStart ? `T+${formatDuration(t - phaseStart)}` : formatDuration(t));
  const changes = state.changes.map((c, i) =>
    h(Text, { key: `c${i}`, color: c.kind === 'fault' ? 'red' : 'green' }, `${c.kind === 'fault' ? '⚡' : '✓'} ${at(c.t)} ${c.text}`),
  );
  const results = verdicts.map((v) =>
    h(
      Text,
      { key: v.id, color: v.status === 'pass' ? 'green' : 'red' },
      `${v.status === 'pass' ? '✔' : '✘'} ${v.description} — ${v.observed}${verdictRangeText(v)}`,
    ),
  );
  const rancher = state.rancher === null ? [] : [' · Rancher ', h(Text, { key: 'r', color: apiColor[state.rancher] }, state.rancher)];
  return h(
    Box,
    { flexDirection: 'column' },
    h(Text, { bold: true }, `${title} · ${clock}`),
    h(Text, null, 'Kubernetes API ', h(Text, { color: apiColor[state.api] }, state.api), ...rancher),
    h(Box, { flexWrap: 'wrap' }, ...nodes),
    ...workloads,
    ...changes,
    ...(verdicts.length ? results : [h(Text, { key: 'last', dimColor: true }, state.last)]),
  );
}

/** What the view needs before the first event. */
export function viewSetup(report: Pick<RunReport, 'cluster'>, workloads: ViewSetup['workloads']): ViewSetup {
  return {
    nodes: report.cluster.nodes,
    workloads,
    rancher: report.cluster.nodes.some((n) => n.role === 'rancher'),
  };
}

const frames = 60;
const frameMs = 50;

/** Replays a judged run in about three seconds of wall time, then leaves the last frame with the verdicts. */
export async function playRun(report: RunReport): Promise<void> {
  const title = `twin ${report.scenario.name} · ${report.engine} · seed ${report.seed}`;
  // Desired counts come with the workloads' events; until then, the most pods the run saw Ready.
  const workloads = Object.entries(report.timeline.series.workloadsReady).map(([key, values]) => ({
    key,
    replicas: values.reduce((max, v) => Math.max(max, v), 0),
  }));
  let state = initialState(viewSetup(report, workloads));
  const events = report.timeline.events;
  const props = (verdicts: readonly Verdict[]): RunViewProps => ({ title, state, phaseStart: report.phase.start, verdicts });
  const instance = render(h(RunView, props([])), { stdout: process.stderr, patchConsole: false });
  let next = 0;
  for (let frame = 1; frame <= frames; frame++) {
    const until = (report.phase.end * frame) / frames;
    while (next < events.length && (events[next]?.t ?? Infinity) <= until) state = applyEvent(state, events[next++] as TimelineEvent);
    state = { ...state, t: until };
    instance.rerender(h(RunView, props(frame === frames ? report.expectations : [])));
    await new Promise((resolve) => setTimeout(resolve, frameMs));
  }
  instance.unmount();
  await instance.waitUntilExit();
}

/** A live run on screen: `event` as each arrives; `finish` draws the verdicts and lets go of the terminal. */
export interface LiveRun {
  event(event: TimelineEvent): void;
  finish(report: RunReport | null): void;
}

const redrawMs = 100;

export function showLiveRun(title: string, setup: ViewSetup): LiveRun {
  let state = initialState(setup);
  const instance = render(h(RunView, { title, state, phaseStart: null, verdicts: [] }), { stdout: process.stderr, patchConsole: false });
  // Engines emit events in bursts; redraw at most every 100 ms of wall time, and on every fault or heal.
  let drawnAt = 0;
  return {
    event: (event) => {
      state = applyEvent(state, event);
      const now = Date.now();
      if (now - drawnAt < redrawMs && !event.kind.startsWith('fault.')) return;
      drawnAt = now;
      instance.rerender(h(RunView, { title, state, phaseStart: null, verdicts: [] }));
    },
    finish: (report) => {
      if (report) instance.rerender(h(RunView, { title, state, phaseStart: report.phase.start, verdicts: report.expectations }));
      instance.unmount();
    },
  };
}
