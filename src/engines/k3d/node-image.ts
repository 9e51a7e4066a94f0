/**
 * Which node and Rancher images a run uses. twin prefers a real `rancher/k3s` image when the host
 * has one, and the node image `scripts/build-k3s-image.sh` builds offline otherwise (names in
 * offline-build.ts); `TWIN_K3S_IMAGE` overrides both.
 */
import { k3sImage } from './config.js';
import type { Exec } from './exec.js';
import { twinNodeImage, twinRancherImage } from './offline-build.js';

export interface NodeImage {
  readonly image: string;
  /** `k3s`: a real K3s image; `twin`: upstream components built by scripts/build-k3s-image.sh. */
  readonly kind: 'k3s' | 'twin';
}

/** The image to run nodes from, or null with what was looked for. */
export async function resolveNodeImage(
  exec: Exec,
  k3sVersion: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<NodeImage | { missing: string }> {
  const present = async (image: string) =>
    (await exec('docker', ['image', 'inspect', '--format', '{{.Id}}', image], { allowFailure: true }).catch(() => null))?.exitCode === 0;
  const wanted = env['TWIN_K3S_IMAGE'];
  if (wanted)
    return (await present(wanted))
      ? { image: wanted, kind: wanted.startsWith('twin.local/') ? 'twin' : 'k3s' }
      : { missing: `TWIN_K3S_IMAGE=${wanted} is not present locally` };
  const real = k3sImage(k3sVersion);
  if (await present(real)) return { image: real, kind: 'k3s' };
  if (await present(twinNodeImage)) return { image: twinNodeImage, kind: 'twin' };
  return { missing: `neither ${real} nor ${twinNodeImage} is present (build it offline: scripts/build-k3s-image.sh)` };
}

/** The image for the Rancher host: Rancher's own when present, else the local stand-in. */
export async function resolveRancherImage(exec: Exec, version: string): Promise<string> {
  const real = `rancher/rancher:${version}`;
  const ok =
    (await exec('docker', ['image', 'inspect', '--format', '{{.Id}}', real], { allowFailure: true }).catch(() => null))?.exitCode === 0;
  return ok ? real : twinRancherImage;
}
