/**
 * The Kubernetes and K3s timing and policy constants the model uses, each with its
 * default, the source of that default, and the versions it applies to. Users override
 * any of them per cluster (`spec.settings`); `resolveSettings()` (settings.ts) fills the
 * rest from this one frozen table, so no default is written anywhere else.
 *
 * Sources use the shorthand of `../shared/calibration.md`: KK = kubernetes/kubernetes,
 * K8sDocs = kubernetes.io/docs, K3s = k3s-io/k3s, K3sDocs = docs.k3s.io.
 *
 * Pure module: no I/O, usable from the simulation core.
 */
import { define, MiB } from './setting-table.js';
import { controlPlaneSettings } from './setting-definitions-control-plane.js';
import { hardwareSettings } from './setting-definitions-hardware.js';
import { kubeletSettings } from './setting-definitions-kubelet.js';

export type { SettingKind } from './setting-table.js';

/** The whole table, in this key order: kubelet, control plane (controller-manager, scheduler, workloads), hardware. */
export const settingDefinitions = define({
  ...kubeletSettings,
  ...controlPlaneSettings,
  ...hardwareSettings,
});

export type SettingName = keyof typeof settingDefinitions;

/** Upstream kubelet's memory eviction default, for users who want to opt in (K8sDocs node-pressure-eviction). */
export const upstreamEvictionHardMemoryAvailable = 100 * MiB;
