/**
 * The live cluster as a stream of object lists, read with @kubernetes/client-node: for each kind,
 * list it, then watch from the list's resourceVersion, as an informer does. GET only: nothing is
 * ever written. A watch the server ends (it closes each after a few minutes, the API server's
 * --min-request-timeout) is resumed from the last resourceVersion; one it refuses as too old
 * (410 Gone, "The resourceVersion for the provided watch is too old") or a lost connection starts
 * over with a fresh list, so objects deleted meanwhile are dropped.
 * KK docs: reference/using-api/api-concepts/#efficient-detection-of-changes.
 */
import type { AppsV1Api, CoreV1Api, KubeConfig, KubernetesObject, Watch } from '@kubernetes/client-node';
import { clientNode } from '../load/lazy.js';

interface WatchedKind {
  readonly kind: string;
  readonly apiVersion: string;
  readonly path: string;
  readonly list: (core: CoreV1Api, apps: AppsV1Api) => Promise<{ items: object[]; metadata?: { resourceVersion?: string } }>;
}

/** What the twin reads of a live cluster: the kinds `twin import --kubeconfig` lists. */
export const watchedKinds: readonly WatchedKind[] = [
  { kind: 'Node', apiVersion: 'v1', path: '/api/v1/nodes', list: (core) => core.listNode() },
  { kind: 'Pod', apiVersion: 'v1', path: '/api/v1/pods', list: (core) => core.listPodForAllNamespaces() },
  { kind: 'Service', apiVersion: 'v1', path: '/api/v1/services', list: (core) => core.listServiceForAllNamespaces() },
  {
    kind: 'PersistentVolumeClaim',
    apiVersion: 'v1',
    path: '/api/v1/persistentvolumeclaims',
    list: (core) => core.listPersistentVolumeClaimForAllNamespaces(),
  },
  { kind: 'PersistentVolume', apiVersion: 'v1', path: '/api/v1/persistentvolumes', list: (core) => core.listPersistentVolume() },
  {
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    path: '/apis/apps/v1/deployments',
    list: (_, apps) => apps.listDeploymentForAllNamespaces(),
  },
  {
    kind: 'StatefulSet',
    apiVersion: 'apps/v1',
    path: '/apis/apps/v1/statefulsets',
    list: (_, apps) => apps.listStatefulSetForAllNamespaces(),
  },
  { kind: 'DaemonSet', apiVersion: 'apps/v1', path: '/apis/apps/v1/daemonsets', list: (_, apps) => apps.listDaemonSetForAllNamespaces() },
];

export interface StreamHandlers {
  /** Something changed: every object as now known. */
  readonly onChange: (items: KubernetesObject[]) => void;
  /** The connection was lost (with why) or is back (null). */
  readonly onConnection: (problem: string | null) => void;
}

export interface StreamOptions {
  /** Wait before listing again after a lost connection; doubles up to 30 s. */
  readonly retryMs?: number;
}

const objectKey = (o: KubernetesObject) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/** A list's typed objects as plain JSON, as a watch sends them, with the kind a list leaves out. */
function plain(item: object, kind: WatchedKind): KubernetesObject {
  return { ...(JSON.parse(JSON.stringify(item)) as KubernetesObject), kind: kind.kind, apiVersion: kind.apiVersion };
}

/** A pause before resuming a watch the server ended, so a server that ends every watch at once is not hammered. */
const resumeMs = 200;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const wake = () => (clearTimeout(timer), resolve());
    const timer = setTimeout(() => (signal.removeEventListener('abort', wake), resolve()), ms);
    signal.addEventListener('abort', wake, { once: true });
  });

class GoneError extends Error {}

/** One watch request until the server ends it; rejects on an error, with GoneError when the version is too old. */
async function watchOnce(
  watch: Watch,
  kind: WatchedKind,
  version: { value: string },
  objects: Map<string, KubernetesObject>,
  changed: () => void,
  signal: AbortSignal,
): Promise<void> {
  let gone = false;
  let request: AbortController | undefined;
  const abort = () => request?.abort();
  signal.addEventListener('abort', abort, { once: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const done = (error: unknown) => (gone ? reject(new GoneError()) : error ? reject(error) : resolve());
      const onEvent = (type: string, object: KubernetesObject & { code?: number }) => {
        if (type === 'ERROR') {
          gone = object.code === 410;
          return;
        }
        if (object.metadata?.resourceVersion) version.value = object.metadata.resourceVersion;
        if (type === 'BOOKMARK') return;
        const item = { ...object, kind: kind.kind, apiVersion: kind.apiVersion };
        if (type === 'DELETED') objects.delete(objectKey(item));
        else objects.set(objectKey(item), item);
        changed();
      };
      watch
        .watch(kind.path, { resourceVersion: version.value, allowWatchBookmarks: true }, onEvent, done)
        .then((started) => {
          request = started;
          if (signal.aborted) started.abort();
        })
        .catch(reject);
    });
  } finally {
    signal.removeEventListener('abort', abort);
  }
}

/**
 * Lists and watches every kind until `signal` aborts. `onChange` gets the whole object list after
 * each change (callers debounce); a lost connection is reported and retried, never thrown.
 */
export async function streamCluster(config: KubeConfig, handlers: StreamHandlers, signal: AbortSignal, options: StreamOptions = {}) {
  const k8s = clientNode();
  const core = config.makeApiClient(k8s.CoreV1Api);
  const apps = config.makeApiClient(k8s.AppsV1Api);
  const watch = new k8s.Watch(config);
  const stores = new Map(watchedKinds.map((k) => [k.kind, new Map<string, KubernetesObject>()]));
  const all = () => [...stores.values()].flatMap((s) => [...s.values()]);
  // Until every kind is listed, a snapshot would lack whole kinds: no change is reported before.
  const listed = new Set<string>();
  const changed = () => signal.aborted || listed.size < watchedKinds.length || handlers.onChange(all());
  const failing = new Set<string>();
  const retryFirst = options.retryMs ?? 1000;

  const follow = async (kind: WatchedKind) => {
    const objects = stores.get(kind.kind) ?? new Map<string, KubernetesObject>();
    let retry = retryFirst;
    while (!signal.aborted) {
      try {
        const list = await kind.list(core, apps);
        objects.clear();
        for (const item of list.items.map((i) => plain(i, kind))) objects.set(objectKey(item), item);
        if (failing.delete(kind.kind) && failing.size === 0) handlers.onConnection(null);
        retry = retryFirst;
        listed.add(kind.kind);
        changed();
        const version = { value: list.metadata?.resourceVersion ?? '' };
        // The server ends a watch after a while: resume it from the last version seen.
        while (!signal.aborted) {
          await watchOnce(watch, kind, version, objects, changed, signal);
          await sleep(resumeMs, signal);
        }
      } catch (error) {
        if (signal.aborted) return;
        if (!(error instanceof GoneError)) {
          failing.add(kind.kind);
          handlers.onConnection(`${kind.kind}s: ${(error as Error).message?.split('\n')[0] ?? String(error)}`);
          await sleep(retry, signal);
          retry = Math.min(retry * 2, 30_000);
        }
      }
    }
  };
  await Promise.all(watchedKinds.map(follow));
}

/** The kubeconfig's current (or given) context; `twin import`'s readLiveCluster has already checked both. */
export function kubeConfigFor(file: string, context?: string): KubeConfig {
  const config = new (clientNode().KubeConfig)();
  config.loadFromFile(file);
  if (context) config.setCurrentContext(context);
  return config;
}
