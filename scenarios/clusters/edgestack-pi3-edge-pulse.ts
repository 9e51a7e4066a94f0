/**
 * Seed 000's cluster with its "Edge-Pulse" node component (seed section 8.1): hybrid memory
 * management below Kubernetes, zram plus disk-backed swap, with "SD-card wear protection via
 * USB-backed IO". The seed gives no sizes: zram 256Mi with lz4 (its measured ratio, see
 * src/model/node-swap.ts) and a 512Mi swap file on a USB drive (the profile's usb-ssd option) on
 * every Pi. K3s's kubelet tolerates swap (failSwapOn false) and gives pods none (swapBehavior NoSwap,
 * the default): only the OS, K3s and anything else outside Kubernetes can be swapped.
 */
import { defineCluster } from 'twin';
import base from './edgestack-pi3.js';

const edgePulse = { zram: { size: '256Mi', algorithm: 'lz4' }, file: { size: '512Mi', storage: 'usb-ssd' } } as const;

export default defineCluster({
  ...base,
  name: 'edgestack-pi3-edge-pulse',
  description: 'Seed 000 with Edge-Pulse: zram 256Mi (lz4) plus a 512Mi USB swap file on every Pi 3B+',
  nodes: base.nodes.map((node) => (node.profile === 'pi3bplus' ? { ...node, swap: edgePulse } : node)),
});
