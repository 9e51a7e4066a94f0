/**
 * k3s-ansible inventories, in the YAML form (`inventory.yml`: k3s_cluster → server/agent)
 * and the older INI form (`hosts.ini`: [server]/[agent] or [master]/[node], with
 * group_vars/all.yml beside it), turned into a twin cluster document.
 */
import { ConfigError, type InputProblem } from '../errors.js';
import { unknownProfileHint, type ProfileLookup } from '../model/cluster.js';
import { parseYamlDocuments } from '../model/validation.js';
import { configToArgs, flagValues, hasFlag, nodeSpecific, perHostComponentArgNotes, splitArgs } from './args.js';
import { canonicalProfile, defaultedVersionNote, missingProfiles, registrationOf } from './hosts.js';
import { newRedaction, redactArgs, redactionNote, tokenPlaceholders } from './secrets.js';

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
  const documents = parseYamlDocuments(text, file);
  if (documents.length > 1)
    throw ConfigError.single(
      file,
      `document ${(documents[1]?.index ?? 1) + 1}`,
      'an inventory is one YAML document',
      'remove the extra --- documents',
    );
  const data = documents[0]?.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw ConfigError.single(file, '', 'not an Ansible inventory', 'expected groups such as k3s_cluster → children → server/agent');
  const hosts: InventoryHost[] = [];
  let shared: Vars = {};
  // Every level is a mapping (or empty); anything else is named with its path, never guessed at.
  const mappingAt = (value: unknown, path: string, what: string): Record<string, unknown> => {
    if (value === null || value === undefined) return {};
    if (typeof value !== 'object' || Array.isArray(value))
      throw ConfigError.single(
        file,
        path,
        `${what} must be a mapping, not ${Array.isArray(value) ? 'a list' : JSON.stringify(value)}`,
        "see k3s-ansible's inventory-sample.yml",
      );
    return value as Record<string, unknown>;
  };
  const walk = (name: string, group: Record<string, unknown>, inherited: Vars, path: string) => {
    const groupVars = mappingAt(group['vars'], `${path}.vars`, 'vars');
    const vars = { ...inherited, ...groupVars };
    const role = serverGroups.includes(name) ? 'server' : agentGroups.includes(name) ? 'agent' : null;
    const groupHosts = mappingAt(group['hosts'], `${path}.hosts`, 'hosts');
    if (role)
      for (const [host, hostVars] of Object.entries(groupHosts))
        hosts.push({ host, group: role, vars: { ...vars, ...mappingAt(hostVars, `hosts.${host}`, 'host variables') } });
    if (name === 'k3s_cluster' || (!role && group['children'])) shared = { ...shared, ...groupVars };
    for (const [child, value] of Object.entries(mappingAt(group['children'], `${path}.children`, 'children')))
      walk(child, mappingAt(value, `${path}.children.${child}`, 'a group'), vars, `${path}.children.${child}`);
  };
  for (const [name, group] of Object.entries(mappingAt(data, '', 'an inventory'))) walk(name, mappingAt(group, name, 'a group'), {}, name);
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
    if (line.startsWith('['))
      throw ConfigError.single(
        file,
        `line ${index + 1}`,
        `malformed section header "${line}"`,
        'write [group], [group:vars] or [group:children]',
      );
    if (kind === 'children') return;
    if (kind === 'vars') {
      const eq = line.indexOf('=');
      if (eq <= 0)
        throw ConfigError.single(
          file,
          `line ${index + 1}`,
          `expected key=value in [${section}:vars], got "${line}"`,
          'write one variable per line as key=value',
        );
      groupVarsBySection.set(section, {
        ...(groupVarsBySection.get(section) ?? {}),
        [line.slice(0, eq).trim()]: line
          .slice(eq + 1)
          .trim()
          .replace(/^(['"])(.*)\1$/, '$2'),
      });
      return;
    }
    const [host = '', ...pairs] = splitArgs(line);
    const vars: Vars = {};
    for (const pair of pairs) {
      const eq = pair.indexOf('=');
      if (eq <= 0)
        throw ConfigError.single(
          file,
          `line ${index + 1}`,
          `host ${host}: "${pair}" is not key=value`,
          'write host variables as key=value',
        );
      vars[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    groups.set(section, [...(groups.get(section) ?? []), { host, vars }]);
  });
  const shared = { ...groupVars, ...(groupVarsBySection.get('all') ?? {}), ...(groupVarsBySection.get('k3s_cluster') ?? {}) };
  const hosts: InventoryHost[] = [];
  for (const [name, members] of groups) {
    const role = serverGroups.includes(name) ? 'server' : agentGroups.includes(name) ? 'agent' : null;
    if (!role) continue;
    for (const member of members)
      hosts.push({ host: member.host, group: role, vars: { ...shared, ...(groupVarsBySection.get(name) ?? {}), ...member.vars } });
  }
  return { hosts, vars: shared };
}

export interface ImportOptions {
  /** host → profile, from `--profiles host=profile,…`. */
  readonly profiles?: Readonly<Record<string, string>>;
  readonly defaultProfile?: string;
  readonly name?: string;
  /** Profiles known to the run; names are checked against it and written as twin names them. */
  readonly registry?: ProfileLookup;
}

export interface InventoryImport {
  readonly cluster: Record<string, unknown>;
  readonly manifests: string[];
  /** Next steps for stdout. */
  readonly notes: string[];
  /** What was assumed or left out, one line each for stderr. */
  readonly warnings: string[];
}

const nodeName = (host: string, vars: Vars) =>
  String(vars['twin_name'] ?? vars['k3s_node_name'] ?? host)
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/^-+|-+$/g, '');
const isIp = (text: string) => /^\d+\.\d+\.\d+\.\d+$/.test(text);
const get = (vars: Vars, key: string) => (vars[key] === undefined || vars[key] === null ? undefined : String(vars[key]));

/** The names a `NAME=…` flag may use for an inventory's hosts: the host and its node name. */
export function inventoryMachines(inventory: Inventory): string[] {
  return [...new Set(inventory.hosts.flatMap((h) => [h.host, nodeName(h.host, h.vars)]))];
}

/** A `kind: Cluster` document from an inventory; every host needs a hardware profile. */
export function clusterFromInventory(inventory: Inventory, file: string, options: ImportOptions = {}): InventoryImport {
  const problems: InputProblem[] = [];
  if (inventory.hosts.length === 0)
    throw ConfigError.single(
      file,
      '',
      'no hosts in server/agent (or master/node) groups',
      'k3s-ansible puts hosts under k3s_cluster → children → server and agent',
    );
  const servers = inventory.hosts.filter((h) => h.group === 'server');
  if (servers.length === 0)
    problems.push({ field: 'server', message: 'no host in the server group', hint: 'k3s-ansible needs at least one server host' });
  const redaction = newRedaction();
  const version = get(inventory.vars, 'k3s_version') ?? get(servers[0]?.vars ?? {}, 'k3s_version');
  const config = (vars: Vars, key: string) => {
    const text = get(vars, key);
    if (!text) return [];
    try {
      const documents = parseYamlDocuments(text, `${file}: ${key}`);
      return configToArgs((documents[0]?.data as Record<string, unknown> | undefined) ?? {});
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push({
        field: key,
        message: `not valid YAML: ${error.problems[0]?.message ?? 'syntax error'}`,
        hint: `${key} holds the content of /etc/rancher/k3s/config.yaml`,
      });
      return [];
    }
  };
  const serverArgs = redactArgs(
    [...splitArgs(get(inventory.vars, 'extra_server_args') ?? ''), ...config(inventory.vars, 'server_config_yaml')],
    redaction,
  );
  const agentArgs = redactArgs(
    [...splitArgs(get(inventory.vars, 'extra_agent_args') ?? ''), ...config(inventory.vars, 'agent_config_yaml')],
    redaction,
  );
  const sharedServer = nodeSpecific(serverArgs);
  const sharedAgent = nodeSpecific(agentArgs);
  const tokenOf = (vars: Vars) => get(vars, 'token') ?? get(vars, 'k3s_token');
  const tokens = tokenPlaceholders(
    tokenOf(inventory.vars),
    inventory.hosts.map((h) => tokenOf(h.vars)),
    redaction,
  );
  const seen = new Set<string>();
  const withoutProfile: string[] = [];
  const perHost: string[] = [];
  const nodes = inventory.hosts.map((h, index) => {
    const name = nodeName(h.host, h.vars);
    const flagged = options.profiles?.[h.host] ?? options.profiles?.[name];
    const variable = get(h.vars, 'twin_profile');
    const profile = flagged ?? variable ?? options.defaultProfile;
    if (!profile) withoutProfile.push(h.host);
    else if (!flagged && variable !== undefined && options.registry && !options.registry.get(variable)) {
      problems.push({
        field: `hosts.${h.host}.twin_profile`,
        message: `unknown hardware profile "${variable}"`,
        hint: unknownProfileHint(variable, options.registry),
      });
    }
    if (seen.has(name))
      problems.push({ field: `hosts.${h.host}`, message: `two hosts map to node name "${name}"`, hint: 'set twin_name on one of them' });
    seen.add(name);
    const own = nodeSpecific(
      redactArgs(
        h.group === 'server'
          ? [...splitArgs(get(h.vars, 'extra_server_args') ?? ''), ...serverArgs]
          : [...splitArgs(get(h.vars, 'extra_agent_args') ?? ''), ...agentArgs],
        redaction,
      ),
    );
    perHost.push(
      ...(h.group === 'server'
        ? perHostComponentArgNotes(name, own.rest, sharedServer.rest, 'k3s.serverArgs')
        : perHostComponentArgNotes(name, own.rest, sharedAgent.rest, 'k3s.agentArgs')),
    );
    const ip = get(h.vars, 'ansible_host') ?? (isIp(h.host) ? h.host : undefined);
    const hostVersion = get(h.vars, 'k3s_version');
    const hostToken = tokens.hosts[index];
    const k3s = { ...(hostVersion && hostVersion !== version ? { version: hostVersion } : {}), ...(hostToken ? { token: hostToken } : {}) };
    return {
      name,
      profile: profile ? canonicalProfile(profile, options.registry) : 'unknown',
      role: h.group,
      ...(get(h.vars, 'twin_storage') ? { storage: get(h.vars, 'twin_storage') } : {}),
      ...(ip ? { ip } : {}),
      ...(Object.keys(own.labels).length ? { labels: own.labels } : {}),
      ...(own.taints.length ? { taints: own.taints } : {}),
      ...(Object.keys(k3s).length ? { k3s } : {}),
    };
  });
  problems.push(
    ...missingProfiles(
      withoutProfile,
      (host) => `hosts.${host}.twin_profile`,
      (host) => `set the host variable twin_profile, or pass --profiles ${host}=pi4b-4gb`,
    ),
  );
  if (problems.length > 0) throw new ConfigError(file, problems);
  const external = flagValues(sharedServer.rest, 'datastore-endpoint')[0];
  const datastore = external ? 'external' : servers.length > 1 || hasFlag(sharedServer.rest, 'cluster-init') ? 'embedded-etcd' : 'sqlite';
  const manifests = (inventory.vars['extra_manifests'] as string[] | undefined) ?? [];
  // k3s-ansible gives agents --server https://{{ api_endpoint }}:6443 (the first server's address by default).
  const endpoint = get(inventory.vars, 'api_endpoint');
  const bracketed = endpoint?.includes(':') && !endpoint.startsWith('[') ? `[${endpoint}]` : endpoint;
  const registration = endpoint && !endpoint.includes('{{') ? registrationOf([`https://${bracketed}:6443`], nodes) : {};
  const notes = [
    ...(registration.note ? [`api_endpoint: ${registration.note}`] : []),
    ...(manifests.length ? [`extra_manifests: run with --workloads ${manifests.join(' ')}`] : []),
  ];
  const redacted = redactionNote(redaction, 'cluster.yaml');
  const warnings = [
    ...(version ? [] : [defaultedVersionNote(file, 'set k3s_version in the inventory')]),
    ...(redacted ? [redacted] : []),
    ...perHost,
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
          ...(tokens.cluster ? { token: tokens.cluster } : {}),
          ...(registration.address ? { registrationAddress: registration.address } : {}),
          serverArgs: sharedServer.rest,
          agentArgs: sharedAgent.rest,
        },
        nodes,
      },
    },
    manifests,
    notes,
    warnings,
  };
}
