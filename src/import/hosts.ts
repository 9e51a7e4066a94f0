/**
 * What every import checks about the machines it is told about: that flags name machines the
 * source has (`--profiles dcn9=…` for an inventory without dcn9 is a typo, not a wish), that
 * every hardware profile named is one twin knows (with "did you mean"), and which machines
 * still have none.
 */
import { ConfigError, type InputProblem } from '../errors.js';
import { defaultK3sVersion, unknownProfileHint, type ProfileLookup } from '../model/cluster.js';
import { didYouMean } from '../model/suggest.js';

/** Fails when a `NAME=…` flag names a machine that is not among `hosts`. */
export function checkFlagHosts(flag: string, values: Readonly<Record<string, string>>, hosts: readonly string[], source: string): void {
  const problems: InputProblem[] = [];
  for (const host of Object.keys(values)) {
    if (hosts.includes(host)) continue;
    problems.push({
      field: `${host}=${values[host] ?? ''}`,
      message: `"${host}" is not a machine of ${source}`,
      hint: `${didYouMean(host, hosts)}machines: ${hosts.join(', ')}`,
    });
  }
  if (problems.length > 0) throw new ConfigError(flag, problems);
}

/** Fails when `--profiles` or `--default-profile` name a profile twin does not know. */
export function checkFlagProfiles(
  values: Readonly<Record<string, string>>,
  defaultProfile: string | undefined,
  registry: ProfileLookup | undefined,
): void {
  if (!registry) return;
  const problems: InputProblem[] = [];
  for (const [host, profile] of Object.entries(values)) {
    if (!registry.get(profile))
      problems.push({
        field: `${host}=${profile}`,
        message: `unknown hardware profile "${profile}"`,
        hint: unknownProfileHint(profile, registry),
      });
  }
  if (problems.length > 0) throw new ConfigError('--profiles', problems);
  if (defaultProfile !== undefined && !registry.get(defaultProfile)) {
    throw ConfigError.single(
      '--default-profile',
      '',
      `unknown hardware profile "${defaultProfile}"`,
      unknownProfileHint(defaultProfile, registry),
    );
  }
}

/** A profile as twin names it (`Raspberry Pi 5 8GB` → `pi5-8gb`), or the name as given when unknown. */
export function canonicalProfile(name: string, registry: ProfileLookup | undefined): string {
  return registry?.get(name)?.metadata.name ?? name;
}

/**
 * The problem for machines without a profile: one line per machine when it is one, else one
 * line for all of them that suggests `--default-profile`.
 */
export function missingProfiles(
  hosts: readonly string[],
  field: (host: string) => string,
  perHostFix: (host: string) => string,
): InputProblem[] {
  if (hosts.length === 0) return [];
  if (hosts.length === 1) {
    const host = hosts[0] ?? '';
    return [{ field: field(host), message: 'no hardware profile for this machine', hint: perHostFix(host) }];
  }
  const shown = hosts.length > 6 ? `${hosts.slice(0, 6).join(', ')} and ${hosts.length - 6} more` : hosts.join(', ');
  return [
    {
      field: 'hosts',
      message: `${hosts.length} machines have no hardware profile (${shown})`,
      hint: 'pass --default-profile NAME for all of them, or --profiles host=NAME,… for each; twin profiles lists the names',
    },
  ];
}

/** The stderr line when the source names no K3s version and the twin assumes one. */
export function defaultedVersionNote(source: string, howToSet: string): string {
  return `no K3s version in ${source}: the twin assumes ${defaultK3sVersion} (${howToSet}, or edit spec.k3s.version in cluster.yaml)`;
}

/**
 * `k3s.registrationAddress` from the URL agents are given (`server:` / K3S_URL, k3s-ansible's
 * api_endpoint): the server they join through, when it is a machine of the import other than the
 * first server (the model's default). A URL naming no machine of the import when every server's IP
 * is known (a load balancer, a virtual IP) is a note: twin cannot place what it does not know.
 */
export function registrationOf(
  urls: readonly (string | undefined)[],
  nodes: readonly { name: string; role: string; ip?: string }[],
): { address?: string; note?: string } {
  const given = [...new Set(urls.filter((u): u is string => Boolean(u)))];
  if (given.length === 0) return {};
  // The host of https://host[:port][/…], IPv6 in brackets; a machine by its name (or a name under it: pi-b.local) or any of its IPs.
  const hostOf = (url: string) => (/^[a-z]+:\/\/(\[[^\]]+\]|[^/:]+)/i.exec(url)?.[1] ?? url).replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const machine = (host: string) =>
    nodes.find(
      (n) =>
        n.name.toLowerCase() === host ||
        host.startsWith(`${n.name.toLowerCase()}.`) ||
        (n.ip ?? '').split(',').some((ip) => ip.trim().toLowerCase() === host),
    );
  const named = [...new Set(given.map((url) => machine(hostOf(url)) ?? url))];
  if (named.length > 1) {
    const list = named.map((n) => (typeof n === 'string' ? n : n.name)).join(', ');
    return { note: `the agents join through different addresses (${list}): twin has every agent join one, the first server` };
  }
  const [node] = named;
  const url = given[0] as string;
  const firstServer = nodes.find((n) => n.role === 'server')?.name;
  if (typeof node === 'object' && node.role === 'server') return node.name === firstServer ? {} : { address: node.name };
  if (typeof node === 'object')
    return {
      note: `the agents join through ${url}, which is ${node.name} (role ${node.role}, no server): twin has them join the first server`,
    };
  // A server whose IP the configurations do not give may be the one it names: nothing to say then.
  if (nodes.some((n) => n.role === 'server' && n.ip === undefined)) return {};
  return {
    note:
      `the agents join through ${url}, which is no server of this import: twin has them join the first server; ` +
      'to model a load balancer in front of the servers, add it as a node with role: external and services: [haproxy] ' +
      'and set k3s.registrationAddress to it',
  };
}
