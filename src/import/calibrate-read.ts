/**
 * `twin calibrate`'s reading of a live cluster, GET requests only: Nodes (required), Pods and
 * core/v1 Events of all namespaces, and per node through the API server's proxy the kubelet's
 * summary API, its configuration (configz) and its /metrics, the API server's own /metrics and the
 * `kubernetes` Service's EndpointSlice (when the API server last wrote it).
 * A refused or absent optional source is recorded in `sources`; the figures that need it are
 * then not measured. Nothing is ever written to the cluster.
 */
import type { CoreV1Event, V1EndpointSlice, V1Node } from '@kubernetes/client-node';
import { clientNode } from '../load/lazy.js';
import type { CalibrationReadings, NodeReadings, SourceRecord, SourceStatus } from './calibrate.js';
import { sourceNames } from './calibrate.js';
import type { StatsSummary } from './calibrate-node.js';
import { epochSeconds } from './calibrate-samples.js';
import { clusterError, httpStatus, loadKubeConfig, rawGet, withTimeout, type LiveCluster } from './kube-client.js';

/** RBAC each source needs, named when it is refused. */
const permissions: Readonly<Record<string, string>> = {
  [sourceNames.events]: 'list events in all namespaces',
  [sourceNames.summary]: 'get nodes/proxy',
  [sourceNames.configz]: 'get nodes/proxy',
  [sourceNames.metrics]: 'get nodes/proxy',
  [sourceNames.apiserverMetrics]: 'get the non-resource URL /metrics',
  [sourceNames.apiEndpoints]: 'get endpointslices in namespace default',
};

function statusOf(status: number | undefined): SourceStatus {
  return status === 401 || status === 403 ? 'refused' : 'unavailable';
}

function why(name: string, status: number | undefined, error?: unknown): string {
  if (status === 401 || status === 403) return `${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'} (needs ${permissions[name]})`;
  if (status !== undefined) return `HTTP ${status}`;
  return error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
}

interface Outcome<T> {
  readonly value?: T;
  readonly status?: number;
  readonly error?: unknown;
}

async function proxyGet(cluster: LiveCluster, path: string): Promise<Outcome<string>> {
  try {
    const answer = await rawGet(cluster, path);
    return answer.status >= 200 && answer.status < 300 ? { value: answer.body } : { status: answer.status };
  } catch (error) {
    return { error };
  }
}

/** One source's record from the outcomes of its requests, per node when it is read per node. */
function record(name: string, outcomes: ReadonlyArray<[string | undefined, Outcome<unknown>]>): SourceRecord {
  const failed = outcomes.filter(([, o]) => o.value === undefined);
  if (failed.length === 0) return { name, status: 'read' };
  const status = failed.some(([, o]) => statusOf(o.status) === 'refused') ? 'refused' : 'unavailable';
  const detail = failed.map(([node, o]) => `${node ? `${node}: ` : ''}${why(name, o.status, o.error)}`).join('; ');
  const read = outcomes.filter(([, o]) => o.value !== undefined).map(([node]) => node);
  return { name, status, detail: read.length ? `${detail} (read on ${read.join(', ')})` : detail };
}

function json(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * When the slice's endpoints were last written (whole seconds): the newest managedFields entry that owns
 * them, the API server's own; a label or annotation someone else set later does not count.
 */
function lastWritten(slice: V1EndpointSlice): number | undefined {
  const owns = (f: { fieldsV1?: object }) => f.fieldsV1 !== undefined && 'f:endpoints' in f.fieldsV1;
  const times = (slice.metadata?.managedFields ?? [])
    .filter(owns)
    .map((f) => epochSeconds(f.time))
    .filter((t): t is number => t !== undefined);
  return times.length ? Math.max(...times) : undefined;
}

/** Reads everything `twin calibrate` measures from; throws the one-line errors of kube-client.ts when the Nodes cannot be read. */
export async function readCalibration(kubeconfig: string, context?: string): Promise<CalibrationReadings> {
  const cluster = loadKubeConfig(kubeconfig, context);
  const { CoreV1Api, DiscoveryV1Api } = clientNode();
  const core = cluster.config.makeApiClient(CoreV1Api);
  const readAt = Date.now() / 1000;
  let nodes: V1Node[];
  try {
    nodes = (await withTimeout(core.listNode())).items;
  } catch (error) {
    throw clusterError(
      cluster,
      error,
      'list nodes',
      'list nodes (and, for calibrate: list pods and events, get nodes/proxy, get /metrics)',
    );
  }
  const optional = async <T>(call: () => Promise<T>): Promise<Outcome<T>> => {
    try {
      return { value: await withTimeout(call()) };
    } catch (error) {
      return { status: httpStatus(error), error };
    }
  };
  const discovery = cluster.config.makeApiClient(DiscoveryV1Api);
  const [pods, events, apiserverMetrics, apiEndpoints] = await Promise.all([
    optional(() => core.listPodForAllNamespaces()),
    optional(() => core.listEventForAllNamespaces()),
    proxyGet(cluster, '/metrics'),
    optional(() => discovery.readNamespacedEndpointSlice({ name: 'kubernetes', namespace: 'default' })),
  ]);
  const names = nodes.map((n) => n.metadata?.name ?? '');
  const proxied = await Promise.all(
    names.map(async (name) => {
      const base = `/api/v1/nodes/${encodeURIComponent(name)}/proxy`;
      const [summary, configz, metrics] = await Promise.all([
        proxyGet(cluster, `${base}/stats/summary`),
        proxyGet(cluster, `${base}/configz`),
        proxyGet(cluster, `${base}/metrics`),
      ]);
      return { name, summary, configz, metrics };
    }),
  );
  const perNode: Record<string, NodeReadings> = {};
  for (const p of proxied) {
    const summary = json(p.summary.value) as StatsSummary | undefined;
    const configz = json(p.configz.value);
    perNode[p.name] = {
      ...(summary ? { summary } : {}),
      ...(configz !== undefined ? { configz } : {}),
      ...(p.metrics.value !== undefined ? { metrics: p.metrics.value } : {}),
    };
  }
  const sources: SourceRecord[] = [
    { name: sourceNames.nodes, status: 'read' },
    record('pods', [[undefined, pods]]),
    record(sourceNames.events, [[undefined, events]]),
    record(
      sourceNames.summary,
      proxied.map((p) => [p.name, p.summary]),
    ),
    record(
      sourceNames.configz,
      proxied.map((p) => [p.name, p.configz]),
    ),
    record(
      sourceNames.metrics,
      proxied.map((p) => [p.name, p.metrics]),
    ),
    record(sourceNames.apiserverMetrics, [[undefined, apiserverMetrics]]),
    record(sourceNames.apiEndpoints, [[undefined, apiEndpoints]]),
  ];
  const endpointsWritten = apiEndpoints.value ? lastWritten(apiEndpoints.value) : undefined;
  const eventItems: CoreV1Event[] | undefined = events.value?.items;
  return {
    server: cluster.server,
    context: cluster.context,
    readAt,
    nodes,
    ...(pods.value ? { pods: pods.value.items } : {}),
    ...(eventItems ? { events: eventItems } : {}),
    perNode,
    ...(apiserverMetrics.value !== undefined ? { apiserverMetrics: apiserverMetrics.value } : {}),
    ...(endpointsWritten !== undefined ? { apiEndpointsWritten: endpointsWritten } : {}),
    sources,
  };
}
