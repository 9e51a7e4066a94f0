/**
 * The heartbeat phase a fault lands in. On a real cluster it cannot be known ahead: each
 * kubelet renews its node Lease every quarter of the lease duration with 4 % jitter, counted from
 * the end of the previous renewal (KK staging/src/k8s.io/component-helpers/apimachinery/lease/
 * controller.go, wait.JitterUntil 0.04 sliding), so its phase drifts; and the node lifecycle
 * controller's passes every nodeMonitorPeriod keep a phase of their own (KK pkg/controller/
 * nodelifecycle/node_lifecycle_controller.go). A node cut off is marked NotReady anywhere from
 * grace − interval to grace + period after the cut. Two estimates place it (settings
 * `heartbeatDueAtFault`, `nodeMonitorLag`, shares of the interval and the period) at every
 * fault, as minutes of drift leave each fault's phase unknown anew; their ends are the early and
 * the late extremes, so the range sweep states the whole span.
 * Pure module: no I/O, no clock.
 */
import type { ModelSettings } from '../model/settings.js';

export interface HeartbeatGrid {
  /** When each kubelet whose phase is not known last renewed its Lease before the fault. */
  readonly renewed: number;
  /** The controller's first pass at or after time t. */
  passAtOrAfter(t: number): number;
  /** The controller's first pass strictly after time t. */
  passAfter(t: number): number;
}

/** Keeps an end of a share off the exact tie a periodic grid cannot break (a pass at the very instant of a renewal). */
const tie = 1e-6;

/**
 * The grid at a fault at `now`, for kubelets renewing every `interval` seconds. `passes`: a time
 * the controller's passes already keep to (while a node lost earlier is still waiting for one,
 * they are not moved), else they are put `nodeMonitorLag` after the renewals.
 */
export function heartbeatGridAtFault(
  now: number,
  interval: number,
  settings: Pick<ModelSettings, 'nodeMonitorPeriod' | 'heartbeatDueAtFault' | 'nodeMonitorLag'>,
  passes?: number,
): HeartbeatGrid {
  const period = settings.nodeMonitorPeriod;
  // Due at the very moment of the fault (0) is just after it: the fault comes first.
  const renewed = now - (1 - Math.max(settings.heartbeatDueAtFault, tie)) * interval;
  const first = passes ?? renewed + Math.min(Math.max(settings.nodeMonitorLag, tie), 1 - tie) * period;
  return {
    renewed,
    passAtOrAfter: (t) => first + Math.ceil((t - first) / period) * period,
    passAfter: (t) => first + (Math.floor((t - first) / period) + 1) * period,
  };
}
