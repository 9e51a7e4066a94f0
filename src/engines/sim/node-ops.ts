/**
 * Node maintenance through the API, as an operator does it: `kubectl delete node` and the
 * `node.kubernetes.io/out-of-service` taint of non-graceful node shutdown. Both hand pods to the
 * pod garbage collector (`src/sim/podgc.ts`), which this file starts for a simulation the first
 * time one of them is used (a run without them has no collector passes at all).
 */
import type { Taint } from '../../model/cluster-schema.js';
import { outOfServiceTaintKey, PodGarbageCollector } from '../../sim/podgc.js';
import type { SimNode } from '../../sim/state.js';
import type { Simulation } from '../../sim/simulation.js';

const collectors = new WeakMap<Simulation, PodGarbageCollector>();

/** The simulation's pod garbage collector, started on first use and told when a controller-manager takes over. */
function podGc(sim: Simulation): PodGarbageCollector {
  const existing = collectors.get(sim);
  if (existing) return existing;
  let startedAt = sim.controlPlane.controllersStartedAt;
  const gc = new PodGarbageCollector({
    env: sim.env,
    world: sim.world,
    emit: sim.emit,
    controlPlane: sim.controlPlane,
    controllers: sim.controllers,
    kubelets: sim.kubelets,
    controllersStartedAt: () => (sim.controlPlane.controllersUp ? sim.controlPlane.controllersStartedAt : null),
  });
  // A controller-manager (re)started (a new process, or a new leader): its collector starts afresh.
  sim.onEvent(() => {
    const now = sim.controlPlane.controllersStartedAt;
    if (now === startedAt) return;
    startedAt = now;
    gc.onControllersStarted();
  });
  collectors.set(sim, gc);
  return gc;
}

/** kubectl's answer when the Node object does not exist. */
function notFound(command: string, node: SimNode): string | undefined {
  if (node.registered) return undefined;
  return `${command} failed: Error from server (NotFound): nodes "${node.name}" not found; nothing was changed`;
}

/**
 * `kubectl delete node`: the Node object and its taints and conditions go. The scheduler and the
 * controllers stop seeing the node, EndpointSlices drop its pods (KK
 * staging/src/k8s.io/endpointslice/reconciler.go: "skipping Pod for Service, Node not found"), and
 * the pod GC deletes its pods after the quarantine, so their controllers recreate them elsewhere.
 * Its kubelet, if running, keeps renewing its Lease and failing to post status: it registers the
 * Node only at start-up and does not try again (KK pkg/kubelet/kubelet_node_status.go
 * registerWithAPIServer, `registrationCompleted`; issues kubernetes/kubernetes#71398 and #115761,
 * the fix #123535 was closed unmerged), so the node comes back, with K3s's --node-label labels
 * and --node-taint taints, when k3s restarts (reboot, power cycle, k3s-restart).
 */
export function deleteNode(sim: Simulation, node: SimNode): string | undefined {
  const failed = notFound(`kubectl delete node ${node.name}`, node);
  if (failed) return failed;
  node.registered = false;
  // The running kubelet (this epoch) never registers again; the next one does.
  node.nodeObjectDeletedEpoch = node.epoch;
  node.apiReady = 'Unknown';
  node.apiMemoryPressure = false;
  node.apiDiskPressure = false;
  node.pressureUnknown = false;
  node.apiTaints.splice(0, node.apiTaints.length);
  const still = node.k3s === 'running' ? '; its kubelet keeps running but does not register it again until k3s restarts' : '';
  sim.emit('node.deleted', `node/${node.name}`, 'api', `Node ${node.name} deleted${still}`, { pods: node.pods.size });
  for (const pod of node.pods) sim.serviceMonitor.markDirty(pod);
  sim.scheduler.onClusterChanged();
  sim.controllers.markAllDirty();
  podGc(sim).wake();
  return undefined;
}

/**
 * `kubectl taint nodes NODE node.kubernetes.io/out-of-service=nodeshutdown:NoExecute`
 * (K8sDocs concepts/cluster-administration/node-shutdown#non-graceful-node-shutdown). With
 * NoExecute the taint manager evicts every pod that does not tolerate it at once; on a node that
 * is not Ready the pod GC then force-deletes its terminating pods (gcTerminating), and the
 * attach/detach controller detaches their volumes without waiting out maxWaitForUnmountDuration
 * (6 min; KK pkg/controller/volume/attachdetach/reconciler/reconciler.go), so a StatefulSet's pod is
 * recreated. A local-path volume cannot follow it: its PersistentVolume's node affinity keeps
 * the new pod Pending for the tainted node.
 */
export function addOutOfService(sim: Simulation, node: SimNode, effect: 'NoExecute' | 'NoSchedule'): string | undefined {
  const failed = notFound(`kubectl taint nodes ${node.name} ${outOfServiceTaintKey}`, node);
  if (failed) return failed;
  const taint: Taint = { key: outOfServiceTaintKey, value: 'nodeshutdown', effect };
  sim.lifecycle.addTaint(node, taint);
  sim.scheduler.onClusterChanged();
  sim.controllers.markAllDirty();
  podGc(sim).wake();
  return undefined;
}

/** `kubectl taint nodes NODE node.kubernetes.io/out-of-service-`: every effect of the key goes. */
export function removeOutOfService(sim: Simulation, node: SimNode): string | undefined {
  const command = `kubectl taint nodes ${node.name} ${outOfServiceTaintKey}-`;
  const failed = notFound(command, node);
  if (failed) return failed;
  const effects = node.apiTaints.filter((t) => t.key === outOfServiceTaintKey).map((t) => t.effect);
  if (effects.length === 0) return `${command} failed: taint "${outOfServiceTaintKey}" not found; nothing was changed`;
  for (const effect of effects) sim.lifecycle.removeTaint(node, outOfServiceTaintKey, effect);
  sim.controllers.markAllDirty();
  return undefined;
}
