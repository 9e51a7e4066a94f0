/**
 * The timeline: what happened during a run, as both engines report it. Expectations
 * and reports read only this, so a scenario judged on the `sim` engine is judged the
 * same way on `k3d`.
 *
 * Each event says which view it belongs to:
 * - `truth`: what physically happened (power, processes, memory), which `kubectl` cannot see;
 * - `api`: what the Kubernetes API recorded (conditions, taints, pod phases, endpoints).
 * The gap between the two (a powered-off node's pods still shown Running) is the point.
 */

export type TimelineView = 'truth' | 'api';

/** `node.oomKiller` victim (details.victim) when the kernel kills memory taken outside Kubernetes (memory-fill). */
export const outsideKubernetesVictim = 'outside Kubernetes';

export const timelineEventKinds = [
  // run and faults
  'run.started',
  'run.finished',
  'fault.injected',
  'fault.healed',
  'fault.notApplied',
  /** A fault that goes through the API (scale, rollout restart) when the API does not answer: kubectl fails. */
  'fault.failed',
  'bringup.step',
  // nodes, ground truth
  'node.power',
  'node.booted',
  'node.k3s',
  'node.network',
  'node.storage',
  'node.oomKiller',
  // swap below Kubernetes (#17 item 8): zram or the swap file in use, swap file traffic slowing probes
  'node.swap',
  // nodes, API
  'node.registered',
  'node.condition',
  'node.taint',
  'zone.state',
  // node maintenance (delete-node, graceful shutdown): the Node object deleted; an orderly shutdown the kubelet delays
  'node.deleted',
  'node.shutdown',
  // pods
  'pod.created',
  'pod.scheduled',
  'pod.unschedulable',
  /**
   * The kubelet could not mount a volume (FailedMount, as `kubectl describe pod` shows it): the pod stays
   * ContainerCreating and the kubelet tries again (details.server: an NFS server that does not answer).
   */
  'pod.mountFailed',
  'pod.pulling',
  'pod.pulled',
  'pod.started',
  'pod.ready',
  'pod.unready',
  'pod.oomKilled',
  'pod.backOff',
  'pod.evicted',
  'pod.terminating',
  'pod.deleted',
  'pod.succeeded',
  'pod.failed',
  'pod.stopped',
  // workloads and services
  'workload.ready',
  'workload.degraded',
  // Jobs and CronJobs (#17): a Job's terminal condition as `kubectl get job` shows it (status.conditions
  // Complete / Failed with its reason), a CronJob starting a Job, and a schedule it missed or skipped.
  'job.complete',
  'job.failed',
  'cronjob.scheduled',
  'cronjob.missed',
  // Deployments (#17): Progressing=False, reason ProgressDeadlineExceeded (no rollout progress for progressDeadlineSeconds).
  'workload.progressDeadlineExceeded',
  'service.outageStarted',
  'service.outageEnded',
  // control plane
  'api.available',
  'api.unavailable',
  /**
   * The API as reached through a gateway (a role: external machine running haproxy in front of the servers,
   * subject `node/<name>`): what kubectl and anyone else given that address see.
   */
  'gateway.available',
  'gateway.unavailable',
  'datastore.quorumLost',
  'datastore.quorumRegained',
  'datastore.slow',
  'leader.lost',
  'leader.acquired',
  // Rancher
  'rancher.available',
  'rancher.unavailable',
  'rancher.agentConnected',
  'rancher.agentDisconnected',
  // maintenance (cordon, drain, k3s-upgrade)
  /** spec.unschedulable set (details.unschedulable true) or cleared by kubectl cordon / uncordon. */
  'node.cordon',
  /** A drain's progress: details.state is started, finished, timedOut or failed. */
  'node.drain',
  /** The Eviction API refused a pod (429): a PodDisruptionBudget allows no disruption now; kubectl retries. */
  'pod.evictionBlocked',
  /** A k3s-upgrade plan has gone through every node (details.version), or stopped (details.state failed). */
  'upgrade.finished',
] as const;

export type TimelineEventKind = (typeof timelineEventKinds)[number];

export type DetailValue = string | number | boolean | null;

export interface TimelineEvent {
  /** Seconds since the start of the run. */
  readonly t: number;
  readonly kind: TimelineEventKind;
  /** `node/dcn3`, `pod/default/web-7f9c-abcde`, `service/default/web`, `workload/default/Deployment/web`, `api`, `rancher`, `fault/f1`. */
  readonly subject: string;
  readonly view: TimelineView;
  /** One human sentence, as a report prints it. */
  readonly message: string;
  readonly details?: Readonly<Record<string, DetailValue>>;
}

/** Per-node samples, one value per sample time. */
export interface NodeSeries {
  /** Millicores in use (pods plus OS and K3s). */
  readonly cpu: number[];
  /** Bytes in use (pods plus OS and K3s). */
  readonly memory: number[];
  /** 1 when the API shows the node Ready, 0 otherwise. */
  readonly ready: number[];
  /** 1 when the node is powered, 0 otherwise. */
  readonly powered: number[];
  /** Watts drawn. */
  readonly watts: number[];
  readonly capacityCpu: number;
  readonly capacityMemory: number;
  readonly allocatableCpu: number;
  readonly allocatableMemory: number;
}

/** Sampled series of a run. */
export interface TimelineSeries {
  /** Seconds between samples. */
  readonly interval: number;
  readonly times: number[];
  readonly nodes: Record<string, NodeSeries>;
  /** Pods by API phase (Pending, Running, Succeeded, Failed, Terminating). */
  readonly podsByPhase: Record<string, number[]>;
  /** Per workload (`Deployment/default/web`): pods Ready in the API. */
  readonly workloadsReady: Record<string, number[]>;
  /** Per service (`default/web`): share of requests that would be served, 0..1. */
  readonly serviceAvailability: Record<string, number[]>;
  /** Whole-cluster power draw in watts. */
  readonly watts: number[];
}

export interface Timeline {
  readonly events: TimelineEvent[];
  readonly series: TimelineSeries;
  /** Virtual (sim) or wall-clock (k3d) seconds covered. */
  readonly duration: number;
}
