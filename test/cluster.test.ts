import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { clusterFromDocument, loadClusterFile } from '../src/load/cluster.js';
import { ConfigError } from '../src/errors.js';
import { ProfileRegistry } from '../src/load/profiles.js';

const profiles = ProfileRegistry.load();
const clusterDir = new URL('../scenarios/clusters/', import.meta.url).pathname;
const shipped = readdirSync(clusterDir).filter((f) => /\.(ya?ml|ts)$/.test(f));

function doc(nodes: unknown[], spec: Record<string, unknown> = {}) {
  return { apiVersion: 'twin/v1alpha1', kind: 'Cluster', metadata: { name: 'c' }, spec: { nodes, ...spec } };
}
const load = (data: unknown) => clusterFromDocument(data, 'c.yaml', { profiles });

describe('cluster specs', () => {
  it('ships the five seed clusters and the Pi 4 form of seed 000', () => {
    expect(shipped.length).toBeGreaterThanOrEqual(6);
  });

  it.each(shipped)('%s loads', async (file) => {
    const cluster = await loadClusterFile(`${clusterDir}${file}`, { profiles });
    expect(cluster.nodes.filter((n) => n.role === 'server').length).toBeGreaterThanOrEqual(1);
  });

  it('resolves the seed 000 cluster with profiles, storage and labels', async () => {
    const cluster = await loadClusterFile(`${clusterDir}edgestack-pi3.ts`, { profiles });
    expect(cluster.nodes.map((n) => n.name)).toEqual(['dcn0', 'dcn1', 'dcn2', 'dcn3', 'dcn4', 'dcn5', 'dcn6', 'dcn7']);
    expect(cluster.k3s.datastore).toBe('sqlite');
    expect(cluster.k3s.minor).toBe(31);
    expect(cluster.settings.nodeMonitorGracePeriod).toBe(40);
    const dcn1 = cluster.nodes.find((n) => n.name === 'dcn1')!;
    expect(dcn1.storage.name).toBe('microsd');
    expect(dcn1.labels['node-role.kubernetes.io/control-plane']).toBe('true');
    expect(dcn1.labels['kubernetes.io/arch']).toBe('arm64');
    expect(cluster.rancher?.node).toBe('dcn0');
  });

  it('defaults follow the Kubernetes version (grace period 50 s from 1.32)', () => {
    const c = load(doc([{ name: 'a', profile: 'pi4b', role: 'server' }], { k3s: { version: 'v1.32.3+k3s1' } }));
    expect(c.settings.nodeMonitorGracePeriod).toBe(50);
    expect(c.settings.evictionHardMemoryAvailable).toBeNull();
  });

  it('applies setting overrides with units', () => {
    const c = load(
      doc([{ name: 'a', profile: 'pi4b', role: 'server' }], {
        settings: { nodeMonitorGracePeriod: '20s', evictionHardMemoryAvailable: '100Mi' },
      }),
    );
    expect(c.settings.nodeMonitorGracePeriod).toBe(20);
    expect(c.settings.evictionHardMemoryAvailable).toBe(100 * 1024 * 1024);
  });

  it('picks embedded etcd for several servers and rejects sqlite with several', () => {
    const nodes = ['a', 'b', 'c'].map((name) => ({ name, profile: 'pi5-8gb', role: 'server' }));
    expect(load(doc(nodes)).k3s.datastore).toBe('embedded-etcd');
    expect(() => load(doc(nodes, { k3s: { datastore: 'sqlite' } }))).toThrow(/spec\.k3s\.datastore: sqlite supports a single server/);
  });

  it('rejects an unknown profile naming the field and the choices', () => {
    expect(() => load(doc([{ name: 'a', profile: 'pi9', role: 'server' }]))).toThrow(
      /c\.yaml: spec\.nodes\[0\]\.profile: unknown hardware profile "pi9" \(did you mean pi5-8gb\? twin profiles lists them\)/,
    );
    expect(() => load(doc([{ name: 'a', profile: 'beaglebone', role: 'server' }]))).toThrow(
      /unknown hardware profile "beaglebone" \(use one of: .*pi3bplus/,
    );
  });

  it('rejects a duplicate node name', () => {
    expect(() =>
      load(
        doc([
          { name: 'a', profile: 'pi4b', role: 'server' },
          { name: 'a', profile: 'pi4b', role: 'agent' },
        ]),
      ),
    ).toThrow(/spec\.nodes\[1\]\.name: duplicate node name "a"/);
  });

  it('rejects an unknown key', () => {
    expect(() => load(doc([{ name: 'a', profile: 'pi4b', role: 'server', colour: 'red' }]))).toThrow(
      /spec\.nodes\[0\]\.colour: unknown key "colour"/,
    );
  });

  it('rejects a storage option the board does not have', () => {
    expect(() => load(doc([{ name: 'a', profile: 'pi3bplus', role: 'server', storage: 'nvme' }]))).toThrow(
      /storage: profile "pi3bplus" has no storage option "nvme" \(use one of: microsd, usb-ssd, usb-hdd\)/,
    );
  });

  it('rejects a 64-bit userland on a Pi 2', () => {
    expect(() => load(doc([{ name: 'a', profile: 'pi2b', role: 'server', architecture: 'arm64' }]))).toThrow(/cannot run arm64/);
  });

  it('rejects a cluster without a server and Rancher on a cluster node', () => {
    expect(() => load(doc([{ name: 'a', profile: 'pi4b', role: 'agent' }]))).toThrow(/at least one node with role "server"/);
    expect(() => load(doc([{ name: 'a', profile: 'pi4b', role: 'server' }], { rancher: { node: 'a' } }))).toThrow(
      /Rancher runs on its own host/,
    );
  });

  it('parses taints in kubectl notation', () => {
    const c = load(doc([{ name: 'a', profile: 'pi4b', role: 'server', taints: ['CriticalAddonsOnly=true:NoExecute'] }]));
    expect(c.nodes[0]?.taints).toEqual([{ key: 'CriticalAddonsOnly', value: 'true', effect: 'NoExecute' }]);
    expect(() => load(doc([{ name: 'a', profile: 'pi4b', role: 'server', taints: ['oops'] }]))).toThrow(/"oops" is not a taint/);
  });

  it('is a ConfigError carrying every problem', () => {
    try {
      load(
        doc([
          { name: 'a', profile: 'pi9', role: 'server' },
          { name: 'a', profile: 'pi8', role: 'agent' },
        ]),
      );
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toHaveLength(3);
    }
  });
});
