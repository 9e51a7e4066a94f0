/**
 * What the terminal view shows, folded from timeline events one at a time: the same fold for a
 * live k3d run (events as the engine emits them) and for `--replay` of a finished run (the
 * report's events, paced). Pure: no Ink, no clock.
 */
import type { TimelineEvent } from '../../model/timeline.js';

/** A node's power and boot, as they really are. */
export type NodePower = 'off' | 'booting' | 'up';
/** A node as the API shows it (`absent` until it registers). */
export type NodeApi = 'absent' | 'Ready' | 'NotReady' | 'Unknown';

export interface NodeShown {
  readonly name: string;
  readonly role: string;
  readonly power: NodePower;
  readonly api: NodeApi;
}

/** The words on a node's box: the truth while it is off or booting (and what the API still claims), else the API's view. */
export function nodeLabel(n: NodeShown): string {
  if (n.power !== 'up') return `${n.name} ${n.power}${n.api === 'absent' ? '' : ` · API ${n.api}`}`;
  if (n.role !== 'server' && n.role !== 'agent') return `${n.name} up`;
  return `${n.name} ${n.api === 'absent' ? 'joining' : n.api}`;
}

export interface WorkloadShown {
  readonly key: string;
  readonly desired: number;
  readonly ready: number;
}

export interface ViewState {
  /** Seconds since the run started, of the last event seen. */
  readonly t: number;
  readonly events: number;
  readonly api: 'not up' | 'available' | 'unavailable';
  readonly rancher: 'not up' | 'available' | 'unavailable' | null;
  readonly nodes: readonly NodeShown[];
  readonly workloads: readonly WorkloadShown[];
  /** Faults and heals in the order they happened. */
  readonly changes: ReadonlyArray<{ readonly kind: 'fault' | 'heal'; readonly t: number; readonly text: string }>;
  readonly last: string;
  /** Pods Ready per workload key, to count `ready` between the workload's own events. */
  readonly readyPods: Readonly<Record<string, readonly string[]>>;
  readonly podWorkload: Readonly<Record<string, string>>;
}

export interface ViewSetup {
  readonly nodes: ReadonlyArray<{ readonly name: string; readonly role: string }>;
  /** `Deployment/default/web` and its replicas as the manifests ask. */
  readonly workloads: ReadonlyArray<{ readonly key: string; readonly replicas: number }>;
  readonly rancher: boolean;
}

const system = /\/(kube-system|cattle-system|cattle-fleet-system)\//;

export function initialState(setup: ViewSetup): ViewState {
  return {
    t: 0,
    events: 0,
    api: 'not up',
    rancher: setup.rancher ? 'not up' : null,
    nodes: setup.nodes.map((n) => ({ name: n.name, role: n.role, power: 'off', api: 'absent' })),
    workloads: setup.workloads.filter((w) => !system.test(w.key)).map((w) => ({ key: w.key, desired: w.replicas, ready: 0 })),
    changes: [],
    last: 'starting',
    readyPods: {},
    podWorkload: {},
  };
}

function nodeAfter(n: NodeShown, e: TimelineEvent): NodeShown {
  switch (e.kind) {
    case 'node.power':
      return { ...n, power: e.details?.['on'] === true ? 'booting' : 'off' };
    case 'node.booted':
      return n.power === 'off' ? n : { ...n, power: 'up' };
    case 'node.registered':
      return n.api === 'absent' ? { ...n, api: 'NotReady' } : n;
    case 'node.condition': {
      if ((e.details?.['type'] ?? 'Ready') !== 'Ready') return n;
      const status = e.details?.['status'];
      return { ...n, api: status === 'True' ? 'Ready' : status === 'Unknown' ? 'Unknown' : 'NotReady' };
    }
    default:
      return n;
  }
}

/** `workload/default/Deployment/web` → `Deployment/default/web`, the key the manifests use. */
function workloadKey(subject: string): string {
  const [, namespace, kind, name] = subject.split('/');
  return `${kind}/${namespace}/${name}`;
}

function countPods(state: ViewState, e: TimelineEvent): Pick<ViewState, 'readyPods' | 'podWorkload'> {
  const pod = e.subject;
  const owner = e.details?.['workload'];
  if (e.kind === 'pod.created' && typeof owner === 'string') return { ...state, podWorkload: { ...state.podWorkload, [pod]: owner } };
  const key = state.podWorkload[pod];
  if (!key) return state;
  const ready = state.readyPods[key] ?? [];
  if (e.kind === 'pod.ready' && !ready.includes(pod)) return { ...state, readyPods: { ...state.readyPods, [key]: [...ready, pod] } };
  const gone = ['pod.unready', 'pod.terminating', 'pod.deleted', 'pod.failed', 'pod.evicted', 'pod.oomKilled', 'pod.succeeded'];
  if (gone.includes(e.kind) && ready.includes(pod))
    return { ...state, readyPods: { ...state.readyPods, [key]: ready.filter((p) => p !== pod) } };
  return state;
}

export function applyEvent(state: ViewState, e: TimelineEvent): ViewState {
  const pods = e.kind.startsWith('pod.') ? countPods(state, e) : state;
  let workloads = state.workloads;
  if (pods !== state)
    workloads = workloads.map((w) => {
      const ready = pods.readyPods[w.key]?.length;
      return ready === undefined || ready === w.ready ? w : { ...w, ready };
    });
  if (e.kind === 'workload.ready' || e.kind === 'workload.degraded') {
    const key = workloadKey(e.subject);
    const ready = e.details?.['ready'];
    const desired = e.details?.['desired'];
    workloads = workloads.map((w) =>
      w.key !== key ? w : { ...w, ...(typeof ready === 'number' ? { ready } : {}), ...(typeof desired === 'number' ? { desired } : {}) },
    );
  }
  const node = e.subject.startsWith('node/') ? e.subject.slice(5) : null;
  const change = e.kind === 'fault.injected' ? ('fault' as const) : e.kind === 'fault.healed' ? ('heal' as const) : null;
  return {
    ...pods,
    t: Math.max(state.t, e.t),
    events: state.events + 1,
    api: e.kind === 'api.available' ? 'available' : e.kind === 'api.unavailable' ? 'unavailable' : state.api,
    rancher:
      state.rancher === null
        ? null
        : e.kind === 'rancher.available'
          ? 'available'
          : e.kind === 'rancher.unavailable'
            ? 'unavailable'
            : state.rancher,
    nodes: node === null ? state.nodes : state.nodes.map((n) => (n.name === node ? nodeAfter(n, e) : n)),
    workloads,
    changes: change ? [...state.changes, { kind: change, t: e.t, text: e.message }] : state.changes,
    last: e.message,
  };
}
