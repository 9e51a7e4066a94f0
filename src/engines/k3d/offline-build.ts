/**
 * What `scripts/build-k3s-image.sh` builds offline (no registry serves rancher/k3s or k3d here):
 * the names of its images, and where its k3d binary lives. Keep these names in step with the
 * script (a test reads them from it). Nothing here runs a command, so the exec seam can use it.
 */
import { delimiter, join } from 'node:path';

export const buildRevision = 'twin1';
export const nodeImageKubernetes = 'v1.31.4';
export const twinNodeImage = `twin.local/k3s:${nodeImageKubernetes}-${buildRevision}`;
export const twinToolsImage = 'twin.local/k3d-tools:v5.8.3';
export const twinRancherImage = `twin.local/rancher-standin:${buildRevision}`;
export const twinRancherAgentImage = `twin.local/rancher-agent-standin:${buildRevision}`;
/** The external host image (node-image/external/build.sh, called by the script). */
export const twinExternalImage = `twin.local/external-host:${buildRevision}`;

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
