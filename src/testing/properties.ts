/**
 * Built-in resilience properties, in the scenario expectation vocabulary: given a fault
 * schedule, each says what must hold; the timeline decides.
 */
import type { Cluster } from '../model/cluster.js';
import type { WorkloadSet } from '../model/workloads.js';
import type { Expectation } from '../scenario/expectations.js';
import type { Fault } from '../scenario/faults.js';
import { checkLimits, durationOption } from './options.js';
import { healedAt, type ScheduleBounds } from './schedules.js';

export interface PropertyContext {
  readonly cluster: Cluster;
  readonly workloads: WorkloadSet;
  readonly faults: readonly Fault[];
  /** Seconds after the fault phase starts when the last fault is healed. */
  readonly healed: number;
}

export interface ResilienceProperty {
  readonly name: string;
  readonly description: string;
  /** Fault kinds this property is about (the schedule generator's default). */
  readonly kinds?: readonly string[];
  /** Other schedule bounds the property's description relies on (a check's own bounds override them). */
  readonly bounds?: ScheduleBounds;
  /** How long to observe after the last fault heals (seconds). */
  readonly settle: number;
  expectations(context: PropertyContext): Expectation[];
}

/** Every Deployment returns to its desired ready count within `within` after faults heal. */
export function deploymentsRecover(options: { within?: string | number } = {}): ResilienceProperty {
  const within = durationOption('within', options.within ?? '10m', checkLimits.within);
  return {
    name: 'deployments-recover',
    description: `every Deployment is back to its desired ready count within ${within} s after the faults heal`,
    settle: within + 60,
    expectations: ({ workloads, healed }) =>
      workloads.workloads
        .filter((w) => w.kind === 'Deployment' && w.replicas > 0)
        .map((w) => ({
          kind: 'pods-ready',
          workload: w.key,
          atLeast: w.replicas,
          from: healed + within,
          description: `${w.key} back to ${w.replicas} ready within ${within} s of the faults healing`,
        })),
  };
}

/** A Service stays available at least `atLeast` of the time through generated node faults and partitions. */
export function serviceAvailability(options: { service: string; atLeast?: number }): ResilienceProperty {
  const atLeast = options.atLeast ?? 0.99;
  return {
    name: 'service-availability',
    description: `service ${options.service} available at least ${(atLeast * 100).toFixed(1)} % of the time under each generated schedule`,
    kinds: ['power-off', 'reboot', 'k3s-restart', 'partition'],
    settle: 600,
    expectations: () => [
      {
        kind: 'service-availability',
        service: options.service,
        atLeast,
        description: `service ${options.service} available ≥ ${(atLeast * 100).toFixed(1)} %`,
      },
    ],
  };
}

/** The Kubernetes API stays available through any one node or server loss (HA control planes): one fault per schedule. */
export function apiStaysAvailable(): ResilienceProperty {
  return {
    name: 'api-available',
    description: 'the Kubernetes API stays available when any one node is powered off or rebooted, or k3s is stopped on any one server',
    kinds: ['power-off', 'reboot', 'control-plane-down'],
    // One fault per schedule, so that the description is what is generated: a single loss, never two at once.
    bounds: { maxFaults: 1 },
    settle: 120,
    expectations: () => [{ kind: 'api-stays-available', description: 'the API never becomes unavailable' }],
  };
}

/** No container is OOMKilled under the declared load and faults. */
export function noOomKills(): ResilienceProperty {
  return {
    name: 'no-oom-kills',
    description: 'no container is OOMKilled',
    settle: 300,
    expectations: () => [{ kind: 'no-oom-kills', description: 'no OOM kill' }],
  };
}

/** After a site power cut, with power back in any order, the workloads are ready again within `within`. */
export function recoversFromPowerCut(options: { within?: string | number } = {}): ResilienceProperty {
  const within = durationOption('within', options.within ?? '15m', checkLimits.within);
  return {
    name: 'power-cut-recovery',
    description: `after a site power cut the workloads are ready again within ${within} s of power returning`,
    kinds: ['site-power-cut'],
    settle: within + 60,
    expectations: (context) => [
      { kind: 'api-available', after: 0, within: context.healed + within, description: 'the API is back' },
      ...deploymentsRecover({ within }).expectations(context),
    ],
  };
}

export const builtinProperties = {
  'deployments-recover': deploymentsRecover,
  'service-availability': serviceAvailability,
  'api-available': apiStaysAvailable,
  'no-oom-kills': noOomKills,
  'power-cut-recovery': recoversFromPowerCut,
} as const;

export type BuiltinPropertyName = keyof typeof builtinProperties;

/**
 * A built-in property as data: its name and options. Worker threads and shards rebuild the
 * property from it (a property's functions cannot cross to a worker or into a shard file).
 */
export interface PropertySpec {
  readonly name: BuiltinPropertyName;
  /** Recovery time (deployments-recover, power-cut-recovery). */
  readonly within?: string | number;
  /** namespace/name (service-availability). */
  readonly service?: string;
  /** Availability share, 0 to 1 (service-availability). */
  readonly atLeast?: number;
}

/** The property a {@link PropertySpec} names. */
export function propertyFromSpec(spec: PropertySpec): ResilienceProperty {
  const within = spec.within !== undefined ? { within: spec.within } : {};
  switch (spec.name) {
    case 'deployments-recover':
      return deploymentsRecover(within);
    case 'power-cut-recovery':
      return recoversFromPowerCut(within);
    case 'service-availability':
      return serviceAvailability({ service: spec.service ?? '', ...(spec.atLeast !== undefined ? { atLeast: spec.atLeast } : {}) });
    case 'api-available':
      return apiStaysAvailable();
    case 'no-oom-kills':
      return noOomKills();
  }
}

export { healedAt };
