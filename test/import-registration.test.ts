import { describe, expect, it } from 'vitest';
import { clusterFromInventory, parseYamlInventory } from '../src/import/ansible.js';
import { clusterFromK3sConfigs, type K3sHostInput } from '../src/import/k3s-config.js';
import { clusterFromDocument } from '../src/load/cluster.js';
import { ProfileRegistry } from '../src/load/profiles.js';

/** The agents' `server:` / K3S_URL says which server they register through: k3s.registrationAddress. */
describe('importing where the agents join', () => {
  const servers: K3sHostInput[] = [
    { name: 'pi-a', config: { 'cluster-init': true, 'node-ip': '10.0.0.1' } },
    { name: 'pi-b', config: { server: 'https://10.0.0.1:6443', 'node-ip': '10.0.0.2', 'tls-san': ['10.0.0.2'] }, role: 'server' },
  ];
  const agent = (url: string): K3sHostInput => ({ name: 'pi-w', env: { K3S_URL: url, INSTALL_K3S_EXEC: 'agent' } });
  const spec = (inputs: K3sHostInput[]) => {
    const { cluster, warnings } = clusterFromK3sConfigs(inputs, 'test', { defaultProfile: 'pi4b-4gb' });
    return { k3s: (cluster['spec'] as { k3s: Record<string, unknown> }).k3s, warnings };
  };

  it('agents given the second server: registrationAddress names it', () => {
    const { k3s, warnings } = spec([...servers, agent('https://10.0.0.2:6443')]);
    expect(k3s['registrationAddress']).toBe('pi-b');
    expect(warnings.join('\n')).not.toMatch(/join through/);
    // And the model has the agent join through it.
    const { cluster } = clusterFromK3sConfigs([...servers, agent('https://10.0.0.2:6443')], 'test', { defaultProfile: 'pi4b-4gb' });
    expect(clusterFromDocument(cluster, 'cluster.yaml', { profiles: ProfileRegistry.load() }).k3s.registrationNode).toBe('pi-b');
  });

  it('agents given the first server (by IP or name): the default, nothing written', () => {
    for (const url of ['https://10.0.0.1:6443', 'https://pi-a:6443']) {
      const { k3s, warnings } = spec([...servers, agent(url)]);
      expect(k3s['registrationAddress']).toBeUndefined();
      expect(warnings.join('\n')).not.toMatch(/join through/);
    }
  });

  it('the first server in the list is the default, whichever has cluster-init', () => {
    const [a, b] = servers as [K3sHostInput, K3sHostInput];
    expect(spec([{ ...b, role: 'server' }, a, agent('https://10.0.0.1:6443')]).k3s['registrationAddress']).toBe('pi-a');
    expect(spec([{ ...b, role: 'server' }, a, agent('https://10.0.0.2:6443')]).k3s['registrationAddress']).toBeUndefined();
  });

  it('one server named several ways (name, IP, a name under it, a trailing slash) is one server', () => {
    const other = { name: 'pi-x', env: { K3S_URL: 'https://pi-b.lan:6443/', INSTALL_K3S_EXEC: 'agent' } };
    const { k3s, warnings } = spec([...servers, agent('https://10.0.0.2:6443'), other]);
    expect(k3s['registrationAddress']).toBe('pi-b');
    expect(warnings.join('\n')).not.toMatch(/join through/);
  });

  it('agents given an agent, or different servers: a note, and the first server', () => {
    const w2 = { name: 'pi-w2', env: { K3S_URL: 'https://10.0.0.1:6443', INSTALL_K3S_EXEC: 'agent' } };
    const toAgent = spec([...servers, agent('https://pi-w2:6443'), w2]);
    expect(toAgent.warnings.join('\n')).toMatch(/different addresses \(pi-w2, pi-a\)/);
    const differ = spec([...servers, agent('https://10.0.0.2:6443'), w2]);
    expect(differ.k3s['registrationAddress']).toBeUndefined();
    expect(differ.warnings.join('\n')).toMatch(/different addresses \(pi-b, pi-a\)/);
    const { warnings } = spec([
      ...servers,
      { name: 'pi-w2', env: { K3S_URL: 'https://pi-w:6443', INSTALL_K3S_EXEC: 'agent' } },
      agent('https://pi-w:6443'),
    ]);
    expect(warnings.join('\n')).toMatch(/which is pi-w \(role agent, no server\)/);
  });

  it('agents given an address that is no server of the import (a virtual IP): a note, and the first server', () => {
    const { k3s, warnings } = spec([...servers, agent('https://10.0.0.100:6443')]);
    expect(k3s['registrationAddress']).toBeUndefined();
    expect(warnings.join('\n')).toMatch(
      /the agents join through https:\/\/10\.0\.0\.100:6443, which is no server of this import: .*role: external and services: \[haproxy\]/,
    );
  });

  it('says nothing when a server IP is unknown: the address may be that server', () => {
    const { k3s, warnings } = spec([{ name: 'pi-a', config: { 'cluster-init': true } }, agent('https://192.168.4.11:6443')]);
    expect(k3s['registrationAddress']).toBeUndefined();
    expect(warnings.join('\n')).not.toMatch(/join through/);
  });

  it("k3s-ansible's api_endpoint: the server agents are given, or a note for an address of no server", () => {
    const inventory = (endpoint: string) =>
      parseYamlInventory(
        [
          'k3s_cluster:',
          '  children:',
          '    server:',
          '      hosts:',
          '        pi-a: { ansible_host: 10.0.0.1, twin_profile: pi4b-4gb }',
          '        pi-b: { ansible_host: 10.0.0.2, twin_profile: pi4b-4gb }',
          '    agent:',
          '      hosts:',
          '        pi-w: { ansible_host: 10.0.0.3, twin_profile: pi4b-4gb }',
          '  vars:',
          '    k3s_version: v1.31.4+k3s1',
          `    api_endpoint: ${endpoint}`,
        ].join('\n'),
        'inventory.yml',
      );
    const imported = (endpoint: string) => clusterFromInventory(inventory(endpoint), 'inventory.yml');
    const k3s = (endpoint: string) => (imported(endpoint).cluster['spec'] as { k3s: Record<string, unknown> }).k3s;
    expect(k3s('10.0.0.2')['registrationAddress']).toBe('pi-b');
    expect(k3s('10.0.0.1')['registrationAddress']).toBeUndefined();
    expect(imported('10.0.0.1').notes.join('\n')).not.toMatch(/api_endpoint/);
    expect(k3s('10.0.0.100')['registrationAddress']).toBeUndefined();
    // An IPv6 api_endpoint is one address, not a host and a port.
    expect(imported('fd00::100').notes.join('\n')).toMatch(/https:\/\/\[fd00::100\]:6443, which is no server/);
    expect(imported('10.0.0.100').notes.join('\n')).toMatch(
      /^api_endpoint: the agents join through https:\/\/10\.0\.0\.100:6443, which is no server/m,
    );
  });
});
