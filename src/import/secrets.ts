/**
 * What a generated cluster file must never hold: the K3s join token, the agent token, the
 * S3 keys of etcd snapshots and the password in a datastore endpoint. A cluster file is meant
 * to be committed and shared; twin needs none of these to simulate the cluster. The only
 * thing the model takes from tokens is whether two machines use the same one (a join with the
 * wrong token is refused), so differing tokens become numbered placeholders.
 */

/** Flags whose value is a secret (K3sDocs cli/server, cli/agent). */
const secretFlags = ['token', 'agent-token', 'etcd-s3-access-key', 'etcd-s3-secret-key'];

export interface Redaction {
  /** What was left out, for the one line that tells the user, e.g. `--agent-token`. */
  readonly dropped: Set<string>;
  /** Whether differing tokens were replaced by `token-1`, `token-2`…. */
  placeholders: boolean;
}

export function newRedaction(): Redaction {
  return { dropped: new Set(), placeholders: false };
}

/** `mysql://k3s:hunter2@tcp(db:3306)/k3s` → `mysql://tcp(db:3306)/k3s`. */
export function withoutCredentials(endpoint: string, redaction: Redaction): string {
  const cleaned = endpoint.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1');
  if (cleaned !== endpoint) redaction.dropped.add('the credentials in --datastore-endpoint');
  return cleaned;
}

/** K3s arguments with secret flags removed and the datastore endpoint's credentials cut. */
export function redactArgs(args: readonly string[], redaction: Redaction): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const name = /^--([^=]+)/.exec(arg)?.[1] ?? '';
    const inline = arg.includes('=');
    if (secretFlags.includes(name)) {
      redaction.dropped.add(`--${name}`);
      if (!inline) i++;
      continue;
    }
    if (name === 'datastore-endpoint') {
      const value = inline ? arg.slice(arg.indexOf('=') + 1) : (args[++i] ?? '');
      out.push(`--datastore-endpoint=${withoutCredentials(value, redaction)}`);
      continue;
    }
    out.push(arg);
  }
  return out;
}

/**
 * Placeholders for join tokens: none when every machine uses the cluster's token, otherwise
 * `token-1` for the cluster's and `token-2`, `token-3`… for each other one, so the model
 * still predicts the refused join without the token itself.
 */
export function tokenPlaceholders(
  clusterToken: string | undefined,
  hostTokens: ReadonlyArray<string | undefined>,
  redaction: Redaction,
): { cluster?: string; hosts: Array<string | undefined> } {
  if (clusterToken !== undefined || hostTokens.some((t) => t !== undefined)) redaction.dropped.add('the K3s token');
  // Without a cluster token the model compares nothing, so there is nothing to keep.
  const differing = clusterToken !== undefined && hostTokens.some((t) => t !== undefined && t !== clusterToken);
  if (!differing) return { hosts: hostTokens.map(() => undefined) };
  redaction.placeholders = true;
  const names = new Map<string | undefined, string>([[clusterToken, 'token-1']]);
  for (const token of hostTokens) if (token !== undefined && !names.has(token)) names.set(token, `token-${names.size + 1}`);
  return { cluster: 'token-1', hosts: hostTokens.map((t) => (t === undefined || t === clusterToken ? undefined : names.get(t))) };
}

/** The one stderr line that says what was left out, or undefined when nothing was. */
export function redactionNote(redaction: Redaction, file: string): string | undefined {
  if (redaction.dropped.size === 0) return undefined;
  const placeholders = redaction.placeholders ? '; machines whose token differs keep it as token-2, token-3…' : '';
  return `not copied into ${file}: ${[...redaction.dropped].join(', ')} (a twin needs no secrets${placeholders})`;
}
