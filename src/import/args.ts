/** K3s server/agent flags from the forms users have them in: a shell string, config.yaml, an install env. */

/** Splits a shell-like argument string, honouring single and double quotes. */
export function splitArgs(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote: '"' | "'" | null = null;
  let started = false;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = null;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      started = true;
    } else if (/\s/.test(ch)) {
      if (started) out.push(current);
      current = '';
      started = false;
    } else {
      current += ch;
      started = true;
    }
  }
  if (started) out.push(current);
  return out;
}

/** `/etc/rancher/k3s/config.yaml` keys → the equivalent flags (K3sDocs installation/configuration#configuration-file). */
export function configToArgs(config: Record<string, unknown>): string[] {
  const args: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    const flag = `--${key}`;
    if (value === true) args.push(flag);
    else if (value === false || value === null || value === undefined) continue;
    else if (Array.isArray(value)) for (const item of value) args.push(`${flag}=${String(item)}`);
    else args.push(`${flag}=${String(value)}`);
  }
  return args;
}

/** All values of a flag (`--disable=a,b`, `--disable a`, repeated). */
export function flagValues(args: readonly string[], name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg.startsWith(`--${name}=`)) values.push(arg.slice(name.length + 3));
    else if (arg === `--${name}` && i + 1 < args.length && !(args[i + 1] ?? '').startsWith('--')) values.push(args[++i] ?? '');
  }
  return values;
}

export function hasFlag(args: readonly string[], name: string): boolean {
  return args.some((a) => a === `--${name}` || a.startsWith(`--${name}=`));
}

/** Flags that describe the node itself (labels, taints) rather than the cluster, removed from shared args. */
export function nodeSpecific(args: readonly string[]): { labels: Record<string, string>; taints: string[]; rest: string[] } {
  const labels: Record<string, string> = {};
  for (const label of flagValues(args, 'node-label')) {
    const [key = '', value = ''] = label.split('=');
    if (key) labels[key] = value;
  }
  const taints = flagValues(args, 'node-taint');
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (/^--node-(label|taint)(=|$)/.test(arg)) {
      if (!arg.includes('=')) i++;
      continue;
    }
    rest.push(arg);
  }
  return { labels, taints, rest };
}

/** `KEY=value` lines of an install environment (INSTALL_K3S_EXEC, K3S_URL, K3S_TOKEN, INSTALL_K3S_VERSION). */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.replace(/^\s*export\s+/, '').trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    env[line.slice(0, eq).trim()] = line
      .slice(eq + 1)
      .trim()
      .replace(/^(['"])(.*)\1$/, '$2');
  }
  return env;
}

/** The Kubernetes component flags of an arg list (`--kubelet-arg=max-pods=50`, `--kubelet-arg max-pods=50`), each as `--x-arg=value`. */
function componentArgList(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (/^--[a-z0-9-]+-arg=/.test(arg)) out.push(arg);
    else if (/^--[a-z0-9-]+-arg$/.test(arg)) out.push(`${arg}=${args[++i] ?? ''}`);
  }
  return out;
}

/**
 * A cluster holds one arg list per role (`k3s.serverArgs`, `k3s.agentArgs`) and no per-node args:
 * notes for the component flags one host has that its role's list lacks, or lacks that the list has,
 * so an import never drops a host's `--kubelet-arg` silently.
 */
export function perHostComponentArgNotes(host: string, hostArgs: readonly string[], roleArgs: readonly string[], list: string): string[] {
  const own = componentArgList(hostArgs);
  const shared = componentArgList(roleArgs);
  const notes: string[] = [];
  for (const arg of own.filter((a) => !shared.includes(a)))
    notes.push(`${host}: ${arg} is not in cluster.yaml (twin keeps one ${list} list for the role and has no per-node args)`);
  for (const arg of shared.filter((a) => !own.includes(a)))
    notes.push(`${host}: does not have ${arg}, which cluster.yaml's ${list} gives every node of its role`);
  return notes;
}
