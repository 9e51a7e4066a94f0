import { describe, expect, it } from 'vitest';
import { broughtUp, cluster, deployment, eventsAfter } from '../helpers/sim.js';

describe('zone disruption (calibration.md 1.1)', () => {
  it('more than 2 nodes and ≥ 55 % NotReady in a small cluster stops evictions', () => {
    const sim = broughtUp(cluster([{ name: 's1', role: 'server' }, { name: 'w1' }, { name: 'w2' }, { name: 'w3' }, { name: 'w4' }]), [
      deployment('web', 8, { requests: { cpu: '10m', memory: '16Mi' } }),
    ]);
    const t0 = sim.now;
    for (const name of ['w1', 'w2', 'w3']) sim.powerOff(sim.node(name), 'test');
    sim.runUntil(t0 + 1800);
    const zone = eventsAfter(sim, t0, 'zone.state').find((e) => e.details?.['state'] === 'PartialDisruption');
    expect(zone).toBeDefined();
    const tainted = eventsAfter(sim, t0, 'node.taint').filter(
      (e) => e.details?.['effect'] === 'NoExecute' && e.details?.['action'] === 'added',
    );
    expect(tainted.every((e) => e.t <= zone!.t)).toBe(true);
    const untainted = ['w1', 'w2', 'w3'].filter((n) => !tainted.some((e) => e.subject === `node/${n}`));
    expect(untainted.length).toBeGreaterThanOrEqual(2);
    const onUntainted = sim.workloadByKey.get('Deployment/default/web')!.pods;
    for (const pod of onUntainted) {
      if (pod.nodeName && untainted.includes(pod.nodeName)) expect(pod.deletionRequestedAt).toBeNull();
    }
  });

  it('below the threshold evictions proceed one node per 10 s', () => {
    const sim = broughtUp(cluster([{ name: 's1', role: 'server' }, ...['w1', 'w2', 'w3', 'w4', 'w5', 'w6'].map((name) => ({ name }))]), []);
    const t0 = sim.now;
    sim.powerOff(sim.node('w1'), 'test');
    sim.powerOff(sim.node('w2'), 'test');
    sim.runUntil(t0 + 300);
    const tainted = eventsAfter(sim, t0, 'node.taint').filter(
      (e) => e.details?.['effect'] === 'NoExecute' && e.details?.['action'] === 'added',
    );
    expect(tainted).toHaveLength(2);
    expect(tainted[1]!.t - tainted[0]!.t).toBeGreaterThanOrEqual(10 - 0.01);
  });
});
