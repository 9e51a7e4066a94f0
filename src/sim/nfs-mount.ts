/**
 * A pod's NFS volumes, mounted by the kubelet before it pulls or starts anything (KK pkg/kubelet:
 * WaitForAttachAndMount). A running pod's mount is hard (nfs(5)'s default): when its server dies, its
 * I/O waits and its containers keep running, so only mounting is modelled here.
 */
import type { KubeletContext } from './context.js';
import { Priority } from './priority.js';
import { podSubject, type SimNode, type SimPod } from './state.js';

/**
 * How long one NFS mount keeps trying before it fails: nfs(5), `retry=n`, "the default value is 2 minutes"
 * for a foreground mount (the kubelet's mounts are foreground).
 */
const nfsMountRetry = 120;
/**
 * How often a mount that is still trying asks the server again: 1 s, twin's mount.nfs (node-image/nfs-mount,
 * the k3d engine's client). Linux's mount.nfs backs off between tries, so a real mount may notice a server's
 * return a few seconds later.
 */
const nfsMountPoll = 1;
/**
 * The kubelet's back-off between failed volume operations: 500 ms, doubling, at most 2m2s
 * (KK pkg/util/goroutinemap/exponentialbackoff: initialDurationBeforeRetry, maxDurationBeforeRetry).
 */
const mountBackoffInitial = 0.5;
const mountBackoffMax = 122;

export class NfsMounts {
  /** Pods whose NFS volumes are mounted, with the node's epoch then (a power cycle or k3s restart mounts again). */
  private readonly mountedAt = new WeakMap<SimPod, number>();

  /** Whether the pod needs no mount on this node now: no NFS volume, or mounted since the node's last start. */
  mounted(pod: SimPod, node: SimNode): boolean {
    return pod.template.nfsServers.length === 0 || this.mountedAt.get(pod) === node.epoch;
  }

  /** Mounts the pod's NFS volumes, then `then` (unless the pod or node has moved on meanwhile). */
  mount(ctx: KubeletContext, pod: SimPod, node: SimNode, then: () => void): void {
    this.attempt(ctx, pod, node, ctx.env.now, 0, then);
  }

  /**
   * The pod's NFS volumes: each mount keeps asking its server for `nfsMountRetry`; one whose server answers
   * mounts, and the pod goes on to its images and containers. A mount that runs out of time fails
   * (FailedMount) and the kubelet tries again after its back-off. A server that is no machine of the
   * cluster spec is taken to answer.
   */
  private attempt(ctx: KubeletContext, pod: SimPod, node: SimNode, attemptStart: number, backoff: number, then: () => void): void {
    // K3s stopping on the node (or its power) moves the pod's epoch on: the mount goes with the kubelet, and the
    // next kubelet starts the pod again (machines.ts kubeletGone).
    const epoch = pod.epoch;
    const again = (delay: number, then: () => void) =>
      ctx.env.after(delay, Priority.kubelet, () => {
        if (pod.epoch !== epoch || pod.deletionRequestedAt !== null || pod.running) return;
        then();
      });
    const silent = pod.template.nfsServers.find((server) => !this.answers(ctx, server, node));
    if (silent === undefined) {
      this.mountedAt.set(pod, node.epoch);
      then();
      return;
    }
    if (ctx.env.now - attemptStart + 1e-9 < nfsMountRetry) {
      again(nfsMountPoll, () => this.attempt(ctx, pod, node, attemptStart, backoff, then));
      return;
    }
    const next = backoff === 0 ? mountBackoffInitial : Math.min(backoff * 2, mountBackoffMax);
    ctx.emit(
      'pod.mountFailed',
      podSubject(pod),
      'api',
      `${pod.name} FailedMount on ${node.name}: mount.nfs: ${silent} does not answer (tried ${nfsMountRetry} s); ` +
        `the kubelet tries again in ${next} s, the pod stays ContainerCreating`,
      { node: node.name, server: silent, backoff: next },
    );
    again(next, () => this.attempt(ctx, pod, node, ctx.env.now, next, then));
  }

  /** Whether an NFS server answers this node: the machine the spec gives that IP or name is up and on its side of any partition. */
  private answers(ctx: KubeletContext, server: string, node: SimNode): boolean {
    const host = ctx.world.nodes.find((n) => n.name === server || (n.spec.ip !== undefined && n.spec.ip === server));
    return !host || (host.booted && host.partition === node.partition);
  }
}
