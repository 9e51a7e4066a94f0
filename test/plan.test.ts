import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planCluster, hoursPerMonth } from '../src/plan/plan.js';
import { searchMixes } from '../src/plan/search.js';
import { cluster, deployment, profiles } from './helpers/sim.js';
import { twin } from './helpers/cli.js';

const Mi = 1024 * 1024;
const app = (replicas: number, memory: string, cpu = '500m') => deployment('app', replicas, { requests: { cpu, memory } });

describe('twin plan', () => {
  it('fits, with headroom after the OS and K3s overhead (hand-computed)', () => {
    const c = cluster([
      { name: 's', role: 'server', profile: 'pi4b-4gb' },
      { name: 'a1', profile: 'pi4b-2gb' },
      { name: 'a2', profile: 'pi4b-2gb' },
    ]);
    const plan = planCluster(c, [app(3, '512Mi')]);
    expect(plan.fits).toBe(true);
    const a1 = plan.nodes.find((n) => n.name === 'a1')!;
    // 2 GiB - 118 Mi firmware = 1930 Mi capacity; minus OS 80 Mi and k3s agent 268 Mi = 1582 Mi.
    expect(a1.capacityMemory).toBe(1930 * Mi);
    expect(a1.schedulerAllocatableMemory).toBe(1930 * Mi);
    expect(a1.effectiveAllocatableMemory).toBe(1582 * Mi);
    expect(a1.headroomMemory).toBe(a1.effectiveAllocatableMemory - a1.requestedMemory);
    expect(plan.nodes.reduce((s, n) => s + n.pods, 0)).toBeGreaterThanOrEqual(3);
  });

  it("reports what does not fit, in the scheduler's words", () => {
    const c = cluster([
      { name: 's', role: 'server', profile: 'pi4b-1gb' },
      { name: 'a1', profile: 'pi4b-2gb' },
      { name: 'a2', profile: 'pi4b-2gb' },
    ]);
    const plan = planCluster(c, [app(3, '1800Mi')]);
    expect(plan.fits).toBe(false);
    // K3s's own pods go first (higher priority): metrics-server's 200Mi and CoreDNS's 70Mi land on the
    // agents, so only the agent with CoreDNS (1930 - 70 = 1860 Mi) still takes one 1800 Mi pod.
    expect(plan.pending).toHaveLength(2);
    expect(plan.pending.every((p) => p.workload === 'Deployment/default/app' && p.kind === 'capacity')).toBe(true);
    expect(plan.pending[0]!.reason).toMatch(/^0\/3 nodes are available: 3 Insufficient memory$/);
  });

  it('N-1: every node checked; the weakest named; local volumes and a lost single server explained', () => {
    const c = cluster([
      { name: 's', role: 'server', profile: 'pi4b-4gb' },
      { name: 'a1', profile: 'pi4b-2gb' },
      { name: 'a2', profile: 'pi4b-2gb' },
    ]);
    const plan = planCluster(c, [app(2, '1200Mi')]);
    expect(plan.fits).toBe(true);
    const agentLoss = plan.tolerance.failures.filter((f) => f.failed[0] !== 's');
    const withApp = agentLoss.find((f) => f.pending.length > 0 || f.rescheduled > 0)!;
    expect(withApp.apiAvailable).toBe(true);
    const serverLoss = plan.tolerance.failures.find((f) => f.failed[0] === 's')!;
    expect(serverLoss.apiAvailable).toBe(false);
    expect(plan.tolerance.controlPlane).toMatch(/single server s \(sqlite\): losing it stops the API/);
    expect(plan.tolerance.weakest).not.toBeNull();
    const tight = planCluster(
      cluster([
        { name: 's', role: 'server', profile: 'pi4b-1gb' },
        { name: 'a1', profile: 'pi4b-2gb' },
        { name: 'a2', profile: 'pi4b-2gb' },
      ]),
      [app(2, '1200Mi')],
    );
    const lostAgent = tight.tolerance.failures.find((f) => f.failed[0] === 'a1')!;
    expect(lostAgent.pending.map((p) => p.kind)).toEqual(['capacity']);
    expect(tight.tolerance.survives).toBe(false);
  });

  it('pairs with --tolerate 2, and HA quorum', () => {
    const ha = cluster(
      ['s1', 's2', 's3'].map((name) => ({ name, role: 'server' as const, profile: 'pi5-8gb', storage: 'nvme' })),
      { k3s: { datastore: 'embedded-etcd' } },
    );
    const plan = planCluster(ha, [app(3, '256Mi')], { tolerate: 2 });
    expect(plan.tolerance.failures).toHaveLength(3);
    expect(plan.tolerance.failures.every((f) => !f.apiAvailable)).toBe(true);
    expect(planCluster(ha, [app(3, '256Mi')]).tolerance.failures.every((f) => f.apiAvailable)).toBe(true);
    expect(plan.tolerance.controlPlane).toMatch(/3 etcd servers: the API survives 1 server failure/);
  });

  it('power and cost arithmetic (hand-computed)', () => {
    const c = cluster([{ name: 's', role: 'server', profile: 'pi4b-4gb' }]);
    const plan = planCluster(c, [], { kwhPrice: 0.3 });
    const node = plan.nodes[0]!;
    // k3s server 250m + CoreDNS 3m + local-path 2m + metrics-server 4m + Traefik 1m + svclb 1m = 261m of 4 cores.
    expect(node.usedCpu).toBe(261);
    // Pi 4 at the wall: idle 1.6 W, stress-ng 5.0 W (geerlingguy/sbc-reviews issue #4; calibration.md 7).
    const expected = 1.6 + (5.0 - 1.6) * (261 / 4000);
    expect(node.expectedWatts).toBeCloseTo(expected, 2);
    expect(plan.power.kwhPerMonth).toBeCloseTo((node.expectedWatts * hoursPerMonth) / 1000, 2);
    expect(plan.power.costPerMonth).toBeCloseTo(plan.power.kwhPerMonth * 0.3, 2);
    expect(plan.power.purchaseUsd).toBe(55);
    expect(node.powerBudget).toBe('ok: load 5 W of 15 W supply; PoE 25.5 W ok');
  });

  it('states the assumption for containers without requests', () => {
    const plan = planCluster(cluster([{ name: 's', role: 'server' }]), [deployment('bare', 1)]);
    expect(plan.assumptions.join('\n')).toMatch(
      /1 container\(s\) set no resource requests \(Deployment\/default\/bare container bare\): the scheduler counts them as 0/,
    );
  });

  it('search finds the cheapest mix known by hand and rejects mixes that fail N-1', () => {
    const result = searchMixes([app(2, '1Gi', '100m')], profiles, {
      profiles: ['pi4b-1gb', 'pi4b-2gb', 'pi4b-4gb', 'pi4b-8gb'],
      maxNodes: 3,
      tolerate: 1,
    });
    expect(result.evaluated).toBe(4 + 10 + 20);
    expect(result.byCost[0]).toMatchObject({ mix: '1 × pi4b-4gb + 1 × pi4b-1gb', purchaseUsd: 90 });
    const rejections = result.rejections.map((r) => r.example).join('\n');
    expect(rejections).toMatch(/2 × pi4b-2gb: fails N-1: losing agent-1 leaves 1 pod\(s\) pending/);
    const noN1 = searchMixes([app(2, '1Gi', '100m')], profiles, {
      profiles: ['pi4b-1gb', 'pi4b-2gb', 'pi4b-4gb', 'pi4b-8gb'],
      maxNodes: 3,
      tolerate: 0,
    });
    expect(noN1.byCost[0]).toMatchObject({ mix: '1 × pi4b-4gb', purchaseUsd: 55 });
    const budget = searchMixes([app(2, '1Gi', '100m')], profiles, { profiles: ['pi4b-4gb'], maxNodes: 2, tolerate: 0, budget: 50 });
    expect(budget.byCost).toHaveLength(0);
    expect(budget.rejections[0]!.reason).toMatch(/over budget/);
  });

  it("CLI: plan each seed cluster, compare seed 000's two forms, search, JSON and HTML", () => {
    const dir = mkdtempSync(join(tmpdir(), 'twin-plan-'));
    for (const [file, workloads] of [
      ['edgestack-pi3.ts', 'edgestack'],
      ['taskmaster-workshop.yaml', 'taskmaster'],
      ['pi4-zero-fleet.yaml', 'zero-fleet'],
      ['homelab-nfs.yaml', 'homelab'],
      ['ha-gallade.yaml', 'ha-gallade'],
    ]) {
      const result = twin(['plan', `scenarios/clusters/${file}`, '-w', `scenarios/workloads/${workloads}`]);
      // Only ha-gallade (three etcd servers) survives losing any node; the others lose their API with their single server.
      expect(result.code, result.stderr).toBe(file === 'ha-gallade.yaml' ? 0 : 1);
      if (result.code === 1) expect(result.stderr).toMatch(/^twin: plan: [\w-]+: fails the N-1 check \(worst: losing [\w-]+\)$/m);
      expect(result.stdout).toMatch(/^Plan for .*: everything schedules ✔/);
      expect(result.stdout).toMatch(/Failure tolerance \(any 1 node\)/);
      expect(result.stdout).toMatch(/Power: [\d.]+ W idle, [\d.]+ W expected → [\d.]+ kWh\/month/);
    }
    const compare = twin([
      'plan',
      '--compare',
      'scenarios/clusters/edgestack-pi3.ts',
      'scenarios/clusters/edgestack-pi4.yaml',
      '-w',
      'scenarios/workloads/edgestack',
      '--kwh-price',
      '0.3',
    ]);
    expect(compare.code).toBe(1);
    expect(compare.stderr).toMatch(/edgestack-pi3: fails the N-1 check \(worst: losing dcn1\); edgestack-pi4: fails the N-1 check/);
    expect(compare.stdout).toMatch(/edgestack-pi3\s+7\s/);
    expect(compare.stdout).toMatch(/edgestack-pi4\s+2\s/);
    const json = JSON.parse(
      twin([
        'plan',
        'scenarios/clusters/edgestack-pi4.yaml',
        '-w',
        'scenarios/workloads/edgestack',
        '--json',
        '--html',
        join(dir, 'plan.html'),
      ]).stdout,
    );
    expect(json).toMatchObject({ cluster: 'edgestack-pi4', fits: true });
    expect(readFileSync(join(dir, 'plan.html'), 'utf8')).toMatch(/<section class="twin-plan"/);
    const search = twin(['plan', '--search', '-w', 'scenarios/workloads/edgestack', '--max-nodes', '3', '--profiles', 'pi4b-2gb,pi4b-4gb']);
    expect(search.code).toBe(0);
    expect(search.stdout).toMatch(/Evaluated 9 mixes/);
    const bad = twin(['plan', '--search', '-w', 'scenarios/workloads/edgestack', '--profiles', 'pi9']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown hardware profile "pi9"/);
  });

  it('CLI: exits 1 when pods do not fit, naming each pod, the scheduler reason and the fix', () => {
    const result = twin(['plan', 'test/fixtures/unfinished/cluster.yaml', '-w', 'test/fixtures/unfinished/too-big']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^Plan for small-pis: 2 pod\(s\) do not fit ✘/);
    expect(result.stdout).toMatch(
      /✘ default\/web(-\d)? \(Deployment\/default\/web\) does not fit: 0\/3 nodes are available: 3 Insufficient memory/,
    );
    expect(result.stdout).toContain(
      '3 Insufficient memory — fix: add a node with at least 3Gi of memory unrequested, or lower requests.memory',
    );
    expect(result.stderr).toMatch(/^twin: plan: small-pis: 2 pod\(s\) do not fit/);
  });

  it.each([
    [['--kwh-price', '-1'], '--kwh-price: "-1" is not a price of 0 or more USD per kWh (e.g. --kwh-price 0.30)'],
    [['--kwh-price', 'abc'], '--kwh-price: "abc" is not a price of 0 or more USD per kWh'],
    [['--tolerate', '3'], '--tolerate: "3" is not 1 or 2 (1 checks every node, 2 every pair)'],
    [['--tolerate', '1.5'], '--tolerate: "1.5" is not 1 or 2'],
    [['--search', '--budget', '-5'], '--budget: "-5" is not an amount above 0 USD (e.g. --budget 300)'],
    [['--search', '--max-nodes', '0'], '--max-nodes: "0" is not a whole number from 1 to 12'],
    [['--search', '--max-nodes', '2.5'], '--max-nodes: "2.5" is not a whole number from 1 to 12'],
    [['--search', '--max-watts', '0'], '--max-watts: "0" is not a power above 0 W'],
    [['--search', '--profiles', ','], '--profiles: "," names no profile'],
  ])('CLI: plan %j is refused with the value typed, exit 2', (flags, message) => {
    const cluster = flags[0] === '--search' ? [] : ['scenarios/clusters/edgestack-pi4.yaml'];
    const result = twin(['plan', ...cluster, '-w', 'scenarios/workloads/edgestack', ...flags]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`twin: ${message}`);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('the library refuses the same options (a ConfigError, not a bad plan)', () => {
    const c = cluster([{ name: 's', role: 'server' }]);
    expect(() => planCluster(c, [], { kwhPrice: -1 })).toThrow(/plan options: kwhPrice: -1 is not a price/);
    expect(() => planCluster(c, [], { tolerate: 3 })).toThrow(/plan options: tolerate: 3 is not supported/);
    expect(() => searchMixes([], profiles, { profiles: ['pi4b-4gb'], maxNodes: 0, tolerate: 0 })).toThrow(
      /maxNodes: 0 is not a node count/,
    );
  });

  it('search explains each family of rejections with a fix, and reports its progress', () => {
    const progress: Array<[number, number]> = [];
    const pinned = deployment('db', 1, { requests: { cpu: '100m', memory: '64Mi' }, spec: { nodeSelector: { disktype: 'ssd' } } });
    const result = searchMixes([app(2, '1Gi', '100m'), pinned], profiles, {
      profiles: ['pi4b-2gb', 'pi4b-4gb'],
      maxNodes: 2,
      tolerate: 1,
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(progress).toEqual([
      [1, 5],
      [2, 5],
      [3, 5],
      [4, 5],
      [5, 5],
    ]);
    expect(result.byCost).toHaveLength(0);
    expect(result.rejections.reduce((sum, r) => sum + r.count, 0)).toBe(5);
    // Summarised by family: no counts or node names in the reason, one fix each.
    const pinnedFamily = result.rejections.find((r) => r.reason.includes('Deployment/default/db'))!;
    expect(pinnedFamily.reason).toBe("does not fit: Deployment/default/db: node(s) didn't match Pod's node affinity/selector");
    expect(pinnedFamily.fix).toMatch(/^nodeSelector disktype=ssd of default\/db matches no node: .*plan a cluster file of your own/);
    const memory = result.rejections.find((r) => r.reason.includes('Deployment/default/app'))!;
    expect(memory).toMatchObject({
      reason: 'does not fit: Deployment/default/app: Insufficient memory',
      example: expect.stringMatching(/^1 × pi4b-2gb: /),
    });
    expect(memory.fix).toMatch(/lower requests\.memory of default\/app \(1Gi per pod\)/);
  });
});
