import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import type { KubernetesObject } from '@kubernetes/client-node';
import { cluster, deployment, service } from '../helpers/sim.js';
import { readWorkloads } from '../../src/model/workloads.js';
import { createSimulation } from '../../src/sim/index.js';
import type { Simulation } from '../../src/sim/simulation.js';
import { healPartition, partition } from '../../src/engines/sim/faults.js';

type Of<A> = A extends fc.Arbitrary<infer T> ? T : never;

const profilesToTry = ['pi3bplus', 'pi4b-2gb', 'pi4b-4gb', 'pi5-8gb'] as const;

const clusterArb = fc.record({
  agents: fc.array(fc.constantFrom(...profilesToTry), { minLength: 2, maxLength: 5 }),
  server: fc.constantFrom('pi4b-4gb', 'pi5-8gb'),
  version: fc.constantFrom('v1.30.6+k3s1', 'v1.31.4+k3s1', 'v1.33.5+k3s1'),
});

const workloadArb = fc.array(
  fc.record({ replicas: fc.integer({ min: 1, max: 4 }), cpu: fc.integer({ min: 10, max: 150 }), memory: fc.integer({ min: 16, max: 96 }) }),
  { minLength: 1, maxLength: 3 },
);

const faultArb = fc.array(
  fc.record({
    kind: fc.constantFrom('power', 'k3s', 'partition', 'reboot'),
    target: fc.nat(),
    at: fc.integer({ min: 0, max: 1200 }),
    duration: fc.integer({ min: 10, max: 900 }),
  }),
  { minLength: 0, maxLength: 4 },
);

function build(c: Of<typeof clusterArb>, w: Of<typeof workloadArb>, seed: number): { sim: Simulation; objects: KubernetesObject[] } {
  const nodes = [
    { name: 'srv', role: 'server' as const, profile: c.server },
    ...c.agents.map((profile, i) => ({ name: `w${i + 1}`, profile })),
  ];
  const objects = w.flatMap((d, i) => [
    deployment(`app${i}`, d.replicas, { requests: { cpu: `${d.cpu}m`, memory: `${d.memory}Mi` } }),
    service(`app${i}`),
  ]);
  return {
    sim: createSimulation({ cluster: cluster(nodes, { k3s: { version: c.version } }), workloads: readWorkloads(objects), seed }),
    objects,
  };
}

/** Invariants that must hold at every instant of every run. */
function checkInvariants(sim: Simulation): void {
  for (const node of sim.clusterNodes) {
    let cpu = 0;
    let memory = 0;
    for (const pod of node.pods) {
      cpu += pod.template.requestCpu;
      memory += pod.template.requestMemory;
      expect(pod.nodeName).toBe(node.name);
      // Nothing runs on a powered-off node (ground truth).
      if (!node.powered) expect(pod.running).toBe(false);
    }
    // The scheduler never overcommits what the API shows as allocatable.
    expect(cpu).toBeLessThanOrEqual(node.allocatableCpu);
    expect(memory).toBeLessThanOrEqual(node.allocatableMemory);
    expect(node.requestedCpu).toBe(cpu);
  }
  const seen = new Map<number, string>();
  for (const workload of sim.workloads) {
    for (const pod of workload.pods) {
      // A pod is bound to at most one node.
      if (pod.nodeName) {
        expect(seen.has(pod.id)).toBe(false);
        seen.set(pod.id, pod.nodeName);
      }
    }
  }
}

function applyFaults(sim: Simulation, faults: Of<typeof faultArb>, start: number): number {
  const agents = sim.clusterNodes.filter((n) => !n.isServer);
  let healedBy = start;
  for (const fault of faults) {
    const node = fault.kind === 'k3s' && fault.target % 3 === 0 ? sim.node('srv') : (agents[fault.target % agents.length] ?? agents[0]!);
    const at = start + fault.at;
    const end = at + fault.duration;
    healedBy = Math.max(healedBy, end);
    sim.at(at, 0, () => {
      if (fault.kind === 'power') sim.powerOff(node, 'property');
      else if (fault.kind === 'k3s') sim.stopK3s(node, 'property');
      else if (fault.kind === 'partition') partition(sim, [[node.name]]);
      else sim.reboot(node);
    });
    sim.at(end, 0, () => {
      if (fault.kind === 'power') sim.powerOn(node, 'property');
      else if (fault.kind === 'k3s') sim.startK3s(node);
      else if (fault.kind === 'partition') healPartition(sim);
    });
  }
  return healedBy;
}

describe('sim properties', () => {
  test.prop([clusterArb, workloadArb, faultArb, fc.integer({ min: 1, max: 1_000_000 })], { numRuns: 30 })(
    'invariants hold through random fault schedules, and every Deployment recovers after faults heal',
    (c, w, faults, seed) => {
      const { sim } = build(c, w, seed);
      expect(sim.runUntilCondition(() => sim.bringUp.workloadsReady !== null, 3600)).not.toBeNull();
      const healedBy = applyFaults(sim, faults, sim.now + 30);
      let previous = -1;
      const end = healedBy + 1500;
      for (let t = sim.now; t <= end; t += 30) {
        sim.runUntil(t);
        checkInvariants(sim);
      }
      // Power everything back and heal, then give controllers time (tolerations 300 s + restarts).
      for (const node of sim.nodes) sim.powerOn(node, 'heal');
      for (const node of sim.clusterNodes) sim.startK3s(node);
      healPartition(sim);
      sim.runUntil(sim.now + 900);
      checkInvariants(sim);
      for (const event of sim.events) {
        // Time never goes back.
        expect(event.t).toBeGreaterThanOrEqual(previous);
        previous = event.t;
      }
      for (let i = 0; i < w.length; i++) {
        const workload = sim.workloadByKey.get(`Deployment/default/app${i}`)!;
        expect(sim.controllers.readyCount(workload)).toBe(w[i]!.replicas);
      }
    },
  );

  test.prop([clusterArb, workloadArb, faultArb, fc.integer({ min: 1, max: 1_000_000 })], { numRuns: 10 })(
    'the same seed gives an identical event log',
    (c, w, faults, seed) => {
      const logs = [0, 1].map(() => {
        const { sim } = build(c, w, seed);
        sim.runUntil(600);
        applyFaults(sim, faults, 600);
        sim.runUntil(3000);
        return JSON.stringify(sim.timeline());
      });
      expect(logs[0]).toBe(logs[1]);
    },
  );
});
