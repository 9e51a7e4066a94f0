/**
 * K3s's own configuration as users have it on each machine: `/etc/rancher/k3s/config.yaml`
 * and the install script's environment (INSTALL_K3S_EXEC, K3S_URL, K3S_TOKEN,
 * INSTALL_K3S_VERSION), turned into a twin cluster document.
 */
import { ConfigError, type InputProblem } from '../errors.js';
import type { ProfileLookup } from '../model/cluster.js';
import { configToArgs, flagValues, hasFlag, nodeSpecific, perHostComponentArgNotes, splitArgs } from './args.js';
import { canonicalProfile, defaultedVersionNote, missingProfiles, registrationOf } from './hosts.js';
import { newRedaction, redactArgs, redactionNote, tokenPlaceholders } from './secrets.js';

export interface K3sHostInput {
  readonly name: string;
  readonly role?: 'server' | 'agent';
  readonly config?: Record<string, unknown>;
  readonly env?: Readonly<Record<string, string>>;
  readonly profile?: string;
}

/** Flags only a server takes; their presence makes a config a server's. */
const serverOnly = [
  'cluster-init',
  'disable',
  'tls-san',
  'datastore-endpoint',
  'cluster-cidr',
  'service-cidr',
  'write-kubeconfig-mode',
  'flannel-backend',
  'disable-network-policy',
  'disable-kube-proxy',
  'etcd-snapshot-schedule-cron',
];
/** Flags about joining, not cluster settings. */
const joinFlags = ['server', 'token', 'agent-token', 'cluster-init'];

function role(input: K3sHostInput): 'server' | 'agent' {
  if (input.role) return input.role;
  const exec = (input.env?.['INSTALL_K3S_EXEC'] ?? '').trim().split(/\s+/)[0];
  if (exec === 'server' || exec === 'agent') return exec;
  const config = input.config ?? {};
  if (Object.keys(config).some((k) => serverOnly.includes(k))) return 'server';
  if (config['server'] !== undefined || input.env?.['K3S_URL']) return 'agent';
  return 'server';
}

function args(input: K3sHostInput): string[] {
  const execWords = splitArgs(input.env?.['INSTALL_K3S_EXEC'] ?? '');
  if (execWords[0] === 'server' || execWords[0] === 'agent') execWords.shift();
  return [...configToArgs(input.config ?? {}), ...execWords];
}

function withoutJoin(list: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < list.length; i++) {
    const arg = list[i] ?? '';
    const name = /^--([^=]+)/.exec(arg)?.[1] ?? '';
    if (joinFlags.includes(name)) {
      if (!arg.includes('=') && name !== 'cluster-init') i++;
      continue;
    }
    out.push(arg);
  }
  return out;
}

export interface K3sImportOptions {
  readonly name?: string;
  readonly profiles?: Readonly<Record<string, string>>;
  readonly defaultProfile?: string;
  /** Profiles known to the run; names are written as twin names them. */
  readonly registry?: ProfileLookup;
}

export function clusterFromK3sConfigs(
  inputs: readonly K3sHostInput[],
  source: string,
  options: K3sImportOptions = {},
): { cluster: Record<string, unknown>; warnings: string[] } {
  const problems: InputProblem[] = [];
  const redaction = newRedaction();
  const hosts = inputs.map((input) => ({ input, role: role(input), args: args(input) }));
  const servers = hosts.filter((h) => h.role === 'server');
  if (servers.length === 0)
    problems.push({
      field: 'nodes',
      message: 'no server among the configurations',
      hint: 'one machine must run `k3s server` (INSTALL_K3S_EXEC=server, or a config without server:)',
    });
  const first = servers.find((h) => hasFlag(h.args, 'cluster-init')) ?? servers[0];
  const token = (h: (typeof hosts)[number]) => flagValues(h.args, 'token')[0] ?? h.input.env?.['K3S_TOKEN'];
  const version = (h: (typeof hosts)[number]) => h.input.env?.['INSTALL_K3S_VERSION'];
  const clusterToken = first ? (token(first) ?? hosts.map(token).find(Boolean)) : undefined;
  const clusterVersion = first ? version(first) : undefined;
  const tokens = tokenPlaceholders(clusterToken, hosts.map(token), redaction);
  const withoutProfile: string[] = [];
  const nodes = hosts.map((h, index) => {
    const profile = h.input.profile ?? options.profiles?.[h.input.name] ?? options.defaultProfile;
    if (!profile) withoutProfile.push(h.input.name);
    const own = nodeSpecific(h.args);
    const hostToken = tokens.hosts[index];
    const hostVersion = version(h);
    const k3s = {
      ...(hostVersion && hostVersion !== clusterVersion ? { version: hostVersion } : {}),
      ...(hostToken ? { token: hostToken } : {}),
    };
    const ip = flagValues(h.args, 'node-ip')[0];
    return {
      name: h.input.name,
      profile: profile ? canonicalProfile(profile, options.registry) : 'unknown',
      role: h.role,
      ...(ip ? { ip } : {}),
      ...(Object.keys(own.labels).length ? { labels: own.labels } : {}),
      ...(own.taints.length ? { taints: own.taints } : {}),
      ...(Object.keys(k3s).length ? { k3s } : {}),
    };
  });
  problems.push(
    ...missingProfiles(
      withoutProfile,
      (name) => name,
      (name) => `pass --profiles ${name}=pi4b-4gb`,
    ),
  );
  if (problems.length > 0) throw new ConfigError('--k3s', problems);
  const shared = (h: (typeof hosts)[number] | undefined) =>
    h ? redactArgs(withoutJoin(nodeSpecific(h.args).rest), redaction).filter((a) => !a.startsWith('--node-ip')) : [];
  const serverArgs = shared(first);
  const agentArgs = shared(hosts.find((h) => h.role === 'agent'));
  const perHost = hosts.flatMap((h) =>
    h.role === 'server'
      ? perHostComponentArgNotes(h.input.name, shared(h), serverArgs, 'k3s.serverArgs')
      : perHostComponentArgNotes(h.input.name, shared(h), agentArgs, 'k3s.agentArgs'),
  );
  const external = flagValues(serverArgs, 'datastore-endpoint')[0];
  const datastore = external
    ? 'external'
    : servers.length > 1 || (first && hasFlag(first.args, 'cluster-init'))
      ? 'embedded-etcd'
      : 'sqlite';
  const registration = registrationOf(
    hosts.filter((h) => h.role === 'agent').map((h) => flagValues(h.args, 'server')[0] ?? h.input.env?.['K3S_URL']),
    nodes,
  );
  if (hosts.some((h) => hasFlag(h.args, 'agent-token'))) redaction.dropped.add('--agent-token');
  const redacted = redactionNote(redaction, 'cluster.yaml');
  const warnings = [
    ...(clusterVersion ? [] : [defaultedVersionNote('the K3s configuration', 'pass --env NODE=install.env with INSTALL_K3S_VERSION')]),
    ...(redacted ? [redacted] : []),
    ...(registration.note ? [registration.note] : []),
    ...perHost,
  ];
  return {
    cluster: {
      apiVersion: 'twin/v1alpha1',
      kind: 'Cluster',
      metadata: { name: options.name ?? 'imported', description: `Imported from K3s configuration (${source})` },
      spec: {
        k3s: {
          ...(clusterVersion ? { version: clusterVersion } : {}),
          datastore,
          ...(external ? { externalDatastore: { endpoint: external } } : {}),
          ...(tokens.cluster ? { token: tokens.cluster } : {}),
          ...(registration.address ? { registrationAddress: registration.address } : {}),
          serverArgs,
          agentArgs,
        },
        nodes,
      },
    },
    warnings,
  };
}
