/**
 * The Lease renewal still on its way when a link's delay outlasts the kubelet's heartbeat timeout. The kubelet
 * gives up on it and falls back to reading the Lease, which cannot come back in time either (KK staging/src/
 * k8s.io/component-helpers/apimachinery/lease/controller.go: renewLease fails, backoffEnsureLease retries the
 * GET), so no later renewal lands; but the update already sent still reaches the API server `delay` after it
 * left and renews the Lease once more, so the node lifecycle controller counts its grace period from there.
 * On real nodes (twin-netq, 12 s per packet) a node went NotReady 59 s after the fault, where counting from
 * the last renewal before it gives about 38 s (docs/model-vs-real.md, "link-loss"). Applies to agents only: a
 * server's kubelet talks to its own API server. Pure apart from the event it schedules.
 */
import { healthyLink } from './link.js';
import type { NodeLifecycleContext } from './context.js';
import { Priority } from './priority.js';
import type { SimNode } from './state.js';

/**
 * A kubelet lost the API at this instant with its last renewal at `renewed`: when the link alone cuts it off
 * and delays more than it drops, the renewal due next lands `delay` after it was sent, on the same kubelet.
 */
export function landRenewalInFlight(ctx: NodeLifecycleContext, node: SimNode, renewed: number, interval: number): void {
  const { delay, loss } = node.link;
  if (node.isServer || delay <= 0 || loss >= 0.5 || !ctx.controlPlane.nodeReachesApi(node, false, healthyLink())) return;
  const sent = renewed + interval;
  const epoch = node.epoch;
  ctx.env.at(sent + delay, Priority.kubelet, () => {
    if (
      node.epoch === epoch &&
      !node.heartbeatHealthy &&
      node.link.delay > 0 &&
      ctx.controlPlane.nodeReachesApi(node, false, healthyLink())
    )
      node.lastRenewFrozen = Math.max(node.lastRenewFrozen, sent);
  });
}
