import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLiveCluster } from '../src/import/kubeconfig.js';

// A loopback HTTP endpoint answering the list calls with the recorded objects of test/fixtures/import/dump.json,
// so the real @kubernetes/client-node code path runs end to end; every request is recorded.
const dump = JSON.parse(readFileSync('test/fixtures/import/dump.json', 'utf8')) as { items: Array<{ kind: string }> };
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
const requests: string[] = [];
let server: Server;
let kubeconfig: string;

beforeAll(async () => {
  server = createServer((req, res) => {
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
  kubeconfig = join(mkdtempSync(join(tmpdir(), 'twin-kubeconfig-')), 'config');
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
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('twin import --kubeconfig', () => {
  it('reads nodes and workloads with list calls only', async () => {
    const items = await readLiveCluster(kubeconfig, 'lab');
    expect(items.filter((i) => i.kind === 'Node').map((n) => n.metadata?.name)).toEqual(['pi-master', 'pi3-worker', 'pi5-worker']);
    expect(items.some((i) => i.kind === 'StatefulSet' && i.metadata?.name === 'db')).toBe(true);
    expect(requests.every((r) => r.startsWith('GET '))).toBe(true);
    expect(requests.length).toBe(8);
  });

  it('names a missing context', async () => {
    await expect(readLiveCluster(kubeconfig, 'prod')).rejects.toThrow(/no context "prod" \(use one of: lab\)/);
  });
});
