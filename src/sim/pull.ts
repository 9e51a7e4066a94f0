/** How long an image pull takes on a node: its link, then unpacking on its storage. */
import { layerExpansionRatio } from '../model/images.js';
import type { ModelSettings } from '../model/settings.js';
import { linkRate } from './link.js';
import type { SimNode } from './state.js';

/**
 * Seconds to pull and unpack `compressedBytes` on a node, given its network and storage; a
 * measured pull rate (calibration) covers transfer and unpack together, as the kubelet's Pulled
 * events time them.
 */
export function pullDurations(node: SimNode, compressedBytes: number, settings: ModelSettings): { transfer: number; extract: number } {
  const measured = node.measuredTimes.imagePull;
  if (measured !== undefined) return { transfer: compressedBytes / Math.max(1, linkRate(node.link, measured)), extract: 0 };
  const network = linkRate(node.link, node.spec.network.throughput.value);
  const transfer = compressedBytes / Math.max(1, network);
  const uncompressed = compressedBytes * layerExpansionRatio.value;
  const writeBound = uncompressed / node.spec.storage.sequentialWrite.value;
  const cpuBound = compressedBytes / (settings.decompressRate * node.cpuFactor);
  return { transfer, extract: Math.max(writeBound, cpuBound) };
}
