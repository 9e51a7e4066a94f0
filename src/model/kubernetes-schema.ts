/**
 * Kubernetes objects checked against the API's own OpenAPI schemas, through the
 * `kubernetes-models` library (generated from the Kubernetes OpenAPI spec; v4 runs on Node 20).
 * Only the kinds twin reads are checked: those are the ones whose fields change what the model
 * does, and loading a schema costs start-up time.
 */
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { ReplicaSet } from 'kubernetes-models/apps/v1/ReplicaSet';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { PriorityClass } from 'kubernetes-models/scheduling.k8s.io/v1/PriorityClass';
import { StorageClass } from 'kubernetes-models/storage.k8s.io/v1/StorageClass';
import { PersistentVolume } from 'kubernetes-models/v1/PersistentVolume';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Pod } from 'kubernetes-models/v1/Pod';
import { Service } from 'kubernetes-models/v1/Service';
import type { InputProblem } from '../errors.js';

type Validatable = new (data: never) => { validate(): void };

const schemas: Readonly<Record<string, Validatable>> = {
  'apps/v1/DaemonSet': DaemonSet,
  'apps/v1/Deployment': Deployment,
  'apps/v1/ReplicaSet': ReplicaSet,
  'apps/v1/StatefulSet': StatefulSet,
  'batch/v1/CronJob': CronJob,
  'batch/v1/Job': Job,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'scheduling.k8s.io/v1/PriorityClass': PriorityClass,
  'storage.k8s.io/v1/StorageClass': StorageClass,
  'v1/PersistentVolume': PersistentVolume,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'v1/Pod': Pod,
  'v1/Service': Service,
};

/** The part of an Ajv error the library reports that twin reads. */
interface SchemaError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: Record<string, unknown>;
  readonly message?: string;
}

function valueAt(object: unknown, path: readonly string[]): unknown {
  let value = object;
  for (const part of path) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[part] : undefined;
  return value;
}

/** `/spec/template/spec/containers/0/image` → `['spec', …, 'containers', 0, 'image']`. */
function pathOf(instancePath: string): Array<string | number> {
  return instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/** `['spec', 'containers', 0, 'image']` → `spec.containers[0].image`; keys such as `twin.dev/x` in brackets. */
export function fieldPath(path: ReadonlyArray<string | number>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (!/^[A-Za-z_][\w-]*$/.test(part)) out += `["${part}"]`;
    else out += out ? `.${part}` : part;
  }
  return out;
}

/** A value as the user wrote it, for messages. */
function showValue(value: unknown): string {
  if (typeof value === 'string') return `"${value}"`;
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object' && value !== null) return 'a mapping';
  return String(value);
}

const typeHints: Readonly<Record<string, string>> = {
  integer: 'write a whole number without quotes',
  number: 'write a number without quotes',
  string: 'quote it',
  boolean: 'write true or false',
  array: 'write a list (lines starting with "- ")',
  object: 'write a mapping of key: value',
};

function problemFrom(error: SchemaError, object: unknown, at: (field: string) => string): InputProblem {
  const path = pathOf(error.instancePath);
  const value = valueAt(object, path.map(String));
  if (error.keyword === 'required') {
    const missing = String(error.params['missingProperty']);
    const parent = fieldPath(path);
    const hint =
      missing === 'selector'
        ? `add ${parent}.selector.matchLabels with the labels of ${parent}.template.metadata.labels`
        : `add ${missing}${parent ? ` under ${parent}` : ''}`;
    return { field: at(fieldPath([...path, missing])), message: 'missing; Kubernetes requires it', hint };
  }
  const field = at(fieldPath(path));
  if (error.keyword === 'type') {
    const type = String(error.params['type']);
    return {
      field,
      message: `${showValue(value)} is not ${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`,
      hint: typeHints[type] ?? `write a ${type}`,
    };
  }
  if (error.keyword === 'enum') {
    const allowed = (error.params['allowedValues'] as unknown[] | undefined) ?? [];
    return { field, message: `${showValue(value)} is not allowed`, hint: `use one of: ${allowed.map(String).join(', ')}` };
  }
  if (error.keyword === 'format' && String(error.params['format']).startsWith('int')) {
    return {
      field,
      message: `${showValue(value)} is out of range for Kubernetes (${String(error.params['format'])})`,
      hint: 'use a smaller number',
    };
  }
  return {
    field,
    message: `${showValue(value)} ${error.message ?? `fails the ${error.keyword} check`}`,
    hint: 'see the Kubernetes API reference for this field',
  };
}

/**
 * Problems in an object of a kind twin reads, by the Kubernetes schema of its kind; one per
 * field. Kinds without a schema here (and custom resources) yield none.
 */
export function schemaProblems(object: Record<string, unknown>, at: (field: string) => string): InputProblem[] {
  const Model = schemas[`${String(object['apiVersion'])}/${String(object['kind'])}`];
  if (!Model) return [];
  try {
    new Model(object as never).validate();
    return [];
  } catch (error) {
    const errors = (error as { errors?: readonly SchemaError[] }).errors;
    if (!Array.isArray(errors)) throw error;
    const byField = new Map<string, InputProblem>();
    for (const schemaError of errors) {
      const problem = problemFrom(schemaError, object, at);
      if (!byField.has(problem.field)) byField.set(problem.field, problem);
    }
    return [...byField.values()];
  }
}
