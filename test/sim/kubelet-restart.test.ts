import { describe, expect, it } from 'vitest';
import { readWorkloads } from '../../src/model/workloads.js';
import { createSimulation, type Simulation } from '../../src/sim/index.js';
import { broughtUp, cluster, deployment, eventsAfter, podsOf } from '../helpers/sim.js';
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
    const backOffAt = sim.runUntilCondition(() => eventsAfter(sim, 0, 'pod.backOff').length > 0, sim.now + 300);
    expect(eventsAfter(sim, 0, 'pod.backOff')[0]?.details?.['backoff']).toBe(10);
    sim.runUntil((backOffAt ?? 0) + 10 + 0.001);
    const [pod] = podsOf(sim, 'Deployment/default/leak');
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
