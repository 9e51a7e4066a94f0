import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { KubernetesObject } from '@kubernetes/client-node';
import { WatchTranslator, dockerEventsToTimeline, type WatchType } from '../../src/engines/k3d/observe.js';
import { judge } from '../../src/scenario/expectations.js';

const recorded = JSON.parse(readFileSync('test/fixtures/k3d/watch-events.json', 'utf8')) as Array<{ at: number; type: WatchType; object: KubernetesObject }>;

describe('k3d observation: watch events → timeline events', () => {
  const translator = new WatchTranslator(0);
  for (const e of recorded) translator.translate(e.type, e.object, e.at);
  const events = translator.events;

  it('emits the same kinds the sim engine emits, at the observed times', () => {
    expect(events.map((e) => `${e.t} ${e.kind} ${e.subject}`)).toEqual([
      '1 node.registered node/dcn2',
      '1 node.condition node/dcn2',
      '1.5 pod.created pod/default/web-7f9c8d6b5d-x2x4q',
      '1.5 pod.scheduled pod/default/web-7f9c8d6b5d-x2x4q',
      '1.5 pod.started pod/default/web-7f9c8d6b5d-x2x4q',
      '1.5 pod.ready pod/default/web-7f9c8d6b5d-x2x4q',
      '45 node.condition node/dcn2',
      '45 node.taint node/dcn2',
      '45 node.taint node/dcn2',
      '45.1 pod.unready pod/default/web-7f9c8d6b5d-x2x4q',
      '45.2 service.outageStarted service/default/web',
      '345 pod.terminating pod/default/web-7f9c8d6b5d-x2x4q',
      '345.3 pod.created pod/default/web-7f9c8d6b5d-kq9ld',
      '345.3 pod.scheduled pod/default/web-7f9c8d6b5d-kq9ld',
      '352 pod.started pod/default/web-7f9c8d6b5d-kq9ld',
      '352 pod.ready pod/default/web-7f9c8d6b5d-kq9ld',
      '352.1 service.outageEnded service/default/web',
      '400 pod.created pod/default/api-5d8f7c9b6-abcde',
      '400 pod.scheduled pod/default/api-5d8f7c9b6-abcde',
      '400 pod.started pod/default/api-5d8f7c9b6-abcde',
      '400 pod.oomKilled pod/default/api-5d8f7c9b6-abcde',
      '400 pod.backOff pod/default/api-5d8f7c9b6-abcde',
      '410 leader.acquired controllers',
    ]);
    expect(events[6]!.details).toEqual({ type: 'Ready', status: 'Unknown' });
  });

  it('expectations judge the translated timeline unchanged', () => {
    const timeline = { events, series: { interval: 10, times: [], nodes: {}, podsByPhase: {}, workloadsReady: {}, serviceAvailability: {}, watts: [] }, duration: 420 };
    const verdict = judge({ kind: 'node-condition', node: 'dcn2', status: 'NotReady', after: 0, within: '60s' }, 'e1', timeline, { phaseStart: 0, phaseEnd: 420 });
    expect(verdict.status).toBe('pass');
    const ready = judge({ kind: 'pods-ready', workload: 'web', atLeast: 1, from: 50, to: 340 }, 'e2', timeline, { phaseStart: 0, phaseEnd: 420 });
    expect(ready.status).toBe('fail');
    expect(ready.observed).toMatch(/minimum 0 Ready/);
  });

  it('Docker events become ground-truth node events', () => {
    const lines = [
      JSON.stringify({ Type: 'container', Action: 'die', Actor: { Attributes: { name: 'k3d-twin-x-agent-0', exitCode: '137' } }, timeNano: 5_000_000_000 }),
      JSON.stringify({ Type: 'network', Action: 'disconnect', Actor: { Attributes: { name: 'twin-x-net', container: 'abc123' } }, timeNano: 6_000_000_000 }),
      JSON.stringify({ Type: 'container', Action: 'start', Actor: { Attributes: { name: 'k3d-twin-x-agent-0' } }, timeNano: 9_500_000_000 }),
    ];
    const nodeOf = (c: string) => (c === 'k3d-twin-x-agent-0' || c === 'abc123' ? 'dcn2' : undefined);
    expect(dockerEventsToTimeline(lines, nodeOf, 1000).map((e) => `${e.t} ${e.kind} ${e.details?.['on'] ?? e.details?.['partition']}`)).toEqual(['4 node.power false', '5 node.network 1', '8.5 node.power true']);
  });
});
