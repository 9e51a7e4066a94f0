/**
 * Machines outside Kubernetes (role external) on the k3d engine: the spec's `services`, the names
 * and labels of their containers, the commands that start them and route their spec IPs inside the
 * node containers, power faults on them, and what `twin doctor` says of NFS.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nfsClientRow } from '../../src/engines/k3d/doctor.js';
import { renderK3dConfig } from '../../src/engines/k3d/config.js';
import { k3dDryRun } from '../../src/engines/k3d/engine.js';
import { mariadbAccounts } from '../../src/engines/k3d/external.js';
import { twinExternalImage } from '../../src/engines/k3d/offline-build.js';
import { runNames } from '../../src/engines/k3d/run-names.js';
import { clusterFromDocument, loadClusterFile } from '../../src/load/cluster.js';
import { ProfileRegistry } from '../../src/load/profiles.js';
import { loadScenarioFile, planOf } from '../../src/scenario/load.js';

const profiles = ProfileRegistry.load();
const doc = (nodes: unknown[]) => ({ apiVersion: 'twin/v1alpha1', kind: 'Cluster', metadata: { name: 'c' }, spec: { nodes } });
const load = (nodes: unknown[]) => clusterFromDocument(doc(nodes), 'c.yaml', { profiles });
const server = { name: 'a', profile: 'pi4b', role: 'server' };

describe('external hosts: the spec', () => {
  it('an external node lists its services; none listed is a plain host', () => {
    const cluster = load([
      server,
      { name: 'nas', profile: 'pi2b', role: 'external', services: ['mariadb', 'nfs'] },
      { name: 'box', profile: 'pi2b', role: 'external' },
    ]);
    expect(cluster.nodes.find((n) => n.name === 'nas')?.services).toEqual(['mariadb', 'nfs']);
    expect(cluster.nodes.find((n) => n.name === 'box')?.services).toBeUndefined();
  });

  it('services on another role, or an unknown service, is a one-line field error', () => {
    expect(() => load([{ ...server, services: ['mariadb'] }])).toThrow(
      /spec\.nodes\[0\]\.services: services are for machines outside Kubernetes \(role external\), not role "server"/,
    );
    expect(() => load([server, { name: 'nas', profile: 'pi2b', role: 'external', services: ['postgres'] }])).toThrow(
      /spec\.nodes\[1\]\.services/,
    );
  });

  it('the seeds name what their external hosts serve', async () => {
    const homelab = await loadClusterFile('scenarios/clusters/homelab-nfs.yaml', { profiles });
    expect(homelab.nodes.find((n) => n.name === 'node3')?.services).toEqual(['mariadb', 'nfs']);
    const gallade = await loadClusterFile('scenarios/clusters/ha-gallade.yaml', { profiles });
    expect(gallade.nodes.find((n) => n.name === 'gallade')?.services).toEqual(['haproxy']);
  });
});

describe('external hosts: names and image', () => {
  it('a host is `<cluster>-<node>`, with the run id; a cluster node is not an external host', async () => {
    const homelab = await loadClusterFile('scenarios/clusters/homelab-nfs.yaml', { profiles });
    const node = (name: string) => homelab.nodes.find((n) => n.name === name)!;
    expect(runNames(homelab, 'abc123').external(node('node3'))).toBe('twin-homelab-nfs-abc123-node3');
    expect(() => runNames(homelab, 'abc123').external(node('node2'))).toThrow(/not an external host/);
  });

  it('the image name is the one node-image/external/build.sh imports', () => {
    const script = readFileSync('node-image/external/build.sh', 'utf8');
    const rev = /^EXTERNAL_REV=(\S+)/m.exec(script)?.[1];
    expect(twinExternalImage).toBe(`twin.local/external-host:${rev}`);
    expect(readFileSync('scripts/build-k3s-image.sh', 'utf8')).toMatch(/^node-image\/external\/build\.sh/m);
  });

  it("MariaDB's accounts come from the workloads' connection strings to the host's spec IP", () => {
    const env = (value: string) => ({ kind: 'Pod', spec: { containers: [{ env: [{ name: 'DATABASE_URL', value }] }] } });
    const objects = [
      env('mysql://linko@192.168.1.203:3306/linko'),
      env('mysql://app:s3cret@192.168.1.203/appdb'),
      env('mysql://other@192.168.1.99:3306/elsewhere'),
    ];
    expect(mariadbAccounts(objects, '192.168.1.203')).toEqual(['app:s3cret@appdb', 'linko:@linko']);
    expect(mariadbAccounts(objects, undefined)).toEqual([]);
  });
});

describe('external hosts: the k3d run (dry run of nfs-node-down)', async () => {
  const lines = await k3dDryRun(planOf(await loadScenarioFile('scenarios/nfs-node-down.ts')), '.twin', 4);
  const host = 'twin-homelab-nfs-dryrun-node3';

  it('node3 runs from the external host image on the run network, with the run labels and its services', () => {
    const run = lines.find((l) => l.startsWith(`docker run -d --init --name ${host} `));
    expect(run).toBeDefined();
    expect(run).toContain('--network twin-homelab-nfs-dryrun-net');
    expect(run).toContain("-e 'TWIN_SERVICES=mariadb nfs'");
    expect(run).toContain('-e TWIN_MARIADB_ACCOUNTS=linko:@linko');
    for (const label of ['twin.dev/managed=true', 'twin.dev/cluster=homelab-nfs', 'twin.dev/run=dryrun', 'twin.dev/node=node3'])
      expect(run).toContain(`--label ${label}`);
    expect(run?.endsWith(` ${twinExternalImage}`)).toBe(true);
    // Started after the cluster exists (its network is k3d's) and before the workloads are applied.
    const index = lines.indexOf(run!);
    expect(index).toBeGreaterThan(lines.findIndex((l) => l.startsWith('k3d cluster create')));
    expect(index).toBeLessThan(lines.findIndex((l) => l.includes('kubectl apply')));
  });

  it('each node reaches 192.168.1.203 by a DNAT rule in its own namespace; no Docker network takes the LAN subnet', () => {
    for (const node of ['server-0', 'agent-0'])
      expect(lines).toContain(
        `nsenter -t '<pid of k3d-twin-homelab-nfs-dryrun-${node}>' -n iptables -w -t nat -A TWIN-EXTERNAL -d 192.168.1.203/32 ` +
          `-j DNAT --to-destination '<address of ${host}>'`,
      );
    expect(lines.some((l) => l.startsWith('docker network create'))).toBe(false);
    expect(lines.join('\n')).not.toMatch(/--subnet|192\.168\.1\.0/);
  });

  it('power-off kills node3; power-on starts it and routes its (possibly new) address again on every node', () => {
    const kill = lines.indexOf(`docker kill --signal KILL ${host}`);
    const start = lines.indexOf(`docker start ${host}`);
    expect(kill).toBeGreaterThan(lines.findIndex((l) => l.includes('kubectl apply')));
    expect(start).toBeGreaterThan(kill);
    const after = lines.slice(start);
    expect(after.filter((l) => l.includes('-A TWIN-EXTERNAL -d 192.168.1.203/32'))).toHaveLength(2);
    // Its container is the run's: the teardown's label filter removes it.
    expect(lines.slice(-4)).toContain('docker ps -aq --filter label=twin.dev/managed=true --filter label=twin.dev/run=dryrun');
  });
});

describe('a gateway the agents join through (dry run of the gateway-down e2e)', async () => {
  // One server (a dry run without a node image assumes twin's first one, which has no embedded etcd).
  const cluster = clusterFromDocument(
    {
      apiVersion: 'twin/v1alpha1',
      kind: 'Cluster',
      metadata: { name: 'ha-gateway' },
      spec: {
        k3s: { registrationAddress: 'https://192.168.4.1:6443' },
        nodes: [
          { name: 'gallade', profile: 'x86-minipc', role: 'external', ip: '192.168.4.1', services: ['haproxy'] },
          { name: 'arkveld', profile: 'pi5-8gb', role: 'server' },
          { name: 'rathalos', profile: 'pi4b-4gb', role: 'agent', labels: { storage: 'ssd' } },
          { name: 'rathian', profile: 'pi4b-4gb', role: 'agent' },
        ],
      },
    },
    'gateway.yaml',
    { profiles },
  );
  const plan = { ...planOf(await loadScenarioFile('test/e2e/gateway-down.ts')), cluster };
  const lines = await k3dDryRun(plan, '.twin', 4);
  const host = 'twin-ha-gateway-dryrun-gallade';

  it('its network and container exist before k3d creates the nodes, so the agents can join through it', () => {
    const network = lines.indexOf(
      'docker network create --label twin.dev/managed=true --label twin.dev/cluster=ha-gateway --label twin.dev/run=dryrun ' +
        'twin-ha-gateway-dryrun-net',
    );
    const run = lines.findIndex((l) => l.startsWith(`docker run -d --init --name ${host} `));
    const create = lines.findIndex((l) => l.startsWith('k3d cluster create'));
    expect(network).toBeGreaterThanOrEqual(0);
    expect(run).toBeGreaterThan(network);
    expect(create).toBeGreaterThan(run);
    expect(lines[run]).toContain('-e TWIN_HAPROXY_SERVERS=arkveld=k3d-twin-ha-gateway-dryrun-server-0:6443');
    // Started once: not again with the other external hosts after the cluster exists.
    expect(lines.filter((l) => l.startsWith(`docker run -d --init --name ${host} `))).toHaveLength(1);
  });

  it("the agents' --server is the gateway, and its name is in the servers' certificates", () => {
    const config = renderK3dConfig(
      plan.cluster,
      { singleCoreEvents: null, cores: 2, source: 'test' },
      { names: runNames(plan.cluster, 'dryrun') },
    );
    expect(config.options.k3s.extraArgs).toContainEqual({ arg: `--server=https://${host}:6443`, nodeFilters: ['agent:*'] });
    expect(config.options.k3s.extraArgs).toContainEqual({ arg: `--tls-san=${host}`, nodeFilters: ['server:*'] });
  });

  it("a config for use by hand (twin export k3d: no gateway container) keeps k3d's K3S_URL for the agents", () => {
    const config = renderK3dConfig(plan.cluster, { singleCoreEvents: null, cores: 2, source: 'test' });
    expect(config.options.k3s.extraArgs.some((a) => a.arg.startsWith('--server='))).toBe(false);
  });

  it("without a registration address the agents keep k3d's K3S_URL (server-0)", async () => {
    const ha = await loadClusterFile('test/e2e/ha-cluster.yaml');
    const config = renderK3dConfig(ha, { singleCoreEvents: null, cores: 2, source: 'test' }, { names: runNames(ha, 'dryrun') });
    expect(config.options.k3s.extraArgs.some((a) => a.arg.startsWith('--server='))).toBe(false);
  });
});

describe('twin doctor: NFS mounts in pods', () => {
  it("needs FUSE for the node image's mount.nfs (twin's userspace client), else says pods cannot mount", () => {
    // The node image's mount.nfs is twin's FUSE client whatever the kernel has: a kernel NFS client is not enough.
    expect(nfsClientRow('nodev\tsysfs\nnodev\tnfs\nnodev\tnfs4\n', false)).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/has an NFS client, but no FUSE/),
    });
    expect(nfsClientRow('nodev\tnfs\nnodev\tfuse\n', true)).toMatchObject({ ok: true, detail: expect.stringMatching(/over FUSE/) });
    expect(nfsClientRow('nodev\tsysfs\nnodev\ttmpfs\n\text4\nnodev\tfuse\n', true)).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/no NFS client.*userspace NFSv3 client over FUSE/),
    });
    for (const [filesystems, fuse] of [
      ['nodev\tsysfs\nnodev\ttmpfs\n\text4\n', true],
      ['nodev\tsysfs\nnodev\tfuse\n', false],
    ] as const) {
      expect(nfsClientRow(filesystems, fuse)).toMatchObject({ ok: false, detail: expect.stringMatching(/no FUSE.*ContainerCreating/) });
    }
    expect(nfsClientRow(null, true).ok).toBe(false);
  });
});
