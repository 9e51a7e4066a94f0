import type { KubernetesObject, V1Container, V1PodSpec } from '@kubernetes/client-node';
import { ConfigError, type InputProblem } from '../errors.js';
import { parseBytes, parseMillicores, UnitError } from './units.js';
import { cronJobProblems } from './cron-schedule.js';
import { isCustomResource, kindProblems } from './kubernetes-kinds.js';
import { schemaProblems } from './kubernetes-schema.js';
import { countProblems, nameProblems, selectorProblems, unrenderedTemplates } from './manifest-rules.js';
import { annotationProblems } from './twin-annotations.js';
import { parseYamlDocuments } from './validation.js';

/** A Kubernetes object read from a manifest, with where it came from. */
export interface ManifestObject {
  readonly object: KubernetesObject & { readonly spec?: unknown };
  readonly file: string;
  /** 0-based document index within the file. */
  readonly document: number;
}

/** Kinds the model understands; anything else is kept and listed as not modelled. */
export const modelledKinds = new Set([
  'Namespace',
  'Pod',
  'Deployment',
  'ReplicaSet',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'CronJob',
  'Service',
  'PersistentVolumeClaim',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
  'ConfigMap',
  'Secret',
  'Ingress',
  'PodDisruptionBudget',
]);

const podTemplateKinds = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job']);

function podSpecOf(object: Record<string, unknown>): { spec: V1PodSpec | undefined; path: string } {
  const kind = object['kind'];
  const spec = object['spec'] as Record<string, unknown> | undefined;
  if (kind === 'Pod') return { spec: spec as V1PodSpec | undefined, path: 'spec' };
  if (kind === 'CronJob') {
    const jobTemplate = spec?.['jobTemplate'] as { spec?: { template?: { spec?: V1PodSpec } } } | undefined;
    return { spec: jobTemplate?.spec?.template?.spec, path: 'spec.jobTemplate.spec.template.spec' };
  }
  if (podTemplateKinds.has(String(kind))) {
    const template = spec?.['template'] as { spec?: V1PodSpec } | undefined;
    return { spec: template?.spec, path: 'spec.template.spec' };
  }
  return { spec: undefined, path: '' };
}

function checkContainers(containers: V1Container[] | undefined, path: string, problems: InputProblem[]): void {
  if (!Array.isArray(containers) || containers.length === 0) {
    problems.push({
      field: `${path}.containers`,
      message: 'a pod needs at least one container',
      hint: 'add a container with a name and an image',
    });
    return;
  }
  for (const [index, container] of containers.entries()) {
    const at = `${path}.containers[${index}]`;
    if (!container?.name) problems.push({ field: `${at}.name`, message: 'missing container name', hint: 'name every container' });
    if (!container?.image) problems.push({ field: `${at}.image`, message: 'missing image', hint: 'set image: e.g. nginx:alpine' });
    for (const part of ['requests', 'limits'] as const) {
      const resources = container?.resources?.[part] as Record<string, unknown> | undefined;
      if (!resources) continue;
      for (const [resource, quantity] of Object.entries(resources)) {
        try {
          if (resource === 'cpu') parseMillicores(quantity as string);
          else if (resource === 'memory' || resource === 'ephemeral-storage') parseBytes(quantity as string);
        } catch (error) {
          const [message = 'invalid quantity', hint] = error instanceof UnitError ? error.message.split('; ') : [];
          problems.push({ field: `${at}.resources.${part}.${resource}`, message, ...(hint ? { hint } : {}) });
        }
      }
    }
  }
}

type Fields = Record<string, unknown>;
const mapping = (value: unknown): Fields | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : undefined;

/** Where a kind keeps its counts (`replicas`, …) and whether its selector must match its template. */
function workloadShape(
  kind: string,
  spec: Fields,
): { counts: { at: string; spec: Fields; fields: string[] } | undefined; selector: boolean } {
  if (kind === 'Deployment' || kind === 'ReplicaSet' || kind === 'StatefulSet')
    return { counts: { at: 'spec', spec, fields: ['replicas'] }, selector: true };
  if (kind === 'DaemonSet') return { counts: undefined, selector: true };
  if (kind === 'Job')
    return { counts: { at: 'spec', spec, fields: ['parallelism', 'completions'] }, selector: spec['manualSelector'] === true };
  if (kind === 'CronJob')
    return {
      counts: {
        at: 'spec.jobTemplate.spec',
        spec: mapping(mapping(spec['jobTemplate'])?.['spec']) ?? {},
        fields: ['parallelism', 'completions'],
      },
      selector: false,
    };
  return { counts: undefined, selector: false };
}

/** The model's own checks of a pod-bearing object: containers, quantities, twin.dev annotations, counts, selector. */
function workloadProblems(object: Fields, at: (field: string) => string): InputProblem[] {
  const problems: InputProblem[] = [];
  const kind = String(object['kind']);
  const { spec, path } = podSpecOf(object);
  if (!path) return problems;
  if (!spec) problems.push({ field: at(path), message: 'missing pod template spec', hint: `add ${path} with containers` });
  else checkContainers(spec.containers, at(path), problems);
  const names = Array.isArray(spec?.containers) ? spec.containers.map((c) => String(mapping(c)?.['name'] ?? '')) : [];
  const templateMetadata = kind === 'Pod' ? 'metadata' : `${path.slice(0, -'.spec'.length)}.metadata`;
  const templateAnnotations = kind === 'Pod' ? undefined : mapping(mapping(valueAt(object, templateMetadata))?.['annotations']);
  problems.push(...annotationProblems(mapping(mapping(object['metadata'])?.['annotations']), at('metadata.annotations'), names));
  problems.push(...annotationProblems(templateAnnotations, at(`${templateMetadata}.annotations`), names));
  const objectSpec = mapping(object['spec']) ?? {};
  const shape = workloadShape(kind, objectSpec);
  if (shape.counts) problems.push(...countProblems(shape.counts.spec, at(shape.counts.at), shape.counts.fields));
  if (shape.selector) problems.push(...selectorProblems(objectSpec, at));
  if (kind === 'CronJob') problems.push(...cronJobProblems(objectSpec, at));
  return problems;
}

function valueAt(object: Fields, dotted: string): unknown {
  let value: unknown = object;
  for (const part of dotted.split('.')) value = mapping(value)?.[part];
  return value;
}

/**
 * Every problem that makes a manifest unusable by the model or refused by the API server:
 * missing identity, a kind Kubernetes does not serve, unrendered Helm templates, invalid
 * names, the Kubernetes schema of the kinds twin reads, and twin's own annotations.
 * One check for every command: `validate`, `run`, `plan`, `bringup` and `check` all load
 * manifests through {@link parseManifests}.
 */
export function checkManifestObject(data: unknown, prefix: string): InputProblem[] {
  const object = mapping(data);
  if (!object) {
    return [{ field: prefix || 'document', message: 'is not a Kubernetes object (expected a mapping with apiVersion and kind)' }];
  }
  const problems: InputProblem[] = [];
  const at = (field: string) => (prefix ? `${prefix}.${field}` : field);
  const apiVersion = object['apiVersion'];
  const kind = object['kind'];
  if (typeof apiVersion !== 'string')
    problems.push({ field: at('apiVersion'), message: 'missing apiVersion', hint: 'e.g. apiVersion: apps/v1' });
  if (typeof kind !== 'string') problems.push({ field: at('kind'), message: 'missing kind', hint: 'e.g. kind: Deployment' });
  // An unrendered chart: its `{{ … }}` explain every other oddity, so they are all that is said.
  const templates = typeof apiVersion === 'string' && isCustomResource(apiVersion) ? [] : unrenderedTemplates(object, at);
  if (templates.length > 0) return [...problems, ...templates];
  const metadata = mapping(object['metadata']) ?? {};
  if (typeof metadata['name'] !== 'string' && typeof metadata['generateName'] !== 'string') {
    problems.push({ field: at('metadata.name'), message: 'missing metadata.name', hint: 'name every object' });
  }
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return problems;
  const wrongKind = kindProblems(apiVersion, kind, at);
  if (wrongKind.length > 0) return [...problems, ...wrongKind];
  // A custom resource's fields are its operator's business; twin keeps it as not modelled.
  if (isCustomResource(apiVersion)) return problems;
  problems.push(...nameProblems(metadata, at));
  problems.push(...workloadProblems(object, at));
  // The schema's view of a field the model already judged would only repeat it.
  const seen = new Set(problems.map((p) => p.field));
  for (const problem of schemaProblems(object, at)) {
    if (
      !seen.has(problem.field) &&
      ![...seen].some((field) => problem.field.startsWith(`${field}.`) || problem.field.startsWith(`${field}[`))
    )
      problems.push(problem);
  }
  return problems;
}

function describeDocument(file: string, index: number, total: number): string {
  return total > 1 ? `${file} (document ${index + 1})` : file;
}

/** A twin file (cluster, hardware profile) rather than a Kubernetes object. */
function isTwinFile(data: unknown): boolean {
  const apiVersion = data && typeof data === 'object' ? (data as Record<string, unknown>)['apiVersion'] : undefined;
  return typeof apiVersion === 'string' && apiVersion.startsWith('twin/');
}

/** Parses Kubernetes objects from multi-document YAML text (`kubectl apply -f` input, `helm template` output). */
export function parseManifests(text: string, file: string, options: { readonly skipTwinFiles?: boolean } = {}): ManifestObject[] {
  const documents = parseYamlDocuments(text, file);
  const out: ManifestObject[] = [];
  for (const doc of documents) {
    const data = doc.data as Record<string, unknown>;
    // A workloads directory may hold the cluster file beside the manifests (`twin check cluster.yaml -w .`).
    if (options.skipTwinFiles && isTwinFile(data)) continue;
    // `kind: List` (kubectl get -o yaml) carries its objects in items.
    const items = data && data['kind'] === 'List' && Array.isArray(data['items']) ? (data['items'] as unknown[]) : [data];
    for (const [itemIndex, item] of items.entries()) {
      const prefix = items.length > 1 || item !== data ? `items[${itemIndex}]` : '';
      const problems = checkManifestObject(item, prefix);
      if (problems.length > 0) throw new ConfigError(describeDocument(file, doc.index, documents.length), problems);
      out.push({ object: item as ManifestObject['object'], file, document: doc.index });
    }
  }
  return out;
}
