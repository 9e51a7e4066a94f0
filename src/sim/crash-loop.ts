/**
 * When a container that ended in back-off is shown in CrashLoopBackOff and restarted (KK v1.31.4). The kubelet's
 * sync that finds the container in back-off fails, and its pod worker tries the pod again `retry` seconds later
 * (setting podWorkerRetry; pod_workers.go completeWork, kubernetes/kubernetes#123602). A readiness probe whose
 * result turns from success to failure syncs the pod too, at its next tick (kubelet.go handleProbeSync); each
 * failed sync sets the next try `retry` after it. The API shows the container terminated (OOMKilled, Error)
 * until the first of those syncs, which publishes CrashLoopBackOff, and the container restarts at the first
 * sync past the back-off: that sync or the try `retry` after it if the back-off is over by then, else half a
 * retry past the back-off, the mean wait for the next of tries `retry` apart on average (each jittered).
 * With `retry` 0 (Kubernetes 1.35, which requeues at the back-off's expiry) it shows at once and restarts when the
 * back-off ends. Pure.
 */
import { readinessProbe } from '../model/pod-template.js';
import type { SimPod } from './state.js';

export function crashLoopTiming(backoff: number, retry: number, probeSyncIn = Infinity): { shownIn: number; restartIn: number } {
  if (backoff <= 0) return { shownIn: 0, restartIn: 0 };
  if (retry <= 0) return { shownIn: 0, restartIn: backoff };
  const shownIn = Math.min(probeSyncIn, retry);
  if (shownIn >= backoff) return { shownIn, restartIn: shownIn };
  const next = shownIn + retry;
  // Further on, the tries' jitter has lost their phase: the next comes half a retry past the back-off on average.
  return { shownIn, restartIn: next >= backoff ? next : backoff + retry / 2 };
}

/**
 * Seconds from `now` to the next tick of the readiness probe of a container that was Ready when it ended
 * (ticks every periodSeconds from its start plus initialDelaySeconds); Infinity without one.
 */
export function readinessSyncIn(pod: SimPod, wasReady: boolean, now: number): number {
  const probe = readinessProbe(pod.template);
  if (!wasReady || !probe || probe.period <= 0) return Infinity;
  const first = pod.startedAt + probe.initialDelay;
  return first > now ? first - now : probe.period - ((now - first) % probe.period);
}
