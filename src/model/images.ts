/**
 * What the model needs to know about container images: compressed size (drives pull
 * time), how much it grows when extracted, and which architectures it is published for
 * (an image without arm64 cannot run on a Pi). Sizes are arm64 compressed sizes from
 * docker-library/repo-info (calibration.md 5.1) unless marked as estimates.
 *
 * Users describe their own images with pod annotations (`twin.dev/image-size`,
 * `twin.dev/architectures`); anything unknown gets {@link unknownImage}.
 */
import type { Architecture } from './hardware-profile.js';

export interface ImageFacts {
  /** Compressed bytes transferred on pull. */
  readonly compressedSize: number;
  readonly architectures: readonly Architecture[];
  readonly source: string;
}

const MB = 1e6;
const all: readonly Architecture[] = ['amd64', 'arm64', 'armv7'];
const repoInfo = (path: string) => `docker-library/repo-info repos/${path} (arm64 Total Size; calibration.md 5.1)`;

/** Known images by repository name (registry and tag stripped; the tag is matched below). */
const catalogue: ReadonlyArray<{ match: RegExp; facts: ImageFacts }> = [
  {
    match: /(^|\/)nginx:.*alpine-slim/,
    facts: { compressedSize: 7.3 * MB, architectures: all, source: repoInfo('nginx/remote/alpine-slim.md') },
  },
  {
    match: /(^|\/)nginx:.*alpine/,
    facts: { compressedSize: 23.0 * MB, architectures: all, source: repoInfo('nginx/remote/alpine.md') + ', Dec 2025' },
  },
  {
    match: /(^|\/)nginx(:|$)/,
    facts: { compressedSize: 65.0 * MB, architectures: all, source: repoInfo('nginx/remote/latest.md') + ', 2026' },
  },
  {
    match: /(^|\/)redis:.*alpine/,
    facts: { compressedSize: 20.4 * MB, architectures: all, source: repoInfo('redis/remote/alpine.md') + ', Nov 2024' },
  },
  {
    match: /(^|\/)redis(:|$)/,
    facts: { compressedSize: 45.9 * MB, architectures: all, source: repoInfo('redis/remote/latest.md') + ', Oct 2024' },
  },
  {
    match: /(^|\/)postgres:.*alpine/,
    facts: { compressedSize: 110 * MB, architectures: all, source: repoInfo('postgres/remote/alpine.md') + ', 2025-26' },
  },
  {
    match: /(^|\/)postgres(:|$)/,
    facts: { compressedSize: 161 * MB, architectures: all, source: repoInfo('postgres/remote/latest.md') + ', 2025-26' },
  },
  {
    match: /(^|\/)traefik(:|$)/,
    facts: { compressedSize: 49.4 * MB, architectures: all, source: repoInfo('traefik/remote/latest.md') + ', 2026' },
  },
  {
    match: /coredns/,
    facts: { compressedSize: 12.3 * MB, architectures: all, source: 'CoreDNS 1.8.4 arm64 build layer sizes (proxy; calibration.md 5.1)' },
  },
  {
    match: /(^|\/)mariadb(:|$)/,
    facts: {
      compressedSize: 120 * MB,
      architectures: ['amd64', 'arm64'],
      source: 'estimate: Debian-based database image similar to postgres:latest; no armv7 build',
    },
  },
  { match: /(^|\/)(busybox|alpine)(:|$)/, facts: { compressedSize: 4 * MB, architectures: all, source: 'estimate: minimal base image' } },
  { match: /metrics-server/, facts: { compressedSize: 19 * MB, architectures: all, source: 'estimate: single Go binary image' } },
  { match: /local-path-provisioner/, facts: { compressedSize: 18 * MB, architectures: all, source: 'estimate: single Go binary image' } },
  { match: /klipper-lb/, facts: { compressedSize: 5 * MB, architectures: all, source: 'estimate: alpine plus iptables scripts' } },
  {
    match: /rancher\/rancher-agent/,
    facts: {
      compressedSize: 250 * MB,
      architectures: ['amd64', 'arm64'],
      source: 'estimate: rancher-agent image bundles kubectl, helm and the agent',
    },
  },
  {
    match: /ingress-nginx|nginx-ingress/,
    facts: { compressedSize: 110 * MB, architectures: ['amd64', 'arm64', 'armv7'], source: 'estimate: ingress-nginx controller image' },
  },
];

/** Facts for an image no catalogue entry or annotation describes. */
export const unknownImage: ImageFacts = {
  compressedSize: 50 * MB,
  architectures: all,
  source: 'estimate: a typical small service image; describe yours with the twin.dev/image-size annotation',
};

/** Uncompressed size ÷ compressed size of container layers (gzip on binaries and text). */
export const layerExpansionRatio = { value: 2.5, source: 'estimate: gzip ratio of typical container layers (2-3x)' };

export function imageFacts(image: string): ImageFacts {
  for (const entry of catalogue) if (entry.match.test(image)) return entry.facts;
  return unknownImage;
}
