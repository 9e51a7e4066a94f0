/**
 * Ink views of a run. While an engine runs: its events as they arrive (the k3d engine takes
 * minutes of wall time). Once it is judged: the virtual clock, a grid of nodes with their
 * state, pods ready per workload, faults as they fire and verdicts as they settle, replayed in
 * a few seconds of wall time (the sim engine finishes in milliseconds).
 */
import { createElement as h, useEffect, useState, type ReactElement } from 'react';
import { Box, Text, render, useApp } from 'ink';
import type { RunReport } from '../../report/types.js';
import type { TimelineEvent } from '../../model/timeline.js';
import { formatDuration } from '../../model/units.js';

const frames = 60;
const frameMs = 50;

function sampleIndex(report: RunReport, t: number): number {
  const times = report.timeline.series.times;
  let index = 0;
  while (index + 1 < times.length && (times[index + 1] ?? Infinity) <= t) index++;
  return index;
}

function RunView({ report }: { report: RunReport }): ReactElement {
  const [frame, setFrame] = useState(0);
  const { exit } = useApp();
  useEffect(() => {
    if (frame >= frames) {
      const timer = setTimeout(() => exit(), frameMs);
      return () => clearTimeout(timer);
    }
    const timer = setTimeout(() => setFrame(frame + 1), frameMs);
    return () => clearTimeout(timer);
  }, [frame, exit]);
  const t = (report.phase.end * frame) / frames;
  const i = sampleIndex(report, t);
  const series = report.timeline.series;
  const relative = t - report.phase.start;
  const nodes = report.cluster.nodes.map((n) => {
    const s = series.nodes[n.name];
    const powered = (s?.powered[i] ?? 0) === 1;
    const ready = (s?.ready[i] ?? 0) === 1;
    const inCluster = n.role === 'server' || n.role === 'agent';
    const [color, label] = !powered ? ['gray', 'off'] : !inCluster ? ['blue', 'up'] : ready ? ['green', 'Ready'] : ['yellow', 'NotReady'];
    return h(
      Box,
      { key: n.name, borderStyle: 'round', borderColor: color, paddingX: 1, marginRight: 1 },
      h(Text, { color }, `${n.name} ${label}`),
    );
  });
  const workloads = Object.entries(series.workloadsReady)
    .filter(([key]) => !/\/(kube-system|cattle-system)\//.test(key))
    .map(([key, values]) =>
      h(Text, { key }, `${key.split('/')[2]?.padEnd(24) ?? ''} ${'■'.repeat(values[i] ?? 0)} ${values[i] ?? 0} ready`),
    );
  const fired = report.faults
    .filter((f) => f.injectedAt !== null && f.injectedAt <= t)
    .map((f) => h(Text, { key: f.id, color: 'red' }, `⚡ ${f.description}`));
  const done = frame >= frames;
  const verdicts = done
    ? report.expectations.map((v) =>
        h(
          Text,
          { key: v.id, color: v.status === 'pass' ? 'green' : 'red' },
          `${v.status === 'pass' ? '✔' : '✘'} ${v.description} — ${v.observed}`,
        ),
      )
    : [];
  const clock = relative < 0 ? `bring-up ${formatDuration(t)}` : `T+${formatDuration(relative)}`;
  return h(
    Box,
    { flexDirection: 'column' },
    h(Text, { bold: true }, `twin ${report.scenario.name} · ${report.engine} · seed ${report.seed} · ${clock}`),
    h(Box, { flexWrap: 'wrap' }, ...nodes),
    ...workloads,
    ...fired,
    ...verdicts,
  );
}

export async function playRun(report: RunReport): Promise<void> {
  const instance = render(h(RunView, { report }), { stdout: process.stderr, patchConsole: false });
  await instance.waitUntilExit();
}

interface LiveState {
  readonly events: number;
  readonly last: TimelineEvent | null;
  readonly faults: readonly string[];
}

function LiveRunView({ title, state }: { title: string; state: LiveState }): ReactElement {
  return h(
    Box,
    { flexDirection: 'column' },
    h(Text, { bold: true }, `${title} · ${state.last ? `${formatDuration(state.last.t)} · ` : ''}${state.events} events`),
    ...state.faults.map((f, i) => h(Text, { key: `${i}`, color: 'red' }, `⚡ ${f}`)),
    h(Text, { dimColor: true }, state.last ? state.last.message : 'starting'),
  );
}

/** A live run on screen: `event` as each arrives, `stop` erases it (the replay of the judged run follows). */
export interface LiveRun {
  event(event: TimelineEvent): void;
  stop(): void;
}

const redrawMs = 100;

export function showLiveRun(scenario: string, engine: string, seed: number): LiveRun {
  const title = `twin ${scenario} · ${engine} · seed ${seed}`;
  let state: LiveState = { events: 0, last: null, faults: [] };
  const instance = render(h(LiveRunView, { title, state }), { stdout: process.stderr, patchConsole: false });
  // Engines emit events synchronously and in bursts; redraw at most every 100 ms of wall time.
  let drawnAt = Date.now();
  return {
    event: (event) => {
      state = {
        events: state.events + 1,
        last: event,
        faults: event.kind === 'fault.injected' ? [...state.faults, event.message] : state.faults,
      };
      if (Date.now() - drawnAt < redrawMs) return;
      drawnAt = Date.now();
      instance.rerender(h(LiveRunView, { title, state }));
    },
    stop: () => {
      instance.clear();
      instance.unmount();
    },
  };
}
