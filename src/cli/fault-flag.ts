/**
 * `--fault KIND[:TARGET][,at=30s][,for=5m][,key=value…]`: a fault on the command line. TARGET
 * fills the kind's main field (its first field in the fault schema: the node, the workload, the
 * servers `a+b`, the partition groups `a+b/c`); other fields are `key=value`. Checked at once
 * against the fault schema and the live cluster's nodes: one line naming the flag, the value
 * and the fix (exit 2).
 */
import { ConfigError } from '../errors.js';
import { parseDuration } from '../model/units.js';
import { faultKinds, faultSchema, type Fault } from '../scenario/faults.js';

const baseFields = new Set(['id', 'at', 'for', 'kind']);
const listFields = new Set(['servers', 'order', 'nodes']);
const numberFields = new Set(['replicas', 'concurrency']);
const booleanFields = new Set(['ignoreDaemonSets', 'deleteEmptyDirData', 'force', 'drain']);
/** Fields naming one node or a list of nodes: checked against the live cluster. */
const nodeFields = new Set(['node', 'servers', 'order', 'nodes', 'groups']);
/** Fields holding a duration, checked here so the message names the flag (the loader would name a scenario field). */
const durationFields = ['at', 'for', 'interval', 'latency', 'gracePeriod', 'timeout', 'delay'];

export const faultFlagSyntax = 'KIND[:TARGET][,at=30s][,for=5m]';

/** The kind's main field (the first after the common ones), or null when it has none (`rancher-down`). */
function mainField(kind: string): string | null {
  const option = faultSchema.options.find((o) => o.shape.kind.value === kind);
  return Object.keys(option?.shape ?? {}).find((key) => !baseFields.has(key)) ?? null;
}

function valueOf(field: string, text: string): unknown {
  if (field === 'groups') return text.split('/').map((group) => group.split('+'));
  if (listFields.has(field)) return text.split('+');
  if (numberFields.has(field) && /^\d+$/.test(text)) return Number(text);
  if (booleanFields.has(field) && /^(true|false)$/.test(text)) return text === 'true';
  if ((field === 'bandwidth' || field === 'loss') && /^(0?\.\d+|1|0)$/.test(text)) return Number(text);
  return text;
}

/** Parses one `--fault` value; `nodes` are the cluster's node names (for the message when one is unknown). */
export function parseFaultFlag(text: string, nodes: readonly string[], servers: readonly string[]): Fault {
  const fail = (message: string, hint: string) => ConfigError.single('--fault', '', `"${text}": ${message}`, hint);
  const [head = '', ...rest] = text.split(',');
  const colon = head.indexOf(':');
  const kind = (colon < 0 ? head : head.slice(0, colon)).trim();
  const target = colon < 0 ? undefined : head.slice(colon + 1).trim();
  if (!(faultKinds as readonly string[]).includes(kind))
    throw fail(`unknown fault kind "${kind}"`, `write ${faultFlagSyntax} with KIND one of: ${faultKinds.join(', ')}`);
  const main = mainField(kind);
  const fault: Record<string, unknown> = { kind, at: '0s' };
  if (target !== undefined && target !== '') {
    if (!main) throw fail(`${kind} takes no target`, `write --fault ${kind}`);
    fault[main] = valueOf(main, target);
  }
  for (const pair of rest) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw fail(`"${pair}" is not key=value`, `write ${faultFlagSyntax}`);
    const key = pair.slice(0, eq).trim();
    fault[key] = valueOf(key, pair.slice(eq + 1).trim());
  }
  const parsed = faultSchema.safeParse(fault);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') ?? '';
    if (field === main && fault[main] === undefined)
      throw fail(
        `${kind} needs a target (its ${main})`,
        `write --fault ${kind}:${main === 'node' ? (nodes[0] ?? 'NODE') : main.toUpperCase()}`,
      );
    throw fail(
      `${field ? `${field}: ` : ''}${issue?.message ?? 'invalid'}`,
      `write ${faultFlagSyntax}, e.g. --fault power-off:${nodes[0] ?? 'NODE'}`,
    );
  }
  for (const field of durationFields) {
    const value = fault[field];
    if (typeof value !== 'string') continue;
    try {
      parseDuration(value);
    } catch {
      throw fail(`${field}=${value} is not a duration`, `write e.g. ${field}=30s, 5m or 1h30m`);
    }
  }
  for (const field of nodeFields) {
    const value = fault[field];
    const names = typeof value === 'string' ? [value] : Array.isArray(value) ? (value as unknown[]).flat().map(String) : [];
    const valid = field === 'servers' ? servers : nodes;
    const unknown = names.find((name) => !valid.includes(name));
    if (unknown !== undefined)
      throw fail(`no ${field === 'servers' ? 'server' : 'node'} named "${unknown}" in the live cluster`, `use one of: ${valid.join(', ')}`);
  }
  return parsed.data as Fault;
}
