/**
 * The names a scenario (or `twin check`) may point at: the cluster's nodes and servers, the
 * workloads and Services of its manifests plus the K3s components the cluster runs. A check that
 * names something absent could never fail (no outage is ever recorded for a Service that does not
 * exist), so every name is checked here, and a miss is a load error with the names that exist.
 */
import type { Cluster } from '../model/cluster.js';
import { systemWorkloadsOf } from '../model/system-workloads.js';
import { closest, editDistance } from '../model/suggest.js';
import { workloadMatches, type WorkloadSet } from '../model/workloads.js';
import type { Problems } from './fields.js';

/** `a, b, c`, or `a, b, … (12 in all)` for a long list, or `(none)`. */
function list(names: readonly string[], max = 8): string {
  if (names.length === 0) return '(none)';
  return names.length > max ? `${names.slice(0, max).join(', ')}, … (${names.length} in all)` : names.join(', ');
}

/**
 * `did you mean X? ` from the closest of several spellings of each known name (key, ns/name,
 * name); nothing when two known names are as close (`dcn9` is as near `dcn1` as `dcn2`).
 */
function suggestion(wanted: string, spellings: ReadonlyArray<readonly [spelling: string, shown: string]>): string {
  const match = closest(
    wanted,
    spellings.map(([spelling]) => spelling),
  );
  const shown = spellings.find(([spelling]) => spelling === match)?.[1];
  if (match === undefined || shown === undefined) return '';
  const distance = editDistance(wanted, match);
  const rivals = spellings.filter(([spelling, other]) => other !== shown && editDistance(wanted, spelling) <= distance);
  return rivals.length === 0 ? `did you mean ${shown}? ` : '';
}

export class KnownNames {
  private readonly nodes: readonly string[];
  private readonly servers: readonly string[];
  private readonly workloadKeys: readonly string[];
  private readonly serviceKeys: readonly string[];

  constructor(
    private readonly cluster: Cluster,
    workloads: WorkloadSet,
  ) {
    const system = systemWorkloadsOf(cluster);
    this.nodes = cluster.nodes.map((n) => n.name);
    this.servers = cluster.nodes.filter((n) => n.role === 'server').map((n) => n.name);
    this.workloadKeys = [...workloads.workloads, ...system.workloads].map((w) => w.key);
    this.serviceKeys = [...workloads.services, ...system.services].map((s) => s.key);
  }

  /** `what` prefixes the message: `service-availability: ` for an expectation. */
  node(problems: Problems, field: string, wanted: string, what = ''): boolean {
    if (this.nodes.includes(wanted)) return true;
    const hint = `${suggestion(
      wanted,
      this.nodes.map((n) => [n, n]),
    )}use one of: ${list(this.nodes, 20)}`;
    problems.add(field, `${what}no node named "${wanted}" in cluster ${this.cluster.name}`, hint);
    return false;
  }

  /** A gateway: a machine with role external running haproxy in front of the servers. */
  gateway(problems: Problems, field: string, wanted: string, what = ''): void {
    if (!this.node(problems, field, wanted, what)) return;
    const gateways = this.cluster.nodes.filter((n) => n.role === 'external' && n.services?.includes('haproxy')).map((n) => n.name);
    if (!gateways.includes(wanted))
      problems.add(
        field,
        `${what}node "${wanted}" is no gateway to the API`,
        gateways.length > 0
          ? `gateways: ${list(gateways, 20)}`
          : 'a gateway is a node with role: external and services: [haproxy]; leave via out for the API itself',
      );
  }

  server(problems: Problems, field: string, wanted: string): void {
    if (!this.node(problems, field, wanted)) return;
    if (!this.servers.includes(wanted)) problems.add(field, `node "${wanted}" is not a server`, `servers: ${list(this.servers, 20)}`);
  }

  /** A workload as faults and expectations name it: `Kind/namespace/name`, `namespace/name` or `name`. */
  workload(problems: Problems, field: string, wanted: string, what = ''): void {
    if (this.workloadKeys.some((key) => workloadMatches(key, wanted))) return;
    const spellings = this.workloadKeys.flatMap((key) => {
      const [, namespace, name] = key.split('/');
      return [[key, key] as const, [`${namespace}/${name}`, key] as const, [name ?? key, key] as const];
    });
    const hint = `${suggestion(wanted, spellings)}use one of: ${list(this.workloadKeys)}`;
    problems.add(field, `${what}no workload "${wanted}" in the scenario's manifests or the cluster's K3s components`, hint);
  }

  /** A Job or a CronJob (whose Jobs are meant), named as workloads are: `Job/ns/name`, `ns/name` or `name`. */
  job(problems: Problems, field: string, wanted: string, what = ''): void {
    const jobs = this.workloadKeys.filter((key) => key.startsWith('Job/') || key.startsWith('CronJob/'));
    if (jobs.some((key) => workloadMatches(key, wanted))) return;
    const other = this.workloadKeys.find((key) => workloadMatches(key, wanted));
    const spellings = jobs.flatMap((key) => {
      const [, namespace, name] = key.split('/');
      return [[key, key] as const, [`${namespace}/${name}`, key] as const, [name ?? key, key] as const];
    });
    const message = other
      ? `${what}"${wanted}" is ${other}, not a Job or CronJob`
      : `${what}no Job or CronJob "${wanted}" in the scenario's manifests`;
    problems.add(field, message, `${suggestion(wanted, spellings)}Jobs and CronJobs: ${list(jobs)}`);
  }

  /** A Service as `namespace/name`, or a bare name in `default` (as the judge reads it). */
  service(problems: Problems, field: string, wanted: string, what = '', where = "the scenario's manifests"): void {
    const key = wanted.includes('/') ? wanted : `default/${wanted}`;
    if (this.serviceKeys.includes(key)) return;
    const spellings = this.serviceKeys.flatMap((k) => [[k, k] as const, [k.split('/')[1] ?? k, k] as const]);
    const elsewhere = !wanted.includes('/') ? this.serviceKeys.filter((k) => k.endsWith(`/${wanted}`)) : [];
    const fix =
      elsewhere.length > 0 ? `a bare name means namespace default; write ${elsewhere.join(' or ')}? ` : suggestion(wanted, spellings);
    problems.add(field, `${what}no Service "${key}" in ${where}`, `${fix}use one of: ${list(this.serviceKeys)}`);
  }
}
