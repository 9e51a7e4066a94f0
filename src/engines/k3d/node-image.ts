/**
 * Which node and Rancher images a run uses. twin prefers a real `rancher/k3s` image when the host
 * has one, and the node image `scripts/build-k3s-image.sh` builds offline otherwise (names in
 * offline-build.ts); `TWIN_K3S_IMAGE` overrides both.
 */
import { capabilitiesFromLabels, k3sCapabilities, type NodeImageCapabilities } from './capabilities.js';
import { k3sImage } from './config.js';
import type { Exec } from './exec.js';
import { twinExternalImage, twinNodeImage, twinRancherImage } from './offline-build.js';

export interface NodeImage {
  readonly image: string;
  /** `k3s`: a real K3s image; `twin`: upstream components built by scripts/build-k3s-image.sh. */
  readonly kind: 'k3s' | 'twin';
  /** What the image can run: K3s's whole stack, or what twin's image declares in its label. */
  readonly capabilities: NodeImageCapabilities;
}

/** An image's labels, or null when Docker does not have the image. */
async function imageLabels(exec: Exec, image: string): Promise<Record<string, string> | null> {
  const found = await exec('docker', ['image', 'inspect', '--format', '{{json .Config.Labels}}', image], { allowFailure: true }).catch(
    () => null,
  );
  if (found?.exitCode !== 0) return null;
  try {
    return (JSON.parse(found.stdout.trim() || 'null') as Record<string, string> | null) ?? {};
  } catch {
    return {};
  }
}

function describe(image: string, labels: Record<string, string>): NodeImage {
  return image.startsWith('twin.local/')
    ? { image, kind: 'twin', capabilities: capabilitiesFromLabels(image, labels) }
    : { image, kind: 'k3s', capabilities: k3sCapabilities(image) };
}

/** The image to run nodes from, or null with what was looked for. */
export async function resolveNodeImage(
  exec: Exec,
  k3sVersion: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<NodeImage | { missing: string }> {
  const wanted = env['TWIN_K3S_IMAGE'];
  if (wanted) {
    const labels = await imageLabels(exec, wanted);
    return labels ? describe(wanted, labels) : { missing: `TWIN_K3S_IMAGE=${wanted} is not present locally` };
  }
  const real = k3sImage(k3sVersion);
  const realLabels = await imageLabels(exec, real);
  if (realLabels) return describe(real, realLabels);
  const twinLabels = await imageLabels(exec, twinNodeImage);
  if (twinLabels) return describe(twinNodeImage, twinLabels);
  return { missing: `neither ${real} nor ${twinNodeImage} is present (build it offline: scripts/build-k3s-image.sh)` };
}

/** The image for the Rancher host: Rancher's own when present, else the local stand-in. */
export async function resolveRancherImage(exec: Exec, version: string): Promise<string> {
  const real = `rancher/rancher:${version}`;
  const ok =
    (await exec('docker', ['image', 'inspect', '--format', '{{.Id}}', real], { allowFailure: true }).catch(() => null))?.exitCode === 0;
  return ok ? real : twinRancherImage;
}

/**
 * The image for machines outside Kubernetes (role external): `TWIN_EXTERNAL_IMAGE`, else twin's
 * (node-image/external/build.sh), or what was looked for.
 */
export async function resolveExternalImage(exec: Exec, env: NodeJS.ProcessEnv = process.env): Promise<string | { missing: string }> {
  const image = env['TWIN_EXTERNAL_IMAGE'] || twinExternalImage;
  const ok =
    (await exec('docker', ['image', 'inspect', '--format', '{{.Id}}', image], { allowFailure: true }).catch(() => null))?.exitCode === 0;
  return ok ? image : { missing: `${image} is not present (build it offline: scripts/build-k3s-image.sh)` };
}
