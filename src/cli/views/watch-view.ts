/**
 * The Ink view of `twin watch` on a terminal: the real cluster (each node Ready or not with its
 * pods, each workload's Ready replicas) beside the model's N-1 answer for the state it shows,
 * the worst single node loss first and boxed, the others ranked below it. Redrawn on every
 * document; `predicting…` while the model runs on a new state.
 */
import { createElement as h, type ReactElement } from 'react';
import { Box, Text, render } from 'ink';
import { formatDuration } from '../../model/units.js';
import { workloadName, type NodeImpact } from '../../runner/watch-impact.js';
import type { WatchDocument } from '../../runner/watch.js';
import type { NodeShown } from '../../runner/watch-state.js';
import { clockOf } from './watch-line.js';

const readyColor = { Ready: 'green', NotReady: 'yellow', Unknown: 'magenta' } as const;

function nodeBox(n: NodeShown): ReactElement {
  const color = readyColor[n.ready];
  const role = n.roles.length ? ` (${n.roles.join(',')})` : '';
  return h(
    Box,
    { key: n.name, borderStyle: 'round', borderColor: color, paddingX: 1, marginRight: 1, flexDirection: 'column' },
    h(Text, { color }, `${n.name}${role} ${n.ready}${n.unschedulable ? ' · cordoned' : ''}`),
    h(Text, { dimColor: true }, `${n.podsReady}/${n.pods} pods Ready`),
  );
}

function workloadLines(document: WatchDocument): ReactElement[] {
  const width = Math.max(8, ...document.workloads.map((w) => w.workload.length));
  return document.workloads.map((w) => {
    const color = w.ready >= w.desired && w.desired > 0 ? 'green' : w.ready === 0 ? 'red' : 'yellow';
    const bar = '■'.repeat(Math.min(w.ready, 40)) + '□'.repeat(Math.max(0, Math.min(w.desired, 40) - Math.min(w.ready, 40)));
    return h(Text, { key: w.workload }, `${w.workload.padEnd(width)} `, h(Text, { color }, bar), ` ${w.ready}/${w.desired} ready`);
  });
}

/** The worst loss, boxed: the sentence, then one line per workload it hurts. */
function worstBox(worst: NodeImpact): ReactElement {
  const color = worst.score === 0 ? 'green' : 'red';
  const details = worst.workloads.map((w) =>
    h(
      Text,
      { key: w.workload },
      `${workloadName(w.workload)}: ${w.minReady}/${w.desired} at worst, `,
      w.rescheduled
        ? `below its replicas for ${formatDuration(w.belowFor)}${w.restored ? '' : ' or more'}`
        : h(Text, { color: 'red' }, `not rescheduled — ${w.reason ?? ''}`),
    ),
  );
  return h(
    Box,
    { borderStyle: 'double', borderColor: color, paddingX: 1, flexDirection: 'column' },
    h(Text, { bold: true, color }, `Worst single loss: ${worst.node}`),
    h(Text, null, worst.text),
    ...details,
  );
}

function impactPanel(document: WatchDocument): ReactElement[] {
  const state = document.prediction.state;
  if (state === 'failed') return [h(Text, { key: 'failed', color: 'red' }, `no prediction: ${document.prediction.error ?? ''}`)];
  const running = state === 'running' ? [h(Text, { key: 'running', color: 'cyan' }, 'predicting each node’s loss from this state…')] : [];
  const [worst, ...rest] = document.impacts;
  if (!worst) return running;
  const others = rest.map((i) =>
    h(Text, { key: i.node, dimColor: i.score === 0 }, `${i.node.padEnd(12)} ${String(i.score).padStart(7)}  ${i.text}`),
  );
  return [
    ...running,
    h(Box, { key: 'worst' }, worstBox(worst)),
    ...(others.length ? [h(Text, { key: 'head', bold: true }, `${'then'.padEnd(12)} ${'score'.padStart(7)}`), ...others] : []),
  ];
}

export function WatchView({ document }: { readonly document: WatchDocument }): ReactElement {
  const connection = document.cluster.connected
    ? h(Text, { color: 'green' }, 'connected')
    : h(Text, { color: 'red' }, `API not reachable: ${document.cluster.problem ?? ''} (showing the last state read)`);
  return h(
    Box,
    { flexDirection: 'column' },
    h(Text, { bold: true }, `twin watch · ${document.cluster.source} · ${clockOf(document)} · `, connection),
    h(Box, { flexWrap: 'wrap' }, ...document.nodes.map(nodeBox)),
    h(Text, null, `${document.cluster.podsReady}/${document.cluster.pods} pods Ready`),
    ...workloadLines(document),
    h(Text, { bold: true }, 'If one node were lost now (the model, from this state):'),
    ...impactPanel(document),
    h(Text, { dimColor: true }, 'Ctrl-C to leave'),
  );
}

/** The view on the terminal: `show` each document, `close` to let go of it. */
export interface LiveWatch {
  show(document: WatchDocument): void;
  close(): void;
}

export function showWatch(stdout: NodeJS.WriteStream): LiveWatch {
  let instance: ReturnType<typeof render> | null = null;
  return {
    show: (document) => {
      const view = h(WatchView, { document });
      if (instance) instance.rerender(view);
      else instance = render(view, { stdout, patchConsole: false, exitOnCtrlC: false });
    },
    close: () => instance?.unmount(),
  };
}
