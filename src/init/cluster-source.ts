/**
 * The cluster file `twin init` starts a repository with: imported from what built or runs the
 * user's cluster (a k3s-ansible inventory, a kubeconfig), as `twin import` reads them, or made
 * from a few numbers (servers, agents, one board) when there is nothing to import yet.
 */
import { ConfigError } from '../errors.js';
import { clusterFromInventory, inventoryMachines, parseIniInventory, parseYamlInventory } from '../import/ansible.js';
import { importApiObjects } from '../import/api-objects.js';
import { canonicalProfile, checkFlagHosts, checkFlagProfiles, defaultedVersionNote } from '../import/hosts.js';
import { readLiveCluster } from '../import/kubeconfig.js';
import { displayPath, readTextFile } from '../load/files.js';
import type { ProfileRegistry } from '../load/profiles.js';
import { defaultK3sVersion, unknownProfileHint } from '../model/cluster.js';
import { resolveSettings } from '../model/settings.js';
import { parseYamlDocuments } from '../model/validation.js';

/** A `kind: Cluster` document and what the user should know about how it was made. */
export interface ClusterSource {
  readonly cluster: Record<string, unknown>;
  /** Where it came from, for the header comment of cluster.yaml. */
  readonly origin: string;
  /** One line each: what was assumed, inferred or left out. */
  readonly notes: string[];
}

/** The shape of a cluster made from flags (or the answers to the prompt). */
export interface ClusterShape {
  readonly servers: number;
  readonly agents: number;
  /** A hardware profile name or alias (`twin profiles` lists them). */
  readonly profile: string;
}

/** What a cluster made from flags looks like when the user names nothing: a Pi 4 server and two Pi 4 workers. */
export const defaultClusterShape: ClusterShape = Object.freeze({ servers: 1, agents: 2, profile: 'pi4b-4gb' });

/** Options every source shares. */
export interface SourceOptions {
  readonly name: string;
  readonly registry: ProfileRegistry;
  /** host → profile (`--profiles`), for imports. */
  readonly profiles?: Readonly<Record<string, string>>;
  readonly defaultProfile?: string;
}

function countProblem(flag: string, value: number, least: number, hint: string): ConfigError | undefined {
  if (Number.isInteger(value) && value >= least && value <= 50) return undefined;
  return ConfigError.single(flag, '', `${String(value)} is not a whole number from ${least} to 50`, hint);
}

/** A cluster of `servers` K3s servers and `agents` workers, all of one board, on 192.168.1.0/24. */
export function clusterFromShape(shape: ClusterShape, options: SourceOptions): ClusterSource {
  const problem =
    countProblem('--servers', shape.servers, 1, 'give 1, or 3 for an HA control plane') ??
    countProblem('--agents', shape.agents, 0, 'give 0 or more workers, e.g. --agents 2');
  if (problem) throw problem;
  if (shape.servers > 1 && shape.servers % 2 === 0)
    throw ConfigError.single(
      '--servers',
      '',
      `${shape.servers} servers cannot keep etcd quorum through the loss of one (no better than ${shape.servers - 1})`,
      `give an odd number: 1, 3 or 5`,
    );
  const board = options.registry.get(shape.profile);
  if (!board)
    throw ConfigError.single(
      '--profile',
      '',
      `unknown hardware profile "${shape.profile}"`,
      unknownProfileHint(shape.profile, options.registry),
    );
  const profile = board.metadata.name;
  const node = (role: 'server' | 'agent', i: number, ip: number) => ({ name: `${role}${i}`, profile, role, ip: `192.168.1.${ip}` });
  const nodes = [
    ...Array.from({ length: shape.servers }, (_, i) => node('server', i + 1, 101 + i)),
    // Agents from .111, or right after the servers when there are more than ten.
    ...Array.from({ length: shape.agents }, (_, i) => node('agent', i + 1, Math.max(111, 101 + shape.servers) + i)),
  ];
  return {
    cluster: {
      apiVersion: 'twin/v1alpha1',
      kind: 'Cluster',
      metadata: {
        name: options.name,
        description: `${shape.servers} server(s) and ${shape.agents} agent(s), ${board.metadata.displayName}`,
      },
      spec: {
        k3s: { version: defaultK3sVersion, datastore: shape.servers > 1 ? 'embedded-etcd' : 'sqlite' },
        nodes,
      },
    },
    origin: `--servers ${shape.servers} --agents ${shape.agents} --profile ${profile}`,
    notes: [],
  };
}

/** An inventory is INI when its name says so or its first line is a `[section]`, YAML otherwise (as `twin import` decides). */
function isIniInventory(path: string, text: string): boolean {
  const firstLine = text.split('\n').find((l) => l.trim() && !l.trim().startsWith('#')) ?? '';
  return /\.ini$|(^|\/)hosts$/.test(path) || /^\s*\[/.test(firstLine);
}

/** A cluster from a k3s-ansible inventory (YAML, or INI with its group_vars/all.yml). */
export function clusterFromInventoryFile(path: string, groupVarsPath: string | undefined, options: SourceOptions): ClusterSource {
  const source = displayPath(path);
  const text = readTextFile(path);
  const groupVars = groupVarsPath
    ? ((parseYamlDocuments(readTextFile(groupVarsPath), displayPath(groupVarsPath))[0]?.data ?? {}) as Record<string, unknown>)
    : {};
  const inventory = isIniInventory(path, text) ? parseIniInventory(text, source, groupVars) : parseYamlInventory(text, source);
  const profiles = checkedProfiles(options);
  checkFlagHosts('--profiles', profiles, inventoryMachines(inventory), source);
  const result = clusterFromInventory(inventory, source, { ...importOptions(options), profiles });
  return { cluster: result.cluster, origin: source, notes: [...result.warnings, ...result.notes] };
}

/** A cluster from a running one (list calls only); each node's board inferred, overridable with `--profiles`. */
export async function clusterFromKubeconfig(path: string, context: string | undefined, options: SourceOptions): Promise<ClusterSource> {
  const profiles = checkedProfiles(options);
  const items = await readLiveCluster(path, context);
  const source = `kubeconfig ${displayPath(path)}`;
  const nodeNames = items.filter((i) => i.kind === 'Node').map((i) => i.metadata?.name ?? '');
  checkFlagHosts('--profiles', profiles, nodeNames, source);
  const result = importApiObjects(items, source, options.registry.all(), {
    name: options.name,
    profiles,
    firmwareReserve: resolveSettings(33).firmwareMemoryReserve,
  });
  const notes = result.inferences.map(
    (i) => `${i.node}: profile ${i.inference.profile} (${i.inference.reason}); --profiles ${i.node}=NAME to change it`,
  );
  if (!(result.cluster['spec'] as { k3s: { version?: string } }).k3s.version)
    notes.push(defaultedVersionNote(source, 'no server reported its kubelet version'));
  if (result.manifests.length > 0)
    notes.push(
      `${result.manifests.length} object(s) of the running cluster were not copied into k8s/ ` +
        `(twin import --kubeconfig ${displayPath(path)} writes them)`,
    );
  return { cluster: result.cluster, origin: source, notes };
}

/** `--profiles` and `--default-profile` checked against the registry and written as twin names them. */
function checkedProfiles(options: SourceOptions): Record<string, string> {
  const given = options.profiles ?? {};
  checkFlagProfiles(given, options.defaultProfile, options.registry);
  return Object.fromEntries(Object.entries(given).map(([host, profile]) => [host, canonicalProfile(profile, options.registry)]));
}

function importOptions(options: SourceOptions) {
  return {
    name: options.name,
    registry: options.registry,
    ...(options.defaultProfile ? { defaultProfile: canonicalProfile(options.defaultProfile, options.registry) } : {}),
  };
}
