/**
 * Defaults for what a manifest cannot express, each with its source. Shared by the workload
 * reader and the pod-template reader; the capacity planner prints the assumptions it used.
 */

/** Defaults for behaviour manifests cannot express; all estimates, each overridable by annotation. */
export const workloadDefaults = Object.freeze({
  memoryUsageWithoutRequest: { value: 32 * 1024 * 1024, source: 'estimate: a small Go/Node service at rest; set twin.dev/memory-usage' },
  cpuUsageWithoutRequest: { value: 10, source: 'estimate: an idle service; set twin.dev/cpu-usage' },
  jobRunDuration: { value: 30, source: 'estimate: set twin.dev/run-duration on Jobs' },
  readinessPeriod: {
    value: 10,
    source: 'K8sDocs tasks/configure-pod-container/configure-liveness-readiness-startup-probes (periodSeconds 10)',
  },
  readinessFailureThreshold: { value: 3, source: 'same page (failureThreshold 3)' },
  readinessTimeout: { value: 1, source: 'same page (timeoutSeconds 1)' },
  terminationGracePeriod: { value: 30, source: 'K8sDocs reference/kubernetes-api/workload-resources/pod-v1/' },
  surge: { value: '25%', source: 'K8sDocs concepts/workloads/controllers/deployment/ (maxSurge, maxUnavailable 25%)' },
  backoffLimit: { value: 6, source: 'K8sDocs concepts/workloads/controllers/job/ (backoffLimit defaults to 6)' },
  jobBackoffInitial: {
    value: 10,
    source: 'K8sDocs concepts/workloads/controllers/job/#pod-backoff-failure-policy (10 s, 20 s, 40 s …); KK DefaultJobPodFailureBackOff',
  },
  progressDeadlineSeconds: {
    value: 600,
    source:
      'K8sDocs concepts/workloads/controllers/deployment/#progress-deadline-seconds (defaults to 600); KK pkg/apis/apps/v1 defaults.go',
  },
  jobBackoffMax: { value: 360, source: 'same page ("capped at six minutes"); KK job_controller.go MaxJobPodFailureBackOff' },
});

/** The priority of the built-in classes (K8sDocs concepts/scheduling-eviction/pod-priority-preemption). */
export const builtinPriorityClasses: Readonly<Record<string, number>> = {
  'system-node-critical': 2000001000,
  'system-cluster-critical': 2000000000,
};
