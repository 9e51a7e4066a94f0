import { describe, expect, it } from 'vitest';
import { readWorkloads } from '../../src/model/workloads.js';
import { createSimulation } from '../../src/sim/index.js';
import { broughtUp, cluster, deployment, eventsAfter, first, podsOf, service } from '../helpers/sim.js';

/**
 * Pods with an `nfs` volume on a machine outside Kubernetes. The kubelet mounts volumes before it
 * pulls or starts anything; a mount keeps trying for nfs(5)'s retry=2 minutes, then fails
 * (FailedMount) and the kubelet tries again after its back-off (500 ms doubling to 2m2s). A running
 * pod's mount is hard (nfs(5)'s default): its I/O waits for the server, its containers keep running.
 * The k3d engine mounts the same export from the external host through twin's mount.nfs.
 */
describe('an NFS volume from a machine outside Kubernetes', () => {
  const nodes = [
    { name: 's1', role: 'server' as const },
    { name: 'w1' },
    { name: 'nas', profile: 'pi2b', role: 'external' as const, ip: '10.0.0.5', services: ['nfs'] },
  ];
  const volumes = { volumes: [{ name: 'data', nfs: { server: '10.0.0.5', path: '/srv/nfs' } }] };
  const app = () => [
    deployment('app', 2, {
      spec: { containers: [{ name: 'app', image: 'nginx:1.27-alpine', volumeMounts: [{ name: 'data', mountPath: '/data' }] }], ...volumes },
    }),
    service('app'),
  ];

  it('the server off: running pods keep running (hard mount), the Service keeps its endpoints', () => {
    const sim = broughtUp(cluster(nodes), app());
    const t0 = sim.now;
    sim.powerOff(sim.node('nas'), 'test');
    sim.runUntil(t0 + 600);
    expect(podsOf(sim, 'Deployment/default/app').every((p) => p.running && p.ready)).toBe(true);
    expect(eventsAfter(sim, t0, 'service.outageStarted')).toHaveLength(0);
    expect(eventsAfter(sim, t0, 'pod.mountFailed')).toHaveLength(0);
  });

  it('the server off at start: ContainerCreating, FailedMount every try, then Running soon after the server boots', () => {
    const sim = createSimulation({ cluster: cluster(nodes), workloads: readWorkloads(app()), seed: 1 });
    sim.holdPoweredOff(sim.node('nas'));
    sim.runUntil(900);
    const pods = podsOf(sim, 'Deployment/default/app');
    expect(pods.length).toBe(2);
    expect(pods.every((p) => !p.running && p.waitingReason === 'ContainerCreating')).toBe(true);
    const failures = eventsAfter(sim, 0, 'pod.mountFailed');
    expect(failures.length).toBeGreaterThanOrEqual(2);
    // Each try lasts retry=2m; the kubelet waits its back-off (0.5 s, 1 s, …) between tries.
    const mine = failures.filter((e) => e.subject === failures[0]?.subject);
    expect((mine[1]?.t ?? 0) - (mine[0]?.t ?? 0)).toBeCloseTo(120 + 0.5, 0);
    expect(mine[0]?.details?.['server']).toBe('10.0.0.5');
    const t1 = sim.now;
    sim.powerOn(sim.node('nas'), 'test');
    sim.runUntil(t1 + 400);
    const booted = first(sim, t1, 'node.booted', /node\/nas$/);
    const started = first(sim, t1, 'pod.started');
    expect(pods.every((p) => p.running)).toBe(true);
    // Noticed by a try still running, or by the next one after at most the longest back-off.
    expect(started.t - booted.t).toBeLessThan(122 + 10);
  });

  it('K3s restarted on the node while a mount waits: the restarted kubelet mounts again and starts the pod', () => {
    const sim = createSimulation({ cluster: cluster(nodes), workloads: readWorkloads(app()), seed: 1 });
    sim.holdPoweredOff(sim.node('nas'));
    sim.runUntil(300);
    const pods = podsOf(sim, 'Deployment/default/app');
    expect(pods.every((p) => !p.running)).toBe(true);
    for (const name of ['s1', 'w1']) {
      sim.stopK3s(sim.node(name), 'test');
      sim.startK3s(sim.node(name));
    }
    sim.runUntil(400);
    sim.powerOn(sim.node('nas'), 'test');
    sim.runUntil(800);
    expect(pods.every((p) => p.running)).toBe(true);
  });

  it('a server that is no machine of the spec is taken to answer', () => {
    const other = [
      deployment('app', 1, {
        spec: {
          containers: [{ name: 'app', image: 'nginx:1.27-alpine' }],
          volumes: [{ name: 'data', nfs: { server: 'nas.example.org', path: '/x' } }],
        },
      }),
    ];
    const sim = broughtUp(cluster(nodes), other);
    expect(podsOf(sim, 'Deployment/default/app').every((p) => p.running)).toBe(true);
  });
});
