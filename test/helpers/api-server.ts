/**
 * A loopback stand-in for the Kubernetes API server: list calls answer with recorded objects
 * (test/fixtures/import/dump.json, with the Ready conditions a kubelet posts), `?watch=true` keeps
 * the response open and streams one JSON event per line, as the API server does. Every request
 * is recorded, so tests can check that only GETs were made.
 */
import { createServer, type ServerResponse } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export const routes: Record<string, string> = {
  '/api/v1/nodes': 'Node',
  '/api/v1/pods': 'Pod',
  '/api/v1/services': 'Service',
  '/api/v1/persistentvolumeclaims': 'PersistentVolumeClaim',
  '/api/v1/persistentvolumes': 'PersistentVolume',
  '/apis/apps/v1/deployments': 'Deployment',
  '/apis/apps/v1/statefulsets': 'StatefulSet',
  '/apis/apps/v1/daemonsets': 'DaemonSet',
};

type Item = { kind: string; metadata: { name: string; namespace?: string; resourceVersion?: string }; status?: Record<string, unknown> };

/** A condition as the kubelet posts it (the recorded pi-master node's shape). */
export function readyCondition(status: 'True' | 'False' | 'Unknown', kind: 'Node' | 'Pod') {
  return kind === 'Node'
    ? {
        type: 'Ready',
        status,
        reason: status === 'True' ? 'KubeletReady' : 'NodeStatusUnknown',
        lastTransitionTime: '2026-11-20T10:00:00Z',
      }
    : { type: 'Ready', status, lastProbeTime: null, lastTransitionTime: '2026-11-20T10:00:00Z' };
}

/** The recorded dump, every node and pod with a Ready condition. */
export function recordedItems(): Item[] {
  const dump = JSON.parse(readFileSync('test/fixtures/import/dump.json', 'utf8')) as { items: Item[] };
  return dump.items.map((item) =>
    item.kind === 'Node' || item.kind === 'Pod'
      ? { ...item, status: { ...item.status, conditions: [readyCondition('True', item.kind)] } }
      : item,
  );
}

export interface FakeApiServer {
  readonly url: string;
  readonly requests: string[];
  /** Replace an object and tell every open watch of its kind (MODIFIED). */
  modify(item: Item): void;
  /** Drop every open watch connection, as a lost network does. */
  dropWatches(): void;
  /** How many watches of this path are open. */
  watching(path: string): number;
  kubeconfig(dir: string): string;
  close(): Promise<void>;
}

export async function startApiServer(items: Item[] = recordedItems()): Promise<FakeApiServer> {
  const requests: string[] = [];
  const watches = new Map<string, Set<ServerResponse>>();
  let version = 100;
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const kind = routes[url.pathname];
    if (req.method !== 'GET' || !kind) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"kind":"Status","status":"Failure","code":404}');
      return;
    }
    if (url.searchParams.get('watch') === 'true') {
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      res.flushHeaders();
      const open = watches.get(url.pathname) ?? new Set();
      open.add(res);
      watches.set(url.pathname, open);
      res.on('close', () => open.delete(res));
      return;
    }
    const list = {
      kind: `${kind}List`,
      apiVersion: 'v1',
      metadata: { resourceVersion: String(version) },
      items: items.filter((i) => i.kind === kind),
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(list));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const pathOf = (kind: string) => Object.entries(routes).find(([, k]) => k === kind)?.[0] ?? '';
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    modify(item) {
      version++;
      const changed = { ...item, metadata: { ...item.metadata, resourceVersion: String(version) } };
      const at = items.findIndex((i) => i.kind === item.kind && i.metadata.name === item.metadata.name);
      items.splice(at, 1, changed);
      for (const res of watches.get(pathOf(item.kind)) ?? []) res.write(`${JSON.stringify({ type: 'MODIFIED', object: changed })}\n`);
    },
    dropWatches() {
      for (const open of watches.values()) for (const res of open) res.destroy();
    },
    watching: (path) => watches.get(path)?.size ?? 0,
    kubeconfig(dir) {
      const file = join(dir, 'config');
      writeFileSync(
        file,
        [
          'apiVersion: v1',
          'kind: Config',
          'clusters:',
          '- name: lab',
          `  cluster: { server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true }`,
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
      return file;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const open of watches.values()) for (const res of open) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
