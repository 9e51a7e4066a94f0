import { describe, expect, it } from 'vitest';
import { broughtUp, cluster, deployment, first, podsOf, service } from '../helpers/sim.js';

/**
 * A workload whose readiness needs a machine outside Kubernetes (`twin.dev/depends-on`: a database
 * or NFS host): its probe fails once that machine is gone, the pod leaves its Service's endpoints
 * after failureThreshold × period (Kubernetes' readiness probes: https://kubernetes.io/docs/concepts/
 * configuration/liveness-readiness-startup-probes/), and one success after the machine is back
 * brings it back. Checked against real nodes in test/e2e/nfs-node-down.ts (30 s, as here).
 */
describe('a machine outside Kubernetes that a workload needs', () => {
  const nodes = [{ name: 's1', role: 'server' as const }, { name: 'w1' }, { name: 'db', profile: 'pi2b', role: 'external' as const }];
  const app = [
    deployment('app', 2, {
      annotations: { 'twin.dev/depends-on': 'db' },
      spec: {
        containers: [
          {
            name: 'app',
            image: 'nginx:1.27-alpine',
            readinessProbe: { httpGet: { path: '/', port: 80 }, periodSeconds: 10, failureThreshold: 3 },
          },
        ],
      },
    }),
    service('app'),
  ];

  it('powered off: the pods turn unready after 3 failed probes and the Service goes dark; powered on: back after its boot', () => {
    const sim = broughtUp(cluster(nodes), app);
    expect(podsOf(sim, 'Deployment/default/app').every((p) => p.ready)).toBe(true);
    const t0 = sim.now;
    sim.powerOff(sim.node('db'), 'test');
    sim.runUntil(t0 + 120);
    const outage = first(sim, t0, 'service.outageStarted', /service\/default\/app$/);
    expect(outage.t - t0).toBeCloseTo(30, 0);
    expect(podsOf(sim, 'Deployment/default/app').some((p) => p.ready)).toBe(false);
    const t1 = sim.now;
    sim.powerOn(sim.node('db'), 'test');
    sim.runUntil(t1 + 180);
    const back = first(sim, t1, 'service.outageEnded', /service\/default\/app$/);
    const booted = first(sim, t1, 'node.booted', /node\/db$/);
    // The next probe after the host is back succeeds: within one period of its boot.
    expect(back.t).toBeGreaterThanOrEqual(booted.t);
    expect(back.t - booted.t).toBeLessThanOrEqual(10 + 1e-6);
  });
});
