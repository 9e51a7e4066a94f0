/**
 * Faults and operator actions on the model, built from the simulation's public surface: each
 * changes ground truth (a link, a disk, memory, the network) and tells the parts of the model
 * that react to it. The model itself keeps only the mechanisms (power, k3s, re-evaluating
 * the network).
 */
import { heartbeatMissProbability, heartbeatsLost, type Link } from '../../sim/link.js';
import { podMemory, type SimNode } from '../../sim/state.js';
import type { Simulation } from '../../sim/simulation.js';

/** `systemctl restart k3s`. */
export function restartK3s(sim: Simulation, node: SimNode): void {
  sim.stopK3s(node, 'systemctl restart k3s');
  sim.startK3s(node);
}

/**
 * Sets a node's link (its throughput share, the delay and loss on what it sends) and tells the control plane,
 * which finds the node cut off when its heartbeats no longer get through (sim/link.ts).
 */
export function degradeLink(sim: Simulation, node: SimNode, link: Link): void {
  const wasCut = heartbeatsLost(node.link, sim.settings);
  node.link = link;
  const miss = heartbeatMissProbability(link, sim.settings);
  const parts = [
    link.bandwidthFactor === 1 ? null : `${Math.round(link.bandwidthFactor * 100)} % of its throughput`,
    link.delay === 0 ? null : `+${Math.round(link.delay * 1000)} ms per packet`,
    link.loss === 0 ? null : `${Number((link.loss * 100).toFixed(4))} % of packets lost`,
  ].filter((part) => part !== null);
  const cut = heartbeatsLost(link, sim.settings);
  sim.emit(
    'node.network',
    `node/${node.name}`,
    'truth',
    parts.length === 0
      ? `${node.name} link back to normal`
      : `${node.name} link degraded: ${parts.join(', ')}${cut ? '; its heartbeats no longer reach the API' : ''}`,
    { bandwidthFactor: link.bandwidthFactor, delay: link.delay, loss: link.loss, heartbeatMiss: Number(miss.toPrecision(3)) },
  );
  if (cut !== wasCut || node.isServer) sim.networkChanged();
}

/** Sets a node's fsync latency (SD card wear, a failing card), or null to restore its profile. */
export function slowStorage(sim: Simulation, node: SimNode, latency: number | null): void {
  node.writeLatencyOverride = latency;
  const effective = latency ?? 1 / node.spec.storage.randomWriteIops.value;
  sim.emit(
    'node.storage',
    `node/${node.name}`,
    'truth',
    latency === null
      ? `${node.name} storage back to normal`
      : `${node.name} storage slow: ${Math.round(latency * 1000)} ms per synchronous write`,
    { writeLatency: effective },
  );
  if (node.isServer) {
    const transaction = sim.controlPlane.transactionLatency(node);
    if (latency !== null)
      sim.emit('datastore.slow', 'datastore', 'truth', `datastore on ${node.name}: ${transaction.toFixed(2)} s per transaction`, {
        latency: Number(transaction.toFixed(3)),
      });
  }
  sim.controlPlane.refresh();
  sim.controlPlane.watchLeaderRenewalsIfLeading();
}

export function diskFull(sim: Simulation, node: SimNode, full: boolean): void {
  sim.emit('node.storage', `node/${node.name}`, 'truth', full ? `${node.name} disk full` : `${node.name} disk space freed`, {
    diskFull: full,
  });
  sim.diskPressure.set(node, full);
}

/** A workload's containers start leaking memory at `rate` bytes/s (0 stops the growth). */
export function growMemory(sim: Simulation, workloadKey: string, rate: number): void {
  const workload = sim.workloadByKey.get(workloadKey);
  if (!workload) throw new Error(`no workload ${workloadKey}`);
  if (rate > 0) sim.world.memoryGrowth.set(workloadKey, rate);
  else sim.world.memoryGrowth.delete(workloadKey);
  const nodes = new Set<SimNode>();
  for (const pod of workload.pods) {
    if (!pod.running) continue;
    pod.baseMemory = podMemory(pod, sim.now);
    pod.growthSince = sim.now;
    pod.memoryGrowthRate = rate;
    const node = pod.nodeName ? sim.nodeByName.get(pod.nodeName) : undefined;
    if (node) nodes.add(node);
  }
  for (const node of nodes) {
    node.usageChanged = true;
    sim.pressure.scheduleMemoryCheck(node);
  }
}

/** Something outside Kubernetes takes `bytes` of a node's memory (0 releases it). */
export function fillMemory(sim: Simulation, node: SimNode, bytes: number): void {
  node.foreignMemory = bytes;
  node.usageChanged = true;
  sim.emit(
    'node.storage',
    `node/${node.name}`,
    'truth',
    bytes > 0 ? `${Math.round(bytes / 1048576)}Mi of ${node.name}'s memory taken outside Kubernetes` : `${node.name}'s memory released`,
    { foreignMemory: bytes },
  );
  sim.pressure.scheduleMemoryCheck(node);
}

export function rancherDown(sim: Simulation): void {
  sim.rancher.stopServer('Rancher container stopped');
}

export function rancherUp(sim: Simulation): void {
  sim.rancher.startServer();
}

/** `kubectl scale`. */
export function scale(sim: Simulation, workloadKey: string, replicas: number): void {
  const workload = sim.workloadByKey.get(workloadKey);
  if (!workload) throw new Error(`no workload ${workloadKey}`);
  workload.replicas = replicas;
  sim.controllers.markDirty(workload);
}

/** `kubectl rollout restart`: a new template revision rolled out with maxSurge/maxUnavailable. */
export function rollout(sim: Simulation, workloadKey: string): void {
  const workload = sim.workloadByKey.get(workloadKey);
  if (!workload) throw new Error(`no workload ${workloadKey}`);
  sim.controllers.rollout(workload);
}

/** Network partition: each group can only talk within itself; unlisted nodes stay with the site LAN. */
export function partition(sim: Simulation, groups: ReadonlyArray<readonly string[]>): void {
  for (const node of sim.nodes) node.partition = 0;
  groups.forEach((group, i) => {
    for (const name of group) sim.node(name).partition = i + 1;
  });
  for (const node of sim.nodes) {
    if (node.partition !== 0)
      sim.emit('node.network', `node/${node.name}`, 'truth', `${node.name} partitioned into group ${node.partition}`, {
        partition: node.partition,
      });
  }
  sim.networkChanged();
}

export function healPartition(sim: Simulation): void {
  for (const node of sim.nodes) {
    if (node.partition !== 0)
      sim.emit('node.network', `node/${node.name}`, 'truth', `${node.name} rejoined the site network`, { partition: 0 });
    node.partition = 0;
  }
  sim.networkChanged();
}
