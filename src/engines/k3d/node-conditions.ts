/**
 * A real Node's taints and pressure conditions as timeline events. Taints: each one added or
 * removed (`key:effect`). Pressure conditions, the same the sim engine records
 * (src/sim/pressure-conditions.ts, disk-pressure.ts, node-pressure.ts): a change of
 * MemoryPressure, DiskPressure or PIDPressure, and a first sight that is not False. A kubelet
 * registers its Node with all three False, so a healthy node adds nothing.
 */
import type { V1Node } from '@kubernetes/client-node';

const pressureTypes = ['MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;

export type PressureStatuses = Readonly<Record<string, string>>;

/** The pressure conditions a Node reports now (a missing one is left out). */
export function pressureStatuses(node: V1Node): PressureStatuses {
  const out: Record<string, string> = {};
  for (const condition of node.status?.conditions ?? []) {
    if ((pressureTypes as readonly string[]).includes(condition.type)) out[condition.type] = condition.status;
  }
  return out;
}

/** The pressure conditions that changed since `previous` (undefined: the Node is new), with the events' text. */
export function pressureChanges(
  name: string,
  previous: PressureStatuses | undefined,
  now: PressureStatuses,
): Array<{ type: string; status: string; text: string }> {
  const out: Array<{ type: string; status: string; text: string }> = [];
  for (const type of pressureTypes) {
    const status = now[type];
    if (status === undefined || status === (previous ? previous[type] : 'False')) continue;
    const text =
      status === 'Unknown'
        ? `${name} ${type} Unknown: kubelet stopped posting node status`
        : status === 'True'
          ? `${name} ${type}`
          : `${name} ${type} ${previous?.[type] === 'Unknown' ? 'False: kubelet posts its status again' : 'cleared'}`;
    out.push({ type, status, text });
  }
  return out;
}

/** The taints (`key:effect`) added and removed between two sightings of a Node. */
export function taintChanges(
  name: string,
  previous: readonly string[],
  now: readonly string[],
): Array<{ key: string; effect: string; action: 'added' | 'removed'; text: string }> {
  const change = (taint: string, action: 'added' | 'removed') => {
    const [key = '', effect = ''] = taint.split(':');
    return { key, effect, action, text: `taint ${taint} ${action} ${action === 'added' ? 'to' : 'from'} ${name}` };
  };
  return [
    ...now.filter((t) => !previous.includes(t)).map((t) => change(t, 'added')),
    ...previous.filter((t) => !now.includes(t)).map((t) => change(t, 'removed')),
  ];
}
