import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WatchDocument } from '../src/runner/watch.js';
import { readyCondition, startApiServer, type FakeApiServer } from './helpers/api-server.js';
import { repoRoot, twin } from './helpers/cli.js';

// `twin watch` as users run it (the built dist/, `npm run build` first), against a loopback API server
// holding the recorded live cluster of test/fixtures/whatif/live.json.
type Item = Parameters<FakeApiServer['modify']>[0];
const live = () => (JSON.parse(readFileSync('test/fixtures/whatif/live.json', 'utf8')) as { items: Item[] }).items;
let api: FakeApiServer;
let kubeconfig: string;

beforeEach(async () => {
  api = await startApiServer(live());
  kubeconfig = api.kubeconfig(mkdtempSync(join(tmpdir(), 'twin-watch-cli-')));
});
afterEach(() => api.close());

/** Starts `twin watch`; `line` is called with each line on stdout, and may act on it. */
function watch(args: string[], line: (text: string, child: ReturnType<typeof spawn>) => void) {
  const child = spawn(process.execPath, ['bin/twin.js', 'watch', '--kubeconfig', kubeconfig, ...args], {
    cwd: repoRoot,
    env: { ...process.env, CI: 'true', NO_COLOR: '1' },
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout }).on('line', (text) => line(text, child));
  return new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

describe('twin watch (CLI)', () => {
  it('--json: one document per change, a pod going NotReady included; stops after --max-updates', async () => {
    const documents: WatchDocument[] = [];
    const result = await watch(['--json', '--max-updates', '2'], (text) => {
      documents.push(JSON.parse(text) as WatchDocument);
      if (documents.length === 1) {
        const pod = live().find((i) => i.metadata.name === 'web-6d4b9c7f8-k2mzp')!;
        // Sent once the watches are open: a change made before would be in the stream's first list.
        const send = () =>
          api.watching('/api/v1/pods') > 0
            ? api.modify({ ...pod, status: { ...pod.status, conditions: [readyCondition('False', 'Pod')] } })
            : setTimeout(send, 20);
        send();
      }
    });
    expect(result).toEqual({ code: 0, stderr: '' });
    const [first, second] = documents;
    expect(Object.keys(first!)).toEqual(['time', 'cluster', 'nodes', 'workloads', 'impacts', 'prediction']);
    expect(first!.prediction.state).toBe('done');
    expect(first!.impacts[0]).toMatchObject({ node: 'cp1', apiDownFor: 900 });
    expect(first!.workloads.find((w) => w.workload === 'Deployment/default/web')).toEqual({
      workload: 'Deployment/default/web',
      desired: 3,
      ready: 3,
    });
    expect(second!.cluster.podsReady).toBe(first!.cluster.podsReady - 1);
    expect(api.requests.filter((r) => !r.startsWith('GET '))).toEqual([]);
  });

  it('plain lines when stdout is not a terminal; Ctrl-C leaves with 130 and one line', async () => {
    const lines: string[] = [];
    const result = await watch([], (text, child) => {
      lines.push(text);
      child.kill('SIGINT');
    });
    expect(lines[0]).toMatch(
      /^\d\d:\d\d:\d\d 4\/5 nodes Ready \(node5 Unknown\), \d+\/\d+ pods Ready; worst single loss: losing cp1 now would/,
    );
    expect(result.code).toBe(130);
    expect(result.stderr.trim().split('\n')).toEqual(['twin: SIGINT: stopping the watch (again to leave at once)', 'twin: watch stopped']);
  });

  it('--once prints one line and stops', async () => {
    const lines: string[] = [];
    const result = await watch(['--once'], (text) => lines.push(text));
    expect(result.code).toBe(0);
    expect(lines).toHaveLength(1);
  });

  it('a kubeconfig that cannot be read: exit 2; an API that does not answer: exit 4; one line each', () => {
    const dir = mkdtempSync(join(tmpdir(), 'twin-watch-bad-'));
    const missing = twin(['watch', '--kubeconfig', join(dir, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/cannot read kubeconfig/);
    const wrongContext = twin(['watch', '--kubeconfig', kubeconfig, '--context', 'prod']);
    expect(wrongContext.code).toBe(2);
    expect(wrongContext.stderr).toMatch(/no context "prod" \(use one of: lab\)/);
    const nowhere = join(dir, 'nowhere');
    writeFileSync(nowhere, readFileSync(kubeconfig, 'utf8').replace(/127\.0\.0\.1:\d+/, '127.0.0.1:9'));
    const unreachable = twin(['watch', '--kubeconfig', nowhere, '--json']);
    expect(unreachable.code).toBe(4);
    expect(unreachable.stderr.trim().split('\n')).toHaveLength(1);
    expect(unreachable.stdout).toBe('');
    const bad = twin(['watch', '--kubeconfig', kubeconfig, '--max-updates', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--max-updates: "0" is not a positive whole number/);
    const board = twin(['watch', '--kubeconfig', kubeconfig, '--profiles', 'node3=pi6']);
    expect(board.code).toBe(2);
    expect(board.stderr.trim()).toBe('twin: --profiles: node3: unknown hardware profile "pi6" (twin profiles lists them)');
    // A missing calibration is refused before anything is read, not a failed prediction on every change.
    const calibration = twin(['watch', '--kubeconfig', nowhere, '--calibration', join(dir, 'none.yaml'), '--once']);
    expect(calibration.code).toBe(2);
    expect(calibration.stderr.trim()).toMatch(/^twin: .*none\.yaml: file not found/);
  });
});
