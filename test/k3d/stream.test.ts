import { describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../../src/model/timeline.js';
import { loadScenarioFile, planOf } from '../../src/scenario/load.js';
import { runNames } from '../../src/engines/k3d/run-names.js';
import { DockerTimeline } from '../../src/engines/k3d/docker-stream.js';
import { dockerEventsToTimeline } from '../../src/engines/k3d/docker-events.js';
import { TimelineStream } from '../../src/engines/k3d/stream.js';

const event = (t: number, kind: TimelineEvent['kind'], subject = 'api'): TimelineEvent => ({
  t,
  kind,
  subject,
  view: 'truth',
  message: `${kind} at ${t}`,
});

describe("the live run's event stream", () => {
  it("hands each event to the run's listeners at once, and to the observer in time order once it is old enough", () => {
    let now = 0;
    const delivered: number[] = [];
    const heard: number[] = [];
    const stream = new TimelineStream({ onEvent: (e) => delivered.push(e.t) }, () => now, 0, 3000);
    stream.subscribe((e) => heard.push(e.t));
    now = 5000;
    stream.push(event(4.5, 'api.available'));
    // A probe's event carries the time it was sent: earlier than one already seen.
    stream.push(event(1.2, 'service.outageStarted'));
    expect(heard).toEqual([4.5, 1.2]);
    stream.release(false);
    expect(delivered).toEqual([1.2]);
    now = 8000;
    stream.release(false);
    expect(delivered).toEqual([1.2, 4.5]);
    stream.push(event(9, 'run.finished', 'run'));
    stream.close();
    expect(delivered).toEqual([1.2, 4.5, 9]);
  });

  it('an observer that throws is no longer called; the run ends with its error', () => {
    const boom = new Error('observer bug');
    let calls = 0;
    const stream = new TimelineStream(
      {
        onEvent: () => {
          calls++;
          throw boom;
        },
      },
      () => 0,
      0,
    );
    stream.push(event(0, 'run.started', 'run'));
    stream.push(event(1, 'api.available'));
    stream.close();
    expect(calls).toBe(1);
    expect(stream.failure).toBe(boom);
  });
});

describe("Docker's events, live", () => {
  it("hands on settled events only, the same the final timeline has, a start after twin's power-on as the boot's end", async () => {
    const plan = planOf(await loadScenarioFile('scenarios/worker-power-loss.ts'));
    const members = plan.cluster.nodes.filter((n) => n.role === 'server' || n.role === 'agent');
    const dcn2 = members.find((n) => n.name === 'dcn2')!;
    const names = runNames(plan.cluster, 'ab12cd');
    const container = names.container(dcn2);
    const nodeOf = (name: string) => members.find((n) => names.container(n) === name)?.name;
    const line = (ms: number, Type: string, Action: string, attributes: Record<string, string>) =>
      JSON.stringify({ Type, Action, Actor: { Attributes: attributes }, timeNano: ms * 1e6 });
    const lines = [
      line(10_000, 'container', 'die', { name: container, exitCode: '137' }),
      line(10_065, 'network', 'disconnect', { container: container, name: names.network }),
      line(99_790, 'network', 'connect', { container: container, name: names.network }),
      line(100_000, 'container', 'start', { name: container }),
    ];
    const powerOn = { ...event(70, 'node.power', 'node/dcn2'), details: { on: true } };
    let now = 0;
    const seen: TimelineEvent[] = [];
    const docker = new DockerTimeline(
      members,
      nodeOf,
      0,
      () => now,
      () => [powerOn],
      (e) => seen.push(e),
    );
    const flush = () => docker.flush(false);
    docker.add('WARNING: not an event');
    for (const l of lines.slice(0, 3)) docker.add(l);
    now = 11_000;
    flush();
    expect(seen.map((e) => `${e.t} ${e.kind}`)).toEqual([]);
    now = 12_000;
    flush();
    expect(seen.map((e) => `${e.t} ${e.kind}`)).toEqual(['10 node.power']);
    // A reconnect with no cut before it (the disconnect went with the die) is no change.
    now = 200_000;
    flush();
    expect(seen.map((e) => `${e.t} ${e.kind}`)).toEqual(['10 node.power']);
    docker.add(lines[3]!);
    docker.close();
    expect(seen.map((e) => `${e.t} ${e.kind}`)).toEqual(['10 node.power', '100 node.booted']);
    expect(dockerEventsToTimeline(lines, nodeOf, 0).map((e) => e.t)).toEqual(seen.map((e) => e.t));
  });
});
