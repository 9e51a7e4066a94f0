import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A loopback API server answering with the objects recorded from a real cluster in
 * test/fixtures/calibrate/ (see its README), so @kubernetes/client-node's real code path runs.
 * Every request is recorded; `refuse` makes paths answer 401/403/404 as a real API server does.
 */
const dir = 'test/fixtures/calibrate/';
const text = (file: string) => readFileSync(join(dir, file), 'utf8');

export interface FakeApi {
  readonly requests: string[];
  /** Path prefix → status to answer instead (e.g. `/api/v1/events` → 403); `*` for every path. */
  readonly refuse: Map<string, number>;
  readonly kubeconfig: string;
  readonly url: string;
  close(): Promise<void>;
}

function status(code: number): string {
  const reason = code === 401 ? 'Unauthorized' : code === 403 ? 'Forbidden' : 'NotFound';
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: reason.toLowerCase(), reason, code });
}

function answer(path: string): [string, string] | undefined {
  if (path === '/api/v1/nodes') return ['application/json', text('nodes.json')];
  if (path === '/api/v1/pods') return ['application/json', text('pods.json')];
  if (path === '/api/v1/events') return ['application/json', text('events.json')];
  // What `twin import --kubeconfig` lists besides: empty in the recording's namespaces that twin imports.
  const empty = /^\/(api\/v1|apis\/apps\/v1)\/(services|persistentvolumeclaims|persistentvolumes|deployments|statefulsets|daemonsets)$/;
  if (empty.test(path)) return ['application/json', JSON.stringify({ kind: 'List', apiVersion: 'v1', metadata: {}, items: [] })];
  if (path === '/metrics') return ['text/plain; version=0.0.4; charset=utf-8', text('apiserver-metrics.txt')];
  if (path === '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes')
    return ['application/json', text('endpointslice-kubernetes.json')];
  const proxy = /^\/api\/v1\/nodes\/([^/]+)\/proxy\/(stats\/summary|configz|metrics)$/.exec(path);
  if (!proxy) return undefined;
  const [, node, what] = proxy;
  if (what === 'metrics') return ['text/plain; version=0.0.4; charset=utf-8', text(`metrics-${node}.txt`)];
  return ['application/json', text(`${what === 'configz' ? 'configz' : 'summary'}-${node}.json`)];
}

export function writeKubeconfig(server: string, folder = mkdtempSync(join(tmpdir(), 'twin-calibrate-'))): string {
  const path = join(folder, 'config');
  writeFileSync(
    path,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: lab',
      `  cluster: { server: "${server}", insecure-skip-tls-verify: true }`,
      'users:',
      '- name: lab',
      '  user: { token: test }',
      'contexts:',
      '- name: lab',
      '  context: { cluster: lab, user: lab }',
      'current-context: lab',
      '',
    ].join('\n'),
  );
  return path;
}

export async function startFakeApi(): Promise<FakeApi> {
  const requests: string[] = [];
  const refuse = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const path = (req.url ?? '').split('?')[0] ?? '';
    const refused = [...refuse].find(([prefix]) => prefix === '*' || path.startsWith(prefix))?.[1];
    const found = req.method === 'GET' ? answer(path) : undefined;
    if (refused !== undefined || !found) {
      res.writeHead(refused ?? 404, { 'content-type': 'application/json' }).end(status(refused ?? 404));
      return;
    }
    res.writeHead(200, { 'content-type': found[0] }).end(found[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    requests,
    refuse,
    url,
    kubeconfig: writeKubeconfig(url),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
