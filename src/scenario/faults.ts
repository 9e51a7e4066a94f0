/**
 * The fault vocabulary. Each fault means the same thing on every engine: the sim engine
 * changes its model, the k3d engine does it to real containers.
 *
 * Faults are plain objects with a `kind`, so a misspelt node name in a scenario whose
 * cluster is a typed `defineCluster()` value fails to compile.
 */
import type { TimelineEventKind } from '../model/timeline.js';

/** When a fault fires: a duration after the fault phase starts (bring-up complete), or after a timeline event. */
export type FaultTime =
  | string
  | number
  | {
      /** The event that triggers the fault, e.g. `{ kind: 'node.condition', subject: 'node/dcn3' }`. */
      readonly after: { readonly kind: TimelineEventKind; readonly subject?: string; readonly details?: Readonly<Record<string, string | number | boolean>> };
      readonly delay?: string | number;
    };

interface FaultBase {
  /** Name used by expectations (`fault:cp` / `heal:cp`); defaults to `f1`, `f2`… in order. */
  readonly id?: string;
  readonly at: FaultTime;
  /** Revert the fault after this long (power back on, partition healed…). */
  readonly for?: string | number;
}

export type Fault<N extends string = string> = FaultBase &
  (
    | { readonly kind: 'power-off'; readonly node: N }
    | { readonly kind: 'power-on'; readonly node: N }
    | { readonly kind: 'reboot'; readonly node: N }
    | { readonly kind: 'k3s-restart'; readonly node: N }
    /** Stop k3s on one server, several, or all of them (`servers` omitted). */
    | { readonly kind: 'control-plane-down'; readonly servers?: readonly N[] }
    | { readonly kind: 'control-plane-up'; readonly servers?: readonly N[] }
    | { readonly kind: 'rancher-down' }
    | { readonly kind: 'rancher-up' }
    /** A workload's containers leak memory (`Deployment/default/api`, or `default/api`). */
    | { readonly kind: 'memory-leak'; readonly workload: string; readonly rate: string }
    /** Something outside Kubernetes takes memory on a node. */
    | { readonly kind: 'memory-fill'; readonly node: N; readonly amount: string }
    | { readonly kind: 'partition'; readonly groups: ReadonlyArray<readonly N[]> }
    | { readonly kind: 'heal-partition' }
    /** Throttle a node's link to a rate (`10Mbit/s`) or a fraction of its measured throughput. */
    | { readonly kind: 'link-degrade'; readonly node: N; readonly bandwidth: string | number }
    | { readonly kind: 'link-restore'; readonly node: N }
    /** Synchronous write latency of a node's storage (a worn SD card): `2s`, `800ms`. */
    | { readonly kind: 'slow-storage'; readonly node: N; readonly latency: string | number }
    | { readonly kind: 'storage-restore'; readonly node: N }
    | { readonly kind: 'disk-full'; readonly node: N }
    | { readonly kind: 'disk-free'; readonly node: N }
    /** With `for`, power returns in `order` (default: servers, agents, the rest), `interval` apart. */
    | { readonly kind: 'site-power-cut'; readonly order?: readonly N[]; readonly interval?: string | number }
    /** Power comes back: in `order` (default: servers, then agents, then the rest), `interval` apart. */
    | { readonly kind: 'site-power-restore'; readonly order?: readonly N[]; readonly interval?: string | number }
    | { readonly kind: 'scale'; readonly workload: string; readonly replicas: number }
    | { readonly kind: 'rollout-restart'; readonly workload: string }
  );

export type FaultKind = Fault['kind'];

export const faultKinds: readonly FaultKind[] = [
  'power-off',
  'power-on',
  'reboot',
  'k3s-restart',
  'control-plane-down',
  'control-plane-up',
  'rancher-down',
  'rancher-up',
  'memory-leak',
  'memory-fill',
  'partition',
  'heal-partition',
  'link-degrade',
  'link-restore',
  'slow-storage',
  'storage-restore',
  'disk-full',
  'disk-free',
  'site-power-cut',
  'site-power-restore',
  'scale',
  'rollout-restart',
];

/** What reverting a fault after `for` means. */
export function inverse(fault: Fault): Fault | null {
  const base = { at: 0 } as const;
  switch (fault.kind) {
    case 'power-off':
      return { ...base, kind: 'power-on', node: fault.node };
    case 'control-plane-down':
      return { ...base, kind: 'control-plane-up', ...(fault.servers ? { servers: fault.servers } : {}) };
    case 'rancher-down':
      return { ...base, kind: 'rancher-up' };
    case 'memory-leak':
      return { ...base, kind: 'memory-leak', workload: fault.workload, rate: '0' };
    case 'memory-fill':
      return { ...base, kind: 'memory-fill', node: fault.node, amount: '0' };
    case 'partition':
      return { ...base, kind: 'heal-partition' };
    case 'link-degrade':
      return { ...base, kind: 'link-restore', node: fault.node };
    case 'slow-storage':
      return { ...base, kind: 'storage-restore', node: fault.node };
    case 'disk-full':
      return { ...base, kind: 'disk-free', node: fault.node };
    case 'site-power-cut':
      return { ...base, kind: 'site-power-restore', ...(fault.order ? { order: fault.order } : {}), ...(fault.interval !== undefined ? { interval: fault.interval } : {}) };
    default:
      return null;
  }
}

/** One line for reports: "power-off dcn3", "partition [dcn1 dcn2] | [dcn3]". */
export function describeFault(fault: Fault): string {
  switch (fault.kind) {
    case 'control-plane-down':
    case 'control-plane-up':
      return `${fault.kind} ${fault.servers?.join(', ') ?? 'all servers'}`;
    case 'memory-leak':
      return `memory-leak ${fault.workload} at ${fault.rate}`;
    case 'memory-fill':
      return `memory-fill ${fault.node} ${fault.amount}`;
    case 'partition':
      return `partition ${fault.groups.map((g) => `[${g.join(' ')}]`).join(' | ')}`;
    case 'link-degrade':
      return `link-degrade ${fault.node} to ${fault.bandwidth}`;
    case 'slow-storage':
      return `slow-storage ${fault.node} ${fault.latency} per write`;
    case 'site-power-restore':
      return `site-power-restore${fault.order ? ` order ${fault.order.join(', ')}` : ''}`;
    case 'scale':
      return `scale ${fault.workload} to ${fault.replicas}`;
    case 'rollout-restart':
      return `rollout-restart ${fault.workload}`;
    default:
      return 'node' in fault ? `${fault.kind} ${fault.node}` : fault.kind;
  }
}
