/**
 * The fault vocabulary, in one place: the schema (the types and the kinds list derive from it),
 * what each quantity resolves to, what reverting a fault means, and its one-line description.
 * Each fault means the same thing on every engine: the sim engine changes its model
 * (`engines/sim/apply.ts`), the k3d engine does it to real containers (`engines/k3d/run.ts`).
 */
import { z } from 'zod';
import { timelineEventKinds } from '../model/timeline.js';
import { parseBytes, parseRate } from '../model/units.js';
import { duration, name, type Immutable, type Problems, type WithNodeNames } from './fields.js';

const faultTime = z.union([
  duration,
  z.strictObject({
    /** The event that triggers the fault, e.g. `{ kind: 'node.condition', subject: 'node/dcn3' }`. */
    after: z.strictObject({
      kind: z.enum(timelineEventKinds),
      subject: z.string().optional(),
      details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    }),
    delay: duration.optional(),
  }),
]);

const faultBase = {
  /** Name used by expectations (`fault:cp` / `heal:cp`); defaults to `f1`, `f2`… in order. */
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes')
    .optional(),
  /** When the fault fires: a duration after the fault phase starts (bring-up complete), or after a timeline event. */
  at: faultTime,
  /** Revert the fault after this long (power back on, partition healed…). */
  for: duration.optional(),
};
const f = <K extends string, S extends z.ZodRawShape>(kind: K, shape: S) =>
  z.strictObject({ ...faultBase, kind: z.literal(kind), ...shape });

export const faultSchema = z.discriminatedUnion('kind', [
  f('power-off', { node: name }),
  f('power-on', { node: name }),
  f('reboot', { node: name }),
  f('k3s-restart', { node: name }),
  /** Stop k3s on one server, several, or all of them (`servers` omitted). */
  f('control-plane-down', { servers: z.array(name).optional() }),
  f('control-plane-up', { servers: z.array(name).optional() }),
  f('rancher-down', {}),
  f('rancher-up', {}),
  /** A workload's containers leak memory (`Deployment/default/api`, or `default/api`) at `rate` (`2Mi/s`). */
  f('memory-leak', { workload: name, rate: z.string() }),
  /** Something outside Kubernetes takes `amount` of memory on a node. */
  f('memory-fill', { node: name, amount: z.string() }),
  f('partition', { groups: z.array(z.array(name).min(1)).min(1) }),
  f('heal-partition', {}),
  /**
   * A worse link for a node: `bandwidth` a rate (`10Mbit/s`) or a fraction of its measured throughput; `delay`
   * (`200ms`) added to and `loss` (`5%`, or 0.05) dropped from every packet it sends, as `tc netem` on its interface.
   */
  f('link-degrade', {
    node: name,
    bandwidth: z.union([z.string(), z.number().positive().max(1)]).optional(),
    delay: duration.optional(),
    loss: z.union([z.string(), z.number().min(0).max(1)]).optional(),
  }),
  f('link-restore', { node: name }),
  /** Synchronous write latency of a node's storage (a worn SD card): `2s`, `800ms`. */
  f('slow-storage', { node: name, latency: duration }),
  f('storage-restore', { node: name }),
  f('disk-full', { node: name }),
  f('disk-free', { node: name }),
  /** With `for`, power returns in `order` (default: servers, agents, the rest), `interval` apart. */
  f('site-power-cut', { order: z.array(name).optional(), interval: duration.optional() }),
  /** Power comes back: in `order` (default: servers, then agents, then the rest), `interval` apart. */
  f('site-power-restore', { order: z.array(name).optional(), interval: duration.optional() }),
  f('scale', { workload: name, replicas: z.number().int().nonnegative() }),
  f('rollout-restart', { workload: name }),
  // --- node maintenance: the Node object and orderly shutdowns (README "Faults")
  /** `kubectl delete node`: the Node object goes; the pod GC removes its pods; the kubelet registers it again when k3s restarts. */
  f('delete-node', { node: name }),
  /** `kubectl taint nodes NODE node.kubernetes.io/out-of-service=nodeshutdown:NoExecute` (non-graceful node shutdown). */
  f('out-of-service', { node: name, effect: z.enum(['NoExecute', 'NoSchedule']).optional() }),
  /** Removes the `node.kubernetes.io/out-of-service` taint (what `for` does to `out-of-service`). */
  f('return-to-service', { node: name }),
  /** An orderly `systemctl poweroff`: the kubelet's graceful node shutdown (if configured), k3s stops, the machine powers off. */
  f('shutdown', { node: name }),
  // ---- maintenance: cordon, drain and a rolling K3s upgrade (kubectl / system-upgrade-controller)
  /** `kubectl cordon`: spec.unschedulable, the node.kubernetes.io/unschedulable:NoSchedule taint; pods stay. */
  f('cordon', { node: name }),
  f('uncordon', { node: name }),
  /**
   * `kubectl drain`: cordon, then evict every pod through the Eviction API (PodDisruptionBudgets honoured,
   * a refused eviction retried every 5 s). DaemonSet pods are left (`ignoreDaemonSets`, default true);
   * pods with emptyDir volumes need `deleteEmptyDirData`, pods without a controller `force`.
   */
  f('drain', {
    node: name,
    ignoreDaemonSets: z.boolean().optional(),
    deleteEmptyDirData: z.boolean().optional(),
    force: z.boolean().optional(),
    /** Overrides each pod's terminationGracePeriodSeconds (kubectl --grace-period). */
    gracePeriod: duration.optional(),
    /** Give up after this long (kubectl --timeout); without it the drain waits as long as it takes. */
    timeout: duration.optional(),
  }),
  /**
   * A rolling K3s upgrade as the system-upgrade-controller runs it: servers, then agents (in `nodes`
   * order when given), `concurrency` at a time; each cordoned, drained (`drain`, default true),
   * its binary replaced and k3s restarted, uncordoned once Ready.
   */
  f('k3s-upgrade', {
    version: z.string().regex(/^v1\.\d+\.\d+\+k3s\d+$/, {
      error: (issue) => `${JSON.stringify(issue.input)} is not a K3s release (write e.g. v1.33.5+k3s1)`,
    }),
    nodes: z.array(name).min(1).optional(),
    concurrency: z.number().int().positive().optional(),
    drain: z.boolean().optional(),
  }),
]);

/** A fault as a scenario writes it; node fields are narrowed to the cluster's node names. */
export type Fault<N extends string = string> = WithNodeNames<z.input<typeof faultSchema>, N>;
export type FaultKind = Fault['kind'];
export type FaultTime = Fault['at'];
export const faultKinds: readonly FaultKind[] = faultSchema.options.map((option) => option.shape.kind.value);
/** Kinds that act on a Node object through the API: the loader refuses them on a machine that runs no kubelet. */
export const nodeObjectFaultKinds: ReadonlySet<FaultKind> = new Set(['delete-node', 'out-of-service', 'return-to-service']);
/** Kinds that act on the cluster's Rancher: the loader refuses them on a cluster without one. */
export const rancherFaultKinds: ReadonlySet<FaultKind> = new Set(['rancher-down', 'rancher-up']);

/** A link's bandwidth: a fraction of the node's measured throughput, or a rate. */
export type Bandwidth = { readonly fraction: number } | { readonly bitsPerSecond: number };

/** The quantities a resolved fault carries as numbers, by kind. */
interface ResolvedQuantities {
  /** Bytes per second. */
  'memory-leak': { rate: number };
  /** Bytes. */
  'memory-fill': { amount: number };
  /** Bandwidth null when not given; delay in seconds added to each packet sent; loss a probability (0–1). */
  'link-degrade': { bandwidth: Bandwidth | null; delay: number; loss: number };
  /** Seconds per write. */
  'slow-storage': { latency: number };
  /** Seconds between machines (0 when not given). */
  'site-power-cut': { interval: number };
  'site-power-restore': { interval: number };
  /** Every flag resolved (kubectl's defaults, DaemonSets ignored); seconds, or null when not given. */
  drain: { ignoreDaemonSets: boolean; deleteEmptyDirData: boolean; force: boolean; gracePeriod: number | null; timeout: number | null };
  'k3s-upgrade': { concurrency: number; drain: boolean };
}
type Resolved<F> = F extends { kind: infer K }
  ? K extends keyof ResolvedQuantities
    ? Immutable<Omit<F, 'id' | 'at' | 'for' | keyof ResolvedQuantities[K]> & ResolvedQuantities[K]>
    : Immutable<Omit<F, 'id' | 'at' | 'for'>>
  : never;

/** What engines apply: the fault's kind and targets, every quantity a number; its time lives in the plan. */
export type ResolvedFault = Resolved<z.output<typeof faultSchema>>;

/** The quantities of a fault as numbers; a bad one is reported at its field (`faults[2].rate`). */
export function resolveFault(fault: Fault, field: string, problems: Problems): ResolvedFault {
  switch (fault.kind) {
    case 'memory-leak':
      return {
        kind: fault.kind,
        workload: fault.workload,
        rate: problems.parse(`${field}.rate`, () => parseBytes(fault.rate.replace(/\/s$/, '')), 0),
      };
    case 'memory-fill':
      return { kind: fault.kind, node: fault.node, amount: problems.parse(`${field}.amount`, () => parseBytes(fault.amount), 0) };
    case 'link-degrade': {
      const given = fault.bandwidth;
      const bandwidth: Bandwidth | null =
        given === undefined
          ? null
          : typeof given === 'number'
            ? { fraction: given }
            : { bitsPerSecond: problems.parse(`${field}.bandwidth`, () => parseRate(given) * 8, 0) };
      if (given === undefined && fault.delay === undefined && fault.loss === undefined)
        problems.add(field, 'link-degrade changes nothing', 'give bandwidth: 10Mbit/s or 0.5, delay: 200ms or loss: 5%');
      const delay = fault.delay === undefined ? 0 : problems.duration(`${field}.delay`, fault.delay, 0);
      if (delay > maxLinkDelay)
        problems.add(`${field}.delay`, `${delay} s is longer than twin holds a packet`, `use at most ${maxLinkDelay}s`);
      return {
        kind: fault.kind,
        node: fault.node,
        bandwidth,
        delay,
        loss: problems.parse(`${field}.loss`, () => parseLoss(fault.loss), 0),
      };
    }
    case 'slow-storage':
      return { kind: fault.kind, node: fault.node, latency: problems.duration(`${field}.latency`, fault.latency, 0) };
    case 'site-power-cut':
    case 'site-power-restore': {
      const given = fault.interval;
      return {
        ...(fault.order ? { order: fault.order } : {}),
        kind: fault.kind,
        interval: given === undefined ? 0 : problems.duration(`${field}.interval`, given, 0),
      };
    }
    case 'drain':
      return {
        kind: fault.kind,
        node: fault.node,
        // kubectl's own default is false (drain refuses DaemonSet pods); every K3s node runs some (svclb,
        // CNI), so twin defaults to what everybody types and what the system-upgrade-controller passes.
        ignoreDaemonSets: fault.ignoreDaemonSets ?? true,
        deleteEmptyDirData: fault.deleteEmptyDirData ?? false,
        force: fault.force ?? false,
        gracePeriod: fault.gracePeriod === undefined ? null : problems.duration(`${field}.gracePeriod`, fault.gracePeriod, 0),
        timeout: fault.timeout === undefined ? null : problems.duration(`${field}.timeout`, fault.timeout, 0),
      };
    case 'k3s-upgrade':
      return {
        kind: fault.kind,
        version: fault.version,
        ...(fault.nodes ? { nodes: fault.nodes } : {}),
        // The K3s docs' server plan (docs.k3s.io/upgrades/automated): concurrency 1, drain before upgrading.
        concurrency: fault.concurrency ?? 1,
        drain: fault.drain ?? true,
      };
    default: {
      // Kinds without quantities are what the scenario wrote, less the schedule fields (TS cannot narrow a rest of a union).
      const { id: _id, at: _at, for: _for, ...rest } = fault;
      return rest as ResolvedFault;
    }
  }
}

/**
 * The longest delay a link-degrade adds: a minute, well past every timeout it can show (the kubelet's
 * heartbeat gives up after 10 s), while the packets it holds stay countable.
 */
export const maxLinkDelay = 60;

/** A loss written as a percentage (`5%`) or a probability (0.05); 0 when not given. */
function parseLoss(written: string | number | undefined): number {
  if (written === undefined) return 0;
  if (typeof written === 'number') return written;
  const match = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(written);
  const percent = match ? Number(match[1]) : NaN;
  if (!(percent >= 0 && percent <= 100)) throw new Error(`"${written}" is not a loss: write a percentage from 0% to 100%, e.g. 5%`);
  return percent / 100;
}

/** What reverting a fault after `for` means. */
export function inverse(fault: Fault): Fault | null {
  const base = { at: 0 } as const;
  switch (fault.kind) {
    case 'power-off':
    case 'shutdown':
      return { ...base, kind: 'power-on', node: fault.node };
    case 'out-of-service':
      return { ...base, kind: 'return-to-service', node: fault.node };
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
    case 'cordon':
    case 'drain':
      // Maintenance over: `kubectl uncordon`.
      return { ...base, kind: 'uncordon', node: fault.node };
    case 'site-power-cut':
      return {
        ...base,
        kind: 'site-power-restore',
        ...(fault.order ? { order: fault.order } : {}),
        ...(fault.interval !== undefined ? { interval: fault.interval } : {}),
      };
    default:
      return null;
  }
}

/** One line for the timeline and reports, in the scenario's own words: "power-off dcn3", "partition [dcn1 dcn2] | [dcn3]". */
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
    case 'link-degrade': {
      const parts = [
        fault.bandwidth === undefined ? null : `to ${fault.bandwidth}`,
        fault.delay === undefined ? null : `+${fault.delay} delay`,
        fault.loss === undefined
          ? null
          : `${typeof fault.loss === 'number' ? `${Number((fault.loss * 100).toFixed(4))}%` : fault.loss} loss`,
      ];
      return `link-degrade ${fault.node} ${parts.filter((p) => p !== null).join(', ')}`;
    }
    case 'slow-storage':
      return `slow-storage ${fault.node} ${fault.latency} per write`;
    case 'site-power-restore':
      return `site-power-restore${fault.order ? ` order ${fault.order.join(', ')}` : ''}`;
    case 'scale':
      return `scale ${fault.workload} to ${fault.replicas}`;
    case 'rollout-restart':
      return `rollout-restart ${fault.workload}`;
    case 'out-of-service':
      return `out-of-service ${fault.node} (taint node.kubernetes.io/out-of-service:${fault.effect ?? 'NoExecute'})`;
    case 'drain': {
      const flags = [
        fault.ignoreDaemonSets === false ? '' : ' --ignore-daemonsets',
        fault.deleteEmptyDirData ? ' --delete-emptydir-data' : '',
        fault.force ? ' --force' : '',
        fault.gracePeriod !== undefined ? ` --grace-period=${fault.gracePeriod}` : '',
        fault.timeout !== undefined ? ` --timeout=${fault.timeout}` : '',
      ];
      return `drain ${fault.node}${flags.join('')}`;
    }
    case 'k3s-upgrade':
      return `k3s-upgrade to ${fault.version}${fault.nodes ? ` (${fault.nodes.join(', ')})` : ''}`;
    default:
      return 'node' in fault ? `${fault.kind} ${fault.node}` : fault.kind;
  }
}
