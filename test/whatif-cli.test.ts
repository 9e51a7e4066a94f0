import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/cli.js';
import { startLiveServer, type LiveServer } from './helpers/live-server.js';

// The real bin/twin.js (built dist/; `npm run build` first) against a loopback API in this process:
// spawned asynchronously so the server keeps answering while twin runs.
function twinAsync(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin/twin.js'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, CI: 'true', NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const boards = '--profiles=cp1=pi4b-8gb,node2=pi4b-8gb,node3=pi4b-8gb,node4=pi4b-8gb,node5=pi4b-8gb';
let api: LiveServer;
let out: string;

beforeAll(async () => {
  api = await startLiveServer('test/fixtures/whatif/live.json');
  out = mkdtempSync(join(tmpdir(), 'twin-whatif-'));
});
afterAll(() => api.close());

describe('twin whatif', () => {
  it.each([
    ['bogus:node3', /--fault: "bogus:node3": unknown fault kind "bogus" \(write .* one of: power-off, power-on, .*\)/],
    ['power-off', /--fault: "power-off": power-off needs a target \(its node\) \(write --fault power-off:cp1\)/],
    [
      'power-off:node9',
      /--fault: "power-off:node9": no node named "node9" in the live cluster \(use one of: cp1, node2, node3, node4, node5\)/,
    ],
    ['control-plane-down:node2', /no server named "node2" in the live cluster \(use one of: cp1\)/],
    ['power-off:node3,at', /"at" is not key=value/],
  ])('refuses --fault %s in one line, exit 2', async (fault, message) => {
    const result = await twinAsync(['whatif', '--kubeconfig', api.kubeconfig, boards, '--fault', fault, '--out', out]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
  });

  it('predicts from now and writes the same report as twin run, with GET requests only', async () => {
    const result = await twinAsync(['whatif', '--kubeconfig', api.kubeconfig, boards, '--fault', 'power-off:node3,for=8m', '--out', out]);
    // The default expectation (workloads unaffected) fails when node3 goes: exit 1, as twin run.
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/live state: placement reproduced for 4 of 4 pods; 1 difference\(s\)/);
    expect(result.stderr).toMatch(/≠ node node5: Ready=Unknown live/);
    const [run] = readdirSync(join(out, 'whatif'));
    const markdown = readFileSync(join(out, 'whatif', run ?? '', 'report.md'), 'utf8');
    expect(markdown).toMatch(/## Live state/);
    expect(markdown).not.toMatch(/## Bring-up/);
    const report = JSON.parse(readFileSync(join(out, 'whatif', run ?? '', 'report.json'), 'utf8')) as {
      faults: Array<{ injectedAt: number; healedAt: number }>;
    };
    expect(report.faults).toEqual([expect.objectContaining({ injectedAt: 0, healedAt: 480 })]);
    expect(api.requests.filter((r) => !r.startsWith('GET '))).toEqual([]);
  });

  it('twin run refuses a live scenario in one line, exit 2', async () => {
    const result = await twinAsync(['run', 'test/fixtures/whatif/node3-down.mjs', '--out', out]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(
      /cluster: a live cluster \(live: true\) is read from a kubeconfig.*twin whatif --kubeconfig FILE --scenario/,
    );
  });

  it('judges a live scenario given with --scenario', async () => {
    const result = await twinAsync([
      'whatif',
      '--kubeconfig',
      api.kubeconfig,
      boards,
      '--scenario',
      'test/fixtures/whatif/node3-down.mjs',
      '--json',
    ]);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { expectations: Array<{ id: string; status: string }> };
    expect(report.expectations.map((v) => `${v.id} ${v.status}`)).toEqual(['notready pass', 'web-back fail']);
  });
});
