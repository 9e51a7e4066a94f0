/**
 * The kubelets: pulling images over the node's network onto its storage, starting
 * containers at the speed of its CPU, readiness probes, memory use against limits
 * (OOMKilled and CrashLoopBackOff), kernel OOM kills or kubelet evictions under node memory
 * pressure, and reporting status to the API when they can reach it. Pods keep running when
 * the API is unreachable; the API just stops hearing about them.
 */
import type { Simulation } from './simulation.js';
import { Priority } from './simulation.js';
import { oomScoreAdj, podCpuUsage, podMemory, podMemoryLimit, pullDurations, type SimNode, type SimPod } from './state.js';
import { taintKeys } from './nodelifecycle.js';
import { outsideKubernetesVictim } from '../model/timeline.js';

export class Kubelets {
  private readonly memoryEpoch = new Map<SimNode, number>();
  private readonly evictionLoop = new Set<SimNode>();
  private readonly pressureSince = new Map<SimNode, number>();
  /** Whether the site's Internet line is free (pulls from the registry share it). */
  private internetFreeAt = 0;

  constructor(private readonly sim: Simulation) {}

  private node(pod: SimPod): SimNode | undefined {
    return pod.nodeName ? this.sim.nodeByName.get(pod.nodeName) : undefined;
  }

  // ------------------------------------------------------------ status reporting

  /** Copies ground truth into the API view when the node's kubelet can reach the API. */
  report(pod: SimPod): void {
    const sim = this.sim;
    const node = this.node(pod);
    if (!node || !node.heartbeatHealthy || !pod.apiExists) return;
    const phase = pod.succeeded ? 'Succeeded' : pod.evicted ? 'Failed' : pod.running || pod.restarts > 0 ? 'Running' : 'Pending';
    if (phase !== pod.apiPhase) {
      pod.apiPhase = phase;
      if (phase === 'Running') sim.emit('pod.started', sim.podSubject(pod), 'api', `${pod.name} Running on ${node.name}`, { node: node.name, restarts: pod.restarts });
      else if (phase === 'Succeeded') sim.emit('pod.succeeded', sim.podSubject(pod), 'api', `${pod.name} completed`, { node: node.name });
      sim.controllers.markDirty(pod.workload);
    }
    if (pod.restarts !== pod.apiRestarts) {
      pod.apiRestarts = pod.restarts;
      if (pod.running && phase === 'Running') sim.emit('pod.started', sim.podSubject(pod), 'api', `${pod.name} container restarted (restarts: ${pod.restarts})`, { node: node.name, restarts: pod.restarts });
    }
    if (pod.waitingReason !== pod.apiReason) pod.apiReason = pod.waitingReason;
    const ready = pod.ready && pod.deletionRequestedAt === null;
    if (ready !== pod.apiReady) {
      pod.apiReady = ready;
      if (ready) sim.emit('pod.ready', sim.podSubject(pod), 'api', `${pod.name} Ready on ${node.name}`, { node: node.name });
      else sim.emit('pod.unready', sim.podSubject(pod), 'api', `${pod.name} not ready${pod.waitingReason ? ` (${pod.waitingReason})` : ''}`, { node: node.name, reason: pod.waitingReason || 'ContainersNotReady' });
      sim.controllers.markDirty(pod.workload);
      sim.serviceMonitor.markDirty(pod);
      sim.requestFlush();
    }
  }

  // ------------------------------------------------------------ node events

  onKubeletStarted(node: SimNode): void {
    this.sim.lifecycle.updateHeartbeat(node);
  }

  /** The kubelet reached the API again: report, finish deletions, start what should run. */
  onApiReachable(node: SimNode): void {
    for (const pod of [...node.pods]) {
      if (pod.deletionRequestedAt !== null) this.terminate(pod, node);
      else if (!pod.running && !pod.succeeded && !pod.evicted && pod.waitingReason === '') this.startPod(pod, node);
      this.report(pod);
    }
    this.refreshDependencies();
  }

  onPodBound(pod: SimPod, node: SimNode): void {
    if (node.heartbeatHealthy) this.startPod(pod, node);
  }

  /** Power lost: every process on the node is gone. The API does not know yet. */
  onNodeDown(node: SimNode): void {
    const sim = this.sim;
    node.heartbeatHealthy = false;
    node.lastRenewFrozen = sim.lifecycle.lastRenew(node, sim.now);
    for (const pod of node.pods) {
      pod.epoch++;
      const wasRunning = pod.running;
      pod.running = false;
      pod.ready = false;
      pod.waitingReason = '';
      if (wasRunning) {
        sim.emit('pod.stopped', sim.podSubject(pod), 'truth', `${pod.name} stopped with ${node.name} (API still shows ${pod.apiPhase}${pod.apiReady ? ', Ready' : ''})`, { node: node.name });
        if (pod.template.labels['twin.dev/rancher-agent'] === 'true') sim.rancher.onAgentStopped();
      }
      sim.serviceMonitor.markDirty(pod);
    }
    this.evictionLoop.delete(node);
    this.memoryEpoch.set(node, (this.memoryEpoch.get(node) ?? 0) + 1);
    sim.requestFlush();
  }

  // ------------------------------------------------------------ pod start

  private startPod(pod: SimPod, node: SimNode): void {
    const sim = this.sim;
    if (pod.running || pod.succeeded || pod.evicted) return;
    pod.waitingReason = 'ContainerCreating';
    const epoch = pod.epoch;
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
      sim.after(check, Priority.kubelet, () => {
        if (pod.epoch === epoch) this.createContainer(pod, node);
      });
      return;
    }
    const inFlight = node.pulling.get(image);
    const done = inFlight ?? this.schedulePull(node, pod.template.compressedImageBytes);
    if (inFlight === undefined) {
      node.pulling.set(image, done);
      sim.emit('pod.pulling', sim.podSubject(pod), 'api', `pulling ${image} (${(pod.template.compressedImageBytes / 1e6).toFixed(1)} MB) on ${node.name}`, { node: node.name, image, until: Number(done.toFixed(3)) });
    }
    const nodeEpoch = node.epoch;
    sim.at(done, Priority.kubelet, () => {
      if (node.epoch !== nodeEpoch) return;
      if (!node.images.has(image)) {
        node.images.add(image);
        node.pulling.delete(image);
        sim.emit('pod.pulled', sim.podSubject(pod), 'api', `pulled ${image} on ${node.name}`, { node: node.name, image });
      }
      if (pod.epoch === epoch) this.createContainer(pod, node);
    });
  }

  /** Transfer over the node's link and the site's Internet line, then unpack on its storage. */
  private schedulePull(node: SimNode, bytes: number): number {
    const sim = this.sim;
    const { transfer, extract } = pullDurations(node, bytes, sim.settings);
    const siteTransfer = bytes / sim.settings.internetBandwidth;
    const start = Math.max(sim.now, node.networkFreeAt);
    const linkDone = start + transfer;
    this.internetFreeAt = Math.max(sim.now, this.internetFreeAt) + siteTransfer;
    const transferred = Math.max(linkDone, this.internetFreeAt);
    node.networkFreeAt = transferred;
    const extracted = Math.max(transferred, node.diskFreeAt) + extract;
    node.diskFreeAt = extracted;
    return sim.now + sim.jitter(extracted - sim.now);
  }

  private imageBackOff(pod: SimPod, node: SimNode, reason: string): void {
    const sim = this.sim;
    const epoch = pod.epoch;
    pod.imageBackoff = pod.imageBackoff === 0 ? sim.settings.imagePullBackOffInitial : Math.min(pod.imageBackoff * 2, sim.settings.imagePullBackOffMax);
    pod.waitingReason = 'ImagePullBackOff';
    sim.emit('pod.backOff', sim.podSubject(pod), 'api', `${pod.name} ImagePullBackOff on ${node.name}: ${reason}; retry in ${pod.imageBackoff} s`, { node: node.name, reason: 'ImagePullBackOff', detail: reason, backoff: pod.imageBackoff });
    this.report(pod);
    sim.after(pod.imageBackoff, Priority.kubelet, () => {
      if (pod.epoch !== epoch || pod.deletionRequestedAt !== null) return;
      pod.waitingReason = '';
      if (node.heartbeatHealthy) this.startPod(pod, node);
    });
  }

  private createContainer(pod: SimPod, node: SimNode): void {
    const sim = this.sim;
    const epoch = pod.epoch;
    sim.after(sim.jitter(sim.settings.containerStartTime / node.cpuFactor), Priority.kubelet, () => {
      if (pod.epoch !== epoch || pod.deletionRequestedAt !== null) return;
      this.containerStarted(pod, node);
    });
  }

  private containerStarted(pod: SimPod, node: SimNode): void {
    const sim = this.sim;
    pod.running = true;
    pod.waitingReason = '';
    pod.startedAt = sim.now;
    pod.imageBackoff = 0;
    pod.baseMemory = pod.template.containers.reduce((sum, c) => sum + c.memoryUsage, 0);
    pod.memoryGrowthRate = sim.memoryGrowth.get(pod.workload.spec.key) ?? 0;
    pod.growthSince = sim.now;
    this.report(pod);
    const epoch = pod.epoch;
    if (pod.template.labels['twin.dev/rancher-agent'] === 'true') {
      sim.after(sim.settings.rancherAgentConnectTime, Priority.kubelet, () => {
        if (pod.epoch !== epoch || !pod.running) return;
        if (sim.rancher.reachableFrom(node)) {
          sim.rancher.onAgentConnected(pod);
          this.scheduleReadiness(pod, node);
        } else {
          // "ERROR: https://<rancher>/ping is not accessible" → exit → CrashLoopBackOff (calibration.md 3).
          this.containerExited(pod, node, 'Error', 'Rancher server not reachable at start-up');
        }
      });
    } else {
      this.scheduleReadiness(pod, node);
    }
    if (pod.workload.spec.kind === 'Job') {
      sim.after(pod.template.runDuration, Priority.kubelet, () => {
        if (pod.epoch !== epoch || !pod.running) return;
        pod.running = false;
        pod.ready = false;
        pod.succeeded = true;
        this.report(pod);
        this.scheduleMemoryCheck(node);
      });
    }
    this.scheduleMemoryCheck(node);
  }

  /** Ready at the first probe after the application is up (initialDelaySeconds, then every periodSeconds). */
  private scheduleReadiness(pod: SimPod, node: SimNode): void {
    const sim = this.sim;
    const epoch = pod.epoch;
    const appReady = sim.now + pod.template.startupTime / node.cpuFactor;
    const probe = pod.template.containers.map((c) => c.readiness).find((r) => r !== null) ?? null;
    let readyAt = appReady;
    if (probe) {
      const first = sim.now + probe.initialDelay;
      readyAt = first >= appReady ? first : first + Math.ceil((appReady - first) / probe.period) * probe.period;
    }
    sim.at(readyAt, Priority.kubelet, () => {
      if (pod.epoch !== epoch || !pod.running) return;
      if (!this.dependenciesUp(pod, node)) return;
      pod.ready = true;
      this.report(pod);
    });
  }

  private dependenciesUp(pod: SimPod, node: SimNode): boolean {
    for (const name of pod.template.dependsOn) {
      const dependency = this.sim.nodeByName.get(name);
      if (!dependency || !dependency.booted || dependency.partition !== node.partition) return false;
    }
    return true;
  }

  /**
   * Pods whose readiness probe needs an external host (NFS, database): failing probes take the
   * pod out of endpoints after failureThreshold × period; one success brings it back.
   */
  refreshDependencies(): void {
    const sim = this.sim;
    for (const workload of sim.workloads) {
      if (workload.template.dependsOn.length === 0) continue;
      for (const pod of workload.pods) {
        const node = this.node(pod);
        if (!node || !pod.running) continue;
        const up = this.dependenciesUp(pod, node);
        const probe = pod.template.containers.map((c) => c.readiness).find((r) => r !== null);
        const period = probe?.period ?? sim.settings.nodeStatusUpdateFrequency;
        const threshold = probe?.failureThreshold ?? 3;
        const epoch = pod.epoch;
        if (!up && pod.ready) {
          sim.after(period * threshold, Priority.kubelet, () => {
            if (pod.epoch === epoch && pod.running && !this.dependenciesUp(pod, node)) {
              pod.ready = false;
              this.report(pod);
            }
          });
        } else if (up && !pod.ready && pod.waitingReason === '') {
          sim.after(period, Priority.kubelet, () => {
            if (pod.epoch === epoch && pod.running && this.dependenciesUp(pod, node)) {
              pod.ready = true;
              this.report(pod);
            }
          });
        }
      }
    }
  }

  // ------------------------------------------------------------ exits, restarts, deletion

  /** A container ended (OOMKilled, Error): restart per restartPolicy with CrashLoopBackOff. */
  containerExited(pod: SimPod, node: SimNode, reason: 'OOMKilled' | 'Error', detail: string): void {
    const sim = this.sim;
    const ranFor = sim.now - pod.startedAt;
    pod.running = false;
    pod.ready = false;
    pod.epoch++;
    pod.restarts++;
    if (pod.template.labels['twin.dev/rancher-agent'] === 'true') sim.rancher.onAgentStopped();
    // The kubelet restarts a container's first exit at once and only then starts the back-off
    // (10 s, doubling up to 300 s): KK v1.31.4 kuberuntime_manager.go doBackOff — a container
    // with no back-off entry is not "in back-off" and backOff.Next sets the first period; seen on
    // real K3s too (docs/model-vs-real.md). The back-off resets after 10 minutes without trouble
    // (calibration.md 1.4).
    const fresh = pod.restartBackoff === 0 || ranFor >= sim.settings.crashLoopBackOffReset;
    const wait = fresh ? 0 : pod.restartBackoff;
    pod.restartBackoff = fresh ? sim.settings.crashLoopBackOffInitial : Math.min(pod.restartBackoff * 2, sim.settings.crashLoopBackOffMax);
    const view = node.heartbeatHealthy ? 'api' : 'truth';
    if (reason === 'OOMKilled') sim.emit('pod.oomKilled', sim.podSubject(pod), view, `${pod.name} OOMKilled on ${node.name} (${detail}); restart ${pod.restarts}`, { node: node.name, restarts: pod.restarts, detail });
    if (pod.template.restartPolicy === 'Never') {
      // Terminal: the pod stays Failed and its controller decides what comes next.
      pod.evicted = true;
      this.report(pod);
      sim.controllers.onPodFailed(pod, reason);
      return;
    }
    if (wait > 0) {
      pod.waitingReason = 'CrashLoopBackOff';
      sim.emit('pod.backOff', sim.podSubject(pod), view, `${pod.name} CrashLoopBackOff: back-off ${wait} s restarting failed container (${reason})`, {
        node: node.name,
        reason: 'CrashLoopBackOff',
        exit: reason,
        backoff: wait,
        restarts: pod.restarts,
      });
    }
    this.report(pod);
    sim.serviceMonitor.markDirty(pod);
    const epoch = pod.epoch;
    sim.after(wait, Priority.kubelet, () => {
      if (pod.epoch !== epoch || pod.deletionRequestedAt !== null || !node.powered || node.k3s !== 'running') return;
      pod.waitingReason = '';
      this.createContainer(pod, node);
    });
    this.scheduleMemoryCheck(node);
  }

  /** Graceful deletion: the kubelet stops the containers, then the API object goes away. */
  terminate(pod: SimPod, node: SimNode): void {
    const sim = this.sim;
    if (!node.heartbeatHealthy) return;
    const stop = pod.running ? Math.min(pod.template.terminationGracePeriod, sim.settings.podStopTime) : 0;
    pod.epoch++;
    const epoch = pod.epoch;
    sim.after(stop, Priority.kubelet, () => {
      if (pod.epoch !== epoch) return;
      if (pod.running && pod.template.labels['twin.dev/rancher-agent'] === 'true') sim.rancher.onAgentStopped();
      pod.running = false;
      pod.ready = false;
      sim.serviceMonitor.markDirty(pod);
      sim.controllers.removePod(pod);
      this.scheduleMemoryCheck(node);
    });
  }

  // ------------------------------------------------------------ memory

  nodeMemoryUsed(node: SimNode): number {
    let used = node.overheadMemory + node.foreignMemory;
    for (const pod of node.pods) used += podMemory(pod, this.sim.now);
    return used;
  }

  nodeCpuUsed(node: SimNode): number {
    if (!node.powered) return 0;
    let used = node.k3s === 'running' ? node.overheadCpu : 0;
    for (const pod of node.pods) used += podCpuUsage(pod);
    return Math.min(used, node.capacityCpu);
  }

  /** Schedules the next instant a container crosses its limit or the node runs out of memory. */
  scheduleMemoryCheck(node: SimNode): void {
    const sim = this.sim;
    if (!node.powered) return;
    const epoch = (this.memoryEpoch.get(node) ?? 0) + 1;
    this.memoryEpoch.set(node, epoch);
    let next = Infinity;
    let growth = 0;
    for (const pod of node.pods) {
      if (!pod.running || pod.memoryGrowthRate <= 0) continue;
      growth += pod.memoryGrowthRate;
      const limit = podMemoryLimit(pod);
      if (limit > 0) next = Math.min(next, sim.now + Math.max(0, (limit - podMemory(pod, sim.now)) / pod.memoryGrowthRate));
    }
    const used = this.nodeMemoryUsed(node);
    const threshold = sim.settings.evictionHardMemoryAvailable;
    if (threshold !== null) {
      if (used > node.capacityMemory - threshold) this.startEvictionLoop(node);
      else if (growth > 0) next = Math.min(next, sim.now + (node.capacityMemory - threshold - used) / growth);
    }
    if (used >= node.capacityMemory) {
      // Only while something can still be killed; otherwise this would spin at one instant.
      if (this.oomVictim(node)) next = sim.now;
    } else if (growth > 0) {
      next = Math.min(next, sim.now + (node.capacityMemory - used) / growth);
    }
    if (next === Infinity) return;
    sim.at(next, Priority.truth, () => {
      if (this.memoryEpoch.get(node) === epoch) this.memoryCheck(node);
    });
  }

  private memoryCheck(node: SimNode): void {
    const sim = this.sim;
    if (!node.powered) return;
    for (const pod of [...node.pods]) {
      const limit = podMemoryLimit(pod);
      if (pod.running && limit > 0 && podMemory(pod, sim.now) >= limit - 1) {
        this.containerExited(pod, node, 'OOMKilled', `memory reached its limit of ${Math.round(limit / 1048576)}Mi`);
      }
    }
    // The kernel's OOM killer acts when memory is really exhausted, whatever the kubelet is configured to do.
    while (this.nodeMemoryUsed(node) >= node.capacityMemory) {
      const victim = this.oomVictim(node);
      if (!victim) break;
      if (victim === 'foreign') {
        // The process holding memory outside Kubernetes (oom_score_adj 0) can be the biggest target.
        sim.emit('node.oomKiller', `node/${node.name}`, 'truth', `kernel OOM killer on ${node.name}: ${Math.round(this.nodeMemoryUsed(node) / 1048576)}Mi used of ${Math.round(node.capacityMemory / 1048576)}Mi; kills the process holding ${Math.round(node.foreignMemory / 1048576)}Mi outside Kubernetes (oom_score_adj 0)`, {
          victim: outsideKubernetesVictim,
          oomScoreAdj: 0,
        });
        node.foreignMemory = 0;
        continue;
      }
      const adj = oomScoreAdj(victim, node.capacityMemory);
      sim.emit('node.oomKiller', `node/${node.name}`, 'truth', `kernel OOM killer on ${node.name}: ${Math.round(this.nodeMemoryUsed(node) / 1048576)}Mi used of ${Math.round(node.capacityMemory / 1048576)}Mi; kills ${victim.name} (oom_score_adj ${adj}, ${victim.template.qos})`, {
        victim: victim.name,
        oomScoreAdj: adj,
        qos: victim.template.qos,
      });
      this.containerExited(victim, node, 'OOMKilled', `node out of memory, oom_score_adj ${adj}`);
    }
    this.scheduleMemoryCheck(node);
  }

  /**
   * The process the kernel picks: highest oom_score_adj + share of memory (oom_badness), among
   * the pods' containers and the memory taken outside Kubernetes (`foreign`, oom_score_adj 0).
   */
  private oomVictim(node: SimNode): SimPod | 'foreign' | undefined {
    let best: SimPod | 'foreign' | undefined = node.foreignMemory > 0 ? 'foreign' : undefined;
    let bestScore = node.foreignMemory > 0 ? (1000 * node.foreignMemory) / node.capacityMemory : -Infinity;
    for (const pod of node.pods) {
      if (!pod.running) continue;
      const score = oomScoreAdj(pod, node.capacityMemory) + (1000 * podMemory(pod, this.sim.now)) / node.capacityMemory;
      if (score > bestScore) {
        bestScore = score;
        best = pod;
      }
    }
    return best;
  }

  /**
   * Kubelet node-pressure eviction, only when a memory.available threshold is configured
   * (K3s sets none by default): every evictionMonitoringPeriod, evict one pod ranked by
   * usage over request, then priority, then usage minus request (calibration.md 1.5).
   */
  private startEvictionLoop(node: SimNode): void {
    const sim = this.sim;
    if (this.evictionLoop.has(node)) return;
    this.evictionLoop.add(node);
    const loop = () => {
      if (!this.evictionLoop.has(node) || !node.powered) return;
      const threshold = sim.settings.evictionHardMemoryAvailable ?? 0;
      const available = node.capacityMemory - this.nodeMemoryUsed(node);
      if (available < threshold) {
        this.pressureSince.set(node, sim.now);
        if (!node.apiMemoryPressure && node.heartbeatHealthy) {
          node.apiMemoryPressure = true;
          sim.emit('node.condition', `node/${node.name}`, 'api', `${node.name} MemoryPressure: ${Math.round(available / 1048576)}Mi available < ${Math.round(threshold / 1048576)}Mi`, { type: 'MemoryPressure', status: 'True' });
          sim.lifecycle.addTaint(node, { key: taintKeys.memoryPressure, effect: 'NoSchedule' });
        }
        const victim = this.evictionVictim(node);
        if (victim) this.evict(victim, node, `memory.available ${Math.round(available / 1048576)}Mi below ${Math.round(threshold / 1048576)}Mi`);
      } else if (node.apiMemoryPressure && sim.now - (this.pressureSince.get(node) ?? 0) >= sim.settings.evictionPressureTransitionPeriod) {
        node.apiMemoryPressure = false;
        sim.emit('node.condition', `node/${node.name}`, 'api', `${node.name} MemoryPressure cleared`, { type: 'MemoryPressure', status: 'False' });
        sim.lifecycle.removeTaint(node, taintKeys.memoryPressure, 'NoSchedule');
      } else if (!node.apiMemoryPressure) {
        this.evictionLoop.delete(node);
        return;
      }
      sim.after(sim.settings.evictionMonitoringPeriod, Priority.kubelet, loop);
    };
    sim.after(0, Priority.kubelet, loop);
  }

  private evictionVictim(node: SimNode): SimPod | undefined {
    const now = this.sim.now;
    const candidates = [...node.pods].filter((p) => p.running && !p.evicted);
    candidates.sort((a, b) => {
      const overA = podMemory(a, now) > a.template.requestMemory ? 1 : 0;
      const overB = podMemory(b, now) > b.template.requestMemory ? 1 : 0;
      if (overA !== overB) return overB - overA;
      if (a.template.priority !== b.template.priority) return a.template.priority - b.template.priority;
      return podMemory(b, now) - b.template.requestMemory - (podMemory(a, now) - a.template.requestMemory) || a.id - b.id;
    });
    return candidates[0];
  }

  /** Kubelet eviction: the pod fails with reason Evicted; its controller replaces it. */
  evict(pod: SimPod, node: SimNode, reason: string): void {
    const sim = this.sim;
    pod.running = false;
    pod.ready = false;
    pod.evicted = true;
    pod.epoch++;
    sim.emit('pod.evicted', sim.podSubject(pod), 'api', `${pod.name} evicted from ${node.name}: ${reason} (${pod.template.qos})`, { node: node.name, qos: pod.template.qos, reason });
    this.report(pod);
    sim.serviceMonitor.markDirty(pod);
    sim.controllers.onPodFailed(pod, 'Evicted');
    this.scheduleMemoryCheck(node);
  }

  /** Disk pressure (a disk-full fault): condition, NoSchedule taint, and evictions of the lowest-priority pods. */
  diskPressure(node: SimNode, full: boolean): void {
    const sim = this.sim;
    node.diskFull = full;
    if (!node.heartbeatHealthy) return;
    if (full && !node.apiDiskPressure) {
      node.apiDiskPressure = true;
      sim.emit('node.condition', `node/${node.name}`, 'api', `${node.name} DiskPressure: nodefs.available below K3s's 5 % threshold`, { type: 'DiskPressure', status: 'True' });
      sim.lifecycle.addTaint(node, { key: taintKeys.diskPressure, effect: 'NoSchedule' });
      const victims = [...node.pods].filter((p) => p.running && p.workload.spec.kind !== 'DaemonSet').sort((a, b) => a.template.priority - b.template.priority || a.id - b.id);
      const victim = victims[0];
      if (victim) this.evict(victim, node, 'nodefs.available below 5 %');
    } else if (!full && node.apiDiskPressure) {
      node.apiDiskPressure = false;
      sim.emit('node.condition', `node/${node.name}`, 'api', `${node.name} DiskPressure cleared`, { type: 'DiskPressure', status: 'False' });
      sim.lifecycle.removeTaint(node, taintKeys.diskPressure, 'NoSchedule');
    }
  }
}
