/**
 * Turns Kubernetes objects into the workload descriptions the model runs: what each pod
 * requests, how much memory it really uses, how long it takes to become ready, where it
 * may run. Pure: no I/O, shared by the sim engine and the capacity planner.
 *
 * Behaviour a manifest cannot express comes from `twin.dev/*` annotations on the pod
 * template (or the object): `memory-usage`, `cpu-usage`, `startup-time`, `image-size`,
 * `architectures`, `run-duration` (Jobs), `depends-on` (external hosts the readiness probe needs).
 */
import type {
  KubernetesObject,
  V1Container,
  V1LabelSelector,
  V1NodeSelectorTerm,
  V1PodSpec,
  V1PodTemplateSpec,
  V1Toleration,
} from '@kubernetes/client-node';
import type { Architecture } from '../profiles/schema.js';
import { imageFacts } from './images.js';
import { parseBytes, parseDuration, parseMillicores } from './units.js';

export interface ProbeSpec {
  readonly initialDelay: number;
  readonly period: number;
  readonly failureThreshold: number;
}

export interface ContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  readonly requestCpu: number;
  readonly requestMemory: number;
  /** 0 when unset. */
  readonly limitCpu: number;
  readonly limitMemory: number;
  /** Steady-state memory the process really uses. */
  readonly memoryUsage: number;
  readonly cpuUsage: number;
  readonly readiness: ProbeSpec | null;
}

export interface LabelSelector {
  readonly matchLabels: Readonly<Record<string, string>>;
  readonly matchExpressions: ReadonlyArray<{ key: string; operator: string; values: readonly string[] }>;
}

export interface PodTemplate {
  readonly labels: Readonly<Record<string, string>>;
  readonly containers: readonly ContainerSpec[];
  readonly nodeSelector: Readonly<Record<string, string>>;
  /** Required node affinity: OR of terms, each an AND of expressions. Empty = none. */
  readonly nodeAffinity: readonly V1NodeSelectorTerm[];
  /** Required pod anti-affinity on kubernetes.io/hostname. */
  readonly antiAffinityHostname: readonly LabelSelector[];
  /** Preferred anti-affinity on hostname (scored, not filtered). */
  readonly preferredAntiAffinityHostname: readonly LabelSelector[];
  readonly tolerations: readonly V1Toleration[];
  readonly priority: number;
  readonly priorityClassName?: string;
  /** PVC names used by the pod. */
  readonly claims: readonly string[];
  readonly terminationGracePeriod: number;
  readonly restartPolicy: 'Always' | 'OnFailure' | 'Never';
  /** Extra time after the container starts until the application answers. */
  readonly startupTime: number;
  /** Jobs: how long a pod runs to completion. */
  readonly runDuration: number;
  readonly compressedImageBytes: number;
  /** Architectures every image of the pod is published for. */
  readonly architectures: readonly Architecture[];
  readonly qos: 'Guaranteed' | 'Burstable' | 'BestEffort';
  /** Hosts outside the cluster the pod needs to pass its readiness probe (an NFS or database box). */
  readonly dependsOn: readonly string[];
  readonly requestCpu: number;
  readonly requestMemory: number;
}

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Job' | 'Pod' | 'ReplicaSet';

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
  readonly maxSurge: number;
  readonly maxUnavailable: number;
  readonly volumeClaimTemplates: readonly VolumeClaimTemplate[];
  readonly podManagementPolicy: 'OrderedReady' | 'Parallel';
  readonly completions: number;
  readonly parallelism: number;
  readonly backoffLimit: number;
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
  /** `Kind/namespace/name` of objects kept but not simulated. */
  readonly notModelled: string[];
  /** Containers without requests, reported by the planner with the assumption used. */
  readonly withoutRequests: string[];
}

/** Defaults for behaviour manifests cannot express; all estimates, each overridable by annotation. */
export const workloadDefaults = Object.freeze({
  memoryUsageWithoutRequest: { value: 32 * 1024 * 1024, source: 'estimate: a small Go/Node service at rest; set twin.dev/memory-usage' },
  cpuUsageWithoutRequest: { value: 10, source: 'estimate: an idle service; set twin.dev/cpu-usage' },
  jobRunDuration: { value: 30, source: 'estimate: set twin.dev/run-duration on Jobs' },
  readinessPeriod: { value: 10, source: 'K8sDocs tasks/configure-pod-container/configure-liveness-readiness-startup-probes (periodSeconds 10)' },
  readinessFailureThreshold: { value: 3, source: 'same page (failureThreshold 3)' },
  terminationGracePeriod: { value: 30, source: 'K8sDocs reference/kubernetes-api/workload-resources/pod-v1/' },
  surge: { value: '25%', source: 'K8sDocs concepts/workloads/controllers/deployment/ (maxSurge, maxUnavailable 25%)' },
  backoffLimit: { value: 6, source: 'K8sDocs concepts/workloads/controllers/job/ (backoffLimit defaults to 6)' },
});

/** The priority of the built-in classes (K8sDocs concepts/scheduling-eviction/pod-priority-preemption). */
export const builtinPriorityClasses: Readonly<Record<string, number>> = {
  'system-node-critical': 2000001000,
  'system-cluster-critical': 2000000000,
};

const annotation = 'twin.dev/';

function readSelector(selector: V1LabelSelector | undefined): LabelSelector {
  return {
    matchLabels: selector?.matchLabels ?? {},
    matchExpressions: (selector?.matchExpressions ?? []).map((e) => ({ key: e.key, operator: e.operator, values: e.values ?? [] })),
  };
}

/** Whether labels satisfy a selector (equality and set-based). */
export function selectorMatches(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels)) if (labels[key] !== value) return false;
  for (const expression of selector.matchExpressions) {
    const value = labels[expression.key];
    switch (expression.operator) {
      case 'In':
        if (value === undefined || !expression.values.includes(value)) return false;
        break;
      case 'NotIn':
        if (value !== undefined && expression.values.includes(value)) return false;
        break;
      case 'Exists':
        if (value === undefined) return false;
        break;
      case 'DoesNotExist':
        if (value !== undefined) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

function quantity<T>(parse: (v: string | number) => T, value: unknown, fallback: T): T {
  if (value === undefined || value === null) return fallback;
  return parse(value as string | number);
}

function percentOrCount(value: number | string | undefined, of: number, roundUp: boolean, fallback: string): number {
  const v = value ?? fallback;
  if (typeof v === 'number') return v;
  const match = /^(\d+)%$/.exec(v);
  if (!match) return Number(v) || 0;
  const exact = (Number(match[1]) / 100) * of;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/**
 * The memory a container uses at rest, as the model assumes it: the pod's
 * `twin.dev/memory-usage[.CONTAINER]` annotation, else its request, else half its limit, else a
 * small service's figure.
 */
export function containerMemoryUsage(c: V1Container, annotations: Record<string, string>, index: number): number {
  const requests = (c.resources?.requests ?? {}) as Record<string, string>;
  const limits = (c.resources?.limits ?? {}) as Record<string, string>;
  const limitMemory = quantity(parseBytes, limits['memory'], 0);
  const requestMemory = quantity(parseBytes, requests['memory'], limitMemory);
  const usageAnnotation = annotations[`${annotation}memory-usage.${c.name}`] ?? (index === 0 ? annotations[`${annotation}memory-usage`] : undefined);
  if (usageAnnotation) return parseBytes(usageAnnotation);
  if (requestMemory > 0) return requestMemory;
  return limitMemory > 0 ? limitMemory / 2 : workloadDefaults.memoryUsageWithoutRequest.value;
}

function container(c: V1Container, annotations: Record<string, string>, index: number): ContainerSpec {
  const requests = (c.resources?.requests ?? {}) as Record<string, string>;
  const limits = (c.resources?.limits ?? {}) as Record<string, string>;
  const limitCpu = quantity(parseMillicores, limits['cpu'], 0);
  const limitMemory = quantity(parseBytes, limits['memory'], 0);
  // Kubernetes defaults a missing request to the limit.
  const requestCpu = quantity(parseMillicores, requests['cpu'], limitCpu);
  const requestMemory = quantity(parseBytes, requests['memory'], limitMemory);
  const memoryUsage = containerMemoryUsage(c, annotations, index);
  const cpuAnnotation = annotations[`${annotation}cpu-usage.${c.name}`] ?? (index === 0 ? annotations[`${annotation}cpu-usage`] : undefined);
  const cpuUsage = cpuAnnotation ? parseMillicores(cpuAnnotation) : requestCpu > 0 ? requestCpu : workloadDefaults.cpuUsageWithoutRequest.value;
  const probe = c.readinessProbe;
  const policy = c.imagePullPolicy ?? (/:latest$|^[^:]*$/.test(c.image ?? '') ? 'Always' : 'IfNotPresent');
  return {
    name: c.name,
    image: c.image ?? '',
    imagePullPolicy: policy as ContainerSpec['imagePullPolicy'],
    requestCpu,
    requestMemory,
    limitCpu,
    limitMemory,
    memoryUsage,
    cpuUsage,
    readiness: probe
      ? {
          initialDelay: probe.initialDelaySeconds ?? 0,
          period: probe.periodSeconds ?? workloadDefaults.readinessPeriod.value,
          failureThreshold: probe.failureThreshold ?? workloadDefaults.readinessFailureThreshold.value,
        }
      : null,
  };
}

function qosClass(containers: readonly ContainerSpec[]): PodTemplate['qos'] {
  const anyResource = containers.some((c) => c.requestCpu || c.requestMemory || c.limitCpu || c.limitMemory);
  if (!anyResource) return 'BestEffort';
  const guaranteed = containers.every((c) => c.limitCpu > 0 && c.limitMemory > 0 && c.requestCpu === c.limitCpu && c.requestMemory === c.limitMemory);
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** Reads a pod template (or a bare pod's spec) into the model's form. */
export function podTemplate(
  template: V1PodTemplateSpec | undefined,
  objectAnnotations: Record<string, string>,
  priorityClasses: Readonly<Record<string, number>>,
): PodTemplate {
  const spec: V1PodSpec = template?.spec ?? { containers: [] };
  const annotations = { ...objectAnnotations, ...(template?.metadata?.annotations ?? {}) };
  const containers = spec.containers.map((c, i) => container(c, annotations, i));
  const podAffinity = spec.affinity?.podAntiAffinity;
  const hostnameTerms = (podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).filter((t) => t.topologyKey === 'kubernetes.io/hostname');
  const preferred = (podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).filter((t) => t.podAffinityTerm.topologyKey === 'kubernetes.io/hostname');
  const images = containers.map((c) => (annotations[`${annotation}image-size`] ? null : imageFacts(c.image)));
  const compressedImageBytes = annotations[`${annotation}image-size`]
    ? parseBytes(annotations[`${annotation}image-size`] as string)
    : images.reduce((sum, facts) => sum + (facts?.compressedSize ?? 0), 0);
  const archAnnotation = annotations[`${annotation}architectures`];
  const architectures = archAnnotation
    ? (archAnnotation.split(',').map((a) => a.trim()) as Architecture[])
    : (['amd64', 'arm64', 'armv7'] as Architecture[]).filter((arch) => images.every((facts) => !facts || facts.architectures.includes(arch)));
  const priorityClassName = spec.priorityClassName;
  return {
    labels: template?.metadata?.labels ?? {},
    containers,
    nodeSelector: spec.nodeSelector ?? {},
    nodeAffinity: spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [],
    antiAffinityHostname: hostnameTerms.map((t) => readSelector(t.labelSelector)),
    preferredAntiAffinityHostname: preferred.map((t) => readSelector(t.podAffinityTerm.labelSelector)),
    tolerations: spec.tolerations ?? [],
    priority: spec.priority ?? (priorityClassName ? (priorityClasses[priorityClassName] ?? 0) : 0),
    ...(priorityClassName ? { priorityClassName } : {}),
    claims: (spec.volumes ?? []).flatMap((v) => (v.persistentVolumeClaim ? [v.persistentVolumeClaim.claimName] : [])),
    terminationGracePeriod: spec.terminationGracePeriodSeconds ?? workloadDefaults.terminationGracePeriod.value,
    restartPolicy: (spec.restartPolicy as PodTemplate['restartPolicy'] | undefined) ?? 'Always',
    startupTime: annotations[`${annotation}startup-time`] ? parseDuration(annotations[`${annotation}startup-time`] as string) : 0,
    runDuration: annotations[`${annotation}run-duration`] ? parseDuration(annotations[`${annotation}run-duration`] as string) : workloadDefaults.jobRunDuration.value,
    compressedImageBytes,
    architectures,
    qos: qosClass(containers),
    dependsOn: (annotations[`${annotation}depends-on`] ?? '').split(',').map((d) => d.trim()).filter(Boolean),
    requestCpu: containers.reduce((s, c) => s + c.requestCpu, 0),
    requestMemory: containers.reduce((s, c) => s + c.requestMemory, 0),
  };
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
  const set: WorkloadSet = { workloads: [], services: [], claims: [], storageClasses: [], priorityClasses, notModelled: [], withoutRequests: [] };
  for (const raw of objects) {
    const o = raw as AnyObject;
    const namespace = o.metadata?.namespace ?? 'default';
    const name = o.metadata?.name ?? o.metadata?.generateName ?? 'unnamed';
    const annotations = o.metadata?.annotations ?? {};
    const spec = o.spec ?? {};
    const kind = o.kind ?? '';
    const base = { namespace, name, key: `${kind}/${namespace}/${name}`, system: options.system ?? false };
    const defaults = { maxSurge: 0, maxUnavailable: 0, volumeClaimTemplates: [], podManagementPolicy: 'OrderedReady' as const, completions: 1, parallelism: 1, backoffLimit: workloadDefaults.backoffLimit.value };
    switch (kind) {
      case 'Deployment':
      case 'ReplicaSet': {
        const replicas = (spec['replicas'] as number | undefined) ?? 1;
        const strategy = spec['strategy'] as { type?: string; rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string } } | undefined;
        const recreate = strategy?.type === 'Recreate';
        set.workloads.push({
          ...base,
          ...defaults,
          kind,
          replicas,
          template: podTemplate(spec['template'] as V1PodTemplateSpec, annotations, priorityClasses),
          maxSurge: recreate ? 0 : percentOrCount(strategy?.rollingUpdate?.maxSurge, replicas, true, workloadDefaults.surge.value),
          maxUnavailable: recreate ? replicas : percentOrCount(strategy?.rollingUpdate?.maxUnavailable, replicas, false, workloadDefaults.surge.value),
        });
        break;
      }
      case 'StatefulSet': {
        const templates = (spec['volumeClaimTemplates'] as Array<{ metadata?: { name?: string }; spec?: { storageClassName?: string } }> | undefined) ?? [];
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
        set.workloads.push({ ...base, ...defaults, kind, replicas: 0, template: podTemplate(spec['template'] as V1PodTemplateSpec, annotations, priorityClasses), maxUnavailable: 1 });
        break;
      case 'Job':
        set.workloads.push({
          ...base,
          ...defaults,
          kind,
          replicas: 0,
          template: podTemplate(spec['template'] as V1PodTemplateSpec, annotations, priorityClasses),
          completions: (spec['completions'] as number | undefined) ?? 1,
          parallelism: (spec['parallelism'] as number | undefined) ?? 1,
          backoffLimit: (spec['backoffLimit'] as number | undefined) ?? workloadDefaults.backoffLimit.value,
        });
        break;
      case 'Pod':
        set.workloads.push({ ...base, ...defaults, kind, replicas: 1, template: podTemplate({ metadata: o.metadata ?? {}, spec: spec as unknown as V1PodSpec }, annotations, priorityClasses) });
        break;
      case 'Service':
        set.services.push({ namespace, name, key: `${namespace}/${name}`, selector: (spec['selector'] as Record<string, string> | undefined) ?? {}, type: (spec['type'] as string | undefined) ?? 'ClusterIP' });
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

/**
 * Whether a workload key (`Deployment/default/api`) is the one a scenario names: the whole key,
 * `namespace/name`, or the bare name.
 */
export function workloadMatches(key: string | undefined, wanted: string): boolean {
  if (!key) return false;
  if (key === wanted) return true;
  const [, namespace, name] = key.split('/');
  return `${namespace}/${name}` === wanted || name === wanted;
}
