import type { KubernetesObject, V1Container, V1PodSpec } from '@kubernetes/client-node';
import { ConfigError, type InputProblem } from '../errors.js';
import { parseBytes, parseMillicores, UnitError } from './units.js';
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
    problems.push({ field: `${path}.containers`, message: 'a pod needs at least one container', hint: 'add a container with a name and an image' });
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
          const message = error instanceof UnitError ? error.message : 'invalid quantity';
          problems.push({ field: `${at}.resources.${part}.${resource}`, message });
        }
      }
    }
  }
}

/** Structural checks that make a manifest usable by the model; collects every problem. */
export function checkManifestObject(data: unknown, prefix: string): InputProblem[] {
  const problems: InputProblem[] = [];
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return [{ field: prefix || 'document', message: 'is not a Kubernetes object (expected a mapping with apiVersion and kind)' }];
  }
  const object = data as Record<string, unknown>;
  const at = (field: string) => (prefix ? `${prefix}.${field}` : field);
  if (typeof object['apiVersion'] !== 'string') problems.push({ field: at('apiVersion'), message: 'missing apiVersion', hint: 'e.g. apiVersion: apps/v1' });
  if (typeof object['kind'] !== 'string') problems.push({ field: at('kind'), message: 'missing kind', hint: 'e.g. kind: Deployment' });
  const metadata = object['metadata'] as Record<string, unknown> | undefined;
  if (typeof metadata?.['name'] !== 'string' && typeof metadata?.['generateName'] !== 'string') {
    problems.push({ field: at('metadata.name'), message: 'missing metadata.name', hint: 'name every object' });
  }
  const { spec, path } = podSpecOf(object);
  if (path) {
    if (!spec) problems.push({ field: at(path), message: 'missing pod template spec', hint: `add ${path} with containers` });
    else checkContainers(spec.containers, at(path), problems);
  }
  return problems;
}

function describeDocument(file: string, index: number, total: number): string {
  return total > 1 ? `${file} (document ${index + 1})` : file;
}

/** Parses Kubernetes objects from multi-document YAML text (`kubectl apply -f` input, `helm template` output). */
export function parseManifests(text: string, file: string): ManifestObject[] {
  const documents = parseYamlDocuments(text, file);
  const out: ManifestObject[] = [];
  for (const doc of documents) {
    const data = doc.data as Record<string, unknown>;
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
