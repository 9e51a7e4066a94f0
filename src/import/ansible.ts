/**
 * k3s-ansible inventories, in the YAML form (`inventory.yml`: k3s_cluster → server/agent)
 * and the older INI form (`hosts.ini`: [server]/[agent] or [master]/[node], with
 * group_vars/all.yml beside it), turned into a twin cluster document.
 */
import { parse as parseYaml } from 'yaml';
import { ConfigError, type InputProblem } from '../errors.js';
import { configToArgs, flagValues, hasFlag, nodeSpecific, splitArgs } from './args.js';

type Vars = Record<string, unknown>;

export interface InventoryHost {
  readonly host: string;
  readonly group: 'server' | 'agent';
  readonly vars: Vars;
}

export interface Inventory {
  readonly hosts: InventoryHost[];
  readonly vars: Vars;
}

const serverGroups = ['server', 'master'];
const agentGroups = ['agent', 'node'];

/** The YAML inventory form. */
export function parseYamlInventory(text: string, file: string): Inventory {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw ConfigError.single(file, '', `YAML syntax error: ${(error as Error).message.split('\n')[0]}`, 'fix the inventory YAML');
  }
  if (typeof data !== 'object' || data === null) throw ConfigError.single(file, '', 'not an Ansible inventory', 'expected groups such as k3s_cluster → children → server/agent');
  const hosts: InventoryHost[] = [];
  let shared: Vars = {};
  const walk = (name: string, group: Record<string, unknown>, inherited: Vars, path: string) => {
    const vars = { ...inherited, ...((group['vars'] as Vars | undefined) ?? {}) };
    const role = serverGroups.includes(name) ? 'server' : agentGroups.includes(name) ? 'agent' : null;
    const groupHosts = group['hosts'];
    if (groupHosts !== undefined && groupHosts !== null) {
      if (typeof groupHosts !== 'object') throw ConfigError.single(file, `${path}.hosts`, 'hosts must be a mapping of host names', 'write each host as a key');
      if (role) for (const [host, hostVars] of Object.entries(groupHosts as Record<string, Vars | null>)) hosts.push({ host, group: role, vars: { ...vars, ...(hostVars ?? {}) } });
    }
    if (name === 'k3s_cluster' || (!role && group['children'])) shared = { ...shared, ...((group['vars'] as Vars | undefined) ?? {}) };
    const children = group['children'] as Record<string, Record<string, unknown> | null> | undefined;
    for (const [child, value] of Object.entries(children ?? {})) walk(child, value ?? {}, vars, `${path}.children.${child}`);
  };
  for (const [name, group] of Object.entries(data as Record<string, Record<string, unknown> | null>)) walk(name, group ?? {}, {}, name);
  return { hosts, vars: shared };
}

/** The INI inventory form, with optional group_vars (all.yml) merged in. */
export function parseIniInventory(text: string, file: string, groupVars: Vars = {}): Inventory {
  const groups = new Map<string, Array<{ host: string; vars: Vars }>>();
  const groupVarsBySection = new Map<string, Vars>();
  let section = 'ungrouped';
  let kind: 'hosts' | 'vars' | 'children' = 'hosts';
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/[#;].*$/, '').trim();
    if (!line) return;
    const header = /^\[([^\]:]+)(?::(vars|children))?\]$/.exec(line);
    if (header) {
      section = header[1] ?? '';
      kind = (header[2] as 'vars' | 'children' | undefined) ?? 'hosts';
      return;
    }
    if (line.startsWith('[')) throw ConfigError.single(file, `line ${index + 1}`, `malformed section header "${line}"`, 'write [group], [group:vars] or [group:children]');
    if (kind === 'children') return;
    if (kind === 'vars') {
      const eq = line.indexOf('=');
      if (eq <= 0) throw ConfigError.single(file, `line ${index + 1}`, `expected key=value in [${section}:vars], got "${line}"`, 'write one variable per line as key=value');
      groupVarsBySection.set(section, { ...(groupVarsBySection.get(section) ?? {}), [line.slice(0, eq).trim()]: line.slice(eq + 1).trim().replace(/^(['"])(.*)\1$/, '$2') });
      return;
    }
    const [host = '', ...pairs] = splitArgs(line);
    const vars: Vars = {};
    for (const pair of pairs) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw ConfigError.single(file, `line ${index + 1}`, `host ${host}: "${pair}" is not key=value`, 'write host variables as key=value');
      vars[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    groups.set(section, [...(groups.get(section) ?? []), { host, vars }]);
  });
  const shared = { ...groupVars, ...(groupVarsBySection.get('all') ?? {}), ...(groupVarsBySection.get('k3s_cluster') ?? {}) };
  const hosts: InventoryHost[] = [];
  for (const [name, members] of groups) {
    const role = serverGroups.includes(name) ? 'server' : agentGroups.includes(name) ? 'agent' : null;
    if (!role) continue;
    for (const member of members) hosts.push({ host: member.host, group: role, vars: { ...shared, ...(groupVarsBySection.get(name) ?? {}), ...member.vars } });
  }
  return { hosts, vars: shared };
}

export interface ImportOptions {
  /** host → profile, from `--profiles host=profile,…`. */
  readonly profiles?: Readonly<Record<string, string>>;
  readonly defaultProfile?: string;
  readonly name?: string;
}

const nodeName = (host: string, vars: Vars) => String(vars['twin_name'] ?? vars['k3s_node_name'] ?? host).toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '');
const isIp = (text: string) => /^\d+\.\d+\.\d+\.\d+$/.test(text);

/** A `kind: Cluster` document from an inventory; every host needs a hardware profile. */
export function clusterFromInventory(inventory: Inventory, file: string, options: ImportOptions = {}): { cluster: Record<string, unknown>; manifests: string[]; notes: string[] } {
  const problems: InputProblem[] = [];
  if (inventory.hosts.length === 0) throw ConfigError.single(file, '', 'no hosts in server/agent (or master/node) groups', 'k3s-ansible puts hosts under k3s_cluster → children → server and agent');
  const servers = inventory.hosts.filter((h) => h.group === 'server');
  if (servers.length === 0) problems.push({ field: 'server', message: 'no host in the server group', hint: 'k3s-ansible needs at least one server host' });
  const get = (vars: Vars, key: string) => (vars[key] === undefined || vars[key] === null ? undefined : String(vars[key]));
  const version = get(inventory.vars, 'k3s_version') ?? get(servers[0]?.vars ?? {}, 'k3s_version');
  const token = get(inventory.vars, 'token') ?? get(inventory.vars, 'k3s_token');
  const serverConfig = (vars: Vars, key: string) => {
    const text = get(vars, key);
    if (!text) return [];
    try {
      return configToArgs((parseYaml(text) as Record<string, unknown> | null) ?? {});
    } catch (error) {
      problems.push({ field: key, message: `not valid YAML: ${(error as Error).message.split('\n')[0]}`, hint: 'server_config_yaml holds the content of /etc/rancher/k3s/config.yaml' });
      return [];
    }
  };
  const serverArgs = [...splitArgs(get(inventory.vars, 'extra_server_args') ?? ''), ...serverConfig(inventory.vars, 'server_config_yaml')];
  const agentArgs = [...splitArgs(get(inventory.vars, 'extra_agent_args') ?? ''), ...serverConfig(inventory.vars, 'agent_config_yaml')];
  const sharedServer = nodeSpecific(serverArgs);
  const sharedAgent = nodeSpecific(agentArgs);
  const seen = new Set<string>();
  const nodes = inventory.hosts.map((h) => {
    const name = nodeName(h.host, h.vars);
    const profile = options.profiles?.[h.host] ?? options.profiles?.[name] ?? get(h.vars, 'twin_profile') ?? options.defaultProfile;
    if (!profile) problems.push({ field: `host ${h.host}`, message: 'no hardware profile', hint: `set the host variable twin_profile, or pass --profiles ${h.host}=pi4b-4gb` });
    if (seen.has(name)) problems.push({ field: `host ${h.host}`, message: `two hosts map to node name "${name}"`, hint: 'set twin_name on one of them' });
    seen.add(name);
    const own = nodeSpecific(h.group === 'server' ? [...splitArgs(get(h.vars, 'extra_server_args') ?? ''), ...serverArgs] : [...splitArgs(get(h.vars, 'extra_agent_args') ?? ''), ...agentArgs]);
    const ip = get(h.vars, 'ansible_host') ?? (isIp(h.host) ? h.host : undefined);
    const hostVersion = get(h.vars, 'k3s_version');
    const hostToken = get(h.vars, 'token') ?? get(h.vars, 'k3s_token');
    const k3s = { ...(hostVersion && hostVersion !== version ? { version: hostVersion } : {}), ...(hostToken && hostToken !== token ? { token: hostToken } : {}) };
    return {
      name,
      profile: profile ?? 'unknown',
      role: h.group,
      ...(get(h.vars, 'twin_storage') ? { storage: get(h.vars, 'twin_storage') } : {}),
      ...(ip ? { ip } : {}),
      ...(Object.keys(own.labels).length ? { labels: own.labels } : {}),
      ...(own.taints.length ? { taints: own.taints } : {}),
      ...(Object.keys(k3s).length ? { k3s } : {}),
    };
  });
  if (problems.length > 0) throw new ConfigError(file, problems);
  const external = flagValues(sharedServer.rest, 'datastore-endpoint')[0];
  const datastore = external ? 'external' : servers.length > 1 || hasFlag(sharedServer.rest, 'cluster-init') ? 'embedded-etcd' : 'sqlite';
  const manifests = (inventory.vars['extra_manifests'] as string[] | undefined) ?? [];
  const notes = [
    ...(get(inventory.vars, 'api_endpoint') && !String(inventory.vars['api_endpoint']).includes('{{') ? [`api_endpoint ${String(inventory.vars['api_endpoint'])}: twin models the servers behind it`] : []),
    ...(manifests.length ? [`extra_manifests: run with --workloads ${manifests.join(' ')}`] : []),
  ];
  return {
    cluster: {
      apiVersion: 'twin/v1alpha1',
      kind: 'Cluster',
      metadata: { name: options.name ?? 'imported', description: `Imported from the k3s-ansible inventory ${file}` },
      spec: {
        k3s: {
          ...(version ? { version } : {}),
          datastore,
          ...(external ? { externalDatastore: { endpoint: external } } : {}),
          ...(token ? { token } : {}),
          serverArgs: sharedServer.rest,
          agentArgs: sharedAgent.rest,
        },
        nodes,
      },
    },
    manifests,
    notes,
  };
}
