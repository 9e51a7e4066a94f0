import { crashLoopTiming } from '../../src/sim/crash-loop.js';
import { describe, expect, it } from 'vitest';
import { readWorkloads } from '../../src/model/workloads.js';
import { createSimulation, type Simulation } from '../../src/sim/index.js';
import { broughtUp, cluster, deployment, eventsAfter, manifests, podsOf } from '../helpers/sim.js';
import { growMemory, scale } from '../../src/engines/sim/faults.js';

/**
 * K3s stopped on a node while the kubelet has work in hand. An image pull, a container being
 * created and a back-off timer live in the kubelet's process (KK pkg/kubelet/kubelet.go
 * NewMainKubelet: backOff, the pod workers); the containers that run keep running. The next
 * kubelet's first sync starts every pod it finds not running.
 */
describe('K3s restarted on a node while a pod is being started there', () => {
  const nodes = [{ name: 's1', role: 'server' as const }, { name: 'w1' }];
  const big = () => [
    deployment('big', 2, {
      annotations: { 'twin.dev/image-size': '600Mi' },
      spec: { containers: [{ name: 'big', image: 'example.org/big:1' }], nodeSelector: { 'kubernetes.io/hostname': 'w1' } },
    }),
  ];

  it('an image pull cut off by the stop: the restarted kubelet pulls again and the pods run', () => {
    // A fast Internet line, so the node's own link and storage set how long a pull takes.
    const fast = cluster(nodes, { settings: { internetBandwidth: '939Mbit/s' } });
    const sim = createSimulation({ cluster: fast, workloads: readWorkloads(big()), seed: 1 });
    let t = 0;
    while (t < 1800 && eventsAfter(sim, 0, 'pod.pulling', /\/big-/).length === 0) sim.runUntil((t += 1));
    expect(t, 'a pull started on w1').toBeLessThan(1800);
    const pods = podsOf(sim, 'Deployment/default/big');
    expect(pods.every((p) => !p.running)).toBe(true);
    sim.runUntil(t + 5);
    sim.stopK3s(sim.node('w1'), 'test');
    sim.startK3s(sim.node('w1'));
    sim.runUntil(t + 1800);
    expect(pods.map((p) => [p.nodeName, p.running])).toEqual([
      ['w1', true],
      ['w1', true],
    ]);
    // Pulled once more after the restart, by the new kubelet, over a link the cut-off pull no longer holds.
    const pulls = eventsAfter(sim, 0, 'pod.pulling', /\/big-/);
    const again = pulls.find((e) => e.t > t + 5);
    expect(again, 'a pull started by the new kubelet').toBeDefined();
    const took = (e: (typeof pulls)[number] | undefined) => Number(e?.details?.['until']) - (e?.t ?? 0);
    expect(took(again)).toBeLessThan(1.5 * took(pulls[0]));
    expect(eventsAfter(sim, t + 5, 'pod.pulled', /\/big-/).length).toBeGreaterThan(0);
  });

  it('a container start cut off by the stop does not complete while K3s is down', () => {
    const sim = createSimulation({
      cluster: cluster(nodes),
      workloads: readWorkloads([deployment('small', 1, { spec: { nodeSelector: { 'kubernetes.io/hostname': 'w1' } } })]),
      seed: 1,
    });
    let t = 0;
    const pods = () => (sim.workloadByKey.has('Deployment/default/small') ? podsOf(sim, 'Deployment/default/small') : []);
    while (t < 1800 && !pods().some((p) => p.waitingReason === 'ContainerCreating')) sim.runUntil((t += 0.25));
    expect(t, 'a pod being created on w1').toBeLessThan(1800);
    sim.stopK3s(sim.node('w1'), 'test');
    sim.runUntil(t + 120);
    expect(
      pods().every((p) => !p.running),
      'nothing starts a container while K3s is stopped',
    ).toBe(true);
    sim.startK3s(sim.node('w1'));
    sim.runUntil(t + 600);
    expect(pods().every((p) => p.running)).toBe(true);
  });

  // A K3s restart and a power cycle alike: the kubelet that starts remembers no back-off.
  const restarts: [string, (sim: Simulation) => void, number][] = [
    [
      'a K3s restart',
      (sim) => {
        sim.stopK3s(sim.node('w1'), 'test');
        sim.startK3s(sim.node('w1'));
      },
      400,
    ],
    [
      'a power cycle',
      (sim) => {
        sim.powerOff(sim.node('w1'), 'test');
        sim.powerOn(sim.node('w1'), 'test');
      },
      600,
    ],
  ];
  /** One pod on w1 whose memory grows until its 128Mi limit kills it. */
  const leakOnW1 = () =>
    deployment('leak', 1, {
      requests: { cpu: '50m', memory: '64Mi' },
      limits: { memory: '128Mi' },
      annotations: { 'twin.dev/memory-usage': '64Mi' },
      spec: { nodeSelector: { 'kubernetes.io/hostname': 'w1' } },
    });
  it.for(restarts)('a crash loop across %s: the next exit restarts at once, then 10 s, 20 s, 40 s', ([, restart, after]) => {
    const leak = leakOnW1();
    const sim = broughtUp(cluster(nodes), [leak]);
    const t0 = sim.now;
    growMemory(sim, 'Deployment/default/leak', 1024 * 1024);
    const backOffs = (from: number) => eventsAfter(sim, from, 'pod.backOff').map((e) => e.details?.['backoff']);
    sim.runUntil(t0 + 600);
    expect(backOffs(t0)).toContain(80);
    const t = sim.now;
    restart(sim);
    sim.runUntil(t + after);
    expect(backOffs(t).slice(0, 3)).toEqual([10, 20, 40]);
  });

  it('a container restarted after its back-off is ContainerCreating until it runs, so a kubelet reaching the API then leaves it be', () => {
    const leak = leakOnW1();
    const sim = broughtUp(cluster(nodes), [leak]);
    growMemory(sim, 'Deployment/default/leak', 1024 * 1024);
    // The second kill starts the 10 s back-off; until the pod worker's next try (12.5 s) the container shows OOMKilled.
    const killedAt = sim.runUntilCondition(() => eventsAfter(sim, 0, 'pod.oomKilled').length > 1, sim.now + 300) ?? 0;
    const [pod] = podsOf(sim, 'Deployment/default/leak');
    sim.runUntil(killedAt + 12.5 - 0.001);
    expect([pod?.running, pod?.waitingReason]).toEqual([false, 'OOMKilled']);
    sim.runUntil(killedAt + 12.5 + 0.001);
    expect(eventsAfter(sim, 0, 'pod.backOff')[0]?.details?.['backoff']).toBe(10);
    expect([pod?.running, pod?.waitingReason]).toEqual([false, 'ContainerCreating']);
  });

  it('a pod being deleted stays Terminating while K3s is stopped, and goes once its kubelet is back', () => {
    const sim = broughtUp(cluster(nodes), [deployment('web', 1, { spec: { nodeSelector: { 'kubernetes.io/hostname': 'w1' } } })]);
    const [pod] = podsOf(sim, 'Deployment/default/web');
    expect(pod?.running).toBe(true);
    const t = sim.now;
    scale(sim, 'Deployment/default/web', 0);
    sim.runUntil(t + 0.1);
    expect(pod?.deletionRequestedAt).not.toBeNull();
    sim.stopK3s(sim.node('w1'), 'test');
    sim.runUntil(t + 120);
    expect(podsOf(sim, 'Deployment/default/web')).toContain(pod);
    sim.startK3s(sim.node('w1'));
    sim.runUntil(t + 300);
    expect(podsOf(sim, 'Deployment/default/web')).toEqual([]);
  });
});

describe('CrashLoopBackOff timing (crashLoopTiming)', () => {
  it('a Ready pod killed in back-off shows CrashLoopBackOff at its readiness probe tick, one without a probe at the retry', () => {
    const probed = manifests(`
apiVersion: apps/v1
kind: Deployment
metadata: { name: leak, namespace: default }
spec:
  replicas: 1
  selector: { matchLabels: { app: leak } }
  template:
    metadata: { labels: { app: leak }, annotations: { twin.dev/memory-usage: 64Mi } }
    spec:
      nodeSelector: { kubernetes.io/hostname: w1 }
      containers:
        - name: app
          image: leak:1
          resources: { requests: { cpu: 50m, memory: 64Mi }, limits: { memory: 128Mi } }
          readinessProbe: { httpGet: { path: /, port: 80 }, periodSeconds: 4 }
`);
    const sim = broughtUp(cluster([{ name: 's1', role: 'server' }, { name: 'w1' }]), probed);
    growMemory(sim, 'Deployment/default/leak', 1024 * 1024);
    sim.runUntil(sim.now + 300);
    const kills = eventsAfter(sim, 0, 'pod.oomKilled');
    const [backOff] = eventsAfter(sim, 0, 'pod.backOff');
    // The second kill (the first in back-off) found the pod Ready: shown at the probe's next tick, within its 4 s period.
    expect(backOff!.t - kills[1]!.t).toBeGreaterThan(0);
    expect(backOff!.t - kills[1]!.t).toBeLessThanOrEqual(4);
  });

  it("restarts at the pod worker's first try past the back-off, and shows CrashLoopBackOff from its first try", () => {
    // Measured on K3s v1.31.4 (docs/model-vs-real.md): restarts 12.5-13, 22-28, 42-55, 90, 161-171 s after the kill.
    expect([10, 20, 40, 80, 160, 300].map((b) => crashLoopTiming(b, 12.5).restartIn)).toEqual([12.5, 25, 46.25, 86.25, 166.25, 306.25]);
    expect(crashLoopTiming(40, 12.5).shownIn).toBe(12.5);
    // A first exit is not in back-off: restarted at once, never shown in CrashLoopBackOff.
    expect(crashLoopTiming(0, 12.5)).toEqual({ shownIn: 0, restartIn: 0 });
    // A readiness probe that turns from success to failure syncs the pod at its next tick: shown then, and the
    // next try counts from that sync (seen on K3s v1.31.4: CrashLoopBackOff 5.4 s after the kill of a Ready pod).
    expect(crashLoopTiming(10, 12.5, 5.4)).toEqual({ shownIn: 5.4, restartIn: 17.9 });
    expect(crashLoopTiming(10, 12.5, 11)).toEqual({ shownIn: 11, restartIn: 11 });
    expect(crashLoopTiming(10, 12.5, 20)).toEqual({ shownIn: 12.5, restartIn: 12.5 });
    // 0: requeued at the back-off's expiry (Kubernetes 1.35).
    expect(crashLoopTiming(40, 0)).toEqual({ shownIn: 0, restartIn: 40 });
  });
});
