import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { KubernetesObject } from '@kubernetes/client-node';
import { bringUpScenario } from '../src/scenario/load.js';
import { runScenario } from '../src/runner/run-scenario.js';
import { bringUpFindings } from '../src/model/findings.js';
import { readWorkloads } from '../src/model/workloads.js';
import { cluster, deployment } from './helpers/sim.js';
import { createSimulation } from '../src/sim/index.js';

const clusters = readdirSync('scenarios/clusters');
const workloadsFor: Record<string, string[]> = {
  'edgestack-pi3.ts': ['scenarios/workloads/edgestack'],
  'edgestack-pi4.yaml': ['scenarios/workloads/edgestack'],
  'taskmaster-workshop.yaml': ['scenarios/workloads/taskmaster'],
  'pi4-zero-fleet.yaml': ['scenarios/workloads/zero-fleet'],
  'homelab-nfs.yaml': ['scenarios/workloads/homelab'],
  'ha-gallade.yaml': ['scenarios/workloads/ha-gallade'],
};

describe('bring-up', () => {
  it.each(clusters)('%s: per-node Ready times, totals and a critical path', async (file) => {
    const scenario = await bringUpScenario(`scenarios/clusters/${file}`, workloadsFor[file] ?? []);
    const report = await runScenario(scenario);
    expect(report.status).toBe('pass');
    const analysis = report.bringUp.analysis;
    const inCluster = report.cluster.nodes.filter((n) => n.role === 'server' || n.role === 'agent');
    expect(analysis.nodes.map((n) => n.node)).toEqual(inCluster.map((n) => n.name));
    for (const node of analysis.nodes) {
      expect(node.booted).toBeGreaterThan(0);
      expect(node.osPrepared!).toBeGreaterThan(node.booted!);
      expect(node.k3sRunning!).toBeGreaterThan(node.osPrepared!);
      expect(node.ready!).toBeGreaterThanOrEqual(node.registered!);
    }
    expect(analysis.clusterReady).toBe(Math.max(...analysis.nodes.map((n) => n.ready ?? 0)));
    expect(analysis.workloadsReady!).toBeGreaterThanOrEqual(analysis.clusterReady!);
    expect(analysis.criticalPath.some((s) => s.includes('cluster ready'))).toBe(true);
  });

  it('slower hardware gives a longer bring-up for the same plan (Pi 3B+ > Pi 4 > Pi 5)', () => {
    const objects = [deployment('web', 3, { requests: { cpu: '50m', memory: '32Mi' } })];
    const times = ['pi3bplus', 'pi4b-4gb', 'pi5-4gb'].map((profile) => {
      const c = cluster([
        { name: 's1', role: 'server', profile },
        { name: 'w1', profile },
        { name: 'w2', profile },
      ]);
      const sim = createSimulation({ cluster: c, workloads: readWorkloads(objects), seed: 3 });
      sim.runUntilCondition(() => sim.bringUp.workloadsReady !== null, 3600);
      return { cluster: sim.bringUp.clusterReady!, workloads: sim.bringUp.workloadsReady! };
    });
    expect(times[0]!.cluster).toBeGreaterThan(times[1]!.cluster);
    expect(times[1]!.cluster).toBeGreaterThan(times[2]!.cluster);
    expect(times[0]!.workloads).toBeGreaterThan(times[1]!.workloads);
    expect(times[1]!.workloads).toBeGreaterThan(times[2]!.workloads);
  });

  it('with Rancher, the bring-up ends once the cattle-cluster-agent runs, as the k3d engine waits for it', () => {
    const objects = [deployment('web', 2, { requests: { cpu: '50m', memory: '32Mi' } })];
    const nodes = [
      { name: 'r', role: 'rancher' as const, profile: 'x86-minipc' },
      { name: 's1', role: 'server' as const, profile: 'pi4b-4gb' },
      { name: 'w1', profile: 'pi4b-4gb' },
    ];
    const run = (settings: Record<string, unknown>) => {
      const sim = createSimulation({
        cluster: cluster(nodes, { rancher: { node: 'r' }, settings }),
        workloads: readWorkloads(objects),
        seed: 3,
      });
      const agentStarted: number[] = [];
      const webReady: number[] = [];
      sim.onEvent((e) => {
        if (e.kind === 'pod.started' && e.subject.includes('cattle-cluster-agent')) agentStarted.push(e.t);
        if (e.kind === 'workload.ready' && e.subject.endsWith('/web')) webReady.push(e.t);
      });
      sim.runUntilCondition(() => sim.bringUp.workloadsReady !== null, 3600);
      return { done: sim.bringUp.workloadsReady, agent: agentStarted[0], web: webReady[0] };
    };
    // Rancher answers long after the user's workloads are Ready: the bring-up waits for its agent to start.
    const late = run({ rancherStartTime: '15m' });
    expect(late.web).toBeDefined();
    expect(late.agent).toBeGreaterThan(late.web!);
    expect(late.done).toBeCloseTo(late.agent!, 2);
    // A Rancher that answers before them changes nothing: the last of the workloads ends it.
    const early = run({ rancherStartTime: '1s' });
    expect(early.done).toBeCloseTo(Math.max(early.agent!, early.web!), 2);
  });

  it('with Rancher, an import Rancher missed while the API was down goes in when the API returns', () => {
    const objects = [deployment('web', 1, { requests: { cpu: '50m', memory: '32Mi' } })];
    const nodes = [
      { name: 'r', role: 'rancher' as const, profile: 'x86-minipc' },
      { name: 's1', role: 'server' as const, profile: 'pi4b-4gb' },
    ];
    const sim = createSimulation({
      cluster: cluster(nodes, { rancher: { node: 'r' }, settings: { rancherStartTime: '10m' } }),
      workloads: readWorkloads(objects),
      seed: 3,
    });
    sim.runUntilCondition(() => sim.bringUp.apiFirstAvailable !== null, 3600);
    const server = sim.world.nodeByName.get('s1')!;
    // K3s is down from before Rancher answers until after it does.
    sim.stopK3s(server, 'systemctl stop k3s');
    let rancherAnswered = false;
    sim.onEvent((e) => {
      if (e.kind === 'rancher.available') rancherAnswered = true;
    });
    sim.runUntilCondition(() => rancherAnswered, 3600);
    expect(sim.bringUp.rancherImported).toBeNull();
    sim.after(60, 0, () => sim.startK3s(server));
    sim.runUntilCondition(() => sim.bringUp.workloadsReady !== null, 3600);
    expect(sim.bringUp.rancherImported).not.toBeNull();
    expect(sim.bringUp.workloadsReady).not.toBeNull();
  });

  it('seed 000: the 7 × Pi 3B+ form takes longer to bring up than the 2 × Pi 4 form', async () => {
    const pi3 = await runScenario(await bringUpScenario('scenarios/clusters/edgestack-pi3.ts', ['scenarios/workloads/edgestack']));
    const pi4 = await runScenario(await bringUpScenario('scenarios/clusters/edgestack-pi4.yaml', ['scenarios/workloads/edgestack']));
    expect(pi3.bringUp.analysis.workloadsReady!).toBeGreaterThan(pi4.bringUp.analysis.workloadsReady!);
  });
});

describe('failures predicted at bring-up', () => {
  const codes = (c: ReturnType<typeof cluster>, objects: KubernetesObject[] = []) =>
    bringUpFindings(c, readWorkloads(objects)).map((f) => `${f.severity}:${f.code}:${f.subject}`);

  it('a Zero 2 W cannot hold the server role', () => {
    expect(codes(cluster([{ name: 'z', role: 'server', profile: 'pizero2w' }]))).toContain('error:node-memory:node/z');
  });

  it('a Zero 2 W agent has almost nothing left for pods; a 1 GB server is below the documented minimum', () => {
    const found = codes(
      cluster([
        { name: 's', role: 'server', profile: 'pi3bplus' },
        { name: 'z', profile: 'pizero2w' },
      ]),
    );
    expect(found).toContain('warning:node-memory:node/z');
    expect(found).toContain('warning:server-minimum:node/s');
  });

  it('Rancher on a 1 GB Pi', () => {
    expect(
      codes(
        cluster(
          [
            { name: 's', role: 'server' },
            { name: 'r', role: 'rancher', profile: 'pi3bplus' },
          ],
          { rancher: { node: 'r' } },
        ),
      ),
    ).toEqual(expect.arrayContaining(['error:rancher-memory:node/r', 'warning:rancher-arch:node/r']));
  });

  it('an image without an arm64 build (from the manifest annotation or the catalogue)', () => {
    const amd64 = deployment('legacy', 1, { annotations: { 'twin.dev/architectures': 'amd64' } });
    expect(codes(cluster([{ name: 's', role: 'server' }]), [amd64])).toContain('error:image-arch:workload/Deployment/default/legacy');
    const mariadb = {
      ...deployment('db', 1),
      spec: {
        ...(deployment('db', 1) as any).spec,
        template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'mariadb:11' }] } },
      },
    } as KubernetesObject;
    expect(codes(cluster([{ name: 's', role: 'server', profile: 'pi2b' }]), [mariadb])).toContain(
      'error:image-arch:workload/Deployment/default/db',
    );
    expect(
      codes(
        cluster([
          { name: 's', role: 'server' },
          { name: 'x', profile: 'x86-minipc' },
        ]),
        [amd64],
      ),
    ).toContain('warning:image-arch:workload/Deployment/default/legacy');
  });

  it('a join with a mismatched token, or a kubelet newer than the API server; the sim shows the node never registering', () => {
    const c = cluster(
      [
        { name: 's', role: 'server' },
        { name: 'w', k3s: { token: 'other' } } as never,
        { name: 'v', k3s: { version: 'v1.34.1+k3s1' } } as never,
      ],
      { k3s: { version: 'v1.33.5+k3s1', token: 'right' } },
    );
    expect(codes(c)).toEqual(expect.arrayContaining(['error:join-token:node/w', 'error:version-skew:node/v']));
    const sim = createSimulation({ cluster: c, workloads: readWorkloads([]), seed: 1 });
    sim.runUntilCondition(() => sim.bringUp.workloadsReady !== null, 3600);
    expect(sim.joinRejected.get('w')).toMatch(/rejects its token/);
    expect(sim.joinRejected.get('v')).toMatch(/newer than the API server/);
    expect(sim.node('w').registered).toBe(false);
    expect(sim.bringUp.clusterReady).not.toBeNull();
  });

  it('embedded etcd on microSD, and an even number of etcd servers', () => {
    const found = codes(
      cluster(
        [
          { name: 'a', role: 'server', profile: 'pi4b-4gb' },
          { name: 'b', role: 'server', profile: 'pi4b-4gb' },
        ],
        { k3s: { datastore: 'embedded-etcd' } },
      ),
    );
    expect(found).toEqual(expect.arrayContaining(['warning:etcd-on-sd:node/a', 'warning:etcd-even:cluster']));
  });
});
