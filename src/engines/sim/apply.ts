/** What each fault does to the model. */
import { workloadMatches } from '../../model/workloads.js';
import type { ResolvedFault } from '../../scenario/faults.js';
import { healthyLink } from '../../sim/link.js';
import { Priority } from '../../sim/priority.js';
import type { Simulation } from '../../sim/simulation.js';
import {
  degradeLink,
  diskFull,
  fillMemory,
  growMemory,
  healPartition,
  partition,
  rancherDown,
  rancherUp,
  restartK3s,
  rollout,
  scale,
  slowStorage,
} from './faults.js';
import { addOutOfService, deleteNode, removeOutOfService } from './node-ops.js';
import { applyMaintenance, isMaintenance, maintenanceCommand } from './maintenance-faults.js';

function workloadKey(sim: Simulation, wanted: string): string {
  return sim.workloads.find((w) => workloadMatches(w.spec.key, wanted))?.spec.key ?? wanted;
}

/**
 * What `kubectl` prints when no API server answers (the client's "The connection to the server
 * … was refused"): faults that go through the API fail then instead of waiting for it.
 */
function apiUnreachable(sim: Simulation, command: string): string | undefined {
  if (sim.controlPlane.apiUp) return undefined;
  return `${command} failed: the connection to the API server was refused (no server answers); nothing was changed`;
}

/** Applies a fault to the model; returns why it failed when it could not be applied (then nothing changed). */
export function applyFault(sim: Simulation, fault: ResolvedFault, label: string): string | undefined {
  // Node maintenance through the API (node-ops.ts): kubectl fails while no API server answers, or when the Node is gone.
  switch (fault.kind) {
    case 'delete-node':
      return apiUnreachable(sim, `kubectl delete node ${fault.node}`) ?? deleteNode(sim, sim.node(fault.node));
    case 'out-of-service':
      return apiUnreachable(sim, 'kubectl taint nodes') ?? addOutOfService(sim, sim.node(fault.node), fault.effect ?? 'NoExecute');
    case 'return-to-service':
      return apiUnreachable(sim, 'kubectl taint nodes') ?? removeOutOfService(sim, sim.node(fault.node));
  }
  const failed =
    fault.kind === 'scale'
      ? apiUnreachable(sim, `kubectl scale --replicas=${fault.replicas}`)
      : fault.kind === 'rollout-restart'
        ? apiUnreachable(sim, 'kubectl rollout restart')
        : undefined;
  if (failed !== undefined) return failed;
  // Maintenance (cordon, uncordon, drain, k3s-upgrade): through the API too, and kubectl's own refusals.
  if (isMaintenance(fault)) return apiUnreachable(sim, maintenanceCommand(fault)) ?? applyMaintenance(sim, fault);
  applyToModel(sim, fault, label);
  return undefined;
}

function applyToModel(sim: Simulation, fault: ResolvedFault, label: string): void {
  switch (fault.kind) {
    case 'power-off':
      return sim.powerOff(sim.node(fault.node), label);
    case 'power-on':
      return sim.powerOn(sim.node(fault.node), label);
    case 'reboot':
      return sim.reboot(sim.node(fault.node));
    case 'shutdown':
      return sim.shutdown(sim.node(fault.node));
    case 'k3s-restart':
      return restartK3s(sim, sim.node(fault.node));
    case 'control-plane-down':
      for (const server of fault.servers?.map((s) => sim.node(s)) ?? sim.servers) sim.stopK3s(server, label);
      return;
    case 'control-plane-up':
      for (const server of fault.servers?.map((s) => sim.node(s)) ?? sim.servers) sim.startK3s(server);
      return;
    case 'rancher-down':
      return rancherDown(sim);
    case 'rancher-up':
      return rancherUp(sim);
    case 'memory-leak':
      return growMemory(sim, workloadKey(sim, fault.workload), fault.rate);
    case 'memory-fill':
      return fillMemory(sim, sim.node(fault.node), fault.amount);
    case 'partition':
      return partition(sim, fault.groups);
    case 'heal-partition':
      return healPartition(sim);
    case 'link-degrade': {
      const node = sim.node(fault.node);
      const given = fault.bandwidth;
      const factor =
        given === null
          ? 1
          : 'fraction' in given
            ? given.fraction
            : Math.min(1, given.bitsPerSecond / 8 / node.spec.network.throughput.value);
      return degradeLink(sim, node, { bandwidthFactor: factor, delay: fault.delay, loss: fault.loss });
    }
    case 'link-restore':
      return degradeLink(sim, sim.node(fault.node), healthyLink());
    case 'slow-storage':
      return slowStorage(sim, sim.node(fault.node), fault.latency);
    case 'storage-restore':
      return slowStorage(sim, sim.node(fault.node), null);
    case 'disk-full':
      return diskFull(sim, sim.node(fault.node), true);
    case 'disk-free':
      return diskFull(sim, sim.node(fault.node), false);
    case 'site-power-cut':
      for (const node of sim.nodes) sim.powerOff(node, label);
      return;
    case 'site-power-restore': {
      const order = fault.order?.map((n) => sim.node(n)) ?? [
        ...sim.servers,
        ...sim.nodes.filter((n) => n.inCluster && !n.isServer),
        ...sim.nodes.filter((n) => !n.inCluster),
      ];
      const rest = sim.nodes.filter((n) => !order.includes(n));
      [...order, ...rest].forEach((node, i) => sim.after(i * fault.interval, Priority.fault, () => sim.powerOn(node, label)));
      return;
    }
    case 'scale':
      return scale(sim, workloadKey(sim, fault.workload), fault.replicas);
    case 'rollout-restart':
      return rollout(sim, workloadKey(sim, fault.workload));
  }
}
