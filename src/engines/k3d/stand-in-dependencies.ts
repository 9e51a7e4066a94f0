/**
 * Where a workload stand-in checks the hosts outside Kubernetes its readiness depends on
 * (`twin.dev/depends-on`; stand-ins.ts).
 */
import type { Cluster } from '../../model/cluster.js';

/** A host a pod depends on and the address its stand-in checks. */
export interface Dependency {
  readonly host: string;
  readonly address: string;
}

/** Service ports by what a host's description says it runs (MariaDB/MySQL, PostgreSQL, NFS, HAProxy in front of the API servers). */
const servicePorts: ReadonlyArray<readonly [RegExp, number]> = [
  [/maria ?db|mysql/i, 3306],
  [/postgres/i, 5432],
  [/\bnfs\b/i, 2049],
  [/haproxy/i, 6443],
];

/**
 * Where a stand-in checks the hosts its pod depends on: the host's spec IP, at the port of the
 * service its description names (the first one named; MariaDB 3306, PostgreSQL 5432, NFS 2049,
 * HAProxy 6443), unless the pod's environment names a URL on that host whose port is another of
 * them or the description names none (then the URL's port). Hosts of the cluster itself, hosts
 * without an IP and hosts with no port found are not checked: each is said in `notes`.
 */
export function dependencyAddresses(
  cluster: Pick<Cluster, 'nodes'>,
  hosts: readonly string[],
  envValues: readonly string[],
  notes: string[],
  where: string,
): Dependency[] {
  const out: Dependency[] = [];
  for (const host of hosts) {
    const node = cluster.nodes.find((n) => n.name === host);
    if (!node || node.role !== 'external' || !node.ip) {
      const why = !node
        ? 'is not a node of the cluster'
        : node.role !== 'external'
          ? 'is a Kubernetes node (only hosts outside Kubernetes are checked)'
          : 'has no ip';
      notes.push(`${where}: depends on ${host}, which ${why}: not checked`);
      continue;
    }
    const ip = node.ip;
    const described = servicePorts
      .map(([pattern, port]) => ({ port, at: (node.description ?? '').search(pattern) }))
      .filter((p) => p.at >= 0)
      .sort((a, b) => a.at - b.at)
      .map((p) => p.port);
    const inEnv = envValues.flatMap((v) =>
      [...v.matchAll(new RegExp(`(?:${escape(ip)}|${escape(host)}):(\\d+)`, 'g'))].map((m) => Number(m[1])),
    );
    const port = inEnv.find((p) => described.includes(p)) ?? described[0] ?? inEnv[0];
    if (port === undefined) {
      notes.push(`${where}: depends on ${host} (${ip}), but neither its description nor the pod's environment names a port: not checked`);
      continue;
    }
    out.push({ host, address: `${ip}:${port}` });
    notes.push(`${where}: readiness needs ${host} at ${ip}:${port} (TCP)`);
  }
  return out;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
