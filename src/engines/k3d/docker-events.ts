/**
 * Docker's own events for ground truth (power and network of twin's node containers), turned into
 * the same timeline events the sim engine emits.
 */
import type { TimelineEvent } from '../../model/timeline.js';

interface DockerEvent {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  timeNano?: number;
  time?: number;
}

/**
 * Docker's events for twin's node containers → ground-truth node events. Docker connects a
 * container's networks as it starts and disconnects them as it dies; those are part of the
 * power event, not partitions, and are left out.
 */
export function dockerEventsToTimeline(
  lines: readonly string[],
  nodeOf: (container: string) => string | undefined,
  origin: number,
): TimelineEvent[] {
  const events = lines.filter((l) => l.trim()).map((l) => JSON.parse(l) as DockerEvent);
  const at = (e: DockerEvent) => (e.timeNano ? e.timeNano / 1e6 : (e.time ?? 0) * 1000);
  const nodeFor = (e: DockerEvent) => {
    const a = e.Actor?.Attributes ?? {};
    return e.Type === 'network'
      ? (nodeOf(a['container'] ?? '') ?? nodeOf(a['name'] ?? ''))
      : (nodeOf(a['name'] ?? '') ?? nodeOf(e.Actor?.ID ?? ''));
  };
  const lifecycle = events.filter((e) => e.Type === 'container' && (e.Action === 'start' || e.Action === 'die'));
  const out: TimelineEvent[] = [];
  const cutOff = new Map<string, boolean>();
  for (const event of events) {
    const node = nodeFor(event);
    if (!node) continue;
    const when = at(event);
    const t = Math.round(Math.max(0, when - origin)) / 1000;
    const attributes = event.Actor?.Attributes ?? {};
    if (event.Type === 'container' && event.Action === 'die')
      out.push({
        t,
        kind: 'node.power',
        subject: `node/${node}`,
        view: 'truth',
        message: `${node} stopped (container exit ${attributes['exitCode'] ?? '?'})`,
        details: { on: false, exitCode: Number(attributes['exitCode'] ?? -1) },
      });
    if (event.Type === 'container' && event.Action === 'start')
      out.push({
        t,
        kind: 'node.power',
        subject: `node/${node}`,
        view: 'truth',
        message: `${node} powered on (container started)`,
        details: { on: true },
      });
    if (event.Type === 'network' && (event.Action === 'disconnect' || event.Action === 'connect')) {
      // Measured here: Docker connects networks ~210 ms before `start` and disconnects ~65 ms after `die`.
      const byLifecycle = lifecycle.some(
        (l) => nodeFor(l) === node && Math.abs(at(l) - when) < 300 && (l.Action === 'start') === (event.Action === 'connect'),
      );
      if (byLifecycle) continue;
      const cut = event.Action === 'disconnect';
      // `docker network disconnect --force` reports twice; only changes count.
      if ((cutOff.get(node) ?? false) === cut) continue;
      cutOff.set(node, cut);
      out.push({
        t,
        kind: 'node.network',
        subject: `node/${node}`,
        view: 'truth',
        message: cut
          ? `${node} disconnected from ${attributes['name'] ?? 'the network'}`
          : `${node} reconnected to ${attributes['name'] ?? 'the network'}`,
        details: { partition: cut ? 1 : 0 },
      });
    }
  }
  return out;
}
