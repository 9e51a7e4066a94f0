import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { KubernetesObject } from '@kubernetes/client-node';
import { dockerEventsToTimeline } from '../../src/engines/k3d/docker-events.js';
import { WatchTranslator, type WatchType } from '../../src/engines/k3d/observe.js';
import { rancherAgentEvents, rancherStateEvents } from '../../src/engines/k3d/rancher-events.js';
import { desiredPods } from '../../src/engines/k3d/run.js';
import { rancherAnsweredAgent } from '../../src/engines/k3d/rancher-poll.js';
import type { Timeline } from '../../src/model/timeline.js';
import { resolveExpectations, type Expectation } from '../../src/scenario/expectations.js';
import { judgeAll, type JudgeContext } from '../../src/scenario/judge.js';

/** One expectation, resolved as the loader does, judged on a timeline. */
const judge = (expectation: Expectation, id: string, timeline: Timeline, context: JudgeContext) =>
  judgeAll(resolveExpectations([{ ...expectation, id }]), timeline, context)[0]!;

const recorded = JSON.parse(readFileSync('test/fixtures/k3d/watch-events.json', 'utf8')) as Array<{
  at: number;
  type: WatchType;
  object: KubernetesObject;
}>;

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
      '410 leader.acquired lease/kube-system/kube-controller-manager',
    ]);
    expect(events[6]!.details).toEqual({ type: 'Ready', status: 'Unknown' });
    // holderIdentity hostname_UUID → the server's name, as the sim engine reports it.
    expect(events.find((e) => e.kind === 'leader.acquired')?.details).toEqual({ holder: 'dcn1' });
  });

  it("a kubelet's first Lease renewal after the API was away is recorded when its Ready condition never changed", () => {
    const t = new WatchTranslator(0);
    const node = (ready: string): KubernetesObject =>
      ({ kind: 'Node', metadata: { name: 'dcn2' }, status: { conditions: [{ type: 'Ready', status: ready }] } }) as KubernetesObject;
    const lease = (renewTime: string): KubernetesObject =>
      ({ kind: 'Lease', metadata: { name: 'dcn2', namespace: 'kube-node-lease' }, spec: { renewTime } }) as KubernetesObject;
    t.translate('ADDED', node('True'), 1000);
    t.translate('ADDED', lease('2026-12-02T10:00:00Z'), 1000);
    // Renewals with the API up: nothing to record.
    t.translate('MODIFIED', lease('2026-12-02T10:00:10Z'), 11_000);
    t.emit(12_000, 'api.unavailable', 'api', 'api', 'the Kubernetes API does not answer (/readyz)');
    t.emit(100_000, 'api.available', 'api', 'api', 'the Kubernetes API answers (/readyz)');
    // The re-list after the API returned shows the last renewal before it went: still nothing.
    t.translate('MODIFIED', lease('2026-12-02T10:00:10Z'), 101_000);
    t.translate('MODIFIED', lease('2026-12-02T10:01:42Z'), 102_000);
    t.translate('MODIFIED', lease('2026-12-02T10:01:52Z'), 112_000);
    // A second outage during which the node was marked NotReady: its Ready transition says it, not the Lease.
    t.emit(200_000, 'api.unavailable', 'api', 'api', 'the Kubernetes API does not answer (/readyz)');
    t.translate('MODIFIED', node('Unknown'), 250_000);
    t.translate('MODIFIED', lease('2026-12-02T10:04:20Z'), 260_000);
    t.translate('MODIFIED', node('True'), 265_000);
    const conditions = t.events.filter((e) => e.kind === 'node.condition');
    expect(conditions.map((e) => [e.t, e.message, e.details?.['transition']])).toEqual([
      [1, 'dcn2 is Ready', undefined],
      [102, 'dcn2 kubelet renews its Lease again (condition stayed Ready)', false],
      [250, 'dcn2 is NotReady (Unknown)', undefined],
      [265, 'dcn2 is Ready', undefined],
    ]);
  });

  it('records pressure conditions as the sim engine does: a change, and a first sight that is not False', () => {
    const t = new WatchTranslator(0);
    const node = (ready: string, memory: string, disk: string, pid: string): KubernetesObject =>
      ({
        kind: 'Node',
        metadata: { name: 'dcn2' },
        status: {
          conditions: [
            { type: 'MemoryPressure', status: memory },
            { type: 'DiskPressure', status: disk },
            { type: 'PIDPressure', status: pid },
            { type: 'Ready', status: ready },
          ],
        },
        spec: { taints: disk === 'True' ? [{ key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule' }] : [] },
      }) as KubernetesObject;
    t.translate('ADDED', node('True', 'False', 'False', 'False'), 1000);
    t.translate('MODIFIED', node('True', 'False', 'True', 'False'), 20_000);
    t.translate('MODIFIED', node('Unknown', 'Unknown', 'Unknown', 'Unknown'), 60_000);
    t.translate('MODIFIED', node('True', 'False', 'False', 'False'), 90_000);
    const seen = t.events
      .filter((e) => e.kind === 'node.condition' || e.kind === 'node.taint')
      .map((e) => `${e.t} ${e.details?.['type'] ?? e.details?.['action']} ${e.details?.['status'] ?? e.details?.['key']}`);
    expect(seen).toEqual([
      '1 Ready True',
      '20 DiskPressure True',
      '20 added node.kubernetes.io/disk-pressure',
      '60 Ready Unknown',
      '60 MemoryPressure Unknown',
      '60 DiskPressure Unknown',
      '60 PIDPressure Unknown',
      '60 removed node.kubernetes.io/disk-pressure',
      '90 Ready True',
      '90 MemoryPressure False',
      '90 DiskPressure False',
      '90 PIDPressure False',
    ]);
    // A node first seen under pressure says so at once.
    const late = new WatchTranslator(0);
    late.translate('ADDED', node('True', 'True', 'False', 'False'), 5000);
    expect(late.events.filter((e) => e.kind === 'node.condition').map((e) => e.message)).toEqual(['dcn2 is Ready', 'dcn2 MemoryPressure']);
  });

  it('expectations judge the translated timeline unchanged', () => {
    const timeline = {
      events,
      series: { interval: 10, times: [], nodes: {}, podsByPhase: {}, workloadsReady: {}, serviceAvailability: {}, watts: [] },
      duration: 420,
    };
    const verdict = judge({ kind: 'node-condition', node: 'dcn2', status: 'NotReady', after: 0, within: '60s' }, 'e1', timeline, {
      phaseStart: 0,
      phaseEnd: 420,
    });
    expect(verdict.status).toBe('pass');
    const ready = judge({ kind: 'pods-ready', workload: 'web', atLeast: 1, from: 50, to: 340 }, 'e2', timeline, {
      phaseStart: 0,
      phaseEnd: 420,
    });
    expect(ready.status).toBe('fail');
    expect(ready.observed).toMatch(/minimum 0 Ready/);
    // A ReplicaSet's pods belong to its Deployment, so the user's own workload names match.
    expect(events.find((e) => e.kind === 'pod.created')?.details?.['workload']).toBe('Deployment/default/web');
    const back = judge({ kind: 'pods-ready', workload: 'Deployment/default/web', atLeast: 1, from: 360, to: 420 }, 'e3', timeline, {
      phaseStart: 0,
      phaseEnd: 420,
    });
    expect(back.status).toBe('pass');
  });

  it('pods created by a controller during the fault phase are replacements', () => {
    const t = new WatchTranslator(0);
    t.replacementsAfter = 300_000;
    for (const e of recorded) t.translate(e.type, e.object, e.at);
    expect(t.events.filter((e) => e.kind === 'pod.created').map((e) => `${e.subject} ${e.details?.['replacement']}`)).toEqual([
      'pod/default/web-7f9c8d6b5d-x2x4q false',
      'pod/default/web-7f9c8d6b5d-kq9ld true',
      'pod/default/api-5d8f7c9b6-abcde true',
    ]);
  });

  it('the request log of the Rancher stand-in becomes the tunnel events of the agent', () => {
    const origin = Date.parse('2026-11-21T22:00:00Z');
    const beat = (s: number, ip = '172.20.0.4') => `${new Date(origin + s * 1000).toISOString()} [::ffff:${ip}]:4242: url:/v3/connect`;
    const lines = [
      beat(10),
      beat(15),
      `${new Date(origin + 16_000).toISOString()} [::ffff:172.20.0.6]:1: url:/v3/connect`,
      beat(20),
      beat(60),
      beat(65),
      beat(70),
    ];
    const unavailable = [{ t: 22, kind: 'rancher.unavailable' as const, subject: 'rancher', view: 'truth' as const, message: 'down' }];
    const events = rancherAgentEvents(lines, '172.20.0.6', unavailable, origin, 120);
    // Connected at the first call, cut when Rancher went away, back at the first call after, and
    // gone when the calls stop (the agent died) — the probe's own request (172.20.0.6) is not the agent.
    expect(events.map((e) => `${e.t} ${e.kind}`)).toEqual([
      '10 rancher.agentConnected',
      '22 rancher.agentDisconnected',
      '60 rancher.agentConnected',
      '75 rancher.agentDisconnected',
    ]);
  });

  it('bring-up waits for the replicas of each workload', () => {
    const objects = [
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' }, spec: { replicas: 3 } },
      { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' }, spec: {} },
      { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'kube-system' }, spec: {} },
    ];
    expect([...desiredPods(objects)]).toEqual([
      ['Deployment/default/web', 3],
      ['StatefulSet/default/db', 1],
    ]);
  });

  it("a real Rancher's view of the agent: the imported cluster's state polled from its API", () => {
    const samples = [
      { at: 1000, state: 'pending' },
      { at: 3000, state: 'active' },
      { at: 5000, state: 'active' },
      { at: 7000, state: null },
      { at: 9000, state: 'unavailable' },
      { at: 11000, state: 'active' },
      { at: 13000, state: 'unavailable' },
    ];
    expect(rancherStateEvents(samples, 1000).map((e) => `${e.t} ${e.kind} ${e.message}`)).toEqual([
      '2 rancher.agentConnected cattle-cluster-agent connected: Rancher shows the cluster active',
      '6 rancher.agentDisconnected cattle-cluster-agent tunnel to Rancher closed (Rancher unavailable)',
      '10 rancher.agentConnected cattle-cluster-agent connected: Rancher shows the cluster active',
      '12 rancher.agentDisconnected cattle-cluster-agent disconnected: Rancher shows the cluster unavailable',
    ]);
  });

  it("Rancher is dated back when its agent reconnects before the probe's next round", () => {
    const ev = (t: number, kind: 'rancher.available' | 'rancher.unavailable' | 'rancher.agentConnected') => ({
      t,
      kind,
      subject: 'rancher',
      view: 'truth' as const,
      message: kind,
    });
    const observed = [ev(10, 'rancher.available'), ev(30, 'rancher.unavailable'), ev(152.4, 'rancher.available')];
    const fixed = rancherAnsweredAgent(observed, [ev(20, 'rancher.agentConnected'), ev(151.1, 'rancher.agentConnected')]);
    expect(fixed.map((e) => `${e.t} ${e.kind}`)).toEqual(['10 rancher.available', '30 rancher.unavailable', '151.1 rancher.available']);
    expect(fixed[2]?.message).toMatch(/first seen answering its agent; the probe saw it 1300 ms later/);
  });

  it('Docker events become ground-truth node events', () => {
    const lines = [
      JSON.stringify({
        Type: 'container',
        Action: 'die',
        Actor: { Attributes: { name: 'k3d-twin-x-agent-0', exitCode: '137' } },
        timeNano: 5_000_000_000,
      }),
      JSON.stringify({
        Type: 'network',
        Action: 'disconnect',
        Actor: { Attributes: { name: 'twin-x-net', container: 'abc123' } },
        timeNano: 6_000_000_000,
      }),
      JSON.stringify({
        Type: 'container',
        Action: 'start',
        Actor: { Attributes: { name: 'k3d-twin-x-agent-0' } },
        timeNano: 9_500_000_000,
      }),
    ];
    const nodeOf = (c: string) => (c === 'k3d-twin-x-agent-0' || c === 'abc123' ? 'dcn2' : undefined);
    expect(
      dockerEventsToTimeline(lines, nodeOf, 1000).map((e) => `${e.t} ${e.kind} ${e.details?.['on'] ?? e.details?.['partition']}`),
    ).toEqual(['4 node.power false', '5 node.network 1', '8.5 node.power true']);
  });
});

describe('k3d observation: Job conditions', () => {
  // status.conditions Complete/Failed with status True is what `kubectl get job` shows as STATUS
  // (KK pkg/printers/internalversion/printers.go printJob); FailureTarget alone is not terminal.
  const job = (name: string, conditions: Array<{ type: string; status: string; reason?: string }>, owner?: string) =>
    ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name,
        namespace: 'default',
        ...(owner ? { ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: owner, uid: 'u', controller: true }] } : {}),
      },
      status: { conditions, succeeded: conditions.some((c) => c.type === 'Complete') ? 1 : 0 },
    }) as KubernetesObject;

  it('records Complete and Failed (with its reason) once each, and a CronJob run when its Job appears', () => {
    const translator = new WatchTranslator(0);
    translator.translate('ADDED', job('backup', []), 1000);
    translator.translate('MODIFIED', job('backup', [{ type: 'FailureTarget', status: 'True', reason: 'BackoffLimitExceeded' }]), 2000);
    const failed = [
      { type: 'FailureTarget', status: 'True', reason: 'BackoffLimitExceeded' },
      { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' },
    ];
    translator.translate('MODIFIED', job('backup', failed), 3000);
    translator.translate('MODIFIED', job('backup', failed), 4000);
    translator.translate('ADDED', job('nightly-29446680', [], 'nightly'), 5000);
    translator.translate('MODIFIED', job('nightly-29446680', [{ type: 'Complete', status: 'True' }], 'nightly'), 6000);
    expect(translator.events.map((e) => `${e.t} ${e.kind} ${e.subject} ${e.details?.['reason'] ?? ''}`)).toEqual([
      '3 job.failed workload/default/Job/backup BackoffLimitExceeded',
      '5 cronjob.scheduled workload/default/CronJob/nightly ',
      '6 job.complete workload/default/Job/nightly-29446680 ',
    ]);
    const timeline: Timeline = { events: translator.events, duration: 10, series: {} as Timeline['series'] };
    const context = { phaseStart: 0, phaseEnd: 10 };
    expect(judge({ kind: 'job', job: 'backup', condition: 'Failed', reason: 'BackoffLimitExceeded' }, 'j1', timeline, context).status).toBe(
      'pass',
    );
    expect(judge({ kind: 'job', job: 'nightly', condition: 'Complete', within: '5s' }, 'j2', timeline, context).status).toBe('fail');
    expect(judge({ kind: 'job', job: 'CronJob/default/nightly', condition: 'Complete' }, 'j3', timeline, context).status).toBe('pass');
  });
});

describe('k3d observation: Deployment progress', () => {
  it('records Progressing=False ProgressDeadlineExceeded once, again only after progress resumed', () => {
    const deployment = (status: string, reason: string) =>
      ({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: 'default' },
        spec: { replicas: 3 },
        status: { availableReplicas: 1, conditions: [{ type: 'Progressing', status, reason }] },
      }) as KubernetesObject;
    const translator = new WatchTranslator(0);
    translator.translate('ADDED', deployment('True', 'ReplicaSetUpdated'), 1000);
    translator.translate('MODIFIED', deployment('False', 'ProgressDeadlineExceeded'), 2000);
    translator.translate('MODIFIED', deployment('False', 'ProgressDeadlineExceeded'), 3000);
    translator.translate('MODIFIED', deployment('True', 'ReplicaSetUpdated'), 4000);
    translator.translate('MODIFIED', deployment('False', 'ProgressDeadlineExceeded'), 5000);
    expect(translator.events.map((e) => `${e.t} ${e.kind} ${e.subject}`)).toEqual([
      '2 workload.progressDeadlineExceeded workload/default/Deployment/web',
      '5 workload.progressDeadlineExceeded workload/default/Deployment/web',
    ]);
  });
});

describe('k3d observation: OOM kills', () => {
  it('records an OOM kill when the API first shows it, not when the container restarts after its back-off', () => {
    type Status = Record<string, unknown>;
    const pod = (restartCount: number, state: Status, lastState: Status = {}) =>
      ({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'api-1', namespace: 'default' },
        spec: { nodeName: 'dcn2', containers: [{ name: 'api', image: 'x' }] },
        status: { phase: 'Running', containerStatuses: [{ name: 'api', restartCount, state, lastState }] },
      }) as unknown as KubernetesObject;
    const killed = (id: string) => ({ terminated: { reason: 'OOMKilled', exitCode: 137, containerID: `containerd://${id}` } });
    const backOff = { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container=api' } };
    const translator = new WatchTranslator(0);
    translator.translate('ADDED', pod(1, { running: {} }), 1000);
    // Killed (c1), shown as terminated, then waiting out its back-off, then restarted: one kill, at 10 s.
    translator.translate('MODIFIED', pod(1, killed('c1')), 10_000);
    translator.translate('MODIFIED', pod(1, backOff, killed('c1')), 20_000);
    translator.translate('MODIFIED', pod(2, { running: {} }, killed('c1')), 30_000);
    // Killed again (c2) and restarted before the watch saw it terminated: recorded with the restart.
    translator.translate('MODIFIED', pod(3, { running: {} }, killed('c2')), 40_000);
    // A container that ended for another reason is no OOM kill…
    translator.translate(
      'MODIFIED',
      pod(3, { terminated: { reason: 'Error', exitCode: 1, containerID: 'containerd://c3' } }, killed('c2')),
      50_000,
    );
    // …until containerd's OOM event, read later, makes the same container's end an OOM kill.
    translator.translate('MODIFIED', pod(3, killed('c3'), killed('c2')), 60_000);
    const kills = translator.events.filter((e) => e.kind === 'pod.oomKilled');
    expect(kills.map((e) => `${e.t} ${String(e.details?.['restarts'])}`)).toEqual(['10 2', '40 3', '60 4']);
    expect(translator.events.filter((e) => e.kind === 'pod.backOff').map((e) => e.t)).toEqual([20]);
  });
});
