/**
 * Reads a pod template into the model's form: what each container requests, how much memory
 * it really uses, how long the pod takes to become ready, where it may run. Pure: no I/O.
 *
 * Behaviour a manifest cannot express comes from `twin.dev/*` annotations on the pod
 * template (or the object): `memory-usage`, `cpu-usage`, `startup-time`, `image-size`,
 * `architectures`, `run-duration` and `exit-code` (Jobs), `depends-on` (external hosts the readiness probe needs).
 */
import type { V1Container, V1LabelSelector, V1NodeSelectorTerm, V1PodSpec, V1PodTemplateSpec, V1Toleration } from '@kubernetes/client-node';
import type { Architecture } from './hardware-profile.js';
import { imageFacts } from './images.js';
import { parseBytes, parseDuration, parseMillicores } from './units.js';
import { workloadDefaults } from './workload-defaults.js';

export interface ProbeSpec {
  readonly initialDelay: number;
  readonly period: number;
  readonly failureThreshold: number;
  /** timeoutSeconds: a probe answering later than this fails. */
  readonly timeout: number;
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
  /** Names of its emptyDir volumes: `kubectl drain` refuses such pods without --delete-emptydir-data. */
  readonly emptyDirVolumes: readonly string[];
  /** Its `nfs` volumes' servers (as written: an IP or a host name); the kubelet mounts them before any container starts. */
  readonly nfsServers: readonly string[];
  readonly terminationGracePeriod: number;
  readonly restartPolicy: 'Always' | 'OnFailure' | 'Never';
  /** Extra time after the container starts until the application answers. */
  readonly startupTime: number;
  /** Jobs: how long a pod runs to completion. */
  readonly runDuration: number;
  /** Jobs: the exit code after `runDuration` (`twin.dev/exit-code`); not 0 makes the pod fail. */
  readonly exitCode: number;
  readonly compressedImageBytes: number;
  /** Architectures every image of the pod is published for. */
  readonly architectures: readonly Architecture[];
  readonly qos: 'Guaranteed' | 'Burstable' | 'BestEffort';
  /** Hosts outside the cluster the pod needs to pass its readiness probe (an NFS or database box). */
  readonly dependsOn: readonly string[];
  readonly requestCpu: number;
  readonly requestMemory: number;
}

/** The pod's readiness probe (its first container that has one); null without. */
export function readinessProbe(template: PodTemplate): ProbeSpec | null {
  return template.containers.map((c) => c.readiness).find((r) => r !== null) ?? null;
}

const annotation = 'twin.dev/';

export function readSelector(selector: V1LabelSelector | undefined): LabelSelector {
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
  const usageAnnotation =
    annotations[`${annotation}memory-usage.${c.name}`] ?? (index === 0 ? annotations[`${annotation}memory-usage`] : undefined);
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
  const cpuAnnotation =
    annotations[`${annotation}cpu-usage.${c.name}`] ?? (index === 0 ? annotations[`${annotation}cpu-usage`] : undefined);
  const cpuUsage = cpuAnnotation
    ? parseMillicores(cpuAnnotation)
    : requestCpu > 0
      ? requestCpu
      : workloadDefaults.cpuUsageWithoutRequest.value;
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
          timeout: probe.timeoutSeconds ?? workloadDefaults.readinessTimeout.value,
        }
      : null,
  };
}

function qosClass(containers: readonly ContainerSpec[]): PodTemplate['qos'] {
  const anyResource = containers.some((c) => c.requestCpu || c.requestMemory || c.limitCpu || c.limitMemory);
  if (!anyResource) return 'BestEffort';
  const guaranteed = containers.every(
    (c) => c.limitCpu > 0 && c.limitMemory > 0 && c.requestCpu === c.limitCpu && c.requestMemory === c.limitMemory,
  );
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
  const hostnameTerms = (podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).filter(
    (t) => t.topologyKey === 'kubernetes.io/hostname',
  );
  const preferred = (podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).filter(
    (t) => t.podAffinityTerm.topologyKey === 'kubernetes.io/hostname',
  );
  const images = containers.map((c) => (annotations[`${annotation}image-size`] ? null : imageFacts(c.image)));
  const compressedImageBytes = annotations[`${annotation}image-size`]
    ? parseBytes(annotations[`${annotation}image-size`] as string)
    : images.reduce((sum, facts) => sum + (facts?.compressedSize ?? 0), 0);
  const archAnnotation = annotations[`${annotation}architectures`];
  const architectures = archAnnotation
    ? (archAnnotation.split(',').map((a) => a.trim()) as Architecture[])
    : (['amd64', 'arm64', 'armv7'] as Architecture[]).filter((arch) =>
        images.every((facts) => !facts || facts.architectures.includes(arch)),
      );
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
    emptyDirVolumes: (spec.volumes ?? []).flatMap((v) => (v.emptyDir ? [v.name] : [])),
    nfsServers: [...new Set((spec.volumes ?? []).flatMap((v) => (v.nfs?.server ? [v.nfs.server] : [])))],
    terminationGracePeriod: spec.terminationGracePeriodSeconds ?? workloadDefaults.terminationGracePeriod.value,
    restartPolicy: (spec.restartPolicy as PodTemplate['restartPolicy'] | undefined) ?? 'Always',
    startupTime: annotations[`${annotation}startup-time`] ? parseDuration(annotations[`${annotation}startup-time`] as string) : 0,
    runDuration: annotations[`${annotation}run-duration`]
      ? parseDuration(annotations[`${annotation}run-duration`] as string)
      : workloadDefaults.jobRunDuration.value,
    exitCode: Number(annotations[`${annotation}exit-code`] ?? 0),
    compressedImageBytes,
    architectures,
    qos: qosClass(containers),
    dependsOn: (annotations[`${annotation}depends-on`] ?? '')
      .split(',')
      .map((d) => d.trim())
      .filter(Boolean),
    requestCpu: containers.reduce((s, c) => s + c.requestCpu, 0),
    requestMemory: containers.reduce((s, c) => s + c.requestMemory, 0),
  };
}
