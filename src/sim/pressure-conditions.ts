/**
 * The pressure conditions of a node whose kubelet went silent, and of its return.
 *
 * When the node lifecycle controller finds a node's status and Lease older than the grace period,
 * it sets Ready, MemoryPressure, DiskPressure and PIDPressure all to Unknown in one status update
 * (reason NodeStatusUnknown, "Kubelet stopped posting node status."; NetworkUnavailable is left
 * alone): KK pkg/controller/nodelifecycle/node_lifecycle_controller.go tryUpdateNodeHealth. Its
 * NoSchedule tainting pass then derives the condition taints from the conditions alone (Ready
 * Unknown → unreachable; a pressure taint only from a pressure condition that is True), so the
 * not-ready and pressure NoSchedule taints go (doNoScheduleTaintingPass,
 * nodeConditionToTaintKeyStatusMap). The kubelet's next status post carries all its conditions
 * again (KK pkg/kubelet/kubelet_node_status.go defaultNodeStatusFuncs).
 */
import type { Emit } from './context.js';
import type { SimNode } from './state.js';
import { taintKeys } from './taints.js';

const pressureTypes = ['MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;

interface Taints {
  removeTaint(node: SimNode, key: string, effect: 'NoSchedule'): void;
}

/** The controller's side: the three pressure conditions go Unknown with Ready, and their taints go. */
export function markPressureUnknown(emit: Emit, taints: Taints, node: SimNode): void {
  node.pressureUnknown = true;
  node.apiMemoryPressure = false;
  node.apiDiskPressure = false;
  for (const type of pressureTypes) {
    emit('node.condition', `node/${node.name}`, 'api', `${node.name} ${type} Unknown: kubelet stopped posting node status`, {
      type,
      status: 'Unknown',
    });
  }
  for (const key of [taintKeys.notReady, taintKeys.memoryPressure, taintKeys.diskPressure]) taints.removeTaint(node, key, 'NoSchedule');
}

/**
 * The kubelet's side: its first status post after the silence reports the pressure conditions it
 * sees. A kubelet's eviction manager raises pressure only on its own next pass (disk-pressure.ts,
 * node-pressure.ts), so the post says False and a pressure that still holds follows as True.
 */
export function postPressureConditions(emit: Emit, node: SimNode): void {
  if (!node.pressureUnknown) return;
  node.pressureUnknown = false;
  for (const type of pressureTypes) {
    emit('node.condition', `node/${node.name}`, 'api', `${node.name} ${type} False: kubelet posts its status again`, {
      type,
      status: 'False',
    });
  }
}
