/**
 * Turns the Kubernetes component flags in a cluster's `k3s.serverArgs` / `k3s.agentArgs`
 * (`--kube-controller-manager-arg=node-monitor-grace-period=20s`, `--kubelet-arg max-pods=50`,
 * and the `--flag=value` lines `twin import` writes from a K3s config.yaml list) into model
 * settings, and lists every flag the model does not follow, with the reason.
 *
 * Precedence, lowest first: the default, then a flag, then `spec.settings` (an explicit setting
 * wins over a flag, and the flag is then listed as not modelled, since the real cluster uses it).
 * Within one arg list the last value of a flag wins, as K3s passes them on
 * (K3s pkg/daemons/config GetArgs: a repeated argument replaces the earlier one; `key+=v` appends).
 *
 * The model's kubelet settings are cluster-wide: a kubelet flag that real K3s gives only to the
 * servers (`serverArgs`) or only to the agents (`agentArgs`) is applied to every node when the
 * role it reaches has at least as many nodes as the other, and listed as not modelled otherwise;
 * either way the report says which nodes differ from the real cluster.
 *
 * Pure module: no I/O, usable from the simulation core.
 */
import type { InputProblem } from '../errors.js';
import {
  componentOfFlag,
  FlagValueError,
  knownUnmodelled,
  mappedFlags,
  nodeComponents,
  parseEvictionHard,
  parseFlagValue,
  type EvictionThreshold,
  type MappedFlag,
} from './k3s-flag-table.js';
import { settingDefinitions, type SettingName } from './setting-definitions.js';
import { formatBytes } from './units.js';

/** A component flag the model follows: the setting it set, as the model uses it. */
export interface AppliedFlag {
  /** As K3s takes it, e.g. `--kube-controller-manager-arg=node-monitor-grace-period=20s`. */
  readonly flag: string;
  /** Where it is written, e.g. `spec.k3s.serverArgs[3]`. */
  readonly field: string;
  readonly setting: SettingName;
  /** The value the model uses, e.g. `20s`. */
  readonly value: string;
  /** How the model differs from the real cluster, when it does (cluster-wide kubelet settings, ignored signals). */
  readonly note?: string;
}

/** A flag the model does not follow, and why. */
export interface UnmodelledFlag {
  readonly flag: string;
  readonly field: string;
  readonly reason: string;
}

export interface K3sFlagOutcome {
  readonly applied: readonly AppliedFlag[];
  readonly notModelled: readonly UnmodelledFlag[];
}

export interface K3sFlagResolution extends K3sFlagOutcome {
  readonly overrides: Partial<Record<SettingName, number | boolean | null>>;
  /** Bad values, each naming the field, the value and the fix. */
  readonly problems: readonly InputProblem[];
}

export interface K3sFlagInput {
  readonly serverArgs: readonly string[];
  readonly agentArgs: readonly string[];
  readonly minor: number;
  /** Names of the nodes whose kubelet each arg list reaches. */
  readonly servers: readonly string[];
  readonly agents: readonly string[];
  /** Settings given explicitly in `spec.settings`: they win over flags. */
  readonly explicit: ReadonlySet<string>;
  /** Prefix of field paths: `spec.` for a YAML cluster, empty for `defineCluster()`. */
  readonly fieldPrefix: string;
}

type Role = 'server' | 'agent';

interface ComponentArg {
  readonly k3sFlag: string;
  readonly component: string;
  readonly key: string;
  readonly value: string;
  readonly append: boolean;
  readonly flag: string;
  readonly field: string;
  readonly role: Role;
  readonly order: number;
}

interface Candidate {
  readonly arg: ComponentArg;
  readonly mapped: MappedFlag;
  /** The setting's value, or why it cannot be represented. */
  readonly value:
    | { readonly ok: true; readonly value: number | boolean | null; readonly note?: string }
    | { readonly ok: false; readonly reason: string };
  readonly thresholds?: readonly EvictionThreshold[];
}

/** Every `--<component>-arg` in one arg list, in both `--flag=value` and `--flag value` forms. */
function componentArgs(args: readonly string[], role: Role, list: string, orderBase: number): ComponentArg[] {
  const out: ComponentArg[] = [];
  for (let i = 0; i < args.length; i++) {
    const match = /^--([a-z0-9-]+-arg)(?:=([\s\S]*))?$/.exec(args[i] ?? '');
    if (!match) continue;
    const k3sFlag = match[1] ?? '';
    let raw = match[2];
    let index = i;
    if (raw === undefined) {
      raw = args[i + 1] ?? '';
      if (i + 1 < args.length) index = ++i;
    }
    // K3s strips a leading `--` and splits at the first `=`; a bare key means `true` (GetArgs).
    const body = raw.replace(/^--/, '');
    const eq = body.indexOf('=');
    const rawKey = eq < 0 ? body : body.slice(0, eq);
    out.push({
      k3sFlag,
      component: componentOfFlag[k3sFlag] ?? k3sFlag.replace(/-arg$/, ''),
      key: rawKey.replace(/[-+]+$/, ''),
      value: eq < 0 ? 'true' : body.slice(eq + 1),
      append: rawKey.endsWith('+'),
      flag: `--${k3sFlag}=${raw}`,
      field: `${list}[${index}]`,
      role,
      order: orderBase + index,
    });
  }
  return out;
}

function display(setting: SettingName, value: number | boolean | null): string {
  const kind = settingDefinitions[setting].kind;
  if (value === null) return 'none';
  if (typeof value === 'boolean') return String(value);
  if (kind === 'duration') return `${Number(value.toFixed(3))}s`;
  if (kind === 'bytes' || kind === 'bytes-or-none') return formatBytes(value);
  return String(value);
}

function evictionValue(thresholds: readonly EvictionThreshold[]): Candidate['value'] {
  const memory = thresholds.filter((t) => t.signal === 'memory.available').at(-1);
  const others = [...new Set(thresholds.filter((t) => t.signal !== 'memory.available').map((t) => t.signal))];
  const note = others.length ? `${others.join(', ')} not modelled (twin models memory eviction only)` : undefined;
  if (memory?.percent)
    return {
      ok: false,
      reason:
        'memory.available as a percentage of each node is not modelled (evictionHardMemoryAvailable is one size for every node); ' +
        'write a quantity such as memory.available<100Mi, or set spec.settings.evictionHardMemoryAvailable',
    };
  // Setting --eviction-hard replaces the whole default map: a signal left out has no threshold (K8sDocs node-pressure-eviction).
  return { ok: true, value: memory ? memory.value : null, ...(note ? { note } : {}) };
}

/**
 * Resolves the component flags of a cluster: the settings they set, the flags the model does not
 * follow, and the problems with their values. Never throws; the caller turns problems into a ConfigError.
 */
export function resolveK3sFlags(input: K3sFlagInput): K3sFlagResolution {
  const prefix = input.fieldPrefix ? `${input.fieldPrefix}.` : '';
  const all = [
    ...componentArgs(input.serverArgs, 'server', `${prefix}k3s.serverArgs`, 0),
    ...componentArgs(input.agentArgs, 'agent', `${prefix}k3s.agentArgs`, 1e6),
  ];
  const problems: InputProblem[] = [];
  const notModelled: Array<UnmodelledFlag & { order: number }> = [];
  const applied: Array<AppliedFlag & { order: number }> = [];
  const skip = (arg: ComponentArg, reason: string) => notModelled.push({ flag: arg.flag, field: arg.field, reason, order: arg.order });
  const candidates = new Map<SettingName, Candidate[]>();

  for (const arg of all) {
    const known = componentOfFlag[arg.k3sFlag] !== undefined;
    if (arg.key === '') {
      problems.push({
        field: arg.field,
        message: `--${arg.k3sFlag} needs a ${arg.component} flag and its value`,
        hint: `write e.g. --${arg.k3sFlag}=<flag>=<value>, one flag per --${arg.k3sFlag}`,
      });
      continue;
    }
    if (arg.role === 'agent' && known && !nodeComponents.has(arg.component)) {
      skip(arg, `k3s agent has no --${arg.k3sFlag} (only servers run ${arg.component}): a real agent refuses to start with it`);
      continue;
    }
    if (arg.role === 'agent' && input.agents.length === 0) {
      skip(arg, 'the cluster has no agent node, so k3s.agentArgs reaches no kubelet');
      continue;
    }
    const mapped = mappedFlags[arg.component]?.[arg.key];
    if (!mapped) {
      const reason = knownUnmodelled[arg.component]?.[arg.key]?.reason(input.minor);
      skip(arg, reason ?? (known ? `twin has no model of ${arg.component} --${arg.key}` : `twin does not model ${arg.component}`));
      continue;
    }
    try {
      const list = candidates.get(mapped.setting) ?? [];
      let candidate: Candidate;
      if (mapped.kind === 'eviction-hard') {
        const previous = arg.append ? list.filter((c) => c.arg.role === arg.role).at(-1)?.thresholds : undefined;
        const thresholds = [...(previous ?? []), ...parseEvictionHard(arg.value)];
        candidate = { arg, mapped, value: evictionValue(thresholds), thresholds };
      } else {
        candidate = { arg, mapped, value: { ok: true, value: parseFlagValue(mapped.kind, arg.value) } };
      }
      candidates.set(mapped.setting, [...list, candidate]);
    } catch (error) {
      if (!(error instanceof FlagValueError)) throw error;
      problems.push({
        field: arg.field,
        message: `${arg.flag}: ${error.message} for ${arg.component} --${arg.key}`,
        hint: `write e.g. --${arg.k3sFlag}=${mapped.example}`,
      });
    }
  }

  const overrides: Partial<Record<SettingName, number | boolean | null>> = {};
  for (const [setting, list] of candidates) {
    if (input.explicit.has(setting)) {
      for (const c of list)
        skip(c.arg, `${prefix}settings.${setting} is set and wins over this flag in the model (the real cluster uses the flag)`);
      continue;
    }
    const last = (role: Role) => list.filter((c) => c.arg.role === role).at(-1);
    for (const c of list) {
      const winnerOfRole = last(c.arg.role);
      if (c !== winnerOfRole)
        skip(c.arg, `overridden by ${winnerOfRole?.arg.flag ?? 'a later value'} (${winnerOfRole?.arg.field}): K3s keeps the last value`);
    }
    const chosen = chooseForCluster(last('server'), last('agent'), input);
    for (const loser of chosen.losers) skip(loser.candidate.arg, loser.reason);
    const winner = chosen.winner;
    if (!winner) continue;
    if (!winner.value.ok) {
      for (const c of chosen.appliedFrom) skip(c.arg, winner.value.reason);
      continue;
    }
    overrides[setting] = winner.value.value;
    const note = [winner.value.note, chosen.note].filter(Boolean).join('; ');
    for (const c of chosen.appliedFrom)
      applied.push({
        flag: c.arg.flag,
        field: c.arg.field,
        setting,
        value: display(setting, winner.value.value),
        ...(note ? { note } : {}),
        order: c.arg.order,
      });
  }
  const strip = <T extends { order: number }>(list: T[]) =>
    list.sort((a, b) => a.order - b.order).map(({ order: _order, ...rest }) => rest as Omit<T, 'order'>);
  return { overrides, applied: strip(applied), notModelled: strip(notModelled), problems };
}

interface Choice {
  readonly winner?: Candidate;
  readonly appliedFrom: readonly Candidate[];
  readonly losers: ReadonlyArray<{ candidate: Candidate; reason: string }>;
  readonly note?: string;
}

const same = (a: Candidate, b: Candidate) => a.arg.value === b.arg.value || (a.value.ok && b.value.ok && a.value.value === b.value.value);

/**
 * One cluster-wide value from the servers' and the agents' flag. Control-plane flags come only from
 * servers. A kubelet flag set for one role only, or differently per role, follows the role with more
 * nodes (the agents on a tie: they run the workloads).
 */
function chooseForCluster(server: Candidate | undefined, agent: Candidate | undefined, input: K3sFlagInput): Choice {
  const any = server ?? agent;
  if (!any || !nodeComponents.has(any.arg.component) || input.agents.length === 0)
    return { ...(server ? { winner: server } : {}), appliedFrom: server ? [server] : [], losers: [] };
  if (server && agent && same(server, agent)) return { winner: agent, appliedFrom: [server, agent], losers: [] };
  const agentsWin = input.agents.length >= input.servers.length;
  const [winner, loser, winRole, loseRole, loseNodes, winCount] = agentsWin
    ? ([agent, server, 'agent', 'server', input.servers, input.agents.length] as const)
    : ([server, agent, 'server', 'agent', input.agents, input.servers.length] as const);
  const total = input.servers.length + input.agents.length;
  const nodes = `${loseRole}${loseNodes.length === 1 ? '' : 's'} ${loseNodes.join(', ')}`;
  const losers = loser
    ? [
        {
          candidate: loser,
          reason:
            `reaches only the ${nodes}; twin's kubelet settings are cluster-wide and the model uses ` +
            `${winner ? winner.arg.flag : 'the default'} on every node, as the ${winRole}s (${winCount} of ${total} nodes) have`,
        },
      ]
    : [];
  if (!winner) return { appliedFrom: [], losers };
  const one = loseNodes.length === 1;
  const there = loser ? `${one ? 'uses' : 'use'} ${loser.arg.flag}` : `${one ? 'keeps' : 'keep'} the default`;
  const note = `twin's kubelet settings are cluster-wide: applied to every node, though in the real cluster the ${nodes} ${there}`;
  return { winner, appliedFrom: [winner], losers, note };
}
