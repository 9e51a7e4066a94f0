/**
 * The cattle-cluster-agent's connection to Rancher as timeline events: from the stand-in Rancher's
 * request log, or from a real Rancher's state of the imported cluster.
 */
import type { TimelineEvent } from '../../model/timeline.js';

/**
 * The cattle-cluster-agent's tunnel as the Rancher host sees it: the stand-in Rancher logs every
 * request with its path (`httpd -vv`), and the agent stand-in keeps its tunnel up with a request to
 * `/v3/connect` every 5 s. Connected at the first such request after Rancher came up (or after a
 * silence); disconnected when Rancher goes away or the requests stop for three periods.
 * `lines`: `docker logs --timestamps` of the Rancher container; `rancher`: the timeline so far,
 * for `rancher.unavailable`; `end`: seconds of the run.
 */
export function rancherAgentEvents(
  lines: readonly string[],
  probe: string | null,
  timeline: readonly TimelineEvent[],
  origin: number,
  end: number,
): TimelineEvent[] {
  const period = 5;
  const beats: number[] = [];
  for (const line of lines) {
    const match = /^(\S+) \[(?:::ffff:)?([^\]]+)\]:\d+: url:\/v3\/connect/.exec(line.trim());
    if (!match || match[2] === probe) continue;
    const ms = Date.parse(match[1] ?? '');
    if (Number.isFinite(ms)) beats.push(Math.round(Math.max(0, ms - origin)) / 1000);
  }
  beats.sort((a, b) => a - b);
  type Item = { t: number; beat: boolean };
  const items: Item[] = [
    ...beats.map((t) => ({ t, beat: true })),
    ...timeline.filter((e) => e.kind === 'rancher.unavailable').map((e) => ({ t: e.t, beat: false })),
  ].sort((a, b) => a.t - b.t || Number(a.beat) - Number(b.beat));
  const out: TimelineEvent[] = [];
  let connected = false;
  let last = -Infinity;
  const disconnect = (t: number, why: string) => {
    out.push({
      t,
      kind: 'rancher.agentDisconnected',
      subject: 'rancher',
      view: 'truth',
      message: `cattle-cluster-agent tunnel to Rancher closed (${why})`,
    });
    connected = false;
  };
  for (const item of items) {
    if (connected && item.t - last > 3 * period) disconnect(Math.round((last + period) * 1000) / 1000, 'the agent stopped calling');
    if (!item.beat) {
      if (connected) disconnect(item.t, 'Rancher unavailable');
      continue;
    }
    if (!connected)
      out.push({
        t: item.t,
        kind: 'rancher.agentConnected',
        subject: 'rancher',
        view: 'truth',
        message: 'cattle-cluster-agent connected to Rancher (/v3/connect)',
      });
    connected = true;
    last = item.t;
  }
  if (connected && end - last > 3 * period) disconnect(Math.round((last + period) * 1000) / 1000, 'the agent stopped calling');
  return out;
}

/**
 * The agent's connection as a real Rancher reports it: the imported cluster's state polled from
 * Rancher's API (`active` while the cattle-cluster-agent's tunnel is up; null when Rancher did
 * not answer). `at` is wall-clock ms.
 */
export function rancherStateEvents(
  samples: ReadonlyArray<{ readonly at: number; readonly state: string | null }>,
  origin: number,
): TimelineEvent[] {
  const out: TimelineEvent[] = [];
  let connected = false;
  for (const { at, state } of samples) {
    const t = Math.round(Math.max(0, at - origin)) / 1000;
    if (state === 'active' && !connected) {
      out.push({
        t,
        kind: 'rancher.agentConnected',
        subject: 'rancher',
        view: 'truth',
        message: 'cattle-cluster-agent connected: Rancher shows the cluster active',
      });
      connected = true;
    } else if (state !== 'active' && connected) {
      out.push({
        t,
        kind: 'rancher.agentDisconnected',
        subject: 'rancher',
        view: 'truth',
        message:
          state === null
            ? 'cattle-cluster-agent tunnel to Rancher closed (Rancher unavailable)'
            : `cattle-cluster-agent disconnected: Rancher shows the cluster ${state}`,
      });
      connected = false;
    }
  }
  return out;
}
