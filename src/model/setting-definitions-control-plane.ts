/**
 * Control-plane settings: kube-controller-manager (node lifecycle, eviction, leader election), scheduler
 * back-offs, and workload defaults.
 * Part of the settings table that `setting-definitions.ts` assembles; sources use the shorthand
 * described there. Pure module: no I/O, usable from the simulation core.
 */
import { define } from './setting-table.js';

export const controlPlaneSettings = define({
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
  heartbeatDueAtLoss: {
    kind: 'number',
    description: "share of a kubelet's Lease renew interval left when it loses the API (0: renewal due at once; 1: just renewed)",
    default: () => 0.5,
    source:
      'KK staging/src/k8s.io/component-helpers/apimachinery/lease/controller.go: the kubelet renews every ' +
      'nodeLeaseDuration × 0.25 (KK pkg/kubelet/kubelet.go nodeLeaseRenewIntervalFraction) with 4 % jitter after each ' +
      'renewal ends (wait.JitterUntil 0.04, sliding), so its phase drifts and a loss comes anywhere in the interval: ' +
      '0.5 is the mean; range 0-1 is every phase',
    range: [0, 1],
    maximum: 1,
  },
  nodeMonitorLag: {
    kind: 'number',
    description: "share of nodeMonitorPeriod from a node's Lease renewal to the node lifecycle controller's pass that sees it",
    default: () => 0.5,
    source:
      'KK pkg/controller/nodelifecycle/node_lifecycle_controller.go: monitorNodeHealth runs every nodeMonitorPeriod ' +
      '(wait.UntilWithContext) and stamps probeTimestamp = now when it sees a newer Lease renewTime; its passes keep ' +
      'their own phase: 0.5 is the mean; range 0-1 is every phase',
    range: [0, 1],
    maximum: 1,
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
});
