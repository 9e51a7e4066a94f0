/**
 * HA control-plane failover: kube-controller-manager and kube-scheduler each hold a Lease
 * (kube-system/kube-controller-manager, kube-system/kube-scheduler). Defaults lease 15 s, renew
 * deadline 10 s, retry 2 s (calibration.md 1.7 and §7; K3s keeps them: pkg/daemons/control/server.go).
 */
import { describe, expect, it } from 'vitest';
import { broughtUp, cluster, deployment, eventsAfter, first } from '../helpers/sim.js';
import { healPartition, partition, scale } from '../../src/engines/sim/faults.js';

const kcm = /^lease\/kube-system\/kube-controller-manager$/;
const scheduler = /^lease\/kube-system\/kube-scheduler$/;

const ha = cluster(
  [
    { name: 's1', role: 'server', profile: 'pi5-8gb', storage: 'nvme' },
    { name: 's2', role: 'server', profile: 'pi5-8gb', storage: 'nvme' },
    { name: 's3', role: 'server', profile: 'pi5-8gb', storage: 'nvme' },
    { name: 'w1' },
    { name: 'w2' },
    { name: 'w3' },
  ],
  { k3s: { datastore: 'embedded-etcd' } },
);
const web = () => [deployment('web', 2, { requests: { cpu: '50m', memory: '32Mi' } })];

describe('HA leader election (3 servers, embedded etcd)', () => {
  it('the first server whose controllers start holds both Leases', () => {
    const sim = broughtUp(ha, web());
    expect(sim.controlPlane.leaseHolder('kube-controller-manager')?.name).toBe('s1');
    expect(sim.controlPlane.leaseHolder('kube-scheduler')?.name).toBe('s1');
    const acquired = eventsAfter(sim, 0, 'leader.acquired');
    expect(acquired.map((e) => e.subject).sort()).toEqual([
      'lease/kube-system/kube-controller-manager',
      'lease/kube-system/kube-scheduler',
    ]);
    expect(acquired.every((e) => e.details?.holder === 's1' && e.view === 'api')).toBe(true);
  });

  it('powering off the holder pauses controllers and scheduling until another server takes the expired Leases', () => {
    const sim = broughtUp(ha, web());
    const s = sim.settings;
    const t0 = sim.now;
    sim.powerOff(sim.node('s1'), 'test');
    sim.powerOff(sim.node('w1'), 'test');
    sim.runUntil(t0 + 1);
    scale(sim, 'Deployment/default/web', 4);
    sim.runUntil(t0 + 300);

    // The holder process is gone at once (truth); the API stays up through s2 and s3 (2 of 3 etcd members).
    expect(eventsAfter(sim, t0, 'api.unavailable')).toHaveLength(0);
    for (const lease of [kcm, scheduler]) {
      const lost = first(sim, t0, 'leader.lost', lease);
      expect(lost.t).toBeCloseTo(t0, 3);
      expect(lost.view).toBe('truth');
      expect(lost.details?.holder).toBe('s1');
    }
    // A candidate may take the Lease leaseDuration after it observed the last renewal (client-go
    // leaderelection.go isLeaseValid: observedTime + LeaseDuration), which was at most one retryPeriod
    // before the power cut; then on its next retry tick (jittered).
    const acquiredKcm = first(sim, t0, 'leader.acquired', kcm);
    const acquiredScheduler = first(sim, t0, 'leader.acquired', scheduler);
    for (const acquired of [acquiredKcm, acquiredScheduler]) {
      expect(acquired.details?.holder).not.toBe('s1');
      expect(acquired.t - t0).toBeGreaterThanOrEqual(s.leaderElectionLeaseDuration - s.leaderElectionRetryPeriod);
      expect(acquired.t - t0).toBeLessThanOrEqual(s.leaderElectionLeaseDuration + s.leaderElectionRetryPeriod * (1 + s.bootJitter));
    }
    expect(sim.controlPlane.leaseHolder('kube-controller-manager')?.name).toBe('s2');

    // The new leader's node lifecycle controller starts with an empty nodeHealthMap: w1's probe time
    // is the first observation (KK pkg/controller/nodelifecycle/node_lifecycle_controller.go,
    // tryUpdateNodeHealth "Missing timestamp for Node. Assuming now as a timestamp"), so w1 turns
    // Unknown a full nodeMonitorGracePeriod after the acquisition, not after its last heartbeat.
    const notReady = first(sim, t0, 'node.condition', /^node\/w1$/);
    expect(notReady.details?.status).toBe('Unknown');
    expect(notReady.t - acquiredKcm.t).toBeGreaterThanOrEqual(s.nodeMonitorGracePeriod);
    expect(notReady.t - acquiredKcm.t).toBeLessThanOrEqual(s.nodeMonitorGracePeriod + s.nodeMonitorPeriod + 0.01);
    // The dead leader's own node too: nobody watched it until the Lease changed hands.
    const leaderNotReady = first(sim, t0, 'node.condition', /^node\/s1$/);
    expect(leaderNotReady.t - acquiredKcm.t).toBeGreaterThanOrEqual(s.nodeMonitorGracePeriod);

    // The scale made at t0 + 1 waits: the ReplicaSet controller creates the pods only once the
    // controller-manager Lease is held, and the scheduler binds them only once its own Lease is.
    const created = eventsAfter(sim, t0, 'pod.created', /web-/);
    const scheduled = eventsAfter(sim, t0, 'pod.scheduled', /web-/);
    expect(created.length).toBeGreaterThanOrEqual(2);
    expect(created.every((e) => e.t >= acquiredKcm.t)).toBe(true);
    expect(scheduled.length).toBeGreaterThanOrEqual(2);
    expect(scheduled.every((e) => e.t >= acquiredScheduler.t)).toBe(true);
  });

  it('powering off a server that holds no Lease changes no leader and pauses nothing', () => {
    const sim = broughtUp(ha, web());
    const t0 = sim.now;
    sim.powerOff(sim.node('s3'), 'test');
    sim.runUntil(t0 + 1);
    scale(sim, 'Deployment/default/web', 4);
    sim.runUntil(t0 + 120);
    expect(eventsAfter(sim, t0, 'leader.lost')).toHaveLength(0);
    expect(eventsAfter(sim, t0, 'leader.acquired')).toHaveLength(0);
    expect(sim.controlPlane.controllersUp && sim.controlPlane.schedulerUp).toBe(true);
    const scheduled = eventsAfter(sim, t0, 'pod.scheduled', /web-/);
    expect(scheduled).toHaveLength(2);
    expect(scheduled.every((e) => e.t - t0 < 2)).toBe(true);
  });

  it('a holder cut off from the etcd majority gives up after renewDeadline (k3s exits); another server takes over', () => {
    const sim = broughtUp(ha, web());
    const s = sim.settings;
    const t0 = sim.now;
    partition(sim, [['s1']]);
    sim.runUntil(t0 + 120);
    expect(eventsAfter(sim, t0, 'api.unavailable')).toHaveLength(0);
    // Its renewals fail from the cut; OnStoppedLeading at renewDeadline after the last one, and the
    // components exit the process (klog.FlushAndExit in kube-controller-manager / kube-scheduler).
    const lost = first(sim, t0, 'leader.lost', kcm);
    expect(lost.details?.holder).toBe('s1');
    expect(lost.t - t0).toBeGreaterThan(s.leaderElectionRenewDeadline - s.leaderElectionRetryPeriod - 0.01);
    expect(lost.t - t0).toBeLessThanOrEqual(s.leaderElectionRenewDeadline + 0.01);
    expect(first(sim, t0, 'node.k3s', /^node\/s1$/).details?.state).toBe('stopped');
    const acquired = first(sim, t0, 'leader.acquired', kcm);
    expect(acquired.details?.holder).toBe('s2');
    expect(acquired.t - t0).toBeGreaterThanOrEqual(s.leaderElectionLeaseDuration - s.leaderElectionRetryPeriod);
    expect(acquired.t - t0).toBeLessThanOrEqual(s.leaderElectionLeaseDuration + s.leaderElectionRetryPeriod * (1 + s.bootJitter));
    // Back on the network, s1 stays a candidate: no further change of leader.
    healPartition(sim);
    sim.runUntil(t0 + 400);
    expect(eventsAfter(sim, acquired.t + 1, 'leader.acquired')).toHaveLength(0);
    expect(sim.controlPlane.leaseHolder('kube-scheduler')?.name).toBe('s2');
  });
});

describe('single server', () => {
  it("SQLite: no Lease at all; a restarted server's components act as soon as its API answers", () => {
    // kine pkg/endpoint/endpoint.go (SQLite: leaderElect = false); k3s pkg/cluster/cluster.go
    // (NoLeaderElect = !etcdConfig.LeaderElect): controller-manager and scheduler run with --leader-elect=false.
    const sim = broughtUp(cluster([{ name: 's1', role: 'server' }, { name: 'w1' }]), web());
    const t0 = sim.now;
    expect(eventsAfter(sim, 0, 'leader.acquired')).toHaveLength(0);
    sim.stopK3s(sim.node('s1'), 'test');
    sim.runUntil(t0 + 120);
    expect(eventsAfter(sim, t0, 'leader.lost')).toHaveLength(0);
    sim.startK3s(sim.node('s1'));
    sim.runUntil(t0 + 400);
    const available = first(sim, t0 + 120, 'api.available');
    expect(sim.controlPlane.controllersUp).toBe(true);
    expect(sim.controlPlane.controllersStartedAt).toBeCloseTo(available.t, 3);
  });

  it('embedded etcd: a restarted server waits a full leaseDuration before its new components lead', () => {
    const sim = broughtUp(cluster([{ name: 's1', role: 'server' }, { name: 'w1' }], { k3s: { datastore: 'embedded-etcd' } }), web());
    const s = sim.settings;
    const t0 = sim.now;
    sim.stopK3s(sim.node('s1'), 'test');
    expect(first(sim, t0, 'leader.lost', kcm).t).toBeCloseTo(t0, 3);
    expect(first(sim, t0, 'leader.lost', scheduler).t).toBeCloseTo(t0, 3);
    sim.runUntil(t0 + 120);
    sim.startK3s(sim.node('s1'));
    sim.runUntil(t0 + 400);
    const available = first(sim, t0 + 120, 'api.available');
    // The new process has a new identity (hostname_UUID) and has observed the old record only now:
    // it waits observedTime + leaseDuration (client-go leaderelection.go tryAcquireOrRenew).
    for (const lease of [kcm, scheduler]) {
      const acquired = first(sim, t0 + 120, 'leader.acquired', lease);
      expect(acquired.details?.holder).toBe('s1');
      expect(acquired.t - available.t).toBeGreaterThanOrEqual(s.leaderElectionLeaseDuration);
      expect(acquired.t - available.t).toBeLessThanOrEqual(
        s.leaderElectionLeaseDuration + s.leaderElectionRetryPeriod * (1 + s.bootJitter),
      );
    }
  });
});
