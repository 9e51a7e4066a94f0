/**
 * Kubelet settings: node status and lease, eviction, pods per node, restart and image pull back-offs.
 * Part of the settings table that `setting-definitions.ts` assembles; sources use the shorthand
 * described there. Pure module: no I/O, usable from the simulation core.
 */
import { define } from './setting-table.js';

export const kubeletSettings = define({
  // --- kubelet ---------------------------------------------------------------
  nodeStatusUpdateFrequency: {
    kind: 'duration',
    description: 'how often the kubelet computes and posts node status',
    default: () => 10,
    source:
      'KK pkg/kubelet/apis/config/v1beta1/defaults.go (SetDefaults_KubeletConfiguration); K3s does not change it (calibration.md 2.3)',
  },
  statusDueAtReconnect: {
    kind: 'number',
    description: "share of the kubelet's status interval until a node marked NotReady while cut off is Ready again",
    default: () => 0.5,
    source:
      'KK pkg/kubelet/kubelet.go Run: the kubelet computes node status from wait.JitterUntil(syncNodeStatus, ' +
      "nodeStatusUpdateFrequency, 0.04, sliding) and patches it when it differs from the API's (kubelet_node_status.go " +
      'tryUpdateNodeStatus), so a kubelet that kept running while cut off and was marked NotReady sets Ready again at ' +
      'the next tick of that loop, whose phase drifts with the jitter; its Lease renewal, retried from 200 ms, changes ' +
      'no condition. 0.5 is the mean; range 0-1 is every phase (a 10 s wait seen on a real partition heal, ' +
      'docs/model-vs-real.md)',
    range: [0, 1],
    maximum: 1,
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
  evictionPassLag: {
    kind: 'number',
    description: "share of evictionMonitoringPeriod from a node's disk filling or freeing to its eviction manager's next pass",
    default: () => 0.5,
    source:
      'KK pkg/kubelet/eviction/eviction_manager.go Start: synchronize runs every monitoringInterval (10 s) from the ' +
      "kubelet's start, a phase no scenario knows; 0.5 is the mean, range 0-1 is every phase (DiskPressure 6 s after a real " +
      "node's kubelet directory filled, docs/model-vs-real.md)",
    range: [0, 1],
    maximum: 1,
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
  podWorkerRetry: {
    kind: 'duration',
    description:
      "how long after a sync that found a container in back-off the kubelet's pod worker tries again: the pod shows " +
      'CrashLoopBackOff from that retry, and restarts at the first retry past the back-off (0: at the back-off itself)' +
      '; past the second retry the jitter has lost their phase, and the model restarts half a retry past the back-off',
    default: () => 12.5,
    source:
      'KK v1.31.4 pkg/kubelet/pod_workers.go completeWork: a failed sync (the back-off error is not suppressed, issue ' +
      'kubernetes/kubernetes#123602) requeues the pod after wait.Jitter(backOffPeriod 10 s, 0.5), so range 10-15 s and ' +
      '12.5 s the mean (pkg/kubelet/kubelet.go backOffPeriod); holds up to 1.34 (PR kubernetes/kubernetes#133066, 1.35, ' +
      'requeues at the back-off expiry: set 0); seen on K3s v1.31.4 (docs/model-vs-real.md, "CrashLoopBackOff on real K3s")',
    range: [10, 15],
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
  // --- graceful node shutdown (K8sDocs concepts/cluster-administration/node-shutdown) ----
  shutdownGracePeriod: {
    kind: 'duration',
    description:
      'how long the kubelet delays an orderly shutdown (reboot, systemctl poweroff) to terminate pods; 0 = graceful node shutdown off',
    // K3s writes no shutdownGracePeriod into the kubelet config it generates (K3s pkg/daemons/agent/agent_linux.go
    // kubeletArgsAndConfig / defaultKubeletConfig), so the kubelet's default applies; users set it with
    // --kubelet-arg=shutdown-grace-period=… or a file in /var/lib/rancher/k3s/agent/etc/kubelet.conf.d.
    default: () => 0,
    source:
      'K8sDocs concepts/cluster-administration/node-shutdown ("By default, both configuration options … are set to zero, ' +
      'thus not activating the graceful node shutdown functionality"); KK pkg/kubelet/apis/config/v1beta1/defaults.go leaves it 0; ' +
      'K3s does not set it (pkg/daemons/agent/agent_linux.go)',
  },
  shutdownGracePeriodCriticalPods: {
    kind: 'duration',
    description: 'the part of shutdownGracePeriod kept for critical pods (priority ≥ 2000000000), terminated after the others',
    default: () => 0,
    source:
      'K8sDocs concepts/cluster-administration/node-shutdown; KK pkg/kubelet/nodeshutdown/nodeshutdown_manager_linux.go ' +
      '(two priority groups when shutdownGracePeriodByPodPriority is unset); K3s does not set it',
  },

  // --- kubelet and swap (#17 item 8; the model is in src/sim/swap.ts) ------------
  failSwapOn: {
    kind: 'boolean',
    description: 'the kubelet refuses to start on a node with swap on (a node with swap never registers)',
    // Upstream default true; K3s writes false into its kubelet config (older releases pass --fail-swap-on=false).
    default: () => false,
    source:
      'K3s pkg/daemons/agent/agent.go (defaultKubeletConfig FailSwapOn false; ' +
      'before: pkg/daemons/agent/agent_linux.go fail-swap-on=false); ' +
      'upstream true in KK pkg/kubelet/apis/config/v1beta1/defaults.go; calibration.md 2.3',
  },
  nodeSwapFeatureGate: {
    kind: 'boolean',
    description: "the kubelet's NodeSwap feature gate: without it a node's swapBehavior LimitedSwap gives pods no swap",
    // Alpha 1.22 (off), beta 1.28 (off), beta 1.30 (on), GA 1.34 (locked on).
    default: (minor) => minor >= 30,
    source: 'KK pkg/features/kube_features.go (NodeSwap versioned specs); KEP-2400 kep.yaml and implementation history',
  },
  swapPagesPerProbe: {
    kind: 'number',
    description:
      'pages a readiness probe faults back in on a node writing to its swap file (probe latency = pages × page write time / (1 − load))',
    default: () => 64,
    source:
      'estimate: a probe request runs through code, stack and heap the kernel swapped out; ' +
      'each major fault reads 2^page-cluster = 8 pages ' +
      '(Linux Documentation/admin-guide/sysctl/vm.rst, page-cluster default 3); 8 faults × 8 pages = 64; ' +
      'range 8–256: one fault (8 pages) to 32 faults',
    range: [8, 256],
  },
});
