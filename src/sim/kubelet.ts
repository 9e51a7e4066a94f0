/**
 * The kubelets: pulling images over the node's network onto its storage, starting
 * containers at the speed of its CPU, restarting them (CrashLoopBackOff), deleting pods,
 * and reporting status to the API when they can reach it. Pods keep running when the API
 * is unreachable; the API just stops hearing about them. Readiness probes are in
 * `probes.ts`; memory, OOM kills and evictions in `node-pressure.ts`.
 */
import type { KubeletContext, KubeletPort } from './context.js';
import { Priority } from './priority.js';
import { gracefulNodeShutdown } from './shutdown.js';
import { crashLoopTiming, readinessSyncIn } from './crash-loop.js';
import { NfsMounts } from './nfs-mount.js';
import { pullDurations } from './pull.js';
import { podSubject, type SimNode, type SimPod } from './state.js';

export class Kubelets implements KubeletPort {
  /** Whether the site's Internet line is free (pulls from the registry share it). */
  private internetFreeAt = 0;
  /** Nodes whose kubelet runs its graceful node shutdown: it admits no new pod (KK nodeshutdown_manager_linux.go Admit). */
  private readonly shuttingDown = new Set<SimNode>();
  private readonly nfs = new NfsMounts();

  constructor(private readonly ctx: KubeletContext) {}

  private node(pod: SimPod): SimNode | undefined {
    return pod.nodeName ? this.ctx.world.nodeByName.get(pod.nodeName) : undefined;
  }

  // ------------------------------------------------------------ status reporting

  /** Copies ground truth into the API view when the node's kubelet can reach the API. */
  report(pod: SimPod): void {
    const ctx = this.ctx;
    const node = this.node(pod);
    if (!node || !node.heartbeatHealthy || !pod.apiExists) return;
    const phase = pod.succeeded ? 'Succeeded' : pod.evicted ? 'Failed' : pod.running || pod.restarts > 0 ? 'Running' : 'Pending';
    if (phase !== pod.apiPhase) {
      pod.apiPhase = phase;
      if (phase === 'Running')
        ctx.emit('pod.started', podSubject(pod), 'api', `${pod.name} Running on ${node.name}`, { node: node.name, restarts: pod.restarts });
      else if (phase === 'Succeeded') ctx.emit('pod.succeeded', podSubject(pod), 'api', `${pod.name} completed`, { node: node.name });
      ctx.controllers.markDirty(pod.workload);
    }
    if (pod.restarts !== pod.apiRestarts) {
      pod.apiRestarts = pod.restarts;
      // A Job counts its Pending and Running pods' restarts against backoffLimit (KK pastBackoffLimitOnFailure).
      if (pod.workload.spec.kind === 'Job') ctx.controllers.markDirty(pod.workload);
      if (pod.running && phase === 'Running')
        ctx.emit('pod.started', podSubject(pod), 'api', `${pod.name} container restarted (restarts: ${pod.restarts})`, {
          node: node.name,
          restarts: pod.restarts,
        });
    }
    if (pod.waitingReason !== pod.apiReason) pod.apiReason = pod.waitingReason;
    const ready = pod.ready && pod.deletionRequestedAt === null;
    if (ready !== pod.apiReady) {
      pod.apiReady = ready;
      if (ready) pod.apiReadySince = ctx.env.now;
      if (ready) ctx.emit('pod.ready', podSubject(pod), 'api', `${pod.name} Ready on ${node.name}`, { node: node.name });
      else
        ctx.emit('pod.unready', podSubject(pod), 'api', `${pod.name} not ready${pod.waitingReason ? ` (${pod.waitingReason})` : ''}`, {
          node: node.name,
          reason: pod.waitingReason || 'ContainersNotReady',
        });
      ctx.controllers.markDirty(pod.workload);
      ctx.serviceMonitor.markDirty(pod);
      ctx.requestFlush();
    }
  }

  // ------------------------------------------------------------ node events

  onKubeletStarted(node: SimNode): void {
    this.ctx.lifecycle.updateHeartbeat(node);
  }

  /** The kubelet reached the API again: report, finish deletions, start what should run. */
  onApiReachable(node: SimNode): void {
    for (const pod of [...node.pods]) {
      if (pod.deletionRequestedAt !== null) this.terminate(pod, node);
      else if (!pod.running && !pod.succeeded && !pod.evicted && pod.waitingReason === '' && !this.shuttingDown.has(node))
        this.startPod(pod, node);
      this.report(pod);
    }
    this.ctx.probes.refreshDependencies();
  }

  onPodBound(pod: SimPod, node: SimNode): void {
    // A node shutting down admits nothing; the pod waits there and starts once the node is back.
    if (node.heartbeatHealthy && !this.shuttingDown.has(node)) this.startPod(pod, node);
  }

  /** An orderly shutdown with graceful node shutdown on: terminate the pods by priority group, then `done`. */
  shutDownPods(node: SimNode, done: () => void): void {
    this.shuttingDown.add(node);
    gracefulNodeShutdown(this.ctx, (pod) => this.report(pod), node, done);
  }

  /** Power lost: every process on the node is gone. The API does not know yet. */
  onNodeDown(node: SimNode): void {
    const ctx = this.ctx;
    this.shuttingDown.delete(node);
    ctx.lifecycle.heartbeatStopped(node);
    for (const pod of node.pods) {
      pod.epoch++;
      const wasRunning = pod.running;
      pod.running = false;
      node.usageChanged = true;
      pod.ready = false;
      pod.waitingReason = '';
      if (wasRunning) {
        ctx.emit(
          'pod.stopped',
          podSubject(pod),
          'truth',
          `${pod.name} stopped with ${node.name} (API still shows ${pod.apiPhase}${pod.apiReady ? ', Ready' : ''})`,
          { node: node.name },
        );
        if (pod.template.labels['twin.dev/rancher-agent'] === 'true') ctx.rancher.onAgentStopped();
      }
      ctx.serviceMonitor.markDirty(pod);
    }
    ctx.pressure.onNodeDown(node);
    ctx.requestFlush();
  }

  // ------------------------------------------------------------ pod start

  private startPod(pod: SimPod, node: SimNode): void {
    const ctx = this.ctx;
    if (pod.running || pod.succeeded || pod.evicted) return;
    pod.waitingReason = 'ContainerCreating';
    const epoch = pod.epoch;
    // Volumes are mounted before any image is pulled or container created (KK pkg/kubelet: WaitForAttachAndMount).
    if (!this.nfs.mounted(pod, node)) return this.nfs.mount(ctx, pod, node, () => this.startPod(pod, node));
    const arch = node.spec.architecture;
    if (!pod.template.architectures.includes(arch)) {
      this.imageBackOff(pod, node, `no matching manifest for linux/${arch === 'armv7' ? 'arm/v7' : arch} in the image's manifest list`);
      return;
    }
    if (node.diskFull) {
      this.imageBackOff(pod, node, 'no space left on device while unpacking the image');
      return;
    }
    const image = pod.template.containers.map((c) => c.image).join(',');
    const policy = pod.template.containers[0]?.imagePullPolicy ?? 'IfNotPresent';
    const cached = node.images.has(image);
    if (cached || policy === 'Never') {
      // `Always` re-checks the manifest with the registry; layers are cached (KK pkg/kubelet/images/image_manager.go).
      // 0.5 s: estimate of one manifest request to a public registry over a home line.
      const check = cached && policy === 'Always' ? 0.5 : 0;
      ctx.env.after(check, Priority.kubelet, () => {
        if (pod.epoch === epoch) this.createContainer(pod, node);
      });
      return;
    }
    const inFlight = node.pulling.get(image);
    const done = inFlight ?? this.schedulePull(node, pod.template.compressedImageBytes);
    if (inFlight === undefined) {
      node.pulling.set(image, done);
      ctx.emit(
        'pod.pulling',
        podSubject(pod),
        'api',
        `pulling ${image} (${(pod.template.compressedImageBytes / 1e6).toFixed(1)} MB) on ${node.name}`,
        { node: node.name, image, until: Number(done.toFixed(3)) },
      );
    }
    const nodeEpoch = node.epoch;
    ctx.env.at(done, Priority.kubelet, () => {
      if (node.epoch !== nodeEpoch) return;
      if (!node.images.has(image)) {
        node.images.add(image);
        node.pulling.delete(image);
        ctx.emit('pod.pulled', podSubject(pod), 'api', `pulled ${image} on ${node.name}`, { node: node.name, image });
      }
      if (pod.epoch === epoch) this.createContainer(pod, node);
    });
  }

  /** Transfer over the node's link and the site's Internet line, then unpack on its storage. */
  private schedulePull(node: SimNode, bytes: number): number {
    const ctx = this.ctx;
    const { transfer, extract } = pullDurations(node, bytes, ctx.settings);
    const siteTransfer = bytes / ctx.settings.internetBandwidth;
    const start = Math.max(ctx.env.now, node.networkFreeAt);
    const linkDone = start + transfer;
    this.internetFreeAt = Math.max(ctx.env.now, this.internetFreeAt) + siteTransfer;
    const transferred = Math.max(linkDone, this.internetFreeAt);
    node.networkFreeAt = transferred;
    const extracted = Math.max(transferred, node.diskFreeAt) + extract;
    node.diskFreeAt = extracted;
    return ctx.env.now + ctx.jitter(extracted - ctx.env.now);
  }

  private imageBackOff(pod: SimPod, node: SimNode, reason: string): void {
    const ctx = this.ctx;
    const epoch = pod.epoch;
    pod.imageBackoff =
      pod.imageBackoff === 0 ? ctx.settings.imagePullBackOffInitial : Math.min(pod.imageBackoff * 2, ctx.settings.imagePullBackOffMax);
    pod.waitingReason = 'ImagePullBackOff';
    ctx.emit(
      'pod.backOff',
      podSubject(pod),
      'api',
      `${pod.name} ImagePullBackOff on ${node.name}: ${reason}; retry in ${pod.imageBackoff} s`,
      { node: node.name, reason: 'ImagePullBackOff', detail: reason, backoff: pod.imageBackoff },
    );
    this.report(pod);
    ctx.env.after(pod.imageBackoff, Priority.kubelet, () => {
      if (pod.epoch !== epoch || pod.deletionRequestedAt !== null) return;
      pod.waitingReason = '';
      if (node.heartbeatHealthy) this.startPod(pod, node);
    });
  }

  private createContainer(pod: SimPod, node: SimNode): void {
    const ctx = this.ctx;
    const epoch = pod.epoch;
    const start = node.measuredTimes.containerStart ?? ctx.settings.containerStartTime / node.cpuFactor;
    ctx.env.after(ctx.jitter(start), Priority.kubelet, () => {
      if (pod.epoch !== epoch || pod.deletionRequestedAt !== null) return;
      this.containerStarted(pod, node);
    });
  }

  private containerStarted(pod: SimPod, node: SimNode): void {
    const ctx = this.ctx;
    pod.running = true;
    node.usageChanged = true;
    pod.waitingReason = '';
    pod.startedAt = ctx.env.now;
    pod.imageBackoff = 0;
    pod.baseMemory = pod.template.containers.reduce((sum, c) => sum + c.memoryUsage, 0);
    pod.memoryGrowthRate = ctx.world.memoryGrowth.get(pod.workload.spec.key) ?? 0;
    pod.growthSince = ctx.env.now;
    this.report(pod);
    const epoch = pod.epoch;
    if (pod.template.labels['twin.dev/rancher-agent'] === 'true') {
      ctx.env.after(ctx.settings.rancherAgentConnectTime, Priority.kubelet, () => {
        if (pod.epoch !== epoch || !pod.running) return;
        if (ctx.rancher.reachableFrom(node)) {
          ctx.rancher.onAgentConnected(pod);
          ctx.probes.scheduleReadiness(pod, node);
        } else {
          // "ERROR: https://<rancher>/ping is not accessible" → exit → CrashLoopBackOff (calibration.md 3).
          this.containerExited(pod, node, 'Error', 'Rancher server not reachable at start-up');
        }
      });
    } else {
      ctx.probes.scheduleReadiness(pod, node);
    }
    if (pod.workload.spec.kind === 'Job') {
      ctx.env.after(pod.template.runDuration, Priority.kubelet, () => {
        if (pod.epoch !== epoch || !pod.running) return;
        if (pod.template.exitCode !== 0) {
          this.containerExited(pod, node, 'Error', `exit code ${pod.template.exitCode}`);
          return;
        }
        pod.running = false;
        node.usageChanged = true;
        pod.ready = false;
        pod.succeeded = true;
        this.report(pod);
        ctx.pressure.scheduleMemoryCheck(node);
      });
    }
    ctx.pressure.scheduleMemoryCheck(node);
  }

  // ------------------------------------------------------------ exits, restarts, deletion

  /** A container ended (OOMKilled, Error): restart per restartPolicy with CrashLoopBackOff. */
  containerExited(pod: SimPod, node: SimNode, reason: 'OOMKilled' | 'Error', detail: string): void {
    const ctx = this.ctx;
    const [ranFor, wasReady] = [ctx.env.now - pod.startedAt, pod.ready];
    pod.running = false;
    node.usageChanged = true;
    pod.ready = false;
    pod.epoch++;
    pod.restarts++;
    if (pod.template.labels['twin.dev/rancher-agent'] === 'true') ctx.rancher.onAgentStopped();
    // A first exit restarts at once and only then starts the back-off (10 s, doubling up to 300 s): KK v1.31.4
    // kuberuntime_manager.go doBackOff, where a container with no back-off entry is not "in back-off"; seen on real
    // K3s (docs/model-vs-real.md). It resets after 10 minutes without trouble (calibration.md 1.4).
    const fresh = pod.restartBackoff === 0 || ranFor >= ctx.settings.crashLoopBackOffReset;
    const wait = fresh ? 0 : pod.restartBackoff;
    pod.restartBackoff = fresh ? ctx.settings.crashLoopBackOffInitial : Math.min(pod.restartBackoff * 2, ctx.settings.crashLoopBackOffMax);
    const view = node.heartbeatHealthy ? 'api' : 'truth';
    if (reason === 'OOMKilled')
      ctx.emit('pod.oomKilled', podSubject(pod), view, `${pod.name} OOMKilled on ${node.name} (${detail}); restart ${pod.restarts}`, {
        node: node.name,
        restarts: pod.restarts,
        detail,
      });
    if (pod.template.restartPolicy === 'Never') {
      // Terminal: the pod stays Failed and its controller decides what comes next.
      pod.evicted = true;
      this.report(pod);
      ctx.controllers.onPodFailed(pod, reason);
      return;
    }
    const epoch = pod.epoch;
    const current = () => pod.epoch === epoch && pod.deletionRequestedAt === null && node.powered && node.k3s === 'running';
    const { shownIn, restartIn } = crashLoopTiming(wait, ctx.settings.podWorkerRetry, readinessSyncIn(pod, wasReady, ctx.env.now));
    if (wait > 0) {
      pod.waitingReason = reason;
      ctx.env.after(shownIn, Priority.kubelet, () => {
        if (!current()) return;
        pod.waitingReason = 'CrashLoopBackOff';
        ctx.emit(
          'pod.backOff',
          podSubject(pod),
          node.heartbeatHealthy ? 'api' : 'truth',
          `${pod.name} CrashLoopBackOff: back-off ${wait} s restarting failed container (${reason})`,
          { node: node.name, reason: 'CrashLoopBackOff', exit: reason, backoff: wait, restarts: pod.restarts },
        );
        this.report(pod);
      });
    }
    this.report(pod);
    ctx.serviceMonitor.markDirty(pod);
    ctx.env.after(restartIn, Priority.kubelet, () => {
      if (!current()) return;
      pod.waitingReason = 'ContainerCreating';
      this.createContainer(pod, node);
    });
    ctx.pressure.scheduleMemoryCheck(node);
  }

  /** Graceful deletion: the kubelet stops the containers, then the API object goes away. */
  terminate(pod: SimPod, node: SimNode): void {
    const ctx = this.ctx;
    if (!node.heartbeatHealthy) return;
    const stop = pod.running ? Math.min(pod.template.terminationGracePeriod, ctx.settings.podStopTime) : 0;
    pod.epoch++;
    const epoch = pod.epoch;
    ctx.env.after(stop, Priority.kubelet, () => {
      if (pod.epoch !== epoch) return;
      if (pod.running && pod.template.labels['twin.dev/rancher-agent'] === 'true') ctx.rancher.onAgentStopped();
      pod.running = false;
      node.usageChanged = true;
      pod.ready = false;
      ctx.serviceMonitor.markDirty(pod);
      ctx.controllers.removePod(pod);
      ctx.pressure.scheduleMemoryCheck(node);
    });
  }
}
