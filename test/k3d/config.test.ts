import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parse } from 'yaml';
import { loadClusterFile } from '../../src/load/cluster.js';
import { renderK3dConfig, k3sImage, meminfoOverrides } from '../../src/engines/k3d/config.js';
import { runNames } from '../../src/engines/k3d/run-names.js';
import { fakeMeminfo, nodeThrottle, tbfArgs } from '../../src/engines/k3d/throttle.js';
import { createExec } from '../../src/engines/k3d/exec.js';
import { removeManaged } from '../../src/engines/k3d/docker.js';
import { twin } from '../helpers/cli.js';
import { cluster } from '../helpers/sim.js';

// The fields of k3d's documented `k3d.io/v1alpha5` Simple config that twin writes (k3d docs: config file).
const nodeFilters = z.array(z.string().regex(/^(all|loadbalancer|(server|agent):(\d+|\*))$/));
const k3dSimple = z.strictObject({
  apiVersion: z.literal('k3d.io/v1alpha5'),
  kind: z.literal('Simple'),
  metadata: z.strictObject({ name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/) }),
  servers: z.number().int().min(1),
  agents: z.number().int().min(0),
  image: z.string(),
  network: z.string(),
  token: z.string().optional(),
  env: z.array(z.strictObject({ envVar: z.string().regex(/^[A-Z_][A-Z0-9_]*=/), nodeFilters })),
  options: z.strictObject({
    k3d: z.strictObject({ wait: z.boolean(), timeout: z.string(), disableLoadbalancer: z.boolean() }),
    k3s: z.strictObject({
      extraArgs: z.array(z.strictObject({ arg: z.string().startsWith('--'), nodeFilters })),
      nodeLabels: z.array(z.strictObject({ label: z.string().includes('='), nodeFilters })),
    }),
    kubeconfig: z.strictObject({ updateDefaultKubeconfig: z.boolean(), switchCurrentContext: z.boolean() }),
    runtime: z.strictObject({
      serversMemory: z.string().regex(/^\d+$/).optional(),
      agentsMemory: z.string().regex(/^\d+$/).optional(),
      labels: z.array(z.strictObject({ label: z.string(), nodeFilters })),
    }),
  }),
});

const calibration = { singleCoreEvents: 3000, cores: 2, source: 'test' };

describe('k3d config', () => {
  it.each(['edgestack-pi4.yaml', 'ha-gallade.yaml', 'edgestack-pi3.ts', 'pi4-zero-fleet.yaml'])(
    "%s renders a valid v1alpha5 config with the spec's node names",
    async (file) => {
      const cluster = await loadClusterFile(`scenarios/clusters/${file}`);
      const config = k3dSimple.parse(renderK3dConfig(cluster, calibration));
      const members = cluster.nodes.filter((n) => n.role === 'server' || n.role === 'agent');
      expect(config.servers + config.agents).toBe(members.length);
      for (const node of members) expect(config.options.k3s.extraArgs.some((a) => a.arg === `--node-name=${node.name}`)).toBe(true);
      expect(config.options.runtime.labels[0]).toEqual({ label: 'twin.dev/managed=true', nodeFilters: ['all'] });
      expect(config.image).toBe(k3sImage(cluster.k3s.version));
    },
  );

  it('one server on embedded etcd gets --cluster-init (k3d adds it only with several); several servers are left to k3d', () => {
    const calibrated = { singleCoreEvents: null, cores: 4, source: 'test' };
    const one = cluster([{ name: 'a', role: 'server' }, { name: 'b' }], { k3s: { datastore: 'embedded-etcd' } });
    const args = renderK3dConfig(one, calibrated).options.k3s.extraArgs;
    expect(args).toContainEqual({ arg: '--cluster-init', nodeFilters: ['server:0'] });
    const three = cluster(
      [
        { name: 'a', role: 'server' },
        { name: 'b', role: 'server' },
        { name: 'c', role: 'server' },
      ],
      { k3s: { datastore: 'embedded-etcd' } },
    );
    expect(renderK3dConfig(three, calibrated).options.k3s.extraArgs.some((a) => a.arg === '--cluster-init')).toBe(false);
    const sqlite = cluster([{ name: 'a', role: 'server' }], { k3s: { datastore: 'sqlite' } });
    expect(renderK3dConfig(sqlite, calibrated).options.k3s.extraArgs.some((a) => a.arg === '--cluster-init')).toBe(false);
  });

  it("matches the golden file for seed 000's Pi 4 form", async () => {
    const cluster = await loadClusterFile('scenarios/clusters/edgestack-pi4.yaml');
    const golden = parse(readFileSync('test/fixtures/k3d/edgestack-pi4.k3d.yaml', 'utf8'));
    expect(renderK3dConfig(cluster, calibration)).toEqual(golden);
    expect(runNames(cluster, null).container(cluster.nodes[2]!)).toBe('k3d-twin-edgestack-pi4-agent-0');
  });

  it("each node gets its board's CPU quota and storage latency from its container's first start", async () => {
    const cluster = await loadClusterFile('scenarios/clusters/edgestack-pi3.ts');
    const config = k3dSimple.parse(renderK3dConfig(cluster, calibration));
    const pi3 = cluster.nodes.find((n) => n.name === 'dcn1')!;
    const ssd = cluster.nodes.find((n) => n.name === 'dcn2')!;
    const filterOf = (node: typeof pi3) => config.options.k3s.extraArgs.find((a) => a.arg === `--node-name=${node.name}`)!.nodeFilters;
    const envOf = (node: typeof pi3) => config.env.filter((e) => e.nodeFilters.join() === filterOf(node).join()).map((e) => e.envVar);
    // Pi 3B+: 2459.22 sysbench events/s on 4 threads ÷ 3000 per host core = 0.82 cores = 82,000 µs per 100 ms.
    expect(envOf(pi3)).toEqual(['TWIN_CPU_QUOTA_US=82000', 'TWIN_STORAGE_LATENCY=1000us']);
    // The database node's USB SSD: 2,500 random 4K writes per second.
    expect(ssd.storage.type).toBe('usb-ssd');
    expect(envOf(ssd)).toEqual(['TWIN_CPU_QUOTA_US=82000', 'TWIN_STORAGE_LATENCY=400us']);
    // A node a disk-full fault names gets a kubelet directory of its own to fill; the others keep the host's.
    const withDisk = k3dSimple.parse(renderK3dConfig(cluster, calibration, { diskFullNodes: new Set(['dcn2']) }));
    const diskEnv = (node: typeof pi3) => withDisk.env.filter((e) => e.nodeFilters.join() === filterOf(node).join()).map((e) => e.envVar);
    expect(diskEnv(ssd)).toEqual(['TWIN_CPU_QUOTA_US=82000', 'TWIN_STORAGE_LATENCY=400us', 'TWIN_NODEFS=1']);
    expect(diskEnv(pi3)).toEqual(envOf(pi3));
  });

  it('twin export k3d writes the same config', () => {
    const result = twin(['export', 'k3d', 'scenarios/clusters/edgestack-pi4.yaml']);
    expect(result.code).toBe(0);
    const exported = parse(result.stdout);
    expect(exported.metadata.name).toBe('twin-edgestack-pi4');
    expect(k3dSimple.safeParse(exported).success).toBe(true);
  });

  it("the kubelet sees each board's memory exactly, also where boards of one role differ", () => {
    const mixed = cluster([
      { name: 's1', role: 'server', profile: 'pi3bplus' },
      { name: 'zero', profile: 'pizero2w' },
      { name: 'old', profile: 'pi2b' },
    ]);
    const config = k3dSimple.parse(renderK3dConfig(mixed, calibration));
    const memoryOf = (name: string) =>
      nodeThrottle(
        mixed.nodes.find((n) => n.name === name)!,
        mixed,
        calibration,
      ).memoryBytes;
    // k3d writes the option / 1000 as "kB" into the fake /proc/meminfo, which the kubelet reads as KiB.
    const kubeletSees = (option: string | undefined) => Math.floor(Number(option) / 1000) * 1024;
    expect(kubeletSees(config.options.runtime.serversMemory)).toBe(Math.floor(memoryOf('s1') / 1024) * 1024);
    // Agents: the option is the larger board (Pi 2B); the Zero 2 W gets its own meminfo afterwards.
    expect(kubeletSees(config.options.runtime.agentsMemory)).toBe(Math.floor(memoryOf('old') / 1024) * 1024);
    expect(meminfoOverrides(mixed, calibration).map((o) => [o.node.name, o.memoryBytes])).toEqual([['zero', memoryOf('zero')]]);
    expect(fakeMeminfo(memoryOf('zero'))).toBe(`MemTotal: ${Math.floor(memoryOf('zero') / 1024)} kB\nSwapTotal: 0 kB\n`);
    expect(memoryOf('zero')).toBeLessThan(memoryOf('old'));
  });

  it('throttles a node to its board: memory, CPU quota from the host calibration, link rate', async () => {
    const cluster = await loadClusterFile('scenarios/clusters/edgestack-pi3.ts');
    const pi3 = cluster.nodes.find((n) => n.name === 'dcn1')!;
    const t = nodeThrottle(pi3, cluster, calibration);
    // The board's 1 GiB less what the firmware and kernel keep: what a Pi 3B+'s kubelet reports.
    expect(t.memoryBytes).toBe(1024 ** 3 - cluster.settings.firmwareMemoryReserve);
    // Pi 3B+ = 2459 sysbench events/s on 4 threads; one host core does 3000.
    expect(t.cpus).toBeCloseTo(2459.22 / 3000, 2);
    expect(t.rateBits).toBe(253e6);
    expect(tbfArgs('eth0', t.rateBits)).toEqual([
      'qdisc',
      'replace',
      'dev',
      'eth0',
      'root',
      'tbf',
      'rate',
      '253000kbit',
      'burst',
      '126500',
      'latency',
      '50ms',
    ]);
    const uncalibrated = nodeThrottle(pi3, cluster, { singleCoreEvents: null, cores: 2, source: 'none' });
    expect(uncalibrated.notes.join()).toMatch(/speed not emulated/);
  });

  it('--dry-run prints every command and runs none (golden transcript)', async () => {
    const exec = createExec({ dryRun: true });
    await removeManaged(exec);
    expect(exec.transcript).toEqual([
      'docker ps -aq --filter label=twin.dev/managed=true',
      'docker network ls -q --filter label=twin.dev/managed=true',
    ]);
    const down = twin(['down', '--dry-run']);
    expect(down.code).toBe(0);
    expect(down.stdout.trim().split('\n')).toEqual([
      'k3d cluster list -o json',
      'docker ps -aq --filter label=twin.dev/managed=true',
      'docker network ls -q --filter label=twin.dev/managed=true',
      // k3d's own networks named twin-…-net (labelled app=k3d by k3d), removed only when no container is attached.
      "docker network ls --filter label=app=k3d --format '{{.Name}}'",
    ]);
  });
});
