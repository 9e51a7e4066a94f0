/**
 * A loopback Kubernetes API answering list calls with recorded objects (a `kubectl get … -o json`
 * List), so the real @kubernetes/client-node code path runs end to end. Every request is recorded.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const routes: Record<string, string> = {
  '/api/v1/nodes': 'Node',
  '/api/v1/pods': 'Pod',
  '/api/v1/services': 'Service',
  '/api/v1/persistentvolumeclaims': 'PersistentVolumeClaim',
  '/api/v1/persistentvolumes': 'PersistentVolume',
  '/apis/apps/v1/deployments': 'Deployment',
  '/apis/apps/v1/statefulsets': 'StatefulSet',
  '/apis/apps/v1/daemonsets': 'DaemonSet',
};

export interface LiveServer {
  readonly kubeconfig: string;
  readonly server: string;
  readonly requests: string[];
  close(): Promise<void>;
}

export async function startLiveServer(dumpFile: string): Promise<LiveServer> {
  const dump = JSON.parse(readFileSync(dumpFile, 'utf8')) as { items: Array<{ kind: string }> };
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const kind = routes[(req.url ?? '').split('?')[0] ?? ''];
    if (req.method !== 'GET' || !kind) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"kind":"Status","status":"Failure","code":404}');
      return;
    }
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ kind: `${kind}List`, apiVersion: 'v1', metadata: {}, items: dump.items.filter((i) => i.kind === kind) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const kubeconfig = join(mkdtempSync(join(tmpdir(), 'twin-live-')), 'config');
  writeFileSync(
    kubeconfig,
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
  return {
    kubeconfig,
    server: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
