/**
 * The one way twin talks to a live cluster: a kubeconfig loaded with @kubernetes/client-node,
 * GET requests only, and the one-line errors a user reads when the cluster cannot be read
 * (`twin import --kubeconfig`, `twin calibrate`). Nothing here writes to a cluster.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { clientNode } from '../load/lazy.js';
import { ConfigError, ExternalServiceError } from '../errors.js';

/** A kubeconfig ready to use: the client-node config, the API server's URL and the context chosen. */
export interface LiveCluster {
  readonly config: KubeConfig;
  /** The API server URL, named in every error. */
  readonly server: string;
  readonly context: string;
  /** The kubeconfig path, named in the errors the user fixes there. */
  readonly kubeconfig: string;
}

/** How long one request may take before the API server counts as unreachable. */
export const requestTimeoutSeconds = 30;

/** Loads a kubeconfig and selects a context; a file that cannot be read or a context it lacks is bad input (exit 2). */
export function loadKubeConfig(kubeconfig: string, context?: string): LiveCluster {
  const config = new (clientNode().KubeConfig)();
  try {
    config.loadFromFile(kubeconfig);
  } catch (error) {
    throw ConfigError.single(
      kubeconfig,
      '',
      `cannot read kubeconfig: ${(error as Error).message.split('\n')[0]}`,
      'give the path of a kubeconfig file',
    );
  }
  if (context) {
    if (!config.getContexts().some((c) => c.name === context))
      throw ConfigError.single(
        kubeconfig,
        'contexts',
        `no context "${context}"`,
        `use one of: ${config
          .getContexts()
          .map((c) => c.name)
          .join(', ')}`,
      );
    config.setCurrentContext(context);
  }
  const server = config.getCurrentCluster()?.server;
  if (!server)
    throw ConfigError.single(
      kubeconfig,
      'clusters',
      'the current context names no cluster with a server URL',
      'pick a context with --context',
    );
  return { config, server, context: config.getCurrentContext(), kubeconfig };
}

/** The HTTP status of a failed client-node call (ApiException.code), if the server answered. */
export function httpStatus(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

const networkCodes =
  /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ECONNRESET|ETIMEDOUT|timed out|CERT|certificate|self.signed/i;

/**
 * The one line for a request that a required source refused or never answered: unreachable
 * (exit 4, naming the server), 401 (the kubeconfig's credentials: exit 2, renew them), 403 (the
 * permission missing: exit 4), anything else (exit 4 with the server's status).
 */
export function clusterError(cluster: LiveCluster, error: unknown, what: string, permission: string): Error {
  const status = httpStatus(error);
  if (status === 401) {
    const user = cluster.config.getCurrentUser()?.name ?? '';
    return ConfigError.single(
      cluster.kubeconfig,
      user ? `users.${user}` : 'users',
      `the API server ${cluster.server} refused these credentials (401 Unauthorized)`,
      'renew them: log in again or copy a fresh kubeconfig, e.g. /etc/rancher/k3s/k3s.yaml from a server',
    );
  }
  if (status === 403)
    return new ExternalServiceError(
      `${cluster.server} refused to ${what} (403 Forbidden): the kubeconfig's user needs permission to ${permission}`,
    );
  if (status !== undefined) return new ExternalServiceError(`${cluster.server} answered HTTP ${status} when asked to ${what}`);
  const message = error instanceof Error ? error.message : String(error);
  const code = String((error as { code?: unknown } | undefined)?.code ?? '');
  const reason = networkCodes.exec(`${code} ${message}`)?.[0] ?? message.split('\n')[0] ?? message;
  return new ExternalServiceError(`cannot reach the API server ${cluster.server} to ${what}: ${reason}`);
}

/** Resolves with the promise's value, or rejects as a time-out after {@link requestTimeoutSeconds}. */
export async function withTimeout<T>(promise: Promise<T>, seconds = requestTimeoutSeconds): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`timed out after ${seconds}s`), { code: 'ETIMEDOUT' })), seconds * 1000);
    timer.unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A GET answer: the status, and the body when it is 2xx. */
export interface RawAnswer {
  readonly status: number;
  readonly body: string;
}

/**
 * GET a path of the API server with the kubeconfig's credentials (client-node's
 * applyToHTTPSOptions: certificates, token, exec plugins). For what the generated client has no
 * usable call for: the node proxy (it escapes the `/` of `stats/summary`) and `/metrics`.
 */
export async function rawGet(cluster: LiveCluster, path: string): Promise<RawAnswer> {
  const url = new URL(cluster.server.replace(/\/$/, '') + path);
  const options: RequestOptions = { method: 'GET', headers: { accept: 'application/json, text/plain;q=0.9, */*;q=0.8' } };
  await cluster.config.applyToHTTPSOptions(options);
  const request = url.protocol === 'http:' ? httpRequest : httpsRequest;
  return withTimeout(
    new Promise<RawAnswer>((resolve, reject) => {
      const req = request(url, options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    }),
  );
}
