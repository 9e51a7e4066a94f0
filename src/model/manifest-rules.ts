/**
 * Rules the API server (or twin's model) applies that a schema cannot express: names,
 * counts, selectors that must match their pod template, and Helm charts that were never
 * rendered. Each returns every problem it finds, with its field.
 */
import type { InputProblem } from '../errors.js';
import { selectorMatches, type LabelSelector } from './pod-template.js';

/**
 * The most pods of one workload twin simulates. Each pod is simulated one by one, and K3s
 * runs at most 110 pods per node (kubelet --max-pods), so a Pi cluster never holds more.
 */
export const maxReplicas = 1000;

type Fields = Record<string, unknown>;
const isMapping = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `{{ .Values.x }}`, `{{- include "chart.labels" . }}`, `{{ template … }}`: Go templates as Helm writes them. */
export const helmExpression =
  /\{\{-?\s*(?:[.$]|(?:include|template|toYaml|tpl|default|required|if|range|with|end|printf|quote)\b)[^}]*\}\}/;
/** Unquoted `name: {{ .Values.name }}` parses as a mapping whose one key is `{ .Values.name }`. */
const flowKeyOfTemplate = /^\{.*\}$/s;

/** Object parts that hold the user's own text, where `{{ … }}` may be meant (configuration files). */
const freeText = new Set(['data', 'stringData', 'binaryData']);

/** Strings that are still Helm template expressions: the chart was applied without `helm template`. */
export function unrenderedTemplates(object: Fields, at: (field: string) => string): InputProblem[] {
  const problems: InputProblem[] = [];
  const hint = 'render the chart first: helm template RELEASE CHART -f values.yaml > manifests.yaml';
  const stack: Array<{ value: unknown; path: string }> = Object.entries(object)
    .filter(([key]) => !freeText.has(key))
    .map(([key, value]) => ({ value, path: key }));
  while (stack.length > 0 && problems.length < 5) {
    const { value, path } = stack.pop() as { value: unknown; path: string };
    if (typeof value === 'string') {
      const match = helmExpression.exec(value);
      if (match) problems.push({ field: at(path), message: `"${match[0]}" is an unrendered Helm template expression`, hint });
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => stack.push({ value: item, path: `${path}[${index}]` }));
    } else if (isMapping(value)) {
      const keys = Object.keys(value);
      if (keys.length === 1 && flowKeyOfTemplate.test(keys[0] ?? '') && value[keys[0] ?? ''] === null) {
        problems.push({ field: at(path), message: `"{${keys[0] ?? ''}}" is an unrendered Helm template expression`, hint });
        continue;
      }
      for (const [key, item] of Object.entries(value))
        stack.push({ value: item, path: /^[A-Za-z_][\w-]*$/.test(key) ? `${path}.${key}` : `${path}["${key}"]` });
    }
  }
  return problems.sort((a, b) => a.field.localeCompare(b.field));
}

const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** `metadata.name` and `metadata.namespace` as the API server accepts them (RFC 1123). */
export function nameProblems(metadata: Fields, at: (field: string) => string): InputProblem[] {
  const problems: InputProblem[] = [];
  const name = metadata['name'];
  if (typeof name === 'string' && (name.length > 253 || !dnsSubdomain.test(name))) {
    problems.push({
      field: at('metadata.name'),
      message: `"${name}" is not a valid Kubernetes name`,
      hint: 'use lower-case letters, digits, "-" and ".", starting and ending with a letter or digit',
    });
  }
  const namespace = metadata['namespace'];
  if (typeof namespace === 'string' && (namespace.length > 63 || !dnsLabel.test(namespace))) {
    problems.push({
      field: at('metadata.namespace'),
      message: `"${namespace}" is not a valid namespace`,
      hint: 'use lower-case letters, digits and "-", at most 63 characters',
    });
  }
  return problems;
}

/** `replicas`, `parallelism`, `completions`: whole, not negative, within what twin simulates. */
export function countProblems(spec: Fields, path: string, fields: readonly string[]): InputProblem[] {
  const problems: InputProblem[] = [];
  for (const name of fields) {
    const value = spec[name];
    if (typeof value !== 'number' || !Number.isInteger(value)) continue; // the schema reports the type
    const field = `${path}.${name}`;
    if (value < 0) problems.push({ field, message: `${value} is negative`, hint: `write 0 or more, e.g. ${name}: 1` });
    else if (value > maxReplicas)
      problems.push({
        field,
        message: `${value} is more pods than twin simulates for one workload`,
        hint: `use at most ${maxReplicas}; a K3s node runs at most 110 pods`,
      });
  }
  return problems;
}

function asSelector(value: Fields): LabelSelector {
  const matchLabels = isMapping(value['matchLabels']) ? (value['matchLabels'] as Record<string, string>) : {};
  const expressions = Array.isArray(value['matchExpressions']) ? (value['matchExpressions'] as Fields[]) : [];
  return {
    matchLabels,
    matchExpressions: expressions.filter(isMapping).map((e) => ({
      key: String(e['key']),
      operator: String(e['operator']),
      values: Array.isArray(e['values']) ? e['values'].map(String) : [],
    })),
  };
}

const showLabels = (labels: Readonly<Record<string, string>>) =>
  `{${Object.entries(labels)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ')}}`;

/** A workload's `spec.selector` must select its own pod template, as the API server requires. */
export function selectorProblems(spec: Fields, at: (field: string) => string): InputProblem[] {
  const selector = spec['selector'];
  const template = spec['template'];
  if (!isMapping(selector) || !isMapping(template)) return []; // missing: the schema reports it
  const parsed = asSelector(selector);
  if (Object.keys(parsed.matchLabels).length === 0 && parsed.matchExpressions.length === 0) {
    return [
      {
        field: at('spec.selector'),
        message: 'is empty, so it would select every pod',
        hint: 'add matchLabels with the labels of spec.template.metadata.labels',
      },
    ];
  }
  const metadata = isMapping(template['metadata']) ? template['metadata'] : {};
  const labels = isMapping(metadata['labels']) ? (metadata['labels'] as Record<string, string>) : {};
  if (selectorMatches(parsed, labels)) return [];
  const selected = `${showLabels(parsed.matchLabels)}${parsed.matchExpressions.length ? ' with matchExpressions' : ''}`;
  return [
    {
      field: at('spec.selector'),
      message: `${selected} does not match the pod template's labels ${showLabels(labels)}`,
      hint: 'make spec.template.metadata.labels carry every label the selector asks for',
    },
  ];
}
