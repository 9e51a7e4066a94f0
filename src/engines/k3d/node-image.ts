/**
 * The node image, k3d CLI and stand-in images that `scripts/build-k3s-image.sh` builds offline
 * (no registry serves rancher/k3s or k3d here). twin prefers a real `rancher/k3s` image when the
 * host has one, and the locally built node image otherwise; `TWIN_K3S_IMAGE` overrides both.
 * Keep these names in step with the script (a test reads them from it).
 */
import { delimiter, join } from 'node:path';
import { k3sImage } from './config.js';
import type { Exec } from './exec.js';

export const buildRevision = 'twin1';
export const nodeImageKubernetes = 'v1.31.4';
export const twinNodeImage = `twin.local/k3s:${nodeImageKubernetes}-${buildRevision}`;
export const twinToolsImage = 'twin.local/k3d-tools:v5.8.3';
export const twinRancherImage = `twin.local/rancher-standin:${buildRevision}`;
export const twinRancherAgentImage = `twin.local/rancher-agent-standin:${buildRevision}`;

/** Where the build script caches its outputs; its bin/ holds k3d. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['TWIN_CACHE'] ?? '/var/cache/twin';
}

/** The environment for external commands: the cache's bin/ on PATH, k3d's tools image set to the local stand-in. */
export function toolEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return {
    PATH: [join(cacheDir(env), 'bin'), env['PATH'] ?? ''].join(delimiter),
    K3D_IMAGE_TOOLS: env['K3D_IMAGE_TOOLS'] ?? twinToolsImage,
  };
}

export interface NodeImage {
  readonly image: string;
  /** `k3s`: a real K3s image; `twin`: upstream components built by scripts/build-k3s-image.sh. */
  readonly kind: 'k3s' | 'twin';
}

/** The image to run nodes from, or null with what was looked for. */
export async function resolveNodeImage(exec: Exec, k3sVersion: string, env: NodeJS.ProcessEnv = process.env): Promise<NodeImage | { missing: string }> {
  const present = async (image: string) => (await exec('docker', ['image', 'inspect', '--format', '{{.Id}}', image], { allowFailure: true }).catch(() => null))?.exitCode === 0;
  const wanted = env['TWIN_K3S_IMAGE'];
  if (wanted) return (await present(wanted)) ? { image: wanted, kind: wanted.startsWith('twin.local/') ? 'twin' : 'k3s' } : { missing: `TWIN_K3S_IMAGE=${wanted} is not present locally` };
  const real = k3sImage(k3sVersion);
  if (await present(real)) return { image: real, kind: 'k3s' };
  if (await present(twinNodeImage)) return { image: twinNodeImage, kind: 'twin' };
  return { missing: `neither ${real} nor ${twinNodeImage} is present (build it offline: scripts/build-k3s-image.sh)` };
}

/** The image for the Rancher host: Rancher's own when present, else the local stand-in. */
export async function resolveRancherImage(exec: Exec, version: string): Promise<string> {
  const real = `rancher/rancher:${version}`;
  const ok = (await exec('docker', ['image', 'inspect', '--format', '{{.Id}}', real], { allowFailure: true }).catch(() => null))?.exitCode === 0;
  return ok ? real : twinRancherImage;
}
