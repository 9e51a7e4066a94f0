/**
 * Rancher's side of a live run, beside the API calls of rancher.ts: the imported cluster's state
 * polled from a real Rancher's API while the run goes on, and the correction that dates Rancher's
 * return by its agent's reconnection when that came before the probe saw it.
 */
import type { TimelineEvent } from '../../model/timeline.js';
import { settledLater, type Clock } from './clock.js';

export interface RancherSample {
  /** Wall-clock ms. */
  readonly at: number;
  /** The imported cluster's state in Rancher, or null when Rancher did not answer. */
  readonly state: string | null;
}

export interface RancherPoll {
  /** Ends the polling; the samples taken. */
  stop(): Promise<RancherSample[]>;
}

/** The imported cluster's state in Rancher, asked every 2 s until stopped; `onSample` sees each answer as it comes. */
export function pollRancherState(
  ask: () => Promise<string | null>,
  clock: Clock,
  onSample?: (samples: readonly RancherSample[]) => void,
): RancherPoll {
  const samples: RancherSample[] = [];
  let polling = true;
  const loop = settledLater(
    (async () => {
      while (polling) {
        const at = clock.now();
        samples.push({ at, state: await ask() });
        onSample?.(samples);
        await clock.sleep(2000);
      }
    })(),
  );
  return {
    stop: async () => {
      polling = false;
      await loop.catch(() => undefined);
      return samples;
    },
  };
}

/**
 * Rancher is back no later than it answers its agent: the probe asks every 2 s, so an agent that
 * reconnects between two probes dates Rancher's return (the probe's event is moved to it).
 */
export function rancherAnsweredAgent(observed: readonly TimelineEvent[], agent: readonly TimelineEvent[]): TimelineEvent[] {
  const sorted = [...observed].sort((a, b) => a.t - b.t);
  return sorted.map((e, i) => {
    if (e.kind !== 'rancher.available') return e;
    const down =
      sorted
        .slice(0, i)
        .reverse()
        .find((d) => d.kind === 'rancher.unavailable')?.t ?? -Infinity;
    const connected = agent.find((a) => a.kind === 'rancher.agentConnected' && a.t > down && a.t < e.t);
    return connected
      ? {
          ...e,
          t: connected.t,
          message: `${e.message} (first seen answering its agent; the probe saw it ${Math.round((e.t - connected.t) * 1000)} ms later)`,
        }
      : e;
  });
}
