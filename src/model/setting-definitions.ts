/**
 * The Kubernetes and K3s timing and policy constants the model uses, each with its
 * default, the source of that default, and the versions it applies to. Users override
 * any of them per cluster (`spec.settings`); `resolveSettings()` (settings.ts) fills the
 * rest from this one frozen table, so no default is written anywhere else.
 *
 * Sources use the shorthand of `../shared/calibration.md`: KK = kubernetes/kubernetes,
 * K8sDocs = kubernetes.io/docs, K3s = k3s-io/k3s, K3sDocs = docs.k3s.io.
 *
 * Pure module: no I/O, usable from the simulation core.
 */

export type SettingKind = 'duration' | 'number' | 'bytes' | 'bytes-or-none' | 'rate' | 'boolean';

interface SettingDefinition {
  readonly kind: SettingKind;
  readonly description: string;
  /** The default for a cluster of the given Kubernetes minor version. */
  readonly default: (minor: number) => number | boolean | null;
  readonly source: string;
}

const MiB = 1024 * 1024;

function define<const T extends Record<string, SettingDefinition>>(table: T): T {
  return Object.freeze(table);
}

export const settingDefinitions = define({
  // --- kubelet ---------------------------------------------------------------
  nodeStatusUpdateFrequency: {
    kind: 'duration',
    description: 'how often the kubelet computes and posts node status',
    default: () => 10,
    source:
      'KK pkg/kubelet/apis/config/v1beta1/defaults.go (SetDefaults_KubeletConfiguration); K3s does not change it (calibration.md 2.3)',
  },
  nodeLeaseDuration: {
    kind: 'duration',
    description: 'kubelet node Lease duration; renewed every quarter of it',
    default: () => 40,
    source: 'KK pkg/kubelet/apis/config/v1beta1/defaults.go (nodeLeaseDurationSeconds); renew fraction 0.25 in pkg/kubelet/kubelet.go',
  },
  evictionHardMemoryAvailable: {
    kind: 'bytes-or-none',
    description: 'kubelet hard eviction threshold memory.available; none means the kernel OOM killer acts instead',
    // K3s sets only imagefs/nodefs thresholds, which disables the memory one.
    default: () => null,
    source:
      'K3s pkg/daemons/agent/agent.go (defaultKubeletConfig evictionHard: imagefs.available<5%, nodefs.available<5%); ' +
      'upstream 100Mi in KK pkg/kubelet/eviction/defaults_linux.go',
  },
  evictionMonitoringPeriod: {
    kind: 'duration',
    description: 'how often the kubelet eviction manager checks thresholds',
    default: () => 10,
    source: 'KK pkg/kubelet/kubelet.go (evictionMonitoringPeriod)',
  },
  evictionPressureTransitionPeriod: {
    kind: 'duration',
    description: 'how long a node keeps a pressure condition after the signal clears',
    default: () => 300,
    source: 'KK pkg/kubelet/apis/config/v1beta1/defaults.go',
  },
  maxPods: {
    kind: 'number',
    description: 'pods per node the kubelet accepts',
    default: () => 110,
    source: 'KK pkg/kubelet/apis/config/v1beta1/defaults.go',
  },
  serializeImagePulls: {
    kind: 'boolean',
    description: 'pull one image at a time per node',
    default: () => false,
    source: 'K3s pkg/daemons/agent/agent.go sets serializeImagePulls=false with containerd (upstream true)',
  },
  crashLoopBackOffInitial: {
    kind: 'duration',
    description: 'first container restart back-off',
    default: () => 10,
    source: 'KK pkg/kubelet/kubelet.go (containerBackOffPeriod); K8sDocs concepts/workloads/pods/pod-lifecycle/#container-restarts',
  },
  crashLoopBackOffMax: {
    kind: 'duration',
    description: 'cap of the doubling container restart back-off',
    default: () => 300,
    source: 'KK pkg/kubelet/kubelet.go (MaxContainerBackOff)',
  },
  crashLoopBackOffReset: {
    kind: 'duration',
    description: 'a container running this long without a problem resets its back-off',
    default: () => 600,
    source: 'K8sDocs concepts/workloads/pods/pod-lifecycle/#container-restarts',
  },
  imagePullBackOffInitial: {
    kind: 'duration',
    description: 'first image pull back-off',
    default: () => 10,
    source: 'KK pkg/kubelet/kubelet.go (imageBackOffPeriod)',
  },
  imagePullBackOffMax: {
    kind: 'duration',
    description: 'cap of the image pull back-off',
    default: () => 300,
    source: 'KK pkg/kubelet/kubelet.go (MaxImageBackOff)',
  },
  // --- kube-controller-manager ---------------------------------------------------
  nodeMonitorPeriod: {
    kind: 'duration',
    description: 'how often the node lifecycle controller checks node health',
    default: () => 5,
    source: 'KK pkg/controller/apis/config/v1alpha1/defaults.go (NodeMonitorPeriod)',
  },
  nodeMonitorGracePeriod: {
    kind: 'duration',
    description: 'silence after which a node is marked Unknown/NotReady',
    default: (minor) => (minor >= 32 ? 50 : 40),
    source:
      'KK CHANGELOG/CHANGELOG-1.32.md (PR kubernetes/kubernetes#126287: 40s up to 1.31, 50s from 1.32); ' +
      'K3s does not override it (K3s pkg/daemons/control/server.go)',
  },
  nodeStartupGracePeriod: {
    kind: 'duration',
    description: 'grace for a newly registered node before it may be marked unhealthy',
    default: () => 60,
    source: 'KK pkg/controller/nodelifecycle/config/v1alpha1/defaults.go',
  },
  nodeEvictionRate: {
    kind: 'number',
    description: 'nodes per second whose pods are tainted for eviction in a healthy zone',
    default: () => 0.1,
    source: 'K8sDocs concepts/architecture/nodes/#rate-limits-on-eviction',
  },
  secondaryNodeEvictionRate: {
    kind: 'number',
    description: 'eviction rate in a partially disrupted zone of a large cluster',
    default: () => 0.01,
    source: 'K8sDocs concepts/architecture/nodes/#rate-limits-on-eviction',
  },
  largeClusterSizeThreshold: {
    kind: 'number',
    description: 'at or below this many nodes a partially disrupted zone evicts nothing',
    default: () => 50,
    source: 'K8sDocs concepts/architecture/nodes/#rate-limits-on-eviction; KK node_lifecycle_controller.go (ReducedQPSFunc)',
  },
  unhealthyZoneThreshold: {
    kind: 'number',
    description: 'share of NotReady nodes (with more than 2 NotReady) that makes a zone partially disrupted',
    default: () => 0.55,
    source: 'K8sDocs concepts/architecture/nodes/#rate-limits-on-eviction; KK node_lifecycle_controller.go (ComputeZoneState)',
  },
  defaultNotReadyTolerationSeconds: {
    kind: 'duration',
    description: 'toleration added to pods for node.kubernetes.io/not-ready:NoExecute',
    default: () => 300,
    source: 'KK plugin/pkg/admission/defaulttolerationseconds/admission.go',
  },
  defaultUnreachableTolerationSeconds: {
    kind: 'duration',
    description: 'toleration added to pods for node.kubernetes.io/unreachable:NoExecute',
    default: () => 300,
    source: 'KK plugin/pkg/admission/defaulttolerationseconds/admission.go',
  },
  leaderElectionLeaseDuration: {
    kind: 'duration',
    description: 'controller-manager/scheduler leader lease duration',
    default: () => 15,
    source: 'KK staging/src/k8s.io/component-base/config/v1alpha1/defaults.go (RecommendedDefaultLeaderElectionConfiguration)',
  },
  leaderElectionRenewDeadline: {
    kind: 'duration',
    description: 'a leader that cannot renew within this gives up leadership',
    default: () => 10,
    source: 'KK staging/src/k8s.io/component-base/config/v1alpha1/defaults.go',
  },
  leaderElectionRetryPeriod: {
    kind: 'duration',
    description: 'how often candidates try to acquire or renew leadership',
    default: () => 2,
    source: 'KK staging/src/k8s.io/component-base/config/v1alpha1/defaults.go',
  },
  // --- scheduler -------------------------------------------------------------------
  podInitialBackoff: {
    kind: 'duration',
    description: 'first back-off of an unschedulable pod',
    default: () => 1,
    source: 'KK pkg/scheduler/apis/config/v1/defaults.go (podInitialBackoffSeconds)',
  },
  podMaxBackoff: {
    kind: 'duration',
    description: 'cap of the unschedulable pod back-off',
    default: () => 10,
    source: 'KK pkg/scheduler/apis/config/v1/defaults.go (podMaxBackoffSeconds)',
  },
  podMaxInUnschedulablePodsDuration: {
    kind: 'duration',
    description: 'longest a pod waits in the unschedulable pool before it is retried anyway',
    default: () => 300,
    source: 'KK pkg/scheduler/internal/queue/scheduling_queue.go (DefaultPodMaxInUnschedulablePodsDuration)',
  },
  // --- workloads -------------------------------------------------------------------
  terminationGracePeriod: {
    kind: 'duration',
    description: 'default pod terminationGracePeriodSeconds',
    default: () => 30,
    source: 'K8sDocs reference/kubernetes-api/workload-resources/pod-v1/',
  },
  podGcOrphanQuarantine: {
    kind: 'duration',
    description: 'pods bound to a deleted Node are force-deleted after this',
    default: () => 40,
    source: 'KK pkg/controller/podgc/gc_controller.go (quarantineTime)',
  },
  // --- hardware and K3s overhead ---------------------------------------------------
  firmwareMemoryReserve: {
    kind: 'bytes',
    description: 'RAM the firmware (GPU split) and kernel keep; capacity = RAM minus this',
    default: () => 118 * MiB,
    source: 'derived: a 1 GB Pi 3B+ node reports about 906 Mi memory capacity (1024 - 906 Mi)',
  },
  osMemoryUsage: {
    kind: 'bytes',
    description: 'memory the OS (systemd, sshd, journald) uses outside Kubernetes',
    default: () => 80 * MiB,
    source: 'estimate: Raspberry Pi OS Lite at idle',
  },
  k3sServerMemory: {
    kind: 'bytes',
    description: 'memory of the k3s server process (API server, controllers, scheduler, kine/SQLite, its own kubelet)',
    default: () => 512 * MiB,
    source:
      'K3sDocs reference/resource-profiling, v1.19.2 profile: K3s cluster with a single agent 512 MB (calibration.md 2.4); ' +
      'the v1.26 profile (1215 MB) was taken on an 8 GB Pi where the Go heap is not under pressure',
  },
  k3sEtcdExtraMemory: {
    kind: 'bytes',
    description: 'extra server memory with embedded etcd instead of SQLite',
    default: () => 198 * MiB,
    source: 'derived: K3sDocs reference/resource-profiling, Pi 4B 1413 MB (etcd) - 1215 MB (SQLite)',
  },
  k3sAgentMemory: {
    kind: 'bytes',
    description: 'memory of the k3s agent process (kubelet, containerd, flannel, kube-proxy)',
    default: () => 268 * MiB,
    source: 'K3sDocs reference/resource-profiling: K3s agent 268 MB on a Pi 4B (calibration.md 2.4)',
  },
  k3sServerCpu: {
    kind: 'number',
    description: "CPU of the k3s server at rest, in millicores of a Pi 4 (scaled by each board's performance)",
    default: () => 250,
    source: 'K3sDocs reference/resource-profiling: server with one agent 25 % of a Pi 4B core',
  },
  k3sAgentCpu: {
    kind: 'number',
    description: 'CPU of the k3s agent at rest, in millicores of a Pi 4',
    default: () => 100,
    source: 'K3sDocs reference/resource-profiling: K3s agent 10 % of a Pi 4B core (summary table)',
  },
  k3sServerStartTime: {
    kind: 'duration',
    description: 'k3s server start until the API answers, on a Pi 4 with microSD (scaled by CPU)',
    default: () => 30,
    source: 'estimate: not documented (calibration.md 2.5); seed 001 states "fast startup (under 1 minute)"',
  },
  k3sAgentStartTime: {
    kind: 'duration',
    description: 'k3s agent start until the kubelet registers, on a Pi 4 (scaled by CPU)',
    default: () => 10,
    source: 'estimate: not documented (calibration.md 2.5)',
  },
  osPreparationTime: {
    kind: 'duration',
    description: 'install script preparing the OS before the cgroup reboot (apt packages, cmdline.txt), on a Pi 4',
    default: () => 20,
    source:
      'estimate: seed 000 scripts update the OS and enable cgroups ' +
      '(cgroup_memory=1 cgroup_enable=memory, calibration.md 2.5) before rebooting',
  },
  k3sBinarySize: {
    kind: 'bytes',
    description: 'size of the k3s binary the install script downloads',
    default: () => 70e6,
    source: 'estimate: k3s-arm64 release assets are about 60-70 MB',
  },
  nodeReadyAfterRegistration: {
    kind: 'duration',
    description: 'kubelet registration until it reports Ready (flannel CNI up), on a Pi 4 (scaled by CPU)',
    default: () => 5,
    source: 'estimate: K3s writes the flannel CNI config once the node has its pod CIDR',
  },
  podStopTime: {
    kind: 'duration',
    description: 'time a container takes to exit after SIGTERM (bounded by terminationGracePeriodSeconds)',
    default: () => 1,
    source: 'estimate: typical services exit promptly on SIGTERM',
  },
  containerStartTime: {
    kind: 'duration',
    description: 'sandbox and container create/start on a Pi 4 (scaled by CPU)',
    default: () => 1.5,
    source: 'estimate: runc create + CNI setup; no Pi measurement published',
  },
  decompressRate: {
    kind: 'rate',
    description: 'gzip layer decompression on one Pi 4 core (scaled by CPU)',
    default: () => 60e6,
    source: 'estimate: single-threaded gunzip on Cortex-A72; pulls are CPU- and IO-bound on Pis (K3sDocs reference/resource-profiling)',
  },
  internetBandwidth: {
    kind: 'rate',
    description: 'downlink from the image registry to the site, shared by all nodes pulling at once',
    default: () => 100e6 / 8,
    source: 'estimate: a 100 Mbit/s home or lab Internet line; set your own',
  },
  shutdownTime: {
    kind: 'duration',
    description: 'orderly shutdown before a reboot',
    default: () => 5,
    source: 'estimate: systemd stopping k3s and containers',
  },
  datastoreWritesPerRequest: {
    kind: 'number',
    description: 'synchronous disk writes (fsync) per datastore transaction',
    default: () => 3,
    source: 'estimate: SQLite WAL commit and checkpoint; etcd WAL append and raft log',
  },
  etcdElectionTimeout: {
    kind: 'duration',
    description: 'etcd election timeout; a leader whose disk stalls longer loses leadership',
    default: () => 1,
    source: 'etcd docs tuning: --election-timeout default 1000 ms',
  },
  rancherStartTime: {
    kind: 'duration',
    description: 'Rancher server container start until its UI and API answer',
    default: () => 120,
    source: 'estimate: single-node Docker install on an x86 host',
  },
  rancherAgentConnectTime: {
    kind: 'duration',
    description: 'cattle-cluster-agent start until its tunnel to Rancher is up',
    default: () => 5,
    source: 'estimate: ping check and websocket connect',
  },
  bootJitter: {
    kind: 'number',
    description: 'relative jitter drawn from the seed on every modelled delay (0 = none)',
    default: () => 0.05,
    source: 'modelling choice: spreads simultaneous events the way real machines do',
  },
});

export type SettingName = keyof typeof settingDefinitions;

/** Upstream kubelet's memory eviction default, for users who want to opt in (K8sDocs node-pressure-eviction). */
export const upstreamEvictionHardMemoryAvailable = 100 * MiB;
