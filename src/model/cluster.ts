import type { Architecture, HardwareProfile, NetworkInterface, StorageOption } from './hardware-profile.js';
import { ConfigError, type InputProblem } from '../errors.js';
import type { ClusterSpecParsed, Datastore, ExternalService, NodeRole, Taint } from './cluster-schema.js';
import { resolveSettings, type ModelSettings, type ParsedSettings, type SettingsInput } from './settings.js';
import { resolveK3sFlags, type K3sFlagOutcome } from './k3s-flags.js';
import { resolveRegistrationAddress } from './registration.js';
import { resolveNodeSwap, type NodeSwap, type NodeSwapInput } from './node-swap.js';
import { wellKnownLabels } from './node-labels.js';
import { applyCalibration, type AppliedCalibration, type CalibrationSource, type NodeMeasurements } from './calibration-apply.js';

/** Names of the profiles twin ships, for editor completion; any other registered name works too. */
export type BuiltinProfileName =
  | 'pi3bplus'
  | 'pi4b-1gb'
  | 'pi4b-2gb'
  | 'pi4b-4gb'
  | 'pi4b-8gb'
  | 'pi5-2gb'
  | 'pi5-4gb'
  | 'pi5-8gb'
  | 'pi5-16gb'
  | 'pizero2w'
  | 'pi2b'
  | 'x86-minipc';

/** One machine of the cluster as the user writes it. */
export interface NodeInput<N extends string = string> {
  readonly name: N;
  readonly profile: BuiltinProfileName | (string & {});
  readonly role: NodeRole;
  readonly storage?: string;
  readonly network?: string;
  readonly architecture?: Architecture;
  readonly ip?: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** `key=value:NoSchedule` strings or taint objects. */
  readonly taints?: ReadonlyArray<string | Taint>;
  readonly description?: string;
  /** zram and/or a swap file below Kubernetes, and the kubelet's swapBehavior (src/model/node-swap.ts). */
  readonly swap?: NodeSwapInput;
  /** Role external only: what the machine serves (mariadb, nfs, haproxy). */
  readonly services?: readonly ExternalService[];
  readonly k3s?: { readonly version?: string; readonly token?: string };
}

/** A cluster as the user writes it in TypeScript; the YAML form carries the same fields under `spec`. */
export interface ClusterInput<N extends string = string> {
  readonly name: string;
  readonly description?: string;
  readonly k3s?: {
    readonly version?: string;
    readonly datastore?: Datastore;
    readonly externalDatastore?: { readonly node?: N; readonly endpoint?: string };
    readonly token?: string;
    /** What agents are given as `--server` / K3S_URL: a server or a gateway (role external, haproxy), by name, IP or URL. */
    readonly registrationAddress?: N | (string & {});
    readonly serverArgs?: readonly string[];
    readonly agentArgs?: readonly string[];
  };
  readonly nodes: ReadonlyArray<NodeInput<N>>;
  readonly rancher?: { readonly node: N; readonly version?: string };
  readonly profileDirs?: readonly string[];
  /** A `kind: Calibration` file from `twin calibrate`, relative to the cluster file. */
  readonly calibration?: string;
  readonly settings?: SettingsInput;
  readonly bringUp?: { readonly prepareOs?: boolean; readonly downloadK3s?: boolean };
}

/**
 * Declares a cluster in TypeScript. An identity function: it exists so editors check
 * the shape and so node names become a type that scenarios can use for their faults.
 */
export function defineCluster<const N extends string>(cluster: ClusterInput<N>): ClusterInput<N> {
  return cluster;
}

/** The node names of a cluster defined with {@link defineCluster}. */
export type NodeNameOf<C> = C extends ClusterInput<infer N> ? N : string;

/** A node with its profile, storage and network resolved. */
export interface ClusterNode {
  readonly name: string;
  readonly role: NodeRole;
  readonly profile: HardwareProfile;
  readonly storage: StorageOption;
  readonly network: NetworkInterface;
  readonly architecture: Architecture;
  readonly ip?: string;
  /** User labels plus the ones K3s and the kubelet set (hostname, arch, roles). */
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
  readonly description?: string;
  /** K3s version this host installs (the cluster's unless the host overrides it). */
  readonly k3sVersion: string;
  /** Join token this host uses (the cluster's unless the host overrides it). */
  readonly token?: string;
  /** Swap devices and the kubelet's swap behaviour; absent when the node has no swap. */
  readonly swap?: NodeSwap;
  /** Role external: the services it runs; absent for a plain host and on every other role. */
  readonly services?: readonly ExternalService[];
  /** Figures a calibration measured for this node (or pooled over its profile), over the model's own. */
  readonly measured?: NodeMeasurements;
}

/** A validated cluster with every default filled in. */
export interface Cluster {
  readonly name: string;
  readonly description?: string;
  readonly k3s: {
    readonly version: string;
    /** Kubernetes minor version, e.g. 31 for v1.31.4+k3s1. */
    readonly minor: number;
    readonly datastore: Datastore;
    readonly externalDatastore?: { readonly node?: string; readonly endpoint?: string };
    readonly token?: string;
    /** The node agents join through first (`k3s.registrationAddress`, else the first server; registration.ts). */
    readonly registrationNode: string;
    readonly serverArgs: readonly string[];
    readonly agentArgs: readonly string[];
  };
  readonly nodes: readonly ClusterNode[];
  readonly rancher?: { readonly node: string; readonly version: string };
  readonly settings: ModelSettings;
  /** The component flags of `k3s.serverArgs`/`agentArgs` the model follows and the ones it does not (k3s-flags.ts). */
  readonly k3sFlags: K3sFlagOutcome;
  readonly bringUp: { readonly prepareOs: boolean; readonly downloadK3s: boolean };
  /** The calibration the cluster uses (`spec.calibration` or `--calibration`), and what it took from it. */
  readonly calibration?: AppliedCalibration;
}

/** The K3s release twin assumes when a cluster does not name one. */
export const defaultK3sVersion = 'v1.33.5+k3s1';

/** `did you mean pi5-8gb? twin profiles lists them`, or the whole list when nothing is close. */
export function unknownProfileHint(name: string, profiles: ProfileLookup): string {
  const suggestion = profiles.suggest?.(name);
  return suggestion
    ? `did you mean ${suggestion}? twin profiles lists them`
    : `use one of: ${profiles.names().join(', ')}; or add a profile file (twin profiles lists them)`;
}

export interface ProfileLookup {
  get(nameOrAlias: string): HardwareProfile | undefined;
  names(): string[];
  /** The known profile closest to an unknown name, for "did you mean". */
  suggest?(unknown: string): string | undefined;
}

function kubernetesMinor(version: string): number {
  const match = /^v1\.(\d+)\./.exec(version);
  return match ? Number(match[1]) : 33;
}

/**
 * Checks everything that needs more than one field (names unique, profiles known, storage and network options
 * exist, roles consistent) and fills every default. Collects all problems before throwing one {@link ConfigError}.
 */
export function resolveCluster(
  name: string,
  description: string | undefined,
  spec: ClusterSpecParsed,
  profiles: ProfileLookup,
  file: string,
  fieldPrefix: string,
  calibration?: CalibrationSource,
): Cluster {
  const problems: InputProblem[] = [];
  const at = (field: string) => (fieldPrefix ? `${fieldPrefix}.${field}` : field);
  const servers = spec.nodes.filter((n) => n.role === 'server');
  const datastore: Datastore = spec.k3s.datastore ?? (servers.length > 1 ? 'embedded-etcd' : 'sqlite');
  const version = spec.k3s.version ?? defaultK3sVersion;

  const seenNames = new Map<string, number>();
  const seenIps = new Map<string, number>();
  const nodes: ClusterNode[] = [];
  for (const [index, node] of spec.nodes.entries()) {
    const field = (f: string) => at(`nodes[${index}].${f}`);
    const earlier = seenNames.get(node.name);
    if (earlier !== undefined) {
      problems.push({
        field: field('name'),
        message: `duplicate node name "${node.name}" (also nodes[${earlier}])`,
        hint: 'give every node its own name',
      });
    }
    seenNames.set(node.name, index);
    if (node.ip) {
      const ipOwner = seenIps.get(node.ip);
      if (ipOwner !== undefined)
        problems.push({
          field: field('ip'),
          message: `IP ${node.ip} is also used by nodes[${ipOwner}]`,
          hint: 'give every node its own address',
        });
      seenIps.set(node.ip, index);
    }
    const profile = profiles.get(node.profile);
    if (!profile) {
      problems.push({
        field: field('profile'),
        message: `unknown hardware profile "${node.profile}"`,
        hint: unknownProfileHint(node.profile, profiles),
      });
      continue;
    }
    const storageOptions = profile.spec.storage;
    const storage = node.storage
      ? storageOptions.find((s) => s.name === node.storage)
      : (storageOptions.find((s) => s.default) ?? storageOptions[0]);
    if (!storage) {
      problems.push({
        field: field('storage'),
        message: `profile "${profile.metadata.name}" has no storage option "${node.storage}"`,
        hint: `use one of: ${storageOptions.map((s) => s.name).join(', ')}`,
      });
      continue;
    }
    const network = node.network
      ? profile.spec.network.find((n) => n.name === node.network || n.type === node.network)
      : profile.spec.network[0];
    if (!network) {
      problems.push({
        field: field('network'),
        message: `profile "${profile.metadata.name}" has no network interface "${node.network}"`,
        hint: `use one of: ${profile.spec.network.map((n) => n.name).join(', ')}`,
      });
      continue;
    }
    const architecture = node.architecture ?? profile.spec.architecture;
    if (!profile.spec.supportedArchitectures.includes(architecture)) {
      problems.push({
        field: field('architecture'),
        message: `${profile.metadata.displayName} cannot run ${architecture}`,
        hint: `use one of: ${profile.spec.supportedArchitectures.join(', ')}`,
      });
    }
    const swap = resolveNodeSwap(node.swap, profile, storage, field, problems);
    if (node.services && node.role !== 'external')
      problems.push({
        field: field('services'),
        message: `services are for machines outside Kubernetes (role external), not role "${node.role}"`,
        hint: 'run the service as a workload, or give it its own node with role: external',
      });
    nodes.push({
      name: node.name,
      role: node.role,
      profile,
      storage,
      network,
      architecture,
      ...(node.ip ? { ip: node.ip } : {}),
      labels: { ...wellKnownLabels(node.name, node.role, architecture, datastore, profile), ...node.labels },
      taints: node.taints,
      ...(node.description ? { description: node.description } : {}),
      k3sVersion: node.k3s?.version ?? version,
      ...((node.k3s?.token ?? spec.k3s.token) !== undefined ? { token: node.k3s?.token ?? spec.k3s.token } : {}),
      ...(swap ? { swap } : {}),
      ...(node.role === 'external' && node.services?.length ? { services: [...new Set(node.services)] } : {}),
    });
  }

  if (servers.length === 0) {
    problems.push({
      field: at('nodes'),
      message: 'a K3s cluster needs at least one node with role "server"',
      hint: 'set role: server on the node that runs `k3s server`',
    });
  }
  if (datastore === 'sqlite' && servers.length > 1) {
    problems.push({
      field: at('k3s.datastore'),
      message: `sqlite supports a single server, but ${servers.length} nodes have role "server"`,
      hint: 'use datastore: embedded-etcd (k3s server --cluster-init) or external (K3s docs: datastore)',
    });
  }
  if (datastore === 'external' && !spec.k3s.externalDatastore?.node && !spec.k3s.externalDatastore?.endpoint) {
    problems.push({
      field: at('k3s.externalDatastore'),
      message: 'datastore "external" needs a node or an endpoint',
      hint: 'set k3s.externalDatastore.node to the database host',
    });
  }
  const externalNode = spec.k3s.externalDatastore?.node;
  if (externalNode && !seenNames.has(externalNode)) {
    problems.push({
      field: at('k3s.externalDatastore.node'),
      message: `no node named "${externalNode}"`,
      hint: `use one of: ${[...seenNames.keys()].join(', ')}`,
    });
  }
  if (spec.rancher) {
    const rancherIndex = seenNames.get(spec.rancher.node);
    if (rancherIndex === undefined) {
      problems.push({
        field: at('rancher.node'),
        message: `no node named "${spec.rancher.node}"`,
        hint: `use one of: ${[...seenNames.keys()].join(', ')}`,
      });
    } else if (spec.nodes[rancherIndex]?.role !== 'rancher') {
      problems.push({
        field: at('rancher.node'),
        message: `node "${spec.rancher.node}" has role "${spec.nodes[rancherIndex]?.role}"`,
        hint: 'Rancher runs on its own host: give that node role: rancher',
      });
    }
  }
  const rancherNodes = spec.nodes.filter((n) => n.role === 'rancher');
  if (rancherNodes.length > 0 && !spec.rancher) {
    problems.push({
      field: at('rancher'),
      message: `node "${rancherNodes[0]?.name}" has role "rancher" but no rancher section places Rancher`,
      hint: `add rancher: { node: ${rancherNodes[0]?.name} }`,
    });
  }
  const registrationNode = resolveRegistrationAddress(spec.k3s.registrationAddress, spec.nodes, at('k3s.registrationAddress'), problems);
  const minor = kubernetesMinor(version);
  const flags = resolveK3sFlags({
    serverArgs: spec.k3s.serverArgs,
    agentArgs: spec.k3s.agentArgs,
    minor,
    servers: servers.map((n) => n.name),
    agents: spec.nodes.filter((n) => n.role === 'agent').map((n) => n.name),
    explicit: new Set(Object.entries(spec.settings).flatMap(([key, value]) => (value === undefined ? [] : [key]))),
    fieldPrefix,
  });
  if (problems.push(...flags.problems) > 0) throw new ConfigError(file, problems);
  const settingsWith = (measured?: ParsedSettings) => resolveSettings(minor, spec.settings as ParsedSettings, flags.overrides, measured);
  const measured = calibration ? applyCalibration(calibration, nodes, (p) => profiles.get(p)?.metadata.name, settingsWith) : undefined;
  return {
    name,
    ...(description ? { description } : {}),
    k3s: {
      version,
      minor,
      datastore,
      ...(spec.k3s.externalDatastore ? { externalDatastore: spec.k3s.externalDatastore } : {}),
      ...(spec.k3s.token ? { token: spec.k3s.token } : {}),
      registrationNode,
      serverArgs: spec.k3s.serverArgs,
      agentArgs: spec.k3s.agentArgs,
    },
    nodes: measured?.nodes ?? nodes,
    ...(spec.rancher ? { rancher: spec.rancher } : {}),
    settings: measured?.settings ?? settingsWith(),
    k3sFlags: { applied: flags.applied, notModelled: flags.notModelled },
    bringUp: spec.bringUp,
    ...(measured ? { calibration: measured.applied } : {}),
  };
}
