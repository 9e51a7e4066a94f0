/**
 * Node maintenance on the model, as kubectl does it (kubernetes/kubectl pkg/drain/drain.go,
 * filters.go, cordon.go): cordon sets spec.unschedulable, which the node lifecycle controller
 * turns into the `node.kubernetes.io/unschedulable:NoSchedule` taint (TaintNodesByCondition) that
 * keeps new pods off; drain cordons, refuses pods it must not delete, then evicts the rest through
 * the Eviction API, one retry loop per pod, and waits until every evicted pod is gone.
 */
import { Priority } from '../../sim/priority.js';
import { evictionAnswer } from '../../sim/disruption.js';
import { podSubject, type SimNode, type SimPod } from '../../sim/state.js';
import type { Simulation } from '../../sim/simulation.js';

const unschedulableTaint = 'node.kubernetes.io/unschedulable';
/** kubectl drain retries a refused (429) eviction after EvictErrorRetryDelay: 5 s (kubernetes/kubectl pkg/cmd/drain/drain.go). */
export const evictionRetryDelay = 5;
/** kubectl drain polls each evicted pod until it is gone, every second (pkg/drain/drain.go waitForDelete interval). */
const deletePollInterval = 1;

export interface DrainOptions {
  readonly ignoreDaemonSets: boolean;
  readonly deleteEmptyDirData: boolean;
  readonly force: boolean;
  /**
   * Seconds; null = each pod's own terminationGracePeriodSeconds. Passed to kubectl on k3d; the model's
   * containers exit within `podStopTime` (1 s) of SIGTERM, inside any grace period, so it changes nothing here.
   */
  readonly gracePeriod: number | null;
  /** Seconds; null = wait as long as it takes (kubectl's --timeout=0). */
  readonly timeout: number | null;
}

export type DrainOutcome = 'finished' | 'timedOut' | 'failed';

/** What kubectl answers for a node the API does not have (a Rancher or external host): it was never registered. */
function unknownNode(node: SimNode): string | undefined {
  return node.registered ? undefined : `Error from server (NotFound): nodes "${node.name}" not found`;
}

export function isCordoned(node: SimNode): boolean {
  return node.apiTaints.some((t) => t.key === unschedulableTaint && t.effect === 'NoSchedule');
}

/** `kubectl cordon`; returns why it failed (nothing changed then). */
export function cordon(sim: Simulation, node: SimNode, by: string): string | undefined {
  const missing = unknownNode(node);
  if (missing) return missing;
  if (isCordoned(node)) return undefined;
  sim.emit('node.cordon', `node/${node.name}`, 'api', `${node.name} cordoned (${by}): new pods are not scheduled there`, {
    unschedulable: true,
  });
  sim.lifecycle.addTaint(node, { key: unschedulableTaint, effect: 'NoSchedule' });
  return undefined;
}

/** `kubectl uncordon`. */
export function uncordon(sim: Simulation, node: SimNode, by: string): string | undefined {
  const missing = unknownNode(node);
  if (missing) return missing;
  if (!isCordoned(node)) return undefined;
  sim.emit('node.cordon', `node/${node.name}`, 'api', `${node.name} uncordoned (${by}): schedulable again`, { unschedulable: false });
  sim.lifecycle.removeTaint(node, unschedulableTaint, 'NoSchedule');
  sim.scheduler.onClusterChanged();
  return undefined;
}

/**
 * Why kubectl would not delete a pod (its first failing filter, in makeFilters order), or null when it
 * evicts it, or 'skip' for a DaemonSet pod it leaves. Terminal pods pass every filter.
 */
function filterPod(pod: SimPod, options: DrainOptions): string | 'skip' | null {
  const terminal = pod.apiPhase === 'Succeeded' || pod.apiPhase === 'Failed';
  if (pod.workload.spec.kind === 'DaemonSet')
    return options.ignoreDaemonSets ? 'skip' : 'cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore)';
  if (!terminal && pod.template.emptyDirVolumes.length > 0 && !options.deleteEmptyDirData)
    return 'cannot delete Pods with local storage (use --delete-emptydir-data to override)';
  if (!terminal && pod.workload.spec.kind === 'Pod' && !options.force)
    return 'cannot delete Pods that declare no controller (use --force to override)';
  return null;
}

/**
 * `kubectl drain`: returns why it failed at once (the node stays cordoned, nothing is evicted), else
 * runs on and calls `done` when every evicted pod is gone, the timeout passed, or an error ended it.
 */
export function drain(
  sim: Simulation,
  node: SimNode,
  options: DrainOptions,
  by: string,
  done: (outcome: DrainOutcome) => void = () => undefined,
): string | undefined {
  const subject = `node/${node.name}`;
  const cordonFailed = cordon(sim, node, by);
  if (cordonFailed) return cordonFailed;
  // The API lists pods by namespace and name.
  const listed = [...node.pods]
    .filter((p) => p.apiExists)
    .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
  const refused = new Map<string, string[]>();
  const toEvict: SimPod[] = [];
  for (const pod of listed) {
    const verdict = filterPod(pod, options);
    if (verdict === null) toEvict.push(pod);
    else if (verdict !== 'skip') refused.set(verdict, [...(refused.get(verdict) ?? []), `${pod.namespace}/${pod.name}`]);
  }
  if (refused.size > 0) {
    const why = [...refused].map(([message, pods]) => `${message}: ${pods.join(', ')}`).join('; ');
    sim.emit('node.drain', subject, 'api', `drain of ${node.name} refused: ${why}`, { state: 'failed', reason: why });
    return `kubectl drain failed: ${why}; ${node.name} stays cordoned and no pod was evicted`;
  }
  sim.emit('node.drain', subject, 'api', `draining ${node.name} (${by}): ${toEvict.length} pod(s) to evict`, {
    state: 'started',
    pods: toEvict.length,
  });
  const started = sim.now;
  const deadline = options.timeout === null ? Infinity : started + options.timeout;
  const blocked = new Set<SimPod>();
  const evicted = new Set<SimPod>();
  let ended = false;
  const end = (outcome: DrainOutcome, message: string, details: Record<string, string | number> = {}) => {
    ended = true;
    sim.emit('node.drain', subject, 'api', message, { state: outcome, evicted: evicted.size, ...details });
    done(outcome);
  };
  const apiRefused = 'the connection to the API server was refused';
  const attempt = (pod: SimPod) => {
    if (ended || !pod.apiExists) return;
    if (!sim.controlPlane.apiUp) {
      end('failed', `drain of ${node.name} failed: error when evicting pods/"${pod.name}" -n "${pod.namespace}": ${apiRefused}`, {
        reason: apiRefused,
      });
      return;
    }
    const answer = evictionAnswer(pod, sim.world.disruptionBudgets, sim.workloads);
    if (answer.allowed) {
      evicted.add(pod);
      sim.controllers.requestDeletion(pod, `evicted: kubectl drain ${node.name}`);
      return;
    }
    if (answer.code === 500) {
      end('failed', `drain of ${node.name} failed: error when evicting pods/"${pod.name}" -n "${pod.namespace}": ${answer.message}`, {
        reason: answer.message,
      });
      return;
    }
    if (!blocked.has(pod)) {
      blocked.add(pod);
      sim.emit(
        'pod.evictionBlocked',
        podSubject(pod),
        'api',
        `${pod.name}: ${answer.message}; kubectl retries every ${evictionRetryDelay} s`,
        {
          budget: answer.budget,
          node: node.name,
        },
      );
    }
    sim.after(evictionRetryDelay, Priority.fault, () => attempt(pod));
  };
  const poll = () => {
    if (ended) return;
    if (toEvict.every((p) => !p.apiExists)) {
      end('finished', `${node.name} drained in ${Math.round(sim.now - started)} s (${evicted.size} pod(s) evicted)`);
      return;
    }
    if (sim.now >= deadline) {
      const left = toEvict.filter((p) => p.apiExists).map((p) => `${p.namespace}/${p.name}`);
      end('timedOut', `drain of ${node.name} timed out after ${options.timeout} s: ${left.join(', ')} still there`, {
        remaining: left.length,
      });
      return;
    }
    if (!sim.controlPlane.apiUp) {
      end('failed', `drain of ${node.name} failed while waiting for pods to go: ${apiRefused}`, { reason: apiRefused });
      return;
    }
    sim.after(Math.min(deletePollInterval, Math.max(0, deadline - sim.now)), Priority.fault, poll);
  };
  // kubectl starts one eviction loop per pod at once (evictPods), then polls each until it is gone.
  for (const pod of toEvict) attempt(pod);
  poll();
  return undefined;
}
