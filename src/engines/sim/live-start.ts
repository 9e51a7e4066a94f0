/**
 * Starting the model from a live cluster's state (`twin whatif`): before the bring-up, nodes that
 * are NotReady live are held powered off and the scheduler is told to put each pod back on the
 * node it runs on live; once the bring-up has settled, cordoned nodes are cordoned, restart counts
 * carried over, and the model is compared with the live state — every difference is said, none hidden.
 */
import type { LivePod, LiveState } from '../../import/live-state.js';
import type { LiveStart } from '../../scenario/plan.js';
import type { Simulation } from '../../sim/simulation.js';
import type { SimNode, SimPod } from '../../sim/state.js';
import type { LiveStartOutcome } from '../engine.js';
import { cordon } from './maintenance.js';

/** Pods that run on a node live and are not being deleted: the placement to reproduce. */
function placedPods(state: LiveState): LivePod[] {
  return state.pods.filter((p) => p.node !== null && !p.terminating && p.workload !== null);
}

/** Before `sim.start()`: hold NotReady nodes off and prefer each pod's live node. */
export function prepareLiveStart(sim: Simulation, live: LiveStart): void {
  for (const node of live.state.nodes) {
    const simNode = sim.nodeByName.get(node.name);
    if (simNode && node.ready !== 'True') sim.holdPoweredOff(simNode);
  }
  const byOrdinal = new Map<string, string>();
  const queues = new Map<string, string[]>();
  for (const pod of placedPods(live.state)) {
    const node = pod.node as string;
    if (pod.ordinal !== null) byOrdinal.set(`${pod.workload}#${pod.ordinal}`, node);
    else queues.set(pod.workload as string, [...(queues.get(pod.workload as string) ?? []), node]);
  }
  // A StatefulSet pod with no pod live but a local volume on a node goes where its volume is.
  sim.scheduler.preferPlacement((pod: SimPod, feasible: readonly SimNode[]) => {
    const key = pod.workload.spec.key;
    if (pod.workload.spec.kind === 'StatefulSet') {
      // With no pod live, its local volume's node: claims are `<template>-<statefulset>-<ordinal>`.
      const { namespace, name: set, volumeClaimTemplates } = pod.workload.spec;
      const claims = volumeClaimTemplates.map((t) => `${namespace}/${t.name}-${set}-${pod.ordinal}`);
      const name = byOrdinal.get(`${key}#${pod.ordinal}`) ?? live.state.volumes.find((v) => claims.includes(v.claim))?.node;
      return feasible.find((n) => n.name === name) ?? null;
    }
    const queue = queues.get(key);
    const index = queue?.findIndex((name) => feasible.some((n) => n.name === name)) ?? -1;
    if (!queue || index < 0) return null;
    const [name] = queue.splice(index, 1);
    return feasible.find((n) => n.name === name) ?? null;
  });
}

const readiness = (ready: boolean) => (ready ? 'Ready' : 'not Ready');

function livePods(pods: Iterable<SimPod>): SimPod[] {
  return [...pods].filter((p) => p.apiExists && p.deletionRequestedAt === null);
}

/**
 * Each kubelet's heartbeats in their live phase: its Lease was renewed `ago` seconds before the read
 * (now, in the model), and it renews every quarter of the lease duration (KK pkg/kubelet/kubelet.go,
 * nodeLeaseRenewIntervalFraction 0.25), so its next renewals fall where the real ones will. The node
 * lifecycle controller has seen that renewal (its probe time): a node lost now is noticed a grace
 * period after its last real heartbeat, not after one the model happened to place; when the
 * controller's next pass comes is estimated (setting nodeMonitorLag).
 */
function alignHeartbeats(sim: Simulation, live: LiveStart): void {
  const interval = sim.settings.nodeLeaseDuration * 0.25;
  const readAt = Date.parse(live.readAt);
  for (const node of live.state.nodes) {
    const simNode = sim.nodeByName.get(node.name);
    if (!simNode?.heartbeatHealthy || node.leaseRenewed === null || !Number.isFinite(readAt)) continue;
    const ago = (readAt - Date.parse(node.leaseRenewed)) / 1000;
    if (!Number.isFinite(ago) || ago < 0 || ago > interval * 3) continue;
    const last = sim.now - (ago % interval);
    simNode.renewAnchor = last;
    simNode.lastObservedRenew = last;
    simNode.probeTimestamp = last;
    // A loss within one renewal of the read finds the Lease in that phase (it drifts by 4 % jitter a renewal
    // after that); a later one is put in the estimated phase, as in any run (sim/heartbeat-phase.ts).
    simNode.leasePhaseKnownUntil = sim.now + interval;
  }
}

/** Once settled (the fault phase starts now): cordons, restarts, then the comparison, as one event plus one per difference. */
export function settleLiveStart(sim: Simulation, live: LiveStart): LiveStartOutcome {
  sim.scheduler.preferPlacement(null);
  const differences: string[] = [];
  const toCordon: SimNode[] = [];
  for (const node of live.state.nodes) {
    const simNode = sim.nodeByName.get(node.name);
    if (!simNode) {
      differences.push(`node ${node.name}: in the live cluster, not in the twin`);
      continue;
    }
    if (node.ready !== 'True')
      differences.push(
        `node ${node.name}: Ready=${node.ready} live; the twin keeps it powered off (it never registered, so no NotReady Node object)`,
      );
    if (node.unschedulable && simNode.registered) toCordon.push(simNode);
    else if (node.unschedulable) differences.push(`node ${node.name}: cordoned live; not registered in the twin, so not cordoned`);
  }
  alignHeartbeats(sim, live);
  const placed = placedPods(live.state);
  const claimed = new Set<SimPod>();
  let reproduced = 0;
  for (const pod of placed) {
    const workload = sim.workloadByKey.get(pod.workload as string);
    if (!workload) {
      differences.push(`pod ${pod.namespace}/${pod.name}: its workload ${pod.workload} is not in the twin`);
      continue;
    }
    const candidates = livePods(workload.pods).filter((p) => !claimed.has(p) && (pod.ordinal === null || p.ordinal === pod.ordinal));
    const twin = candidates.find((p) => p.nodeName === pod.node);
    if (!twin) {
      const elsewhere = candidates[0];
      const twinSide = elsewhere
        ? `the twin's ${elsewhere.name} is on ${elsewhere.nodeName ?? 'no node (Pending)'}`
        : 'the twin has no such pod';
      differences.push(`pod ${pod.namespace}/${pod.name}: on ${pod.node} live; ${twinSide}`);
      if (elsewhere) claimed.add(elsewhere);
      continue;
    }
    claimed.add(twin);
    reproduced++;
    // Carried over so CrashLoopBackOff and `kubectl get pods` continue from the live count.
    twin.restarts = pod.restarts;
    twin.apiRestarts = pod.restarts;
    if (twin.apiReady !== pod.ready)
      differences.push(
        `pod ${pod.namespace}/${pod.name}: ${readiness(pod.ready)} live, ${readiness(twin.apiReady)} in the twin (${twin.name})`,
      );
  }
  for (const workload of sim.workloads) {
    if (workload.spec.system) continue;
    for (const pod of livePods(workload.pods))
      if (!claimed.has(pod))
        differences.push(`pod ${pod.namespace}/${pod.name}: in the twin on ${pod.nodeName ?? 'no node (Pending)'}, not live`);
    for (const [ordinal, node] of workload.volumeNodes)
      for (const template of workload.spec.volumeClaimTemplates) {
        const claim = `${workload.spec.namespace}/${template.name}-${workload.spec.name}-${ordinal}`;
        const liveNode = live.state.volumes.find((v) => v.claim === claim)?.node;
        if (liveNode && liveNode !== node) differences.push(`volume ${claim}: on ${liveNode} live, on ${node} in the twin`);
      }
  }
  for (const pod of live.state.pods)
    if (pod.node === null && !pod.terminating) differences.push(`pod ${pod.namespace}/${pod.name}: ${pod.phase} on no node live`);
  const outcome: LiveStartOutcome = {
    source: live.source,
    readAt: live.readAt,
    nodes: live.state.nodes.length,
    pods: placed.length,
    reproduced,
    differences,
  };
  sim.emit(
    'run.started',
    'cluster',
    'api',
    `live state of ${live.source} read at ${live.readAt}: ${outcome.nodes} nodes, ${outcome.pods} pods; ` +
      `placement reproduced for ${reproduced} of ${outcome.pods} pods` +
      (differences.length ? `; ${differences.length} difference(s) follow` : '; no differences'),
    { live: true, nodes: outcome.nodes, pods: outcome.pods, reproduced, differences: differences.length },
  );
  // Cordoned after the summary, so the reported timeline opens with it (see runner/whatif-timeline.ts).
  for (const node of toCordon) cordon(sim, node, 'cordoned live');
  for (const difference of differences)
    sim.emit('bringup.step', 'cluster', 'api', `live state not reproduced: ${difference}`, { step: 'live-difference' });
  return outcome;
}
