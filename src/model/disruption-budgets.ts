/**
 * PodDisruptionBudgets (`policy/v1`) as the model reads them: which pods they guard and how many
 * of those must stay healthy. Pure; the Eviction API's decision is in `src/sim/disruption.ts`.
 */
import type { KubernetesObject, V1LabelSelector } from '@kubernetes/client-node';
import { readSelector, type LabelSelector } from './pod-template.js';

/** `minAvailable` / `maxUnavailable` as written: a count (`1`) or a percentage (`"50%"`). */
export type BudgetValue = number | string;

export interface DisruptionBudgetSpec {
  readonly namespace: string;
  readonly name: string;
  /** `default/web`. */
  readonly key: string;
  /** Null when the manifest sets no selector: a null selector matches no pods (policy/v1 PodDisruptionBudgetSpec). */
  readonly selector: LabelSelector | null;
  /** At most one of the two is set (the API refuses both); neither means no disruption is ever allowed. */
  readonly minAvailable: BudgetValue | null;
  readonly maxUnavailable: BudgetValue | null;
  /** `IfHealthyBudget` (the default) or `AlwaysAllow`: whether a running but unready pod may be evicted. */
  readonly unhealthyPodEvictionPolicy: 'IfHealthyBudget' | 'AlwaysAllow';
}

/** Reads one PodDisruptionBudget object. */
export function readDisruptionBudget(object: KubernetesObject & { spec?: Record<string, unknown> }): DisruptionBudgetSpec {
  const namespace = object.metadata?.namespace ?? 'default';
  const name = object.metadata?.name ?? 'unnamed';
  const spec = object.spec ?? {};
  const selector = spec['selector'] as V1LabelSelector | undefined;
  return {
    namespace,
    name,
    key: `${namespace}/${name}`,
    selector: selector ? readSelector(selector) : null,
    minAvailable: (spec['minAvailable'] as BudgetValue | undefined) ?? null,
    maxUnavailable: (spec['maxUnavailable'] as BudgetValue | undefined) ?? null,
    unhealthyPodEvictionPolicy: spec['unhealthyPodEvictionPolicy'] === 'AlwaysAllow' ? 'AlwaysAllow' : 'IfHealthyBudget',
  };
}

/**
 * A count or a percentage of `total`, as apimachinery's `intstr.GetScaledValueFromIntOrPercent`
 * computes it; the disruption controller rounds both minAvailable and maxUnavailable percentages
 * UP (KK pkg/controller/disruption/disruption.go getExpectedPodCount passes roundUp = true).
 */
export function scaledBudgetValue(value: BudgetValue, total: number): number {
  if (typeof value === 'number') return Math.trunc(value);
  const match = /^(\d+)%$/.exec(value.trim());
  if (!match) return Math.trunc(Number(value)) || 0;
  return Math.ceil((Number(match[1]) * total) / 100);
}
