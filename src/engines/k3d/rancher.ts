/**
 * Importing the cluster into Rancher the way a user does with Rancher's API (what the UI's
 * "Import Existing" and Rancher's own automation scripts do): log in as admin with the bootstrap
 * password the container was started with, set `server-url` to the Rancher host's address,
 * create an imported cluster, read its registration token's manifest URL, fetch the manifest
 * (Rancher's certificate is self-signed: `curl --insecure`, as Rancher's insecure command does)
 * and apply it in the cluster. The same calls go to a real `rancher/rancher` and to twin's
 * stand-in (node-image/rancher), which answers them in Rancher's shapes.
 */
import { request } from 'node:https';
import { ExternalServiceError } from '../../errors.js';

export interface RancherResponse {
  readonly status: number;
  readonly body: string;
}

/** One HTTPS request to the Rancher host (only ever the container this run started). */
export type RancherTransport = (method: string, url: string, body?: unknown, token?: string) => Promise<RancherResponse>;

/** HTTPS to the Rancher container; its certificate is Rancher's own self-signed one. */
export const httpsTransport: RancherTransport = (method, url, body, token) =>
  new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    if (token) headers['authorization'] = `Bearer ${token}`;
    const req = request(url, { method, headers, rejectUnauthorized: false, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', (error) => reject(new ExternalServiceError(`Rancher API ${method} ${url}: ${error.message}`)));
    if (payload !== undefined) req.write(payload);
    req.end();
  });

/** Rancher's API did not register the cluster (exit code 4, as for a failed external command). */
export class RancherRegistrationError extends ExternalServiceError {}

function json(response: RancherResponse, what: string): Record<string, unknown> {
  if (response.status < 200 || response.status >= 300)
    throw new RancherRegistrationError(`Rancher ${what}: HTTP ${response.status} ${response.body.slice(0, 200)}`);
  try {
    return JSON.parse(response.body) as Record<string, unknown>;
  } catch {
    throw new RancherRegistrationError(`Rancher ${what}: not JSON: ${response.body.slice(0, 200)}`);
  }
}

export interface Registration {
  readonly clusterId: string;
  /** The admin's API token, for reading the cluster's state afterwards. */
  readonly token: string;
  readonly manifestUrl: string;
  /** The import manifest, as Rancher serves it. */
  readonly manifest: string;
}

/**
 * Registers a cluster named `name` with the Rancher at `address` (its IP on the site network) and
 * returns its import manifest. `sleep` waits between polls of the registration token, which
 * Rancher fills in asynchronously.
 */
export async function registerWithRancher(
  transport: RancherTransport,
  address: string,
  name: string,
  password: string,
  sleep: (ms: number) => Promise<void>,
): Promise<Registration> {
  const base = `https://${address}`;
  // Rancher answers /ping a little before its API takes logins: retry for up to a minute.
  let answer: RancherResponse | Error = new Error('not tried');
  for (let i = 0; i < 12; i++) {
    answer = await transport('POST', `${base}/v3-public/localProviders/local?action=login`, {
      username: 'admin',
      password,
      responseType: 'json',
    }).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
    if (!(answer instanceof Error) && answer.status < 500 && answer.status !== 404) break;
    await sleep(5000);
  }
  if (answer instanceof Error) throw new RancherRegistrationError(`Rancher login: ${answer.message}`);
  const login = json(answer, 'login as admin with the bootstrap password');
  const token = String(login['token'] ?? '');
  if (!token) throw new RancherRegistrationError('Rancher login: no token in the answer');
  json(await transport('PUT', `${base}/v3/settings/server-url`, { name: 'server-url', value: base }, token), 'setting server-url');
  const cluster = json(
    await transport('POST', `${base}/v3/cluster`, { type: 'cluster', name, import: true }, token),
    `creating the imported cluster ${name}`,
  );
  const clusterId = String(cluster['id'] ?? '');
  if (!clusterId) throw new RancherRegistrationError('Rancher cluster create: no id in the answer');
  const created = json(
    await transport(
      'POST',
      `${base}/v3/clusters/${clusterId}/clusterregistrationtoken`,
      { type: 'clusterRegistrationToken', clusterId },
      token,
    ),
    'creating the registration token',
  );
  const tokenId = String(created['id'] ?? `${clusterId}:default-token`);
  let manifestUrl = String(created['manifestUrl'] ?? '');
  for (let i = 0; !manifestUrl && i < 30; i++) {
    await sleep(2000);
    manifestUrl = String(
      json(await transport('GET', `${base}/v3/clusterregistrationtoken/${tokenId}`, undefined, token), 'reading the registration token')[
        'manifestUrl'
      ] ?? '',
    );
  }
  if (!manifestUrl) throw new RancherRegistrationError(`Rancher registration token ${tokenId}: no manifestUrl after 60 s`);
  const manifest = await transport('GET', manifestUrl);
  if (manifest.status !== 200 || !manifest.body.includes('kind:'))
    throw new RancherRegistrationError(`Rancher import manifest ${manifestUrl}: HTTP ${manifest.status}`);
  return { clusterId, token, manifestUrl, manifest: manifest.body };
}

/**
 * A transport for dry runs: each request becomes a `# ` line of the transcript and the answers
 * are placeholders, so the plan shows the registration without a Rancher to talk to.
 */
export function noteTransport(note: (text: string) => void): RancherTransport {
  return (method, url, body) => {
    const shown = body === undefined ? '' : ` ${JSON.stringify(body).replace(/"password":"[^"]*"/, '"password":"<bootstrap password>"')}`;
    note(`${method} ${url}${shown}`);
    const answer = url.includes('/v3/import/')
      ? 'kind: <import manifest>'
      : JSON.stringify({ token: '<token>', id: '<cluster-id>', manifestUrl: 'https://<rancher>/v3/import/<token>_<cluster-id>.yaml' });
    return Promise.resolve({ status: 200, body: answer });
  };
}

/** The imported cluster's state as Rancher shows it (`pending`, `active`, `unavailable`…), or null when Rancher does not answer. */
export async function rancherClusterState(
  transport: RancherTransport,
  address: string,
  registration: Pick<Registration, 'clusterId' | 'token'>,
): Promise<string | null> {
  const answer = await transport('GET', `https://${address}/v3/clusters/${registration.clusterId}`, undefined, registration.token).catch(
    () => null,
  );
  if (!answer || answer.status !== 200) return null;
  try {
    return String((JSON.parse(answer.body) as { state?: unknown }).state ?? '') || null;
  } catch {
    return null;
  }
}
