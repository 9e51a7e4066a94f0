/**
 * The kubelet's graceful node shutdown (KEP-2000; K8sDocs
 * concepts/cluster-administration/node-shutdown#graceful-node-shutdown; KK
 * pkg/kubelet/nodeshutdown/nodeshutdown_manager_linux.go): on an orderly shutdown systemd-logind
 * tells the kubelet, which holds an inhibitor lock for up to shutdownGracePeriod. It posts its node
 * NotReady ("node is shutting down"), rejects new pods, and terminates its pods in two groups:
 * regular pods within shutdownGracePeriod − shutdownGracePeriodCriticalPods, then critical pods
 * (priority ≥ system-cluster-critical's 2000000000) within shutdownGracePeriodCriticalPods. Each pod
 * gets its own terminationGracePeriodSeconds, capped by its group's period, and ends phase Failed,
 * reason Terminated, "Pod was terminated in response to imminent node shutdown."; its controller
 * replaces it. The lock is released when a group's pods are gone or its period is over, then the
 * shutdown goes on. With both periods 0 (the kubelet's default, which K3s keeps) none of this
 * happens: k3s is stopped with the rest of the system and the pods die with the machine.
 */
import type { ControllersPort, NodeLifecyclePort, NodePressurePort, RancherPort, ServicesPort, SimContext } from './context.js';
import { Priority } from './priority.js';
import { podSubject, type SimNode, type SimPod } from './state.js';
import { taintKeys } from './taints.js';

/** scheduling.SystemCriticalPriority = 2 * HighestUserDefinablePriority (KK pkg/apis/scheduling/types.go). */
export const systemCriticalPriority = 2_000_000_000;

/** Pod status the kubelet writes (KK pkg/kubelet/nodeshutdown/nodeshutdown_manager_linux.go nodeShutdownReason / nodeShutdownMessage). */
export const nodeShutdownReason = 'Terminated';
export const nodeShutdownMessage = 'Pod was terminated in response to imminent node shutdown.';

export interface ShutdownContext extends Pick<SimContext, 'env' | 'settings' | 'emit'> {
  readonly lifecycle: Pick<NodeLifecyclePort, 'addTaint'>;
  readonly controllers: Pick<ControllersPort, 'onPodFailed'>;
  readonly serviceMonitor: Pick<ServicesPort, 'markDirty'>;
  readonly pressure: Pick<NodePressurePort, 'scheduleMemoryCheck'>;
  readonly rancher: Pick<RancherPort, 'onAgentStopped'>;
}

/** The kubelet's status update for one pod (copied to the API when it reaches it). */
type Report = (pod: SimPod) => void;

/** Whether the kubelet's graceful node shutdown is on (shutdownGracePeriod > 0). */
export function gracefulShutdownEnabled(ctx: Pick<SimContext, 'settings'>): boolean {
  return ctx.settings.shutdownGracePeriod > 0;
}

/** Terminates the node's pods in the kubelet's two priority groups, then calls `done` (the inhibitor lock released). */
export function gracefulNodeShutdown(ctx: ShutdownContext, report: Report, node: SimNode, done: () => void): void {
  const total = ctx.settings.shutdownGracePeriod;
  const critical = Math.min(ctx.settings.shutdownGracePeriodCriticalPods, total);
  const epoch = node.epoch;
  ctx.emit(
    'node.shutdown',
    `node/${node.name}`,
    'truth',
    `${node.name} shutting down: the kubelet delays it up to ${total} s to terminate its pods (${critical} s kept for critical pods)`,
    { gracePeriod: total, criticalPods: critical },
  );
  postShuttingDown(ctx, node);
  const live = (pod: SimPod) => pod.apiExists && !pod.succeeded && !pod.evicted;
  const groups: Array<{ budget: number; pods: () => SimPod[] }> = [
    { budget: total - critical, pods: () => [...node.pods].filter((p) => live(p) && p.template.priority < systemCriticalPriority) },
    { budget: critical, pods: () => [...node.pods].filter((p) => live(p) && p.template.priority >= systemCriticalPriority) },
  ];
  const runGroup = (index: number): void => {
    // The kubelet stopped meanwhile: its inhibitor lock goes with it and the shutdown proceeds.
    if (node.epoch !== epoch) return done();
    const group = groups[index];
    if (!group) return done();
    let longest = 0;
    for (const pod of group.pods()) longest = Math.max(longest, terminateForShutdown(ctx, report, node, pod, group.budget));
    ctx.env.after(longest, Priority.kubelet, () => runGroup(index + 1));
  };
  runGroup(0);
}

/** The kubelet posts Ready=False at once (its status changed); the node controller taints it not-ready:NoSchedule. */
function postShuttingDown(ctx: ShutdownContext, node: SimNode): void {
  if (!node.registered || !node.heartbeatHealthy || node.apiReady === 'False') return;
  node.apiReady = 'False';
  node.readyTransitionAt = ctx.env.now;
  // KK pkg/kubelet/nodestatus/setters.go ReadyCondition: reason KubeletNotReady, the shutdown manager's error as message.
  ctx.emit('node.condition', `node/${node.name}`, 'api', `${node.name} is NotReady: KubeletNotReady, node is shutting down`, {
    type: 'Ready',
    status: 'False',
    reason: 'KubeletNotReady',
  });
  // doNoScheduleTaintingPass runs on every Node update (KK pkg/controller/nodelifecycle/node_lifecycle_controller.go).
  ctx.lifecycle.addTaint(node, { key: taintKeys.notReady, effect: 'NoSchedule' });
}

/** One pod's termination; returns how long it takes (its grace period capped by the group's, at most the app's stop time). */
function terminateForShutdown(ctx: ShutdownContext, report: Report, node: SimNode, pod: SimPod, budget: number): number {
  const wasRunning = pod.running;
  const stop = wasRunning ? Math.min(pod.template.terminationGracePeriod, ctx.settings.podStopTime, budget) : 0;
  pod.epoch++;
  pod.ready = false;
  pod.waitingReason = '';
  report(pod);
  ctx.serviceMonitor.markDirty(pod);
  const epoch = pod.epoch;
  ctx.env.after(stop, Priority.kubelet, () => {
    if (pod.epoch !== epoch || !pod.apiExists) return;
    if (pod.running && pod.template.labels['twin.dev/rancher-agent'] === 'true') ctx.rancher.onAgentStopped();
    pod.running = false;
    node.usageChanged = true;
    pod.evicted = true;
    if (wasRunning)
      ctx.emit('pod.stopped', podSubject(pod), 'truth', `${pod.name} terminated on ${node.name}: ${nodeShutdownMessage}`, {
        node: node.name,
      });
    report(pod);
    ctx.controllers.onPodFailed(pod, `${nodeShutdownReason}: ${nodeShutdownMessage}`);
    ctx.serviceMonitor.markDirty(pod);
    ctx.pressure.scheduleMemoryCheck(node);
  });
  return stop;
}
