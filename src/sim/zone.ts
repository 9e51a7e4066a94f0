/**
 * The node lifecycle controller's zone states and eviction rates (KK pkg/controller/nodelifecycle,
 * ComputeZoneState and ReducedQPSFunc; K8sDocs concepts/architecture/nodes/#rate-limits-on-eviction;
 * calibration.md 1.1). twin's clusters are one zone. Pure module: no I/O, no clock.
 */
import type { ModelSettings } from '../model/settings.js';
import type { SimNode } from './state.js';

export type ZoneState = 'Normal' | 'PartialDisruption' | 'FullDisruption';

type ZoneSettings = Pick<
  ModelSettings,
  'unhealthyZoneThreshold' | 'largeClusterSizeThreshold' | 'nodeEvictionRate' | 'secondaryNodeEvictionRate'
>;

/** The zone's state from its registered nodes and how many of them are not Ready. */
export function zoneState(notReady: number, total: number, settings: ZoneSettings): ZoneState {
  if (total > 0 && notReady === total) return 'FullDisruption';
  if (notReady > 2 && notReady / total >= settings.unhealthyZoneThreshold) return 'PartialDisruption';
  return 'Normal';
}

/** What the state does to evictions, for the timeline. */
export function zoneEffect(state: ZoneState, total: number, settings: ZoneSettings): string {
  if (state === 'Normal') return 'evictions proceed at the normal rate';
  if (state === 'FullDisruption')
    return 'all nodes NotReady: evictions stop and NoExecute taints are lifted (assumed control-plane connectivity problem)';
  return total > settings.largeClusterSizeThreshold
    ? 'evictions slow to the secondary rate'
    : `evictions stop (cluster of ${total} ≤ ${settings.largeClusterSizeThreshold} nodes)`;
}

/** Nodes per second whose pods may be tainted for eviction. */
export function evictionRate(state: ZoneState, total: number, settings: ZoneSettings): number {
  if (state === 'Normal') return settings.nodeEvictionRate;
  if (state === 'FullDisruption') return 0;
  return total > settings.largeClusterSizeThreshold ? settings.secondaryNodeEvictionRate : 0;
}

/** The registered nodes and those of them not Ready, counted in one walk without a list (every monitor pass counts them). */
export function zoneCounts(nodes: readonly SimNode[]): { total: number; notReady: number } {
  let total = 0;
  let notReady = 0;
  for (const node of nodes) {
    if (!node.registered) continue;
    total++;
    if (node.apiReady !== 'True') notReady++;
  }
  return { total, notReady };
}
