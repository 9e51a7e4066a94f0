/**
 * The Kubernetes component flags a K3s user passes through `--kube-controller-manager-arg`,
 * `--kube-apiserver-arg`, `--kube-scheduler-arg`, `--kubelet-arg` and `--kube-proxy-arg`, and
 * the model setting each one sets. Keyed by the upstream flag's own name; every value is parsed
 * with the upstream syntax (Go durations, integers, floats, booleans, eviction maps).
 *
 * Sources (shorthand of `setting-definitions.ts`): K8sDocs reference/command-line-tools-reference/
 * kube-controller-manager/, kube-apiserver/, kube-scheduler/, kubelet/ (each flag's type and
 * default), and K8sDocs concepts/scheduling-eviction/node-pressure-eviction/ (eviction maps).
 *
 * Pure module: no I/O, usable from the simulation core.
 */
import type { SettingName } from './setting-definitions.js';
import { parseBytes, UnitError } from './units.js';

/** The components K3s runs and the K3s flag that passes each one an argument (K3sDocs cli/server, cli/agent). */
export const componentOfFlag: Readonly<Record<string, string>> = Object.freeze({
  'kube-apiserver-arg': 'kube-apiserver',
  'kube-controller-manager-arg': 'kube-controller-manager',
  'kube-scheduler-arg': 'kube-scheduler',
  'kube-cloud-controller-manager-arg': 'cloud-controller-manager',
  'etcd-arg': 'etcd',
  'kubelet-arg': 'kubelet',
  'kube-proxy-arg': 'kube-proxy',
});

/** Components that run on every node with a kubelet, so `k3s agent` takes their args too (K3sDocs cli/agent). */
export const nodeComponents: ReadonlySet<string> = new Set(['kubelet', 'kube-proxy']);

/** How a flag's value is written upstream. */
export type FlagValueKind = 'duration' | 'int' | 'float' | 'bool' | 'eviction-hard';

export interface MappedFlag {
  readonly setting: SettingName;
  readonly kind: FlagValueKind;
  /** Example of a valid argument, for the fix in an error. */
  readonly example: string;
}

/** A flag the model knows but does not simulate, with why and what to do instead. */
export interface KnownUnmodelled {
  readonly reason: (minor: number) => string;
}

const duration = (setting: SettingName, example: string): MappedFlag => ({ setting, kind: 'duration', example });

/** Flags that set a model setting, per component. */
export const mappedFlags: Readonly<Record<string, Readonly<Record<string, MappedFlag>>>> = Object.freeze({
  // K8sDocs reference/command-line-tools-reference/kube-controller-manager/ (NodeLifecycleController and
  // leader election options; types duration, float32, int32).
  'kube-controller-manager': {
    'node-monitor-grace-period': duration('nodeMonitorGracePeriod', 'node-monitor-grace-period=20s'),
    'node-monitor-period': duration('nodeMonitorPeriod', 'node-monitor-period=5s'),
    'node-startup-grace-period': duration('nodeStartupGracePeriod', 'node-startup-grace-period=1m0s'),
    'node-eviction-rate': { setting: 'nodeEvictionRate', kind: 'float', example: 'node-eviction-rate=0.1' },
    'secondary-node-eviction-rate': { setting: 'secondaryNodeEvictionRate', kind: 'float', example: 'secondary-node-eviction-rate=0.01' },
    'large-cluster-size-threshold': { setting: 'largeClusterSizeThreshold', kind: 'int', example: 'large-cluster-size-threshold=50' },
    'unhealthy-zone-threshold': { setting: 'unhealthyZoneThreshold', kind: 'float', example: 'unhealthy-zone-threshold=0.55' },
    'leader-elect-lease-duration': duration('leaderElectionLeaseDuration', 'leader-elect-lease-duration=15s'),
    'leader-elect-renew-deadline': duration('leaderElectionRenewDeadline', 'leader-elect-renew-deadline=10s'),
    'leader-elect-retry-period': duration('leaderElectionRetryPeriod', 'leader-elect-retry-period=2s'),
  },
  // K8sDocs reference/command-line-tools-reference/kube-apiserver/: both int, seconds, default 300.
  'kube-apiserver': {
    'default-not-ready-toleration-seconds': {
      setting: 'defaultNotReadyTolerationSeconds',
      kind: 'int',
      example: 'default-not-ready-toleration-seconds=60',
    },
    'default-unreachable-toleration-seconds': {
      setting: 'defaultUnreachableTolerationSeconds',
      kind: 'int',
      example: 'default-unreachable-toleration-seconds=60',
    },
  },
  // K8sDocs reference/command-line-tools-reference/kube-scheduler/ (deprecated but still accepted).
  'kube-scheduler': {
    'pod-max-in-unschedulable-pods-duration': duration('podMaxInUnschedulablePodsDuration', 'pod-max-in-unschedulable-pods-duration=5m'),
  },
  // K8sDocs reference/command-line-tools-reference/kubelet/ (deprecated in favour of the config file, still accepted).
  kubelet: {
    'node-status-update-frequency': duration('nodeStatusUpdateFrequency', 'node-status-update-frequency=10s'),
    'eviction-pressure-transition-period': duration('evictionPressureTransitionPeriod', 'eviction-pressure-transition-period=5m'),
    'max-pods': { setting: 'maxPods', kind: 'int', example: 'max-pods=110' },
    'serialize-image-pulls': { setting: 'serializeImagePulls', kind: 'bool', example: 'serialize-image-pulls=false' },
    'eviction-hard': { setting: 'evictionHardMemoryAvailable', kind: 'eviction-hard', example: 'eviction-hard=memory.available<100Mi' },
    'shutdown-grace-period': duration('shutdownGracePeriod', 'shutdown-grace-period=30s'),
    'fail-swap-on': { setting: 'failSwapOn', kind: 'bool', example: 'fail-swap-on=true' },
    'shutdown-grace-period-critical-pods': duration('shutdownGracePeriodCriticalPods', 'shutdown-grace-period-critical-pods=10s'),
  },
});

const tolerationFlags = 'kube-apiserver --default-not-ready-toleration-seconds / --default-unreachable-toleration-seconds';

/** Flags the model knows and deliberately does not simulate, with the reason a user needs. */
export const knownUnmodelled: Readonly<Record<string, Readonly<Record<string, KnownUnmodelled>>>> = Object.freeze({
  'kube-controller-manager': {
    // Deprecated in 1.26 and removed with --enable-taint-manager in 1.27 (kubernetes/kubernetes#113710); ignored
    // since taint-based eviction went GA in 1.18.
    'pod-eviction-timeout': {
      reason: (minor) =>
        minor >= 27
          ? `removed from kube-controller-manager in Kubernetes 1.27 (an unknown flag there: the controller-manager will not start); ` +
            `eviction timing is set by ${tolerationFlags}`
          : `has no effect with taint-based eviction (GA since Kubernetes 1.18); eviction timing is set by ${tolerationFlags}`,
    },
    'terminated-pod-gc-threshold': { reason: () => 'twin does not model garbage collection of terminated pods' },
  },
  'kube-scheduler': {
    'leader-elect-lease-duration': { reason: () => schedulerLeaderElection },
    'leader-elect-renew-deadline': { reason: () => schedulerLeaderElection },
    'leader-elect-retry-period': { reason: () => schedulerLeaderElection },
  },
  kubelet: {
    'eviction-soft': { reason: () => 'twin models hard eviction only (memory.available in --eviction-hard)' },
    'eviction-soft-grace-period': { reason: () => 'twin models hard eviction only (memory.available in --eviction-hard)' },
    'system-reserved': { reason: () => kubeletReservation },
    'kube-reserved': { reason: () => kubeletReservation },
    'image-gc-high-threshold': { reason: () => 'twin does not model image garbage collection (disks never fill with images)' },
    'image-gc-low-threshold': { reason: () => 'twin does not model image garbage collection (disks never fill with images)' },
    config: { reason: () => 'twin does not read kubelet config files: set the values the model has in spec.settings' },
  },
});

const schedulerLeaderElection =
  "the model times the scheduler's Lease with the controller-manager's settings (--kube-controller-manager-arg=leader-elect-*)";
const kubeletReservation =
  "node allocatable in the model is the board's memory and CPU less the OS and K3s's own use; kubelet reservations are not subtracted";

/** Thrown by the value parsers; the caller adds the file, field and fix. */
export class FlagValueError extends Error {}

/** Go `time.ParseDuration` syntax (`1m30s`, `250ms`, `0`), in seconds; negative durations are refused. */
export function parseGoDuration(text: string): number {
  if (text === '0') return 0;
  const units: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, μs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  if (!/^(\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))*$/.test(text))
    throw new FlagValueError(`"${text}" is not a Go duration`);
  let total = 0;
  for (const match of text.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g))
    total += Number(match[1]) * (units[match[2] ?? 's'] ?? 1);
  return total;
}

/** Parses one flag value as its upstream type. Eviction maps are handled by {@link parseEvictionHard}. */
export function parseFlagValue(kind: Exclude<FlagValueKind, 'eviction-hard'>, text: string): number | boolean {
  switch (kind) {
    case 'duration':
      return parseGoDuration(text);
    case 'int':
      // pflag int flags: strconv.ParseInt; twin's settings are all non-negative.
      if (!/^\d+$/.test(text)) throw new FlagValueError(`"${text}" is not a non-negative whole number`);
      return Number(text);
    case 'float':
      if (!/^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) throw new FlagValueError(`"${text}" is not a non-negative number`);
      return Number(text);
    case 'bool': {
      // pflag bool flags: strconv.ParseBool.
      if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
      if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
      throw new FlagValueError(`"${text}" is not a boolean`);
    }
  }
}

/** One signal of a kubelet eviction map: `memory.available<100Mi` or `nodefs.available<10%`. */
export interface EvictionThreshold {
  readonly signal: string;
  /** Bytes, or a share of capacity when `percent` is set. */
  readonly value: number;
  readonly percent: boolean;
}

/**
 * `memory.available<100Mi,nodefs.available<10%`: the kubelet's `--eviction-hard` map, signals
 * separated by commas, each `signal<quantity` or `signal<percent` (K8sDocs node-pressure-eviction).
 */
export function parseEvictionHard(text: string): EvictionThreshold[] {
  const out: EvictionThreshold[] = [];
  for (const part of text.split(',')) {
    const match = /^([a-z]+\.[A-Za-z]+)<(.+)$/.exec(part.trim());
    if (!match) throw new FlagValueError(`"${part}" is not an eviction threshold (signal<quantity)`);
    const [, signal = '', amount = ''] = match;
    if (amount.endsWith('%')) {
      const share = Number(amount.slice(0, -1));
      if (!/^\d+(\.\d+)?%$/.test(amount) || share > 100) throw new FlagValueError(`"${amount}" is not a percentage from 0% to 100%`);
      out.push({ signal, value: share / 100, percent: true });
      continue;
    }
    try {
      out.push({ signal, value: parseBytes(amount), percent: false });
    } catch (error) {
      if (error instanceof UnitError) throw new FlagValueError(`"${amount}" is not a quantity`);
      throw error;
    }
  }
  return out;
}
