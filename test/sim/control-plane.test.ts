import { describe, expect, it } from 'vitest';
import { broughtUp, cluster, deployment, eventsAfter, first, podsOf, service, type NodeDef } from '../helpers/sim.js';
import { scale, slowStorage } from '../../src/engines/sim/faults.js';

describe('control plane down (single server, SQLite)', () => {
  const c = cluster([{ name: 's1', role: 'server' }, { name: 'w1' }, { name: 'w2' }, { name: 'w3' }], { k3s: { version: 'v1.31.4+k3s1' } });

  it('disrupts no pod, schedules nothing, and handles a worker lost meanwhile only after it returns', () => {
    const sim = broughtUp(c, [deployment('web', 3, { requests: { cpu: '50m', memory: '32Mi' } }), service('web')]);
    const t0 = sim.now;
    const runningBefore = sim.workloads.flatMap((w) => [...w.pods]).filter((p) => p.running && p.nodeName !== 'w2');
    sim.stopK3s(sim.node('s1'), 'test');
    sim.runUntil(t0 + 60);
    sim.powerOff(sim.node('w2'), 'test');
    scale(sim, 'Deployment/default/web', 5);
    sim.runUntil(t0 + 600);
    expect(first(sim, t0, 'api.unavailable').t).toBeCloseTo(t0, 2);
    expect(eventsAfter(sim, t0, 'pod.scheduled')).toHaveLength(0);
    expect(eventsAfter(sim, t0, 'pod.created')).toHaveLength(0);
    expect(eventsAfter(sim, t0, 'pod.terminating')).toHaveLength(0);
    expect(eventsAfter(sim, t0, 'node.condition', /node\/w2/)).toHaveLength(0);
    expect(runningBefore.length).toBeGreaterThan(3);
    expect(runningBefore.every((p) => p.running && p.restarts === 0)).toBe(true);
    expect(eventsAfter(sim, t0, 'service.outageStarted')).toHaveLength(0);

    sim.startK3s(sim.node('s1'));
    sim.runUntil(t0 + 1500);
    // On SQLite there is no leader election (kine: SQLite needs none; K3s passes --leader-elect=false,
    // k3s pkg/cluster/cluster.go NoLeaderElect): the new controller-manager starts with the API.
    expect(eventsAfter(sim, t0 + 600, 'leader.acquired')).toHaveLength(0);
    const leader = first(sim, t0 + 600, 'api.available');
    const notReady = first(sim, t0 + 600, 'node.condition', /node\/w2$/);
    // Controllers restart their timers: a full grace period from when they come back.
    expect(notReady.t - leader.t).toBeGreaterThanOrEqual(sim.settings.nodeMonitorGracePeriod);
    expect(notReady.t - leader.t).toBeLessThanOrEqual(sim.settings.nodeMonitorGracePeriod + sim.settings.nodeMonitorPeriod + 1);
    expect(eventsAfter(sim, leader.t, 'pod.created', /web-/).length).toBeGreaterThanOrEqual(2);
  });
});

describe('HA control plane (3 servers, embedded etcd)', () => {
  const ha = cluster(
    [
      { name: 's1', role: 'server', profile: 'pi5-8gb', storage: 'nvme' },
      { name: 's2', role: 'server', profile: 'pi5-8gb', storage: 'nvme' },
      { name: 's3', role: 'server', profile: 'pi5-8gb', storage: 'nvme' },
      { name: 'w1' },
      { name: 'w2' },
    ],
    { k3s: { datastore: 'embedded-etcd' } },
  );

  it('survives one server loss and loses the API with two; workloads keep running', () => {
    const sim = broughtUp(ha, [deployment('web', 2, { requests: { cpu: '50m', memory: '32Mi' } })]);
    const t0 = sim.now;
    sim.powerOff(sim.node('s3'), 'test');
    sim.runUntil(t0 + 120);
    expect(eventsAfter(sim, t0, 'api.unavailable')).toHaveLength(0);
    expect(eventsAfter(sim, t0, 'datastore.quorumLost')).toHaveLength(0);
    sim.powerOff(sim.node('s2'), 'test');
    sim.runUntil(t0 + 300);
    expect(first(sim, t0, 'datastore.quorumLost').t).toBeCloseTo(t0 + 120, 2);
    expect(first(sim, t0, 'api.unavailable').t).toBeCloseTo(t0 + 120, 2);
    const web = podsOf(sim, 'Deployment/default/web').filter((p) => p.nodeName === 'w1' || p.nodeName === 'w2');
    expect(web.every((p) => p.running)).toBe(true);
    sim.powerOn(sim.node('s2'), 'test');
    sim.runUntil(t0 + 600);
    expect(first(sim, t0 + 300, 'datastore.quorumRegained')).toBeDefined();
    expect(first(sim, t0 + 300, 'api.available')).toBeDefined();
  });

  it('an SD card too slow for etcd takes its member out of the quorum', () => {
    const sim = broughtUp(ha, []);
    const t0 = sim.now;
    slowStorage(sim, sim.node('s1'), 2);
    slowStorage(sim, sim.node('s2'), 2);
    sim.runUntil(t0 + 60);
    expect(first(sim, t0, 'datastore.quorumLost')).toBeDefined();
    expect(first(sim, t0, 'api.unavailable')).toBeDefined();
  });
});

describe('SD-card latency on a single server', () => {
  const servers: NodeDef[] = [{ name: 's1', role: 'server', profile: 'pi3bplus' }, { name: 'w1' }];
  it('embedded etcd: multi-second writes lose the leader lease; k3s restarts in a loop until the disk recovers', () => {
    // k3s-io/k3s#2615 (--cluster-init on SD cards): "leaderelection lost", k3s exits, systemd restarts it.
    const sim = broughtUp(cluster(servers, { k3s: { datastore: 'embedded-etcd' } }), []);
    const t0 = sim.now;
    slowStorage(sim, sim.node('s1'), 4);
    sim.runUntil(t0 + 600);
    expect(first(sim, t0, 'api.unavailable')).toBeDefined();
    slowStorage(sim, sim.node('s1'), null);
    const t1 = sim.now;
    sim.runUntil(t1 + 600);
    expect(eventsAfter(sim, t1 + 120, 'leader.lost')).toHaveLength(0);
    expect(eventsAfter(sim, t1 + 120, 'api.unavailable')).toHaveLength(0);
  });

  it('SQLite: no leader election, so slow writes never make k3s give up', () => {
    // kine pkg/endpoint/endpoint.go (SQLite: leaderElect = false) and k3s pkg/cluster/cluster.go
    // (NoLeaderElect = !etcdConfig.LeaderElect): K3s runs its components with --leader-elect=false.
    const sim = broughtUp(cluster(servers), []);
    const t0 = sim.now;
    slowStorage(sim, sim.node('s1'), 4);
    sim.runUntil(t0 + 600);
    expect(eventsAfter(sim, 0, 'leader.lost')).toHaveLength(0);
    expect(eventsAfter(sim, 0, 'leader.acquired')).toHaveLength(0);
    expect(eventsAfter(sim, t0, 'api.unavailable')).toHaveLength(0);
    expect(sim.node('s1').k3s).toBe('running');
  });
});
