import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bringUpScenario } from '../src/scenario/load.js';
import { runScenario } from '../src/runner/run-scenario.js';
import { renderMarkdown } from '../src/report/markdown.js';
import { renderHtml } from '../src/report/html.js';
import { reportJson } from '../src/report/report.js';
import type { RunReport } from '../src/report/types.js';
import { summaryReporter } from '../src/runner/reporters/summary.js';
import { comparePlans } from '../src/plan/compare.js';
import { renderCompareText } from '../src/plan/render.js';
import { loadClusterFile } from '../src/load/cluster.js';
import { loadManifests } from '../src/load/manifests.js';
import { createSimulation } from '../src/sim/index.js';
import { readWorkloads } from '../src/model/workloads.js';
import { cluster } from './helpers/sim.js';
import { twin } from './helpers/cli.js';

const dir = 'test/fixtures/unfinished';
/** Ten minutes is plenty for three Pi 4s and keeps the timeout runs short. */
const timeout = 600;

async function bringUp(clusterFile: string, workloads: string[]): Promise<RunReport> {
  return runScenario(
    await bringUpScenario(
      `${dir}/${clusterFile}`,
      workloads.map((w) => `${dir}/${w}`),
      { timeout },
    ),
  );
}

function terminal(report: RunReport): { out: string[]; err: string[] } {
  const lines = { out: [] as string[], err: [] as string[] };
  summaryReporter({ out: (t) => lines.out.push(t), err: (t) => lines.err.push(t) }, { failures: false, keep: false }).onScenarioEnd?.(
    report,
  );
  return lines;
}

describe('a bring-up that does not finish names what it waited for', () => {
  it('with Rancher: a running agent is not listed; only what held the bring-up back is', async () => {
    const report = await bringUp('rancher-cluster.yaml', ['too-big']);
    expect(report.bringUp.analysis.workloadsReady).toBeNull();
    expect(report.bringUp.rancherImported).not.toBeNull();
    expect((report.bringUp.unfinished ?? []).map((item) => `${item.name}: ${item.reason}`)).toEqual([
      'Deployment/default/web: Unschedulable',
    ]);
  });

  it('a workload that fits no node: the pods, the scheduler message and the fix in report.json, report.md and twin run', async () => {
    const report = await bringUp('cluster.yaml', ['too-big']);
    expect(report.bringUp.analysis.workloadsReady).toBeNull();
    const unfinished = report.bringUp.unfinished ?? [];
    expect(unfinished).toHaveLength(1);
    const [web] = unfinished;
    expect(web).toMatchObject({
      kind: 'workload',
      name: 'Deployment/default/web',
      reason: 'Unschedulable',
      message: '0/3 nodes are available: 3 Insufficient memory',
    });
    expect(web!.pods).toHaveLength(2);
    for (const pod of web!.pods) expect(pod).toMatch(/^default\/web-/);
    expect(web!.fix).toBe('add a node with at least 3Gi of memory unrequested, or lower requests.memory of default/web (3Gi per pod)');
    expect(JSON.parse(reportJson(report)).bringUp.unfinished[0].fix).toBe(web!.fix);

    const md = renderMarkdown(report);
    expect(md).toContain('## Bring-up did not finish');
    expect(md).toContain(`| workload Deployment/default/web | ${web!.pods.join(', ')} | Unschedulable | 0/3 nodes are available`);
    expect(md).toContain('lower requests.memory of default/web (3Gi per pod) |');
    const html = renderHtml(report);
    expect(html).toContain('<h3>Bring-up did not finish</h3>');
    expect(html).toContain('lower requests.memory of default/web (3Gi per pod)');

    const { out, err } = terminal(report);
    expect(out[0]).toMatch(/^FAIL cluster-bringup/);
    expect(err).toContain('  bring-up did not finish:');
    expect(err.join('\n')).toMatch(
      /✘ workload Deployment\/default\/web \(2 pods\): Unschedulable: 0\/3 nodes are available: 3 Insufficient memory — fix: add a node/,
    );
  });

  it('a nodeSelector that matches no node says which selector, and twin bringup prints it', async () => {
    const report = await bringUp('cluster.yaml', ['selector']);
    const [db] = report.bringUp.unfinished ?? [];
    expect(db).toMatchObject({
      name: 'Deployment/default/db',
      reason: 'Unschedulable',
      message: "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector",
    });
    expect(db!.fix).toMatch(/^nodeSelector disktype=ssd of default\/db matches no node: label a node with it/);

    const out = mkdtempSync(join(tmpdir(), 'twin-unfinished-'));
    const cli = twin(['bringup', `${dir}/cluster.yaml`, '-w', `${dir}/selector`, '--out', out]);
    rmSync(out, { recursive: true, force: true });
    expect(cli.code).toBe(1);
    expect(cli.stdout).toMatch(/Did not finish:\n {2}✘ workload Deployment\/default\/db \(default\/db-[\w-]+\): Unschedulable: /);
    expect(cli.stdout).toContain('fix: nodeSelector disktype=ssd of default/db matches no node');
  });

  it('a 512 MB board as the only server never becomes Ready, and the bring-up says why', async () => {
    const report = await bringUp('zero-server.yaml', ['selector']);
    const z1 = report.bringUp.analysis.nodes.find((n) => n.node === 'z1')!;
    expect(z1.ready).toBeNull();
    expect(z1.k3sRunning).toBeNull();
    expect(z1.joinRejected).toMatch(/need about 592 MiB and Raspberry Pi Zero 2 W \(512 MB\) has 394 MiB usable/);
    expect(report.bringUp.apiAvailable).toBeNull();
    const items = report.bringUp.unfinished ?? [];
    expect(items.map((i) => `${i.kind} ${i.name} ${i.reason}`)).toEqual([
      'node z1 K3sOutOfMemory',
      'node a1 NodeNotReady',
      'workload Deployment/default/db NotApplied',
    ]);
    expect(items[0]!.fix).toMatch(/^use a board with more than 710 MiB of RAM for the server role .*, or make z1 an agent$/);
    expect(items[1]!.fix).toBe('the Kubernetes API never came up: see the first server');
    expect(renderMarkdown(report)).toMatch(
      /\| z1 \| Raspberry Pi Zero 2 W \(512 MB\) \| server \| .* \| never: the OS and the k3s server need/,
    );
  });

  it('a Zero 2 W agent still boots K3s: the threshold is the OS and k3s against its usable memory', () => {
    const c = cluster([
      { name: 's', role: 'server' },
      { name: 'z', profile: 'pizero2w' },
    ]);
    const sim = createSimulation({ cluster: c, workloads: readWorkloads([]), seed: 1 });
    sim.runUntilCondition(() => sim.bringUp.clusterReady !== null, timeout);
    expect(sim.bringUp.nodeReady.has('z')).toBe(true);
    expect(sim.joinRejected.size).toBe(0);
  });

  it('a bring-up that finishes carries no unfinished field at all', async () => {
    const report = await bringUp('cluster.yaml', []);
    expect(report.bringUp.workloadsReady).not.toBeNull();
    expect('unfinished' in report.bringUp).toBe(false);
    expect(renderMarkdown(report)).not.toContain('did not finish');
    expect(terminal(report).err).toEqual([]);
  });

  it('twin plan --compare shows what a bring-up waited for', async () => {
    const clusters = [await loadClusterFile(`${dir}/cluster.yaml`), await loadClusterFile(`${dir}/zero-server.yaml`)];
    const objects = loadManifests([`${dir}/selector`]).map((m) => m.object);
    const plans = comparePlans(clusters, objects);
    expect(plans[0]!.bringUp).toBeNull();
    expect(plans[1]!.unfinished?.[0]).toMatchObject({ kind: 'node', name: 'z1', reason: 'K3sOutOfMemory' });
    const text = renderCompareText(plans, (head, rows) => [head, ...rows].map((r) => r.join(' | ')).join('\n'));
    expect(text).toContain('small-pis: bring-up did not finish:');
    expect(text).toContain('zero-server: bring-up did not finish:');
    expect(text).toMatch(/zero-server: bring-up did not finish:\n {2}✘ node z1: K3sOutOfMemory: /);
  });
});
