/**
 * Turns Kubernetes objects into the workload descriptions the model runs: what each pod
 * requests, how much memory it really uses, how long it takes to become ready, where it
 * may run. Pure: no I/O, shared by the sim engine and the capacity planner.
 *
 * Pod templates are read by `pod-template.ts`; the defaults for what manifests cannot say
 * are in `workload-defaults.ts`.
 */
import type { KubernetesObject, V1PodSpec, V1PodTemplateSpec } from '@kubernetes/client-node';
import { readDisruptionBudget, type DisruptionBudgetSpec } from './disruption-budgets.js';
import { podTemplate, type PodTemplate } from './pod-template.js';
import { builtinPriorityClasses, workloadDefaults } from './workload-defaults.js';

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Job' | 'Pod' | 'ReplicaSet' | 'CronJob';

/** A CronJob's spec (K8sDocs concepts/workloads/controllers/cron-jobs/; defaults from KK pkg/apis/batch/v1 defaults.go). */
export interface CronJobSpec {
  readonly schedule: string;
  /** IANA zone the schedule is read in; UTC when not given (twin's choice: see `cron-schedule.ts`). */
  readonly timeZone: string;
  readonly concurrencyPolicy: 'Allow' | 'Forbid' | 'Replace';
  readonly startingDeadlineSeconds: number | null;
  readonly suspend: boolean;
  readonly successfulJobsHistoryLimit: number;
  readonly failedJobsHistoryLimit: number;
  /** The Job each run creates (named after the CronJob here; `<cronjob>-<minutes since the epoch>` when created). */
  readonly jobTemplate: Workload;
}

export interface VolumeClaimTemplate {
  readonly name: string;
  readonly storageClass: string | undefined;
}

export interface Workload {
  readonly kind: WorkloadKind;
  readonly namespace: string;
  readonly name: string;
  /** `Deployment/default/web`. */
  readonly key: string;
  readonly replicas: number;
  readonly template: PodTemplate;
  /** Deployment `.spec.strategy.type`: Recreate removes every old pod before the first new one. */
  readonly strategy: 'RollingUpdate' | 'Recreate';
  /** `rollingUpdate.maxSurge` / `maxUnavailable` as written: a count or a percentage of the replicas at the time. */
  readonly maxSurge: IntOrPercent;
  readonly maxUnavailable: IntOrPercent;
  readonly volumeClaimTemplates: readonly VolumeClaimTemplate[];
  readonly podManagementPolicy: 'OrderedReady' | 'Parallel';
  readonly completions: number;
  readonly parallelism: number;
  readonly backoffLimit: number;
  /** Job `activeDeadlineSeconds`: the Job fails (DeadlineExceeded) this long after it started; null when unset. */
  readonly activeDeadlineSeconds: number | null;
  /** Job without `completions`: a work queue, done when one pod succeeded and all have ended (K8sDocs …/job/#parallel-jobs). */
  readonly workQueue: boolean;
  /** The CronJob (`CronJob/ns/name`) that created this Job, or null. */
  readonly createdBy: string | null;
  readonly cronJob: CronJobSpec | null;
  /** Deployment `minReadySeconds`: a pod counts as available only after being Ready this long (default 0). */
  readonly minReadySeconds: number;
  /** Deployment `progressDeadlineSeconds` (default 600): then Progressing=False, ProgressDeadlineExceeded. */
  readonly progressDeadlineSeconds: number;
  /** Part of K3s or Rancher rather than the user's manifests. */
  readonly system: boolean;
}

export interface ServiceSpec {
  readonly namespace: string;
  readonly name: string;
  /** `default/web`. */
  readonly key: string;
  readonly selector: Readonly<Record<string, string>>;
  readonly type: string;
}

export interface ClaimSpec {
  readonly namespace: string;
  readonly name: string;
  readonly storageClass: string | undefined;
}

export interface StorageClassSpec {
  readonly name: string;
  readonly provisioner: string;
  readonly isDefault: boolean;
}

/** Everything the model takes from a set of manifests. */
export interface WorkloadSet {
  readonly workloads: Workload[];
  readonly services: ServiceSpec[];
  readonly claims: ClaimSpec[];
  readonly storageClasses: StorageClassSpec[];
  readonly priorityClasses: Record<string, number>;
  /** PodDisruptionBudgets: the Eviction API (kubectl drain, k3s-upgrade) honours them. */
  readonly disruptionBudgets: DisruptionBudgetSpec[];
  /** `Kind/namespace/name` of objects kept but not simulated. */
  readonly notModelled: string[];
  /** Containers without requests, reported by the planner with the assumption used. */
  readonly withoutRequests: string[];
}

/** A Kubernetes IntOrString as maxSurge and maxUnavailable take it: `1` or `"25%"`. */
export type IntOrPercent = number | string;

/**
 * Resolves maxSurge/maxUnavailable against a replica count as the Deployment controller does
 * (pkg/controller/deployment/util ResolveFenceposts): a percentage of maxSurge rounds up, of
 * maxUnavailable down, and when both come to 0 maxUnavailable becomes 1 so a rollout can move.
 */
export function resolveRollingLimits(
  maxSurge: IntOrPercent,
  maxUnavailable: IntOrPercent,
  replicas: number,
): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge, replicas, true);
  const unavailable = scaledValue(maxUnavailable, replicas, false);
  return surge === 0 && unavailable === 0 ? { surge, unavailable: 1 } : { surge, unavailable };
}

function scaledValue(value: IntOrPercent, of: number, roundUp: boolean): number {
  if (typeof value === 'number') return Math.max(0, Math.trunc(value));
  const match = /^(\d+)%$/.exec(value.trim());
  if (!match) return Math.max(0, Math.trunc(Number(value)) || 0);
  const exact = (Number(match[1]) * of) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

interface AnyObject extends KubernetesObject {
  spec?: Record<string, unknown>;
}

/**
 * Reads a set of Kubernetes objects. Kinds the model does not simulate are listed in
 * `notModelled`; nothing is dropped silently.
 */
export function readWorkloads(objects: readonly KubernetesObject[], options: { system?: boolean } = {}): WorkloadSet {
  const priorityClasses: Record<string, number> = { ...builtinPriorityClasses };
  for (const o of objects) {
    if (o.kind === 'PriorityClass' && o.metadata?.name) priorityClasses[o.metadata.name] = Number((o as { value?: number }).value ?? 0);
  }
  const set: WorkloadSet = {
    workloads: [],
    services: [],
    claims: [],
    storageClasses: [],
    priorityClasses,
    disruptionBudgets: [],
    notModelled: [],
    withoutRequests: [],
  };
  for (const raw of objects) {
    const o = raw as AnyObject;
    const namespace = o.metadata?.namespace ?? 'default';
    const name = o.metadata?.name ?? o.metadata?.generateName ?? 'unnamed';
    const annotations = o.metadata?.annotations ?? {};
    const spec = o.spec ?? {};
    const kind = o.kind ?? '';
    const base = { namespace, name, key: `${kind}/${namespace}/${name}`, system: options.system ?? false };
    const defaults = {
      strategy: 'RollingUpdate' as const,
      maxSurge: 0,
      maxUnavailable: 0,
      volumeClaimTemplates: [],
      podManagementPolicy: 'OrderedReady' as const,
      completions: 1,
      parallelism: 1,
      backoffLimit: workloadDefaults.backoffLimit.value,
      activeDeadlineSeconds: null,
      workQueue: false,
      createdBy: null,
      cronJob: null,
      minReadySeconds: 0,
      progressDeadlineSeconds: workloadDefaults.progressDeadlineSeconds.value,
    };
    switch (kind) {
      case 'Deployment':
      case 'ReplicaSet': {
        const replicas = (spec['replicas'] as number | undefined) ?? 1;
        const strategy = spec['strategy'] as
          { type?: string; rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string } } | undefined;
        const recreate = strategy?.type === 'Recreate';
        set.workloads.push({
          ...base,
          ...defaults,
          kind,
          replicas,
          template: podTemplate(spec['template'] as V1PodTemplateSpec, annotations, priorityClasses),
          strategy: recreate ? 'Recreate' : 'RollingUpdate',
          maxSurge: strategy?.rollingUpdate?.maxSurge ?? workloadDefaults.surge.value,
          maxUnavailable: strategy?.rollingUpdate?.maxUnavailable ?? workloadDefaults.surge.value,
          minReadySeconds: (spec['minReadySeconds'] as number | undefined) ?? 0,
          progressDeadlineSeconds:
            (spec['progressDeadlineSeconds'] as number | undefined) ?? workloadDefaults.progressDeadlineSeconds.value,
        });
        break;
      }
      case 'StatefulSet': {
        const templates =
          (spec['volumeClaimTemplates'] as Array<{ metadata?: { name?: string }; spec?: { storageClassName?: string } }> | undefined) ?? [];
        set.workloads.push({
          ...base,
          ...defaults,
          kind,
          replicas: (spec['replicas'] as number | undefined) ?? 1,
          template: podTemplate(spec['template'] as V1PodTemplateSpec, annotations, priorityClasses),
          volumeClaimTemplates: templates.map((t) => ({ name: t.metadata?.name ?? 'data', storageClass: t.spec?.storageClassName })),
          podManagementPolicy: spec['podManagementPolicy'] === 'Parallel' ? 'Parallel' : 'OrderedReady',
        });
        break;
      }
      case 'DaemonSet':
        set.workloads.push({
          ...base,
          ...defaults,
          kind,
          replicas: 0,
          template: podTemplate(spec['template'] as V1PodTemplateSpec, annotations, priorityClasses),
          maxUnavailable: 1,
        });
        break;
      case 'Job':
        set.workloads.push({ ...base, ...defaults, ...readJob(spec, annotations, priorityClasses) });
        break;
      case 'CronJob': {
        const jobTemplate = (spec['jobTemplate'] as { spec?: Record<string, unknown> } | undefined)?.spec ?? {};
        const policy = spec['concurrencyPolicy'];
        const history = (field: string, fallback: number) => (spec[field] as number | undefined) ?? fallback;
        set.workloads.push({
          ...base,
          ...defaults,
          kind,
          replicas: 0,
          template: podTemplate(jobTemplate['template'] as V1PodTemplateSpec, annotations, priorityClasses),
          cronJob: {
            schedule: String(spec['schedule'] ?? ''),
            timeZone: (spec['timeZone'] as string | undefined) ?? 'UTC',
            concurrencyPolicy: policy === 'Forbid' || policy === 'Replace' ? policy : 'Allow',
            startingDeadlineSeconds: (spec['startingDeadlineSeconds'] as number | undefined) ?? null,
            suspend: spec['suspend'] === true,
            // KK pkg/apis/batch/v1 defaults.go SetDefaults_CronJob: 3 successful, 1 failed.
            successfulJobsHistoryLimit: history('successfulJobsHistoryLimit', 3),
            failedJobsHistoryLimit: history('failedJobsHistoryLimit', 1),
            jobTemplate: {
              ...base,
              ...defaults,
              key: `Job/${namespace}/${name}`,
              createdBy: base.key,
              ...readJob(jobTemplate, annotations, priorityClasses),
            },
          },
        });
        break;
      }
      case 'Pod':
        set.workloads.push({
          ...base,
          ...defaults,
          kind,
          replicas: 1,
          template: podTemplate({ metadata: o.metadata ?? {}, spec: spec as unknown as V1PodSpec }, annotations, priorityClasses),
        });
        break;
      case 'Service':
        set.services.push({
          namespace,
          name,
          key: `${namespace}/${name}`,
          selector: (spec['selector'] as Record<string, string> | undefined) ?? {},
          type: (spec['type'] as string | undefined) ?? 'ClusterIP',
        });
        break;
      case 'PersistentVolumeClaim':
        set.claims.push({ namespace, name, storageClass: spec['storageClassName'] as string | undefined });
        break;
      case 'StorageClass':
        set.storageClasses.push({
          name,
          provisioner: String((o as { provisioner?: string }).provisioner ?? ''),
          isDefault: annotations['storageclass.kubernetes.io/is-default-class'] === 'true',
        });
        break;
      case 'PodDisruptionBudget':
        set.disruptionBudgets.push(readDisruptionBudget(o));
        break;
      case 'Namespace':
      case 'PriorityClass':
      case 'ConfigMap':
      case 'Secret':
        break;
      default:
        set.notModelled.push(`${kind}/${namespace}/${name}`);
    }
  }
  for (const w of set.workloads) {
    for (const c of w.template.containers) {
      if (c.requestCpu === 0 && c.requestMemory === 0) set.withoutRequests.push(`${w.key} container ${c.name}`);
    }
  }
  return set;
}

/** What a Job's spec (or a CronJob's `jobTemplate.spec`) sets. */
function readJob(spec: Record<string, unknown>, annotations: Record<string, string>, priorityClasses: Record<string, number>) {
  const completions = spec['completions'] as number | undefined;
  const parallelism = (spec['parallelism'] as number | undefined) ?? 1;
  return {
    kind: 'Job' as const,
    replicas: 0,
    template: podTemplate(spec['template'] as V1PodTemplateSpec, annotations, priorityClasses),
    // Without completions, parallelism pods work a queue; with parallelism 1 that is the same as completions 1.
    completions: completions ?? Math.max(1, parallelism),
    parallelism,
    workQueue: completions === undefined && parallelism > 1,
    backoffLimit: (spec['backoffLimit'] as number | undefined) ?? workloadDefaults.backoffLimit.value,
    activeDeadlineSeconds: (spec['activeDeadlineSeconds'] as number | undefined) ?? null,
  };
}

/**
 * Whether a workload key (`Deployment/default/api`) is the one a scenario names: the whole key,
 * `namespace/name`, or the bare name.
 */
export function workloadMatches(key: string | undefined, wanted: string): boolean {
  if (!key) return false;
  if (key === wanted) return true;
  // kubectl takes kinds in any case (`deployment/…`); namespaces and names are case-sensitive.
  const [kind = '', namespace, name] = key.split('/');
  const [wantedKind = '', wantedNamespace, wantedName, ...rest] = wanted.split('/');
  if (wantedName !== undefined && rest.length === 0)
    return wantedKind.toLowerCase() === kind.toLowerCase() && wantedNamespace === namespace && wantedName === name;
  return `${namespace}/${name}` === wanted || name === wanted;
}
