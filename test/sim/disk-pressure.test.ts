import { describe, expect, it } from 'vitest';
import { broughtUp, cluster, deployment, eventsAfter } from '../helpers/sim.js';
import { diskFull } from '../../src/engines/sim/faults.js';

const lean = { k3s: { serverArgs: ['--disable=traefik,servicelb,metrics-server'] } };
const onW1 = { spec: { nodeSelector: { 'kubernetes.io/hostname': 'w1' } } };

function twoNodes(settings: Record<string, unknown> = {}) {
  return broughtUp(cluster([{ name: 's1', role: 'server' }, { name: 'w1' }], { ...lean, settings }), [
    deployment('web', 3, { requests: { cpu: '50m', memory: '32Mi' } }),
    deployment('pinned', 1, { requests: { cpu: '50m', memory: '32Mi' }, ...onW1 }),
    deployment('critical', 1, { requests: { cpu: '50m', memory: '32Mi' }, priorityClassName: 'system-cluster-critical', ...onW1 }),
  ]);
}

const diskConditions = (sim: ReturnType<typeof twoNodes>, t0: number) =>
  eventsAfter(sim, t0, 'node.condition', /node\/w1/).filter((e) => e.details?.['type'] === 'DiskPressure');

describe('disk pressure (nodefs.available below K3s 5 %)', () => {
  it("is reported at the eviction manager's next pass and empties the node pass by pass, never evicting a critical pod", () => {
    const sim = twoNodes();
    const node = sim.node('w1');
    const before = [...node.pods].filter((p) => p.running && p.workload.spec.kind !== 'DaemonSet').length;
    expect(before).toBeGreaterThanOrEqual(2);
    const t0 = sim.now;
    diskFull(sim, node, true);
    sim.runUntil(t0 + 600);
    const [raised] = diskConditions(sim, t0);
    // evictionPassLag 0.5 of the 10 s evictionMonitoringPeriod.
    expect(raised?.details?.['status']).toBe('True');
    expect(raised!.t - t0).toBeCloseTo(5, 2);
    expect(node.apiTaints.some((t) => t.key === 'node.kubernetes.io/disk-pressure')).toBe(true);
    const evicted = eventsAfter(sim, t0, 'pod.evicted', /^pod\//).filter((e) => e.details?.['node'] === 'w1');
    // One eviction a pass, the next pass 2 s later (once the pod is cleaned up), until only critical and DaemonSet pods are left.
    expect(evicted.length).toBeGreaterThanOrEqual(2);
    expect(evicted[1]!.t - evicted[0]!.t).toBeCloseTo(2, 2);
    expect(evicted.some((e) => e.subject.includes('critical'))).toBe(false);
    const left = [...node.pods].filter((p) => p.running && p.workload.spec.kind !== 'DaemonSet');
    expect(left.map((p) => p.workload.spec.name)).toEqual(['critical']);
  });

  it('stays until evictionPressureTransitionPeriod after the last pass that saw the disk full', () => {
    const sim = twoNodes();
    const node = sim.node('w1');
    const t0 = sim.now;
    diskFull(sim, node, true);
    sim.runUntil(t0 + 60);
    const freed = sim.now;
    diskFull(sim, node, false);
    sim.runUntil(freed + 600);
    const cleared = diskConditions(sim, t0).find((e) => e.details?.['status'] === 'False');
    expect(cleared).toBeDefined();
    // Cleared at the first pass at least 5 min after the last one that saw the disk full (passes 10 s apart):
    // 290-300 s after it was freed, never before.
    expect(cleared!.t - freed).toBeGreaterThan(290);
    expect(cleared!.t - freed).toBeLessThanOrEqual(300);
    expect(node.apiTaints.some((t) => t.key === 'node.kubernetes.io/disk-pressure')).toBe(false);
  });

  it('a kubelet that starts with its disk still full keeps watching it: the condition outlasts a power cycle', () => {
    const sim = twoNodes();
    const node = sim.node('w1');
    const t0 = sim.now;
    diskFull(sim, node, true);
    sim.runUntil(t0 + 30);
    sim.powerOff(node, 'test');
    sim.runUntil(t0 + 600);
    sim.powerOn(node, 'test');
    sim.runUntil(sim.now + 600);
    const freed = sim.now;
    diskFull(sim, node, false);
    sim.runUntil(freed + 600);
    const cleared = diskConditions(sim, freed).find((e) => e.details?.['status'] === 'False');
    // The passes after power-on saw the disk full, so the 5 min count from just before it was freed.
    expect(cleared!.t - freed).toBeGreaterThan(290);
    expect(cleared!.t - freed).toBeLessThanOrEqual(300);
  });
});

describe('pressure conditions of a node whose kubelet falls silent', () => {
  const conditions = (sim: ReturnType<typeof twoNodes>, t0: number) =>
    eventsAfter(sim, t0, 'node.condition', /node\/w1/).map((e) => `${e.t - t0} ${e.details?.['type']} ${e.details?.['status']}`);
  const taints = (sim: ReturnType<typeof twoNodes>) => sim.node('w1').apiTaints.map((t) => `${t.key}:${t.effect}`);

  it('go Unknown with Ready, lose their NoSchedule taint, and are posted again with Ready (KK tryUpdateNodeHealth)', () => {
    const sim = twoNodes();
    const node = sim.node('w1');
    const t0 = sim.now;
    diskFull(sim, node, true);
    sim.runUntil(t0 + 30);
    expect(taints(sim)).toContain('node.kubernetes.io/disk-pressure:NoSchedule');
    const cut = sim.now;
    sim.powerOff(node, 'test');
    sim.runUntil(cut + 120);
    const silent = conditions(sim, cut);
    const unknown = silent.filter((c) => c.endsWith('Unknown'));
    // Ready, MemoryPressure, DiskPressure and PIDPressure in one status update, at the same moment.
    expect(unknown.map((c) => c.split(' ').slice(1).join(' '))).toEqual([
      'Ready Unknown',
      'MemoryPressure Unknown',
      'DiskPressure Unknown',
      'PIDPressure Unknown',
    ]);
    expect(new Set(unknown.map((c) => c.split(' ')[0])).size).toBe(1);
    // The NoSchedule taints follow the conditions: unreachable in, disk-pressure out (no condition is True).
    expect(taints(sim)).toContain('node.kubernetes.io/unreachable:NoSchedule');
    expect(taints(sim)).not.toContain('node.kubernetes.io/disk-pressure:NoSchedule');
    const on = sim.now;
    sim.powerOn(node, 'test');
    sim.runUntil(on + 300);
    const back = conditions(sim, on);
    const ready = back.findIndex((c) => c.endsWith('Ready True'));
    expect(ready).toBeGreaterThanOrEqual(0);
    // The kubelet's first post carries all three; its eviction manager then finds the disk still full.
    expect(back.slice(ready + 1, ready + 4).map((c) => c.split(' ').slice(1).join(' '))).toEqual([
      'MemoryPressure False',
      'DiskPressure False',
      'PIDPressure False',
    ]);
    expect(back.slice(ready + 4).map((c) => c.split(' ').slice(1).join(' '))).toEqual(['DiskPressure True']);
    expect(taints(sim)).toContain('node.kubernetes.io/disk-pressure:NoSchedule');
  });

  it('stay as they are when the kubelet is back before the grace period ends', () => {
    const sim = twoNodes();
    const node = sim.node('w1');
    const t0 = sim.now;
    sim.stopK3s(node, 'test');
    sim.runUntil(t0 + 10);
    sim.startK3s(node);
    sim.runUntil(t0 + 300);
    expect(conditions(sim, t0).filter((c) => !c.includes('Ready'))).toEqual([]);
  });
});

describe('disk pressure ends with the kubelet', () => {
  it('evicts nothing while K3s is stopped, and one chain of passes only after a quick restart', () => {
    const sim = twoNodes({ evictionPassLag: 0.9 });
    const node = sim.node('w1');
    const t0 = sim.now;
    diskFull(sim, node, true);
    // Stopped before the first pass (9 s): no kubelet, no eviction.
    sim.runUntil(t0 + 3);
    sim.stopK3s(node, 'test');
    sim.runUntil(t0 + 120);
    expect(eventsAfter(sim, t0, 'pod.evicted').filter((e) => e.details?.['node'] === 'w1')).toEqual([]);
    // Started again: its eviction manager passes anew, and a restart right after leaves one chain of passes.
    sim.startK3s(node);
    sim.runUntil(sim.now + 60);
    sim.stopK3s(node, 'test');
    sim.startK3s(node);
    const restarted = sim.now;
    sim.runUntil(restarted + 600);
    const evicted = eventsAfter(sim, t0, 'pod.evicted').filter((e) => e.details?.['node'] === 'w1');
    expect(evicted.length).toBeGreaterThan(0);
    for (let i = 1; i < evicted.length; i++) expect(evicted[i]!.t - evicted[i - 1]!.t).toBeGreaterThanOrEqual(2 - 1e-6);
  });
});
