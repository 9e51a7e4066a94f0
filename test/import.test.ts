import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parse } from 'yaml';
import { twin } from './helpers/cli.js';
import { parseIniInventory, parseYamlInventory, clusterFromInventory } from '../src/import/ansible.js';
import { importApiObjects, parseDump } from '../src/import/api-objects.js';
import { ProfileRegistry } from '../src/load/profiles.js';

/** A folder inside the repository (so a written scenario's `import … from 'twin'` resolves), removed after the test. */
function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(process.cwd(), 'test', prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const fixtures = 'test/fixtures/import';
const out = () => mkdtempSync(join(tmpdir(), 'twin-import-'));
const read = (file: string) => readFileSync(join(fixtures, file), 'utf8');

describe('twin import', () => {
  it('reads the YAML k3s-ansible inventory: groups, version, token, args, server_config_yaml, host labels', () => {
    const { cluster, notes, warnings } = clusterFromInventory(parseYamlInventory(read('inventory.yml'), 'inventory.yml'), 'inventory.yml');
    const spec = cluster['spec'] as any;
    expect(spec.k3s).toMatchObject({ version: 'v1.30.6+k3s1', datastore: 'sqlite' });
    expect(spec.k3s.token).toBeUndefined();
    expect(warnings).toEqual(['not copied into cluster.yaml: the K3s token (a twin needs no secrets)']);
    expect(spec.k3s.serverArgs).toEqual(['--disable', 'traefik', '--write-kubeconfig-mode', '644', '--tls-san=192.168.1.201']);
    expect(spec.nodes).toEqual([
      { name: 'node1', profile: 'pi4b-8gb', role: 'server', ip: '192.168.1.201', taints: ['CriticalAddonsOnly=true:NoExecute'] },
      { name: 'node2', profile: 'pi4b-8gb', role: 'agent', ip: '192.168.1.202', labels: { disk: 'hdd' } },
    ]);
    expect(notes.join('\n')).toMatch(/extra_manifests: run with --workloads \/home\/pi\/manifests\/portfolio\.yaml/);
  });

  it('reads the older INI form (master/node groups, group_vars/all.yml)', () => {
    const inventory = parseIniInventory(read('hosts.ini'), 'hosts.ini', parse(read('group_vars/all.yml')));
    const { cluster } = clusterFromInventory(inventory, 'hosts.ini');
    const spec = cluster['spec'] as any;
    expect(spec.k3s.version).toBe('v1.32.3+k3s1');
    expect(spec.nodes.map((n: any) => [n.name, n.role, n.profile])).toEqual([
      ['192-168-1-26', 'server', 'pi4b-4gb'],
      ['192-168-1-34', 'agent', 'pizero2w'],
      ['192-168-1-39', 'agent', 'pizero2w'],
    ]);
  });

  it('writes a cluster that twin run and twin bringup accept', () => {
    // Inside the repository, so the scenario's `import … from 'twin'` resolves as it does for users who install twin.
    const dir = scratchDir('.tmp-import-');
    const result = twin(['import', '--inventory', `${fixtures}/inventory.yml`, '--name', 'homelab', '-o', dir]);
    expect(result.code).toBe(0);
    const validate = twin(['validate', join(dir, 'cluster.yaml')]);
    expect(validate.stdout).toMatch(/ok .*Cluster homelab \(2 nodes\)/);
    const scenario = join(dir, 'scenario.ts');
    writeFileSync(
      scenario,
      "import { defineScenario } from 'twin';\n" +
        `export default defineScenario({ cluster: './cluster.yaml', workloads: ['${process.cwd()}/scenarios/workloads/homelab'], ` +
        "duration: '10m', faults: [{ at: '1m', kind: 'power-off', node: 'node2', for: '5m' }], " +
        "expect: [{ kind: 'node-condition', node: 'node2', status: 'NotReady', after: 'fault:f1', within: '60s' }] });\n",
    );
    const run = twin(['run', scenario, '--out', join(dir, 'reports'), '--quiet']);
    // The homelab workloads wait for the NFS box node3, which the inventory does not list: the run says so, and nothing else.
    expect(run.stderr).toMatch(/^ {2}bring-up did not finish:\n {4}✘ workload Deployment\/default\/lil-linko \(2 pods\): NotReady: /);
    expect(run.stderr).toContain('its readiness probe needs node3, which the cluster does not have');
    expect(run.stderr).not.toMatch(/twin:|\n\s+at /);
    expect(run.code).toBe(0);
  });

  it('imports K3s config.yaml files and install environments', () => {
    const dir = out();
    const result = twin([
      'import',
      '--k3s',
      `server-1=${fixtures}/server-config.yaml`,
      `worker-1=${fixtures}/agent-config.yaml`,
      '--env',
      `worker-1=${fixtures}/agent.env`,
      `server-1=${fixtures}/server.env`,
      '--profiles',
      'server-1=pi5-8gb,worker-1=pi4b-4gb',
      '-o',
      dir,
    ]);
    expect(result.code).toBe(0);
    const cluster = parse(readFileSync(join(dir, 'cluster.yaml'), 'utf8'));
    expect(cluster.spec.k3s).toMatchObject({ version: 'v1.32.3+k3s1', datastore: 'embedded-etcd' });
    expect(readFileSync(join(dir, 'cluster.yaml'), 'utf8')).not.toMatch(/lab-token/);
    expect(result.stderr).toBe('note: not copied into cluster.yaml: the K3s token (a twin needs no secrets)\n');
    expect(cluster.spec.k3s.serverArgs).toContain('--disable=traefik');
    expect(cluster.spec.nodes[1]).toMatchObject({
      name: 'worker-1',
      role: 'agent',
      labels: { zone: 'rack-a' },
      taints: ['dedicated=ml:NoSchedule'],
    });
  });

  it('imports a recorded kubectl dump: nodes with inferred profiles, workloads, no system components', () => {
    const registry = ProfileRegistry.load();
    const result = importApiObjects(parseDump(read('dump.json'), 'dump.json'), 'dump.json', registry.all(), {
      firmwareReserve: 118 * 1024 * 1024,
    });
    const spec = result.cluster['spec'] as any;
    expect(spec.k3s).toEqual({ version: 'v1.31.4+k3s1', datastore: 'sqlite' });
    expect(spec.nodes.map((n: any) => [n.name, n.role, n.profile])).toEqual([
      ['pi-master', 'server', 'pi4b-8gb'],
      ['pi3-worker', 'agent', 'pi3bplus'],
      ['pi5-worker', 'agent', 'pi5-8gb'],
    ]);
    expect(result.inferences[1]!.inference.reason).toMatch(/arm64, 4 CPUs, 906 Mi memory/);
    expect(result.inferences[1]!.inference.alternatives).toContain('pi4b-1gb');
    expect(spec.nodes[2].taints).toEqual(['dedicated=db:PreferNoSchedule']);
    expect(spec.nodes[1].taints).toBeUndefined();
    expect(result.manifests.map((m) => `${m.kind}/${m.metadata?.name}`)).toEqual([
      'Deployment/web',
      'Pod/debug',
      'StatefulSet/db',
      'DaemonSet/node-exporter',
      'Service/web',
      'PersistentVolumeClaim/data-db-0',
    ]);
    const web = result.manifests[0] as any;
    expect(web.status).toBeUndefined();
    expect(web.metadata.annotations).toBeUndefined();
    expect(result.skipped.join('\n')).toMatch(/coredns \(K3s\/Rancher system component/);
  });

  it("keeps a server's Kubernetes release when its kubelet is another build than K3s's (+twin1, +rke2r1)", () => {
    const registry = ProfileRegistry.load();
    const versionOf = (kubeletVersion: string) => {
      const items = parseDump(read('dump.json'), 'dump.json').map((item) =>
        item.kind === 'Node'
          ? { ...item, status: { ...(item as any).status, nodeInfo: { ...(item as any).status.nodeInfo, kubeletVersion } } }
          : item,
      );
      const spec = importApiObjects(items, 'dump.json', registry.all(), { firmwareReserve: 118 * 1024 * 1024 }).cluster['spec'] as any;
      return spec.k3s.version;
    };
    // The version decides defaults such as the node-monitor grace period (40 s before v1.32, 50 s from it).
    expect(versionOf('v1.31.4+twin1')).toBe('v1.31.4');
    expect(versionOf('v1.30.2+rke2r1')).toBe('v1.30.2');
    expect(versionOf('v1.31.4+k3s2')).toBe('v1.31.4+k3s2');
    expect(versionOf('not-a-version')).toBeUndefined();
  });

  it('twin import --from writes a cluster and manifests that twin bringup runs, with overrides', () => {
    const dir = out();
    const result = twin(['import', '--from', `${fixtures}/dump.json`, '--name', 'lab', '--profiles', 'pi3-worker=pi4b-1gb', '-o', dir]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/pi3-worker\s+pi4b-1gb\s+--profiles override/);
    const bringup = twin(['bringup', join(dir, 'cluster.yaml'), '-w', join(dir, 'manifests'), '--out', join(dir, 'reports')]);
    expect(bringup.stderr).toBe('');
    expect(bringup.code).toBe(0);
    expect(bringup.stdout).toMatch(/workloads ready \d+m/);
  });

  it.each([
    [
      'a host without a profile',
      ['--inventory', `${fixtures}/no-profile.yml`],
      new RegExp(
        String.raw`no-profile\.yml: hosts\.192\.168\.1\.202\.twin_profile: no hardware profile for this machine ` +
          String.raw`\(set the host variable twin_profile, or pass --profiles 192\.168\.1\.202=pi4b-4gb\)`,
      ),
    ],
    ['a malformed INI section', ['--inventory', `${fixtures}/broken.ini`], /broken\.ini: line 1: malformed section header "\[server"/],
    [
      'an unknown profile',
      ['--inventory', `${fixtures}/inventory.yml`, '--profiles', '192.168.1.201=pi9'],
      /^twin: --profiles: 192\.168\.1\.201=pi9: unknown hardware profile "pi9" \(did you mean pi5-8gb\? twin profiles lists them\)$/m,
    ],
    ['no source', [], /no source given/],
    ['a dump that is not a List', ['--from', 'package.json'], /package\.json: items: not a Kubernetes List/],
  ])('rejects %s with one line and exit 2', (_what, args, pattern) => {
    const result = twin(['import', ...args, '-o', out()]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(pattern);
  });
});
