/**
 * The heartbeat phase a kubelet is in when it loses the API. On a real cluster it cannot be known
 * ahead: each kubelet renews its node Lease every quarter of the lease duration with 4 % jitter,
 * counted from the end of the previous renewal (KK staging/src/k8s.io/component-helpers/
 * apimachinery/lease/controller.go, wait.JitterUntil 0.04 sliding), so its phase drifts; and the
 * node lifecycle controller's passes every nodeMonitorPeriod keep a phase of their own, stamping
 * the probe time when a pass sees a newer renewal (KK pkg/controller/nodelifecycle/
 * node_lifecycle_controller.go). A node cut off is marked NotReady anywhere from grace − interval
 * to grace + period after the cut. Two estimates place it (settings `heartbeatDueAtLoss`,
 * `nodeMonitorLag`: shares of the interval and of the period); their ends are the early and the
 * late extremes, so the range sweep states the whole span. Pure module: no I/O, no clock.
 */
import type { ModelSettings } from '../model/settings.js';

/** Lease renew interval = 0.25 × lease duration (KK pkg/kubelet/kubelet.go nodeLeaseRenewIntervalFraction). */
export const renewFraction = 0.25;

/** Keeps an end of a share off the exact tie a periodic grid cannot break (a pass at the very instant of a renewal). */
const tie = 1e-6;

const share = (value: number) => Math.min(Math.max(value, tie), 1 - tie);

/** The last renewal of a kubelet that loses the API at `now` with its phase unknown (never before its first, `since`). */
export function lastRenewalAtLoss(
  now: number,
  interval: number,
  since: number,
  settings: Pick<ModelSettings, 'heartbeatDueAtLoss'>,
): number {
  // Due at the very moment of the loss (0) is just after it: the loss comes first.
  return Math.max(now - (1 - Math.max(settings.heartbeatDueAtLoss, tie)) * interval, since);
}

/** The controller's passes: every `period` seconds through `anchor`. */
export class PassGrid {
  constructor(
    readonly anchor: number,
    readonly period: number,
  ) {}

  /** Passes put `nodeMonitorLag` of a period after a renewal at `renewed`. */
  static after(renewed: number, settings: Pick<ModelSettings, 'nodeMonitorPeriod' | 'nodeMonitorLag'>): PassGrid {
    return new PassGrid(renewed + share(settings.nodeMonitorLag) * settings.nodeMonitorPeriod, settings.nodeMonitorPeriod);
  }

  atOrAfter(t: number): number {
    return this.anchor + Math.ceil((t - this.anchor) / this.period) * this.period;
  }

  atOrBefore(t: number): number {
    return this.anchor + Math.floor((t - this.anchor) / this.period) * this.period;
  }

  after(t: number): number {
    return this.atOrBefore(t) + this.period;
  }
}

export interface LossPhase {
  /** The kubelet's last Lease renewal. */
  readonly renewed: number;
  /** The controller's passes from now on. */
  readonly grid: PassGrid;
  /** The last renewal the controller had seen by now and the pass that saw it; null when it had seen none since the first. */
  readonly seen: { readonly renewal: number; readonly at: number } | null;
}

/**
 * Where a kubelet that loses the API at `now` stands: its last renewal (`known`, from a live Lease,
 * or the estimate), the controller's passes (`passes`: kept where they are, or put `nodeMonitorLag`
 * after that renewal) and what those passes had seen of its renewals, one every `interval` since `since`.
 */
export function phaseAtLoss(
  now: number,
  interval: number,
  since: number,
  known: number | null,
  passes: PassGrid | null,
  settings: Pick<ModelSettings, 'heartbeatDueAtLoss' | 'nodeMonitorPeriod' | 'nodeMonitorLag'>,
): LossPhase {
  const renewed = known ?? lastRenewalAtLoss(now, interval, since, settings);
  const grid = passes ?? PassGrid.after(renewed, settings);
  const lastPass = grid.atOrBefore(now);
  const renewal = renewed <= lastPass ? renewed : renewed - Math.ceil((renewed - lastPass) / interval) * interval;
  return { renewed, grid, seen: renewal >= since ? { renewal, at: grid.atOrAfter(renewal) } : null };
}

/**
 * When a kubelet that kept running while cut off from the API, and was marked NotReady meanwhile, posts its Ready
 * condition again: at the next tick of its status loop (KK pkg/kubelet/kubelet.go Run: wait.JitterUntil(syncNodeStatus,
 * nodeStatusUpdateFrequency, 0.04, sliding)), where tryUpdateNodeStatus finds its status changed from the API's and
 * patches it; `statusDueAtReconnect` of an interval after `now`. The Lease renewal that comes first changes no condition.
 */
export function nextStatusPost(now: number, settings: Pick<ModelSettings, 'statusDueAtReconnect' | 'nodeStatusUpdateFrequency'>): number {
  return now + settings.statusDueAtReconnect * settings.nodeStatusUpdateFrequency;
}
