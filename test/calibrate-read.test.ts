import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readCalibration } from '../src/import/calibrate-read.js';
import { calibrationDocumentSchema } from '../src/model/calibration.js';
import { startFakeApi, writeKubeconfig, type FakeApi } from './helpers/fake-api.js';
import { repoRoot } from './helpers/cli.js';

// The recorded objects of test/fixtures/calibrate/ served from a loopback API server: the real client-node path.
let api: FakeApi;
beforeAll(async () => {
  api = await startFakeApi();
});
afterAll(() => api.close());
beforeEach(() => {
  api.requests.length = 0;
  api.refuse.clear();
});

/** Runs bin/twin.js (dist/: `npm run build` first) without blocking this process, which serves the API. */
function twin(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin/twin.js'), ...args], {
      cwd,
      env: { ...process.env, CI: 'true', NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('reading a live cluster for calibrate', () => {
  it('reads every source with GET requests only', async () => {
    const read = await readCalibration(api.kubeconfig, 'lab');
    expect(read.nodes.map((n) => n.metadata?.name)).toEqual(['dcn1', 'dcn2', 'dcn3']);
    expect(read.events?.length).toBeGreaterThan(100);
    expect(read.perNode['dcn2']?.metrics).toMatch(/process_start_time_seconds/);
    expect(read.sources.every((s) => s.status === 'read')).toBe(true);
    expect(read.apiEndpointsWritten).toBe(Date.parse('2026-12-01T10:51:14Z') / 1000);
    expect(api.requests.length).toBe(5 + 3 * 3);
    expect(api.requests.every((r) => r.startsWith('GET '))).toBe(true);
    expect(api.requests).toContain('GET /api/v1/nodes/dcn1/proxy/stats/summary');
  });

  it('goes on without the events when they are refused, and says why', async () => {
    api.refuse.set('/api/v1/events', 403);
    const read = await readCalibration(api.kubeconfig);
    expect(read.events).toBeUndefined();
    expect(read.sources.find((s) => s.name === 'events')).toEqual({
      name: 'events',
      status: 'refused',
      detail: '403 Forbidden (needs list events in all namespaces)',
    });
  });

  it('marks the proxy sources refused per node', async () => {
    api.refuse.set('/api/v1/nodes/dcn2/proxy', 403);
    const read = await readCalibration(api.kubeconfig);
    expect(read.perNode['dcn2']).toEqual({});
    expect(read.sources.find((s) => s.name === 'nodes/proxy configz')?.detail).toBe(
      'dcn2: 403 Forbidden (needs get nodes/proxy) (read on dcn1, dcn3)',
    );
  });

  it('refuses expired credentials in one line naming the kubeconfig user', async () => {
    api.refuse.set('*', 401);
    await expect(readCalibration(api.kubeconfig)).rejects.toThrow(
      /users\.lab: the API server http:\/\/127\.0\.0\.1:\d+ refused these credentials \(401/,
    );
  });

  it('names the missing permission when the nodes are forbidden', async () => {
    api.refuse.set('/api/v1/nodes', 403);
    await expect(readCalibration(api.kubeconfig)).rejects.toThrow(
      /refused to list nodes \(403 Forbidden\): the kubeconfig's user needs permission to list nodes/,
    );
  });
});

describe('twin calibrate (CLI)', () => {
  it('writes a valid Calibration file and prints a table per node', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twin-calibrate-cli-'));
    const result = await twin(['calibrate', '--kubeconfig', api.kubeconfig, '--since', '1000d'], dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const text = readFileSync(join(dir, 'calibration.yaml'), 'utf8');
    expect(text.split('\n')[0]).toMatch(/^# yaml-language-server: \$schema=.*schemas\/calibration\.schema\.json$/);
    const doc = calibrationDocumentSchema.parse(parse(text));
    expect(doc.spec.nodes.find((n) => n.name === 'dcn2')?.figures.nodeReady?.value).toBe(5);
    expect(result.stdout).toMatch(/dcn1 \(server, pi3bplus\)/);
    expect(result.stdout).toMatch(/not measured: bootTime: no reboot in the window/);
    expect(api.requests.every((r) => r.startsWith('GET '))).toBe(true);
  });

  it('notes a refused optional source on stderr and exits 0', async () => {
    api.refuse.set('/api/v1/events', 403);
    const dir = mkdtempSync(join(tmpdir(), 'twin-calibrate-cli-'));
    const result = await twin(['calibrate', '--kubeconfig', api.kubeconfig, '-o', 'out/cal.yaml'], dir);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('note: events refused: 403 Forbidden (needs list events in all namespaces)\n');
    expect(existsSync(join(dir, 'out/cal.yaml'))).toBe(true);
  });

  it('exits 2 on expired credentials and 4 on an unreachable server, in one line each', async () => {
    api.refuse.set('*', 401);
    const dir = mkdtempSync(join(tmpdir(), 'twin-calibrate-cli-'));
    const expired = await twin(['calibrate', '--kubeconfig', api.kubeconfig], dir);
    expect(expired.code).toBe(2);
    expect(expired.stderr.trim().split('\n')).toHaveLength(1);
    expect(expired.stderr).toMatch(/refused these credentials \(401 Unauthorized\) \(renew them/);
    const nowhere = writeKubeconfig('http://127.0.0.1:1', dir);
    const unreachable = await twin(['calibrate', '--kubeconfig', nowhere], dir);
    expect(unreachable.code).toBe(4);
    expect(unreachable.stderr).toBe('twin: cannot reach the API server http://127.0.0.1:1 to list nodes: ECONNREFUSED\n');
    expect(existsSync(join(dir, 'calibration.yaml'))).toBe(false);
    const context = await twin(['calibrate', '--kubeconfig', nowhere, '--context', 'prod'], dir);
    expect(context.code).toBe(2);
    expect(context.stderr).toBe(`twin: ${nowhere}: contexts: no context "prod" (use one of: lab)\n`);
  });

  it('import --calibrate writes calibration.yaml and points spec.calibration at it; --calibrate needs --kubeconfig', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twin-calibrate-cli-'));
    const result = await twin(['import', '--kubeconfig', api.kubeconfig, '--calibrate', '-o', 'lab'], dir);
    expect(result.code).toBe(0);
    expect((parse(readFileSync(join(dir, 'lab/cluster.yaml'), 'utf8')) as { spec: { calibration: string } }).spec.calibration).toBe(
      './calibration.yaml',
    );
    calibrationDocumentSchema.parse(parse(readFileSync(join(dir, 'lab/calibration.yaml'), 'utf8')));
    // A failure after the calibration is written (cluster.yaml cannot be: a folder is there) leaves no calibration behind.
    mkdirSync(join(dir, 'half/cluster.yaml'), { recursive: true });
    const half = await twin(['import', '--kubeconfig', api.kubeconfig, '--calibrate', '-o', 'half'], dir);
    expect(half.code).toBe(2);
    expect(half.stderr).toMatch(/half\/cluster\.yaml/);
    expect(existsSync(join(dir, 'half/calibration.yaml'))).toBe(false);
    // Over an earlier import, the earlier calibration is put back as it was.
    writeFileSync(join(dir, 'half/calibration.yaml'), '# an earlier calibration\n');
    expect((await twin(['import', '--kubeconfig', api.kubeconfig, '--calibrate', '-o', 'half'], dir)).code).toBe(2);
    expect(readFileSync(join(dir, 'half/calibration.yaml'), 'utf8')).toBe('# an earlier calibration\n');
    const alone = await twin(['import', '--from', 'x.json', '--calibrate'], dir);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toBe('twin: --calibrate: only applies with --kubeconfig (add --kubeconfig, or drop --calibrate)\n');
  });
});
