/**
 * The k3d engine refuses, before anything starts, a scenario whose stack the node image cannot
 * run (its declared capabilities) or that names machines it does not create — rather than running
 * something other than what the scenario says.
 */
import { describe, expect, it } from 'vitest';
import { capabilitiesFromLabels, capabilitiesLabel, k3sCapabilities, minimalCapabilities } from '../../src/engines/k3d/capabilities.js';
import { runNames } from '../../src/engines/k3d/run-names.js';
import { unsupportedStack } from '../../src/engines/k3d/supports.js';
import { planFault } from '../../src/scenario/fault-plan.js';
import { Problems } from '../../src/scenario/fields.js';
import type { Fault } from '../../src/scenario/faults.js';
import { loadScenarioFile, planOf } from '../../src/scenario/load.js';
import { twin } from '../helpers/cli.js';

const minimal = minimalCapabilities('test image');

async function plan(name: string) {
  return planOf(await loadScenarioFile(`scenarios/${name}.ts`));
}

function withFaults(base: Awaited<ReturnType<typeof plan>>, faults: Fault[]) {
  return { ...base, faults: faults.map((f, i) => planFault({ id: `f${i}`, ...f }, 0, new Problems())) };
}

describe('node image capabilities', () => {
  it('are read from the image label; no label or an unreadable one is the minimal set, saying why', () => {
    const label = JSON.stringify({ datastores: ['sqlite', 'embedded-etcd'], maxServers: 0, components: ['coredns', 'local-storage'] });
    const read = capabilitiesFromLabels('twin.local/k3s:x', { [capabilitiesLabel]: label });
    expect(read).toMatchObject({ datastores: ['sqlite', 'embedded-etcd'], maxServers: 0, components: ['coredns', 'local-storage'] });
    expect(read.source).toContain('label twin.dev/capabilities');
    const none = capabilitiesFromLabels('twin.local/k3s:x', {});
    expect(none).toMatchObject({ datastores: ['sqlite'], maxServers: 1, components: ['local-storage'] });
    expect(none.source).toMatch(/no twin.dev\/capabilities label/);
    for (const bad of ['{', '{"datastores":["zfs"],"maxServers":1,"components":[]}', '[]'])
      expect(capabilitiesFromLabels('i', { [capabilitiesLabel]: bad }).source).toMatch(/not readable by this twin/);
  });

  it('a 3-server embedded-etcd cluster is refused on an image without etcd, and not on K3s itself', async () => {
    const ha = await plan('ha-quorum-loss');
    const refused = unsupportedStack(ha, minimal);
    expect(refused.map((r) => r.subject)).toEqual(['k3s.datastore (embedded-etcd)', 'servers (3)']);
    expect(refused[0]?.reason).toMatch(/would not form an etcd quorum/);
    expect(unsupportedStack(ha, k3sCapabilities('rancher/k3s:v1.32.3-k3s1'))).toEqual([]);
  });

  it('power, link and partition faults on an external host are done to its own container; K3s faults on it are refused', async () => {
    const nfs = await plan('nfs-node-down');
    // node3 is twin's external host container (external.ts): powering it off is not refused.
    expect(unsupportedStack(nfs, k3sCapabilities('rancher/k3s'))).toEqual([]);
    const more = withFaults(nfs, [
      { kind: 'partition', at: '1m', groups: [['node1'], ['node2', 'node3']] },
      { kind: 'site-power-cut', at: '2m' },
      { kind: 'reboot', at: '3m', node: 'node3' },
    ]);
    expect(unsupportedStack(more, k3sCapabilities('rancher/k3s'))).toEqual([]);
    // It has no K3s and no Kubernetes Node.
    const k3s = withFaults(nfs, [
      { kind: 'k3s-restart', at: '1m', node: 'node3' },
      { kind: 'cordon', at: '1m', node: 'node3' },
    ]);
    const why = (kind: string) =>
      `node3 is a machine outside Kubernetes (role external), with no K3s and no Kubernetes Node for ${kind} to act on; ` +
      'only power, link and partition faults apply to it';
    expect(unsupportedStack(k3s, k3sCapabilities('rancher/k3s')).map((r) => r.reason)).toEqual([
      `fault f0 (k3s-restart): ${why('k3s-restart')}`,
      `fault f1 (cordon): ${why('cordon')}`,
    ]);
    // Faults on the cluster's own nodes are not refused.
    expect(unsupportedStack(withFaults(nfs, [{ kind: 'power-off', at: '1m', node: 'node2' }]), minimal)).toEqual([]);
    // An external host has no k3d name (it once fell into the agents' numbering): its container is its own.
    const node3 = nfs.cluster.nodes.find((n) => n.name === 'node3');
    expect(() => runNames(nfs.cluster, 'abc').container(node3!)).toThrow(/role external\) is not a k3d node/);
    expect(runNames(nfs.cluster, 'abc').external(node3!)).toBe('twin-homelab-nfs-abc-node3');
    expect(runNames(nfs.cluster, 'abc').container(nfs.cluster.nodes.find((n) => n.name === 'node2')!)).toMatch(/-agent-0$/);
  });

  it("a fault on a packaged component the image does not deploy is refused; the user's own workloads are not", async () => {
    const base = await plan('worker-power-loss');
    const faults = withFaults(base, [
      { kind: 'rollout-restart', at: '1m', workload: 'kube-system/coredns' },
      { kind: 'scale', at: '1m', workload: 'local-path-provisioner', replicas: 0 },
    ]);
    expect(unsupportedStack(faults, minimal).map((r) => r.reason)).toEqual([
      "fault f0 (rollout-restart): kube-system/coredns is K3s's coredns, which the node image does not deploy " +
        '(test image); use --engine sim',
    ]);
    expect(unsupportedStack(faults, k3sCapabilities('rancher/k3s'))).toEqual([]);
  });

  it('the CLI refuses such a scenario before anything runs: exit 3, one line naming what the image lacks', () => {
    // No such image here: the dry run assumes twin's first node image (one server on SQLite).
    const ha = twin(['run', 'scenarios/ha-quorum-loss.ts', '--engine', 'k3d', '--dry-run'], {
      env: { TWIN_K3S_IMAGE: 'twin.local/k3s:absent-in-this-test' },
    });
    expect(ha.code).toBe(3);
    expect(ha.stdout).toBe('');
    expect(ha.stderr.trim().split('\n')).toHaveLength(1);
    expect(ha.stderr).toMatch(
      /engine k3d cannot run this scenario: datastore embedded-etcd: the node image runs sqlite only \(no node image on this host/,
    );
    // Powering node3 off is done to its own container (external.ts): the dry run plans it.
    const nfs = twin(['run', 'scenarios/nfs-node-down.ts', '--engine', 'k3d', '--dry-run']);
    expect(nfs.code).toBe(0);
    expect(nfs.stdout).toContain('docker kill --signal KILL twin-homelab-nfs-dryrun-node3');
  });
});
