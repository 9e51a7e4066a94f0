import { describe, expect, it } from 'vitest';
import { degradeLink } from '../../src/engines/sim/faults.js';
import { heartbeatMissProbability, heartbeatsLost, linkRate, requestFailure } from '../../src/sim/link.js';
import { broughtUp, cluster, deployment, eventsAfter } from '../helpers/sim.js';

const lean = { k3s: { serverArgs: ['--disable=traefik,servicelb,metrics-server'] } };
const link = (delay: number, loss: number, bandwidthFactor = 1) => ({ bandwidthFactor, delay, loss });

function twoNodes() {
  return broughtUp(cluster([{ name: 's1', role: 'server' }, { name: 'w1' }], lean), [
    deployment('web', 2, { requests: { cpu: '50m', memory: '32Mi' } }),
  ]);
}

describe('a link with delay and loss (link-degrade)', () => {
  it("loses a request only when every try that can still be answered within the timeout is lost (TCP's doubling RTO from 200 ms)", () => {
    // Tries at 0, 0.2, 0.6, 1.4, 3.0 and 6.2 s fit in 10 s; the next, at 12.6 s, does not.
    expect(requestFailure(link(0, 0.5), 10)).toBeCloseTo(0.5 ** 6, 12);
    // 1 s of delay: tries at 0, 1.2, 3.6 and 8.4 s… the last answer would arrive at 9.4 s.
    expect(requestFailure(link(1, 0.5), 10)).toBeCloseTo(0.5 ** 4, 12);
    expect(requestFailure(link(0.2, 0), 10)).toBe(0);
    expect(requestFailure(link(10, 0), 10)).toBe(1);
    expect(requestFailure(link(0, 1), 10)).toBe(1);
  });

  it('cuts a node off only when its heartbeats would more likely than not all fail for a grace period', () => {
    const settings = twoNodes().settings;
    expect(heartbeatsLost(link(0.2, 0.05), settings)).toBe(false);
    // Half the packets lost: every one of the grace period's heartbeat tries (2 × grace / 10 s) fails, with 0.5^6 each.
    const tries = 2 * Math.floor(settings.nodeMonitorGracePeriod / 10);
    expect(heartbeatMissProbability(link(0, 0.5), settings) / (0.5 ** 6) ** tries).toBeCloseTo(1, 9);
    expect(heartbeatsLost(link(0, 0.95), settings)).toBe(false);
    expect(heartbeatsLost(link(0, 0.99), settings)).toBe(true);
    expect(heartbeatsLost(link(9.9, 0), settings)).toBe(false);
    expect(heartbeatsLost(link(10, 0), settings)).toBe(true);
  });

  it('slows transfers by the loss, and with delay too to the TCP bound MSS / RTT × √1.5 / √loss', () => {
    expect(linkRate(link(0, 0, 0.5), 1_000_000)).toBe(500_000);
    expect(linkRate(link(0, 0.1), 1_000_000)).toBeCloseTo(900_000, 6);
    // 200 ms and 5 %: 1448 / 0.2 × 1.2247 / 0.2236 ≈ 39.7 kB/s, far below the link's own rate.
    expect(linkRate(link(0.2, 0.05), 1_000_000)).toBeCloseTo(39_654, -1);
  });

  it('a node whose heartbeats cannot get through goes NotReady after the grace period, and Ready again once the link is restored', () => {
    const sim = twoNodes();
    const t0 = sim.now;
    degradeLink(sim, sim.node('w1'), link(12, 0));
    sim.runUntil(t0 + 120);
    const [notReady] = eventsAfter(sim, t0, 'node.condition', /node\/w1/).filter(
      (e) => e.details?.['type'] === 'Ready' && e.details?.['status'] !== 'True',
    );
    expect(notReady).toBeDefined();
    // The renewal due next (at most one renew interval, 10 s, after the fault) still lands 12 s after it left; the grace
    // period counts from the node lifecycle controller's next pass after that.
    const { nodeMonitorGracePeriod: grace, nodeMonitorPeriod } = sim.settings;
    expect(notReady!.t - t0).toBeGreaterThan(grace + 12);
    expect(notReady!.t - t0).toBeLessThanOrEqual(grace + 12 + 10 + nodeMonitorPeriod);
    const network = eventsAfter(sim, t0, 'node.network', /node\/w1/)[0];
    expect(network?.details).toMatchObject({ delay: 12, loss: 0, heartbeatMiss: 1 });
    const t1 = sim.now;
    degradeLink(sim, sim.node('w1'), link(0, 0));
    sim.runUntil(t1 + 60);
    const ready = eventsAfter(sim, t1, 'node.condition', /node\/w1/).find(
      (e) => e.details?.['type'] === 'Ready' && e.details?.['status'] === 'True',
    );
    expect(ready).toBeDefined();
  });

  it('a link that drops nearly every packet lands no renewal late: NotReady a grace period after the last one before the fault', () => {
    const sim = twoNodes();
    const t0 = sim.now;
    degradeLink(sim, sim.node('w1'), link(0, 0.999));
    sim.runUntil(t0 + 120);
    const notReady = eventsAfter(sim, t0, 'node.condition', /node\/w1/).find(
      (e) => e.details?.['type'] === 'Ready' && e.details?.['status'] !== 'True',
    );
    const { nodeMonitorGracePeriod: grace, nodeMonitorPeriod } = sim.settings;
    expect(notReady!.t - t0).toBeGreaterThan(grace - 10);
    expect(notReady!.t - t0).toBeLessThanOrEqual(grace + nodeMonitorPeriod);
  });

  it('a node on a lossy, slow link stays Ready: TCP retries its heartbeats within their timeout', () => {
    const sim = twoNodes();
    const t0 = sim.now;
    degradeLink(sim, sim.node('w1'), link(0.2, 0.3));
    sim.runUntil(t0 + 300);
    expect(eventsAfter(sim, t0, 'node.condition', /node\/w1/).filter((e) => e.details?.['type'] === 'Ready')).toEqual([]);
    expect(sim.node('w1').apiReady).toBe('True');
  });
});
