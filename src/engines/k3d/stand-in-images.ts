/**
 * The images of the k3d engine's workload stand-ins (stand-ins.ts): the generic stand-in's name,
 * the seed stand-ins twin's node image holds, image names as containerd stores them, and the
 * loading of the generic stand-in into the nodes under the manifests' names.
 */
import { join } from 'node:path';
import type { Cluster } from '../../model/cluster.js';
import type { K3dRunContext } from './context.js';
import { containerdSocket } from './memory.js';
import { buildRevision, twinRancherAgentImage } from './offline-build.js';

/** The generic stand-in scripts/build-k3s-image.sh builds into the host's Docker (busybox and twin-app). */
export const twinAppStandInImage = `twin.local/app-standin:${buildRevision}`;
/** Overrides {@link twinAppStandInImage} (a locally built stand-in under another name). */
export const standInImageEnv = 'TWIN_APP_STANDIN_IMAGE';

export function standInImageName(env: NodeJS.ProcessEnv = process.env): string {
  return env[standInImageEnv] || twinAppStandInImage;
}

export interface HeldImage {
  /** Ports its server listens on. */
  readonly ports: readonly number[];
  /** Paths its server answers with 200. */
  readonly paths: readonly string[];
  /** Commands an exec probe may run in it. */
  readonly commands: readonly string[];
}

const httpdPaths = ['/', '/index.html', '/healthz', '/ready'];

/**
 * The workload images twin's node image holds, and what each does: keep in step with the images
 * section of scripts/build-k3s-image.sh (`http_image`, the Postgres stand-in; a test reads them).
 */
export const heldImages: Readonly<Record<string, HeldImage>> = {
  'nginx:1.27-alpine': { ports: [80], paths: httpdPaths, commands: [] },
  'ghcr.io/edgestack/api:1.4.2': { ports: [5000], paths: httpdPaths, commands: [] },
  'postgres:16-alpine': { ports: [5432], paths: ['/ready'], commands: ['pg_isready'] },
};

/** twin's own images in the node image, never stood in for. */
export const twinImages = new Set(['twin.local/pause:3.10', 'twin.local/memhog:1', twinRancherAgentImage]);

/**
 * An image reference as containerd names it: Docker Hub's default registry and `library/`
 * namespace, and `:latest` when no tag is given (the Docker reference grammar,
 * github.com/distribution/reference `ParseNormalizedNamed`).
 */
export function normalizeImage(ref: string): string {
  const slash = ref.indexOf('/');
  const first = slash < 0 ? '' : ref.slice(0, slash);
  const hasRegistry = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  let name = hasRegistry ? ref : slash < 0 ? `docker.io/library/${ref}` : `docker.io/${ref}`;
  const last = name.slice(name.lastIndexOf('/') + 1);
  if (!last.includes(':') && !name.includes('@')) name += ':latest';
  return name;
}

/**
 * Whether the kubelet would pull the image every time with no pull policy set: a `:latest` or
 * missing tag (Kubernetes docs, "Images", imagePullPolicy defaulting).
 */
export function impliesAlways(ref: string): boolean {
  if (ref.includes('@')) return false;
  return normalizeImage(ref).endsWith(':latest');
}

/**
 * Gives every stand-in name the generic stand-in image in each node's containerd, without a
 * registry: the image is saved once from the host's Docker, copied into each node container,
 * imported into containerd's `k8s.io` namespace (the kubelet's) and tagged with each name, as
 * containerd normalises it. Nothing is tagged in the host's Docker.
 */
export async function loadStandIns(ctx: K3dRunContext, cluster: Cluster, images: readonly string[], standIn: string): Promise<void> {
  if (images.length === 0) return;
  const archive = join(ctx.stateDir, `${ctx.names.cluster}.stand-in.tar`);
  const inNode = '/tmp/twin-stand-in.tar';
  const ctr = ['ctr', '--address', containerdSocket, '--namespace', 'k8s.io', 'images'];
  await ctx.exec('docker', ['save', '--output', archive, standIn]);
  for (const node of cluster.nodes) {
    if (node.role !== 'server' && node.role !== 'agent') continue;
    const container = ctx.names.container(node);
    await ctx.exec('docker', ['cp', archive, `${container}:${inNode}`]);
    await ctx.exec('docker', ['exec', container, ...ctr, 'import', inNode]);
    await ctx.exec('docker', ['exec', container, ...ctr, 'tag', '--force', normalizeImage(standIn), ...images.map(normalizeImage)]);
    await ctx.exec('docker', ['exec', container, 'rm', '-f', inNode]);
  }
  await ctx.exec('rm', ['-f', archive]);
}
