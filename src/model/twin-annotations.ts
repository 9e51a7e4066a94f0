/**
 * The `twin.dev/*` annotations a pod template (or its object) may carry, checked where they are
 * written so that `twin validate` refuses what `podTemplate()` could not read. The values
 * follow `pod-template.ts`, which reads them.
 */
import type { InputProblem } from '../errors.js';
import { architectureSchema } from './hardware-profile.js';
import { didYouMean } from './suggest.js';
import { parseBytes, parseDuration, parseMillicores } from './units.js';

const prefix = 'twin.dev/';

/** A day: a startup or a Job longer than that is a unit slip (`40` meant as minutes…). */
const longestDuration = 86_400;

type Check = (value: string) => string | undefined;

function size(value: string): string | undefined {
  if (/^\s*-/.test(value)) return 'is negative; write a size such as 300Mi';
  try {
    parseBytes(value);
    return undefined;
  } catch {
    return 'is not a size; write e.g. 300Mi or 1.2Gi';
  }
}

function cpu(value: string): string | undefined {
  if (/^\s*-/.test(value)) return 'is negative; write a CPU amount such as 250m';
  try {
    parseMillicores(value);
    return undefined;
  } catch {
    return 'is not a CPU amount; write e.g. 250m or 1.5';
  }
}

function duration(value: string): string | undefined {
  if (/^\s*-/.test(value)) return 'is negative; write a duration such as 40s';
  let seconds: number;
  try {
    seconds = parseDuration(value);
  } catch {
    return 'is not a duration; write e.g. 40s, 5m or 1h30m';
  }
  return seconds > longestDuration ? 'is longer than a day; write e.g. 40s or 5m' : undefined;
}

const architectureAliases: Readonly<Record<string, string>> = {
  aarch64: 'arm64',
  arm: 'armv7',
  armhf: 'armv7',
  arm32: 'armv7',
  x86_64: 'amd64',
  x64: 'amd64',
};

function architectures(value: string): string | undefined {
  const known = architectureSchema.options;
  for (const item of value.split(',').map((a) => a.trim())) {
    if ((known as readonly string[]).includes(item)) continue;
    const alias = architectureAliases[item.toLowerCase()];
    const fix = alias ? `write ${alias}` : `${didYouMean(item, known)}use a comma-separated list of ${known.join(', ')}`;
    return `lists "${item}", not an architecture; ${fix}`;
  }
  return undefined;
}

function hostNames(value: string): string | undefined {
  const names = value.split(',').map((d) => d.trim());
  const bad = names.find((name) => !/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(name));
  if (bad === undefined) return undefined;
  return bad
    ? `lists "${bad}", not a node name; write node names of the cluster, comma-separated`
    : 'has an empty name; write node names of the cluster, comma-separated';
}

function exitCode(value: string): string | undefined {
  return /^\d{1,3}$/.test(value.trim()) && Number(value) <= 255 ? undefined : 'is not an exit code; write a whole number from 0 to 255';
}

/** Annotation → its check; `perContainer` ones may also be written `NAME.CONTAINER`. */
const annotations: Readonly<Record<string, { check: Check; perContainer: boolean }>> = {
  'memory-usage': { check: size, perContainer: true },
  'cpu-usage': { check: cpu, perContainer: true },
  'image-size': { check: size, perContainer: false },
  'startup-time': { check: duration, perContainer: false },
  'run-duration': { check: duration, perContainer: false },
  'exit-code': { check: exitCode, perContainer: false },
  architectures: { check: architectures, perContainer: false },
  'depends-on': { check: hostNames, perContainer: false },
};

const field = (path: string, key: string) => `${path}["${key}"]`;

/**
 * Problems in the `twin.dev/*` annotations at `path` (e.g. `spec.template.metadata.annotations`)
 * of a pod whose containers are `containers`.
 */
export function annotationProblems(
  values: Record<string, unknown> | undefined,
  path: string,
  containers: readonly string[],
): InputProblem[] {
  const problems: InputProblem[] = [];
  for (const [key, value] of Object.entries(values ?? {})) {
    if (!key.startsWith(prefix)) continue;
    const [name = '', container] = key.slice(prefix.length).split(/\.(.*)/s);
    const known = annotations[name];
    if (!known) {
      const names = Object.keys(annotations).map((n) => `${prefix}${n}`);
      problems.push({
        field: field(path, key),
        message: `"${key}" is not an annotation twin reads`,
        hint: `${didYouMean(`${prefix}${name}`, names)}twin reads ${names.join(', ')}`,
      });
      continue;
    }
    if (container !== undefined) {
      if (!known.perContainer)
        problems.push({
          field: field(path, key),
          message: `${prefix}${name} applies to the whole pod, not to container "${container}"`,
          hint: `write ${prefix}${name}`,
        });
      else if (!containers.includes(container))
        problems.push({
          field: field(path, key),
          message: `no container "${container}" in this pod`,
          hint: `${didYouMean(container, containers)}containers: ${containers.join(', ')}`,
        });
    }
    if (typeof value !== 'string') {
      problems.push({
        field: field(path, key),
        message: `${String(value)} is not a string`,
        hint: `annotation values are strings: quote it, "${String(value)}"`,
      });
      continue;
    }
    const wrong = known.check(value);
    if (wrong) {
      const [message = '', hint] = wrong.split('; ');
      problems.push({ field: field(path, key), message: `"${value}" ${message}`, ...(hint ? { hint } : {}) });
    }
  }
  return problems;
}
