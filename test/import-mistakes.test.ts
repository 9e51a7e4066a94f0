/** Issue #16: `twin import` as users meet it — what a mistake prints, and what never reaches cluster.yaml. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterFromInventory, parseYamlInventory } from '../src/import/ansible.js';
import { ProfileRegistry } from '../src/load/profiles.js';
import { twin } from './helpers/cli.js';

const fixtures = 'test/fixtures/import';
const out = () => mkdtempSync(join(tmpdir(), 'twin-import-'));
const registry = ProfileRegistry.load();
const fromInventory = (file: string) =>
  clusterFromInventory(parseYamlInventory(readFileSync(`${fixtures}/${file}`, 'utf8'), file), file, { registry });
const message = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  return 'ok';
};

describe('twin import mistakes (#16)', () => {
  it('names the inventory host and variable of an unknown profile, with did you mean', () => {
    expect(message(() => fromInventory('unknown-profile.yml'))).toBe(
      'unknown-profile.yml: hosts.dcn3.twin_profile: unknown hardware profile "pi6" (did you mean pi5-8gb? twin profiles lists them)',
    );
  });

  it('accepts common spellings of a profile and writes the name twin uses', () => {
    const { cluster } = clusterFromInventory(
      parseYamlInventory(readFileSync(`${fixtures}/unknown-profile.yml`, 'utf8'), 'i.yml'),
      'i.yml',
      { registry, profiles: { dcn3: 'rpi5-8gb' } },
    );
    expect((cluster['spec'] as any).nodes.map((n: any) => n.profile)).toEqual(['pi5-8gb', 'pi5-8gb', 'pi5-8gb']);
  });

  it('suggests --default-profile when many hosts lack a profile', () => {
    expect(message(() => fromInventory('many-without-profile.yml'))).toBe(
      'many-without-profile.yml: hosts: 4 machines have no hardware profile (192.168.1.101, 192.168.1.102, 192.168.1.103, 192.168.1.104) ' +
        '(pass --default-profile NAME for all of them, or --profiles host=NAME,… for each; twin profiles lists the names)',
    );
    const { cluster } = clusterFromInventory(
      parseYamlInventory(readFileSync(`${fixtures}/many-without-profile.yml`, 'utf8'), 'i.yml'),
      'i.yml',
      { registry, defaultProfile: 'pi4b-2gb' },
    );
    expect((cluster['spec'] as any).nodes.every((n: any) => n.profile === 'pi4b-2gb')).toBe(true);
  });

  it('never copies the token, agent token, S3 keys or database password; differing tokens become placeholders', () => {
    const { cluster, warnings } = fromInventory('secrets.yml');
    const text = JSON.stringify(cluster);
    for (const secret of ['s3cr3t', 'hunter2', 'old-token-from-2023', 'K10c0ffee']) expect(text).not.toContain(secret);
    const spec = cluster['spec'] as any;
    expect(spec.k3s.token).toBe('token-1');
    expect(spec.nodes[2].k3s).toEqual({ token: 'token-2' });
    expect(spec.k3s.externalDatastore).toEqual({ endpoint: 'mysql://tcp(192.168.1.100:3306)/k3s' });
    expect(warnings).toEqual([
      'not copied into cluster.yaml: --agent-token, --etcd-s3-secret-key, the credentials in --datastore-endpoint, the K3s token ' +
        '(a twin needs no secrets; machines whose token differs keep it as token-2, token-3…)',
    ]);
  });

  it('refuses an inventory nested past the limit with one line, quickly', () => {
    const file = 'test/fixtures/yaml-limits/inventory-deep.yml';
    expect(message(() => parseYamlInventory(readFileSync(file, 'utf8'), 'inventory-deep.yml'))).toMatch(
      new RegExp(
        String.raw`^inventory-deep\.yml: line \d+: nesting deeper than 100 levels ` +
          String.raw`\(twin reads cluster, profile, inventory and Kubernetes files; none needs more\)$`,
      ),
    );
  });

  it('says the K3s version it assumed, on stderr, once', () => {
    const dir = out();
    const result = twin(['import', '--inventory', `${fixtures}/no-version.yml`, '-o', dir]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(
      new RegExp(
        String.raw`^note: no K3s version in test/fixtures/import/no-version\.yml: the twin assumes v1\.\d+\.\d+\+k3s\d+ ` +
          String.raw`\(set k3s_version in the inventory, or edit spec\.k3s\.version in cluster\.yaml\)\n$`,
      ),
    );
  });

  it('writes to imported/<name>/ by default', () => {
    const cwd = out();
    const result = twin(['import', '--inventory', join(process.cwd(), fixtures, 'inventory.yml'), '--name', 'homelab'], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('wrote imported/homelab/cluster.yaml (2 nodes)');
    expect(readFileSync(join(cwd, 'imported', 'homelab', 'cluster.yaml'), 'utf8')).not.toContain('s3cr3t-token');
  });

  it.each([
    [
      '--profiles naming a host not in the inventory',
      ['--inventory', `${fixtures}/inventory.yml`, '--profiles', '192.168.1.209=pi5-8gb'],
      'twin: --profiles: 192.168.1.209=pi5-8gb: "192.168.1.209" is not a machine of test/fixtures/import/inventory.yml ' +
        '(did you mean 192.168.1.202? machines: 192.168.1.201, node1, 192.168.1.202, node2)',
    ],
    [
      '--env naming a machine no --k3s gives',
      ['--k3s', `server-1=${fixtures}/server-config.yaml`, '--env', `server-2=${fixtures}/server.env`, '--profiles', 'server-1=pi5-8gb'],
      'twin: --env: server-2=test/fixtures/import/server.env: "server-2" is not a machine of --k3s ' +
        '(did you mean server-1? machines: server-1)',
    ],
    [
      '--env without --k3s',
      ['--inventory', `${fixtures}/inventory.yml`, '--env', 'a=b.env'],
      'twin: --env: only applies with --k3s (add --k3s, or drop --env)',
    ],
    [
      'a misspelt --default-profile',
      ['--inventory', `${fixtures}/many-without-profile.yml`, '--default-profile', 'pi4b-4g'],
      'twin: --default-profile: unknown hardware profile "pi4b-4g" (did you mean pi4b-4gb? twin profiles lists them)',
    ],
  ])('rejects %s with one line and exit 2', (_what, args, line) => {
    const result = twin(['import', ...args, '-o', out()]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`${line}\n`);
  });
});
