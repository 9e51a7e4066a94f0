/**
 * A cluster as the model sees it without its calibration. The k3d engine runs real K3s and
 * emulates each board from its profile: measured figures of another cluster are not for it.
 * Pure module.
 */
import type { Cluster } from './cluster.js';

/** The cluster with the calibration's settings back at the model's values and no measured figures. */
export function withoutCalibration(cluster: Cluster): Cluster {
  const applied = cluster.calibration;
  if (!applied) return cluster;
  const settings = { ...cluster.settings };
  for (const [name, change] of Object.entries(applied.settings)) (settings as Record<string, unknown>)[name] = change.model;
  const nodes = cluster.nodes.map(({ measured: _measured, ...node }) => node);
  const { calibration: _calibration, ...rest } = cluster;
  return { ...rest, settings: Object.freeze(settings) as Cluster['settings'], nodes };
}
