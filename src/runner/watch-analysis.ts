/**
 * The model's N-1 answer for a live snapshot: for each Kubernetes node, the sim engine started
 * from the live state (`whatIf`) with that node's power cut now and never restored, observed
 * for the horizon, reduced to what the loss would do (watch-impact.ts).
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ClusterLoadOptions } from '../load/cluster.js';
import type { Analysis } from './watch.js';
import { lossRunOf, nodeImpact, type NodeImpact } from './watch-impact.js';
import { liveClusterFromObjects, whatIf } from './whatif.js';

export interface LossAnalysisOptions extends Pick<ClusterLoadOptions, 'profileDirs' | 'calibration'> {
  /** Where the objects were read, for reports. */
  readonly source: string;
  /** Seconds after the loss to look at (default 15 minutes: past the 40 s grace and the 300 s eviction toleration). */
  readonly horizon?: number;
  /** host=profile overrides, as `twin import --profiles`. */
  readonly boards?: Readonly<Record<string, string>>;
}

export const defaultHorizon = 900;

/** Lets watch events and Ctrl-C in between two runs of the model. */
const yieldToEvents = () => new Promise<void>((resolve) => setImmediate(resolve));

export function lossAnalyser(options: LossAnalysisOptions): (items: readonly KubernetesObject[], signal: AbortSignal) => Promise<Analysis> {
  return async (items, signal) => {
    const live = liveClusterFromObjects(items, {
      source: options.source,
      readAt: new Date().toISOString(),
      ...(options.profileDirs ? { profileDirs: options.profileDirs } : {}),
      ...(options.boards ? { boards: options.boards } : {}),
      ...(options.calibration !== undefined ? { calibration: options.calibration } : {}),
    });
    const desired = Object.fromEntries(live.workloads.workloads.map((w) => [w.key, w.replicas]));
    const nodes = live.cluster.nodes.filter((n) => n.role === 'server' || n.role === 'agent').map((n) => n.name);
    const impacts: NodeImpact[] = [];
    for (const node of nodes) {
      await yieldToEvents();
      if (signal.aborted) break;
      const report = await whatIf(live, [{ id: 'loss', at: '0s', kind: 'power-off', node }], {
        duration: options.horizon ?? defaultHorizon,
        // A watch redoes this on every change: the loss moments, not how sure they are.
        ranges: false,
      });
      impacts.push(nodeImpact({ ...lossRunOf(node, report), desired }));
    }
    return { impacts };
  };
}
