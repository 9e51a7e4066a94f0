/**
 * The machines as ground truth: power, boot, the OS preparation and k3s download of the
 * install scripts, the k3s service (start, stop, restarts by systemd) and the server's
 * refusal of a join (token, version skew). What the API makes of it is elsewhere.
 */
import type { MachinesContext, MachinesPort } from './context.js';
import { linkRate } from './link.js';
import { Priority } from './priority.js';
import { gracefulShutdownEnabled } from './shutdown.js';
import type { SimNode } from './state.js';
import { kubeletSwapRefusal } from './swap.js';

export class Machines implements MachinesPort {
  /** Nodes that went through OS preparation / have the k3s binary (both survive reboots). */
  private readonly prepared = new Set<SimNode>();
  private readonly installed = new Set<SimNode>();
  /**
   * Nodes whose k3s can never come up, and why, reported once: the server refused the join (token or
   * version), or the node's memory cannot hold the OS and its k3s process.
   */
  readonly joinRejected = new Map<string, string>();
  /** Orderly shutdowns waiting for the kubelet's graceful node shutdown, ended by a power loss. */
  private readonly shutdowns = new Map<SimNode, symbol>();

  constructor(private readonly ctx: MachinesContext) {}

  powerOn(node: SimNode, reason: string): void {
    const ctx = this.ctx;
    if (node.powered) return;
    node.powered = true;
    node.usageChanged = true;
    node.epoch++;
    const epoch = node.epoch;
    ctx.emit('node.power', `node/${node.name}`, 'truth', `${node.name} powered on (${reason})`, { on: true });
    const boot = ctx.jitter(node.measuredTimes.bootTime ?? node.spec.profile.spec.bootTime.value);
    ctx.env.after(boot, Priority.truth, () => {
      if (node.epoch !== epoch) return;
      node.booted = true;
      ctx.emit('node.booted', `node/${node.name}`, 'truth', `${node.name} booted after ${boot.toFixed(1)} s`);
      this.onBooted(node);
    });
  }

  private onBooted(node: SimNode): void {
    const ctx = this.ctx;
    if (node.spec.role === 'rancher') {
      ctx.rancher.startServer();
      return;
    }
    if (!node.inCluster) {
      ctx.controlPlane.refresh();
      ctx.probes.refreshDependencies();
      return;
    }
    const epoch = node.epoch;
    if (ctx.world.cluster.bringUp.prepareOs && !this.prepared.has(node)) {
      // The install scripts enable memory cgroups (cmdline.txt) and reboot before K3s (calibration.md 2.5).
      ctx.env.after(ctx.jitter(ctx.settings.osPreparationTime / node.cpuFactor), Priority.truth, () => {
        if (node.epoch !== epoch) return;
        this.prepared.add(node);
        ctx.emit('bringup.step', `node/${node.name}`, 'truth', `${node.name}: OS prepared (memory cgroups enabled); rebooting`, {
          step: 'os-prepared',
          node: node.name,
        });
        this.powerOff(node, 'reboot after enabling cgroups');
        this.powerOn(node, 'reboot after enabling cgroups');
      });
      return;
    }
    if (ctx.world.cluster.bringUp.downloadK3s && !this.installed.has(node)) {
      const rate = Math.max(1, Math.min(linkRate(node.link, node.spec.network.throughput.value), ctx.settings.internetBandwidth));
      const seconds = ctx.settings.k3sBinarySize / rate;
      ctx.env.after(ctx.jitter(seconds), Priority.truth, () => {
        if (node.epoch !== epoch) return;
        this.installed.add(node);
        ctx.emit(
          'bringup.step',
          `node/${node.name}`,
          'truth',
          `${node.name}: k3s ${node.spec.k3sVersion} downloaded in ${seconds.toFixed(1)} s`,
          { step: 'k3s-downloaded', node: node.name },
        );
        this.onBooted(node);
      });
      return;
    }
    // Joining servers wait for the first one (the install script needs its token and API).
    if (node.isServer && node !== ctx.world.servers[0] && ctx.bringUp.state.apiFirstAvailable === null) return;
    this.startK3s(node);
  }

  /** Why the first server refuses this node's join, or null (token, version skew policy). */
  private joinRefusal(node: SimNode): string | null {
    const first = this.ctx.world.servers[0];
    if (!first || node === first) return null;
    const token = node.spec.token;
    const serverToken = first.spec.token;
    if (token !== undefined && serverToken !== undefined && token !== serverToken) return 'the server rejects its token (401 Unauthorized)';
    const skew = minorVersion(node.spec.k3sVersion) - minorVersion(first.spec.k3sVersion);
    if (node.isServer && Math.abs(skew) > 1)
      return `servers may differ by one minor version at most (${node.spec.k3sVersion} vs ${first.spec.k3sVersion})`;
    // Version skew policy: a kubelet may not be newer than the API server, and at most 3 minors older
    // (K8sDocs releases/version-skew-policy).
    if (!node.isServer && skew > 0) return `its kubelet ${node.spec.k3sVersion} is newer than the API server ${first.spec.k3sVersion}`;
    if (!node.isServer && skew < -3)
      return `its kubelet ${node.spec.k3sVersion} is more than 3 minor versions older than the API server ${first.spec.k3sVersion}`;
    return null;
  }

  startK3s(node: SimNode): void {
    const ctx = this.ctx;
    if (!node.powered || !node.booted || node.k3s !== 'stopped') return;
    node.k3s = 'starting';
    node.usageChanged = true;
    const epoch = node.epoch;
    ctx.emit('node.k3s', `node/${node.name}`, 'truth', `k3s ${node.isServer ? 'server' : 'agent'} starting on ${node.name}`, {
      state: 'starting',
    });
    const start =
      node.measuredTimes.k3sStart ?? (node.isServer ? ctx.settings.k3sServerStartTime : ctx.settings.k3sAgentStartTime) / node.cpuFactor;
    ctx.env.after(ctx.jitter(start), Priority.truth, () => {
      if (node.epoch !== epoch || node.k3s !== 'starting') return;
      this.k3sStarted(node);
    });
  }

  /**
   * Why k3s cannot run in this node's memory, or null: the OS and the k3s server (with etcd) or agent
   * take at least all of it (the figures of `osMemoryUsage` and `k3s*Memory`, K3sDocs
   * reference/resource-profiling; calibration.md 2.4), so the kernel kills k3s while it starts.
   */
  private memoryRefusal(node: SimNode): string | null {
    if (node.overheadMemory < node.capacityMemory) return null;
    const mi = (bytes: number) => `${Math.round(bytes / 1048576)} MiB`;
    const role = node.isServer ? 'server' : 'agent';
    return (
      `the OS and the k3s ${role} need about ${mi(node.overheadMemory)} and ${node.spec.profile.metadata.displayName} ` +
      `has ${mi(node.capacityMemory)} usable: k3s is OOM-killed while starting and the node never becomes Ready`
    );
  }

  private k3sStarted(node: SimNode): void {
    const ctx = this.ctx;
    const tooSmall = this.memoryRefusal(node);
    if (tooSmall) {
      if (!this.joinRejected.has(node.name)) {
        this.joinRejected.set(node.name, tooSmall);
        ctx.emit('bringup.step', `node/${node.name}`, 'truth', `${node.name} cannot run k3s: ${tooSmall}; systemd keeps restarting it`, {
          step: 'k3s-out-of-memory',
          node: node.name,
          reason: tooSmall,
          needed: node.overheadMemory,
          available: node.capacityMemory,
        });
      }
      const epoch = node.epoch;
      ctx.env.after(5, Priority.truth, () => {
        if (node.epoch === epoch && node.k3s === 'starting') this.k3sStarted(node);
      });
      return;
    }
    // K3s runs the kubelet in its own process and exits when it fails (K3s pkg/daemons/executor/embed.go).
    const swapRefusal = kubeletSwapRefusal(node, ctx.settings);
    if (swapRefusal) {
      if (!this.joinRejected.has(node.name)) {
        this.joinRejected.set(node.name, swapRefusal);
        ctx.emit('bringup.step', `node/${node.name}`, 'truth', `${node.name}: ${swapRefusal}`, {
          step: 'kubelet-swap-refused',
          node: node.name,
          reason: swapRefusal,
        });
      }
      const epoch = node.epoch;
      ctx.env.after(5, Priority.truth, () => {
        if (node.epoch === epoch && node.k3s === 'starting') this.k3sStarted(node);
      });
      return;
    }
    const refusal = this.joinRefusal(node);
    if (refusal) {
      if (!this.joinRejected.has(node.name)) {
        this.joinRejected.set(node.name, refusal);
        ctx.emit('bringup.step', `node/${node.name}`, 'truth', `${node.name} cannot join: ${refusal}; k3s keeps restarting`, {
          step: 'join-rejected',
          node: node.name,
          reason: refusal,
        });
      }
      const epoch = node.epoch;
      ctx.env.after(5, Priority.truth, () => {
        if (node.epoch === epoch && node.k3s === 'starting') this.k3sStarted(node);
      });
      return;
    }
    if (!node.isServer && (!ctx.controlPlane.nodeReachesApi(node, true) || !this.registrationReachable(node))) {
      // An agent cannot start without a server to join; systemd restarts it (Restart=always,
      // RestartSec=5s in the K3s install script's unit; issue k3s-io/k3s#10036). A first join goes
      // through the registration address; later starts use the servers the agent learned.
      const epoch = node.epoch;
      ctx.env.after(5, Priority.truth, () => {
        if (node.epoch === epoch && node.k3s === 'starting') this.k3sStarted(node);
      });
      return;
    }
    node.k3s = 'running';
    node.learnedServers = true;
    node.usageChanged = true;
    ctx.emit('node.k3s', `node/${node.name}`, 'truth', `k3s ${node.isServer ? 'server' : 'agent'} running on ${node.name}`, {
      state: 'running',
    });
    ctx.kubelets.onKubeletStarted(node);
    ctx.diskPressure.onKubeletStarted(node);
    ctx.controlPlane.refresh(node);
  }

  /**
   * Whether an agent's k3s can reach what it must to start: after its first join, the servers it learned
   * (nodeReachesApi); before it, the registration address as well — a server running K3s, or a gateway
   * machine that is up (K3s pkg/agent/loadbalancer keeps the address as the default server and persists the rest).
   */
  private registrationReachable(node: SimNode): boolean {
    if (node.learnedServers) return true;
    const target = this.ctx.world.nodeByName.get(this.ctx.world.cluster.k3s.registrationNode);
    if (!target || target.partition !== node.partition) return false;
    return target.spec.role === 'server' ? target.powered && target.k3s === 'running' : target.booted;
  }

  /**
   * Stops the k3s service: the kubelet and, on a server, the API and controllers.
   * Containers keep running (K3s's killall script is not run).
   */
  stopK3s(node: SimNode, reason: string): void {
    if (node.k3s === 'stopped') return;
    node.k3s = 'stopped';
    node.usageChanged = true;
    node.epoch++;
    this.kubeletGone(node);
    this.ctx.emit('node.k3s', `node/${node.name}`, 'truth', `k3s stopped on ${node.name} (${reason})`, { state: 'stopped' });
    this.ctx.controlPlane.refresh(node);
  }

  /**
   * The kubelet's process is gone (K3s stopped, or the power): what it had in hand goes with it. Image
   * pulls (their link and disk released), container creations, terminations and the back-offs live in
   * its process (KK pkg/kubelet/kubelet.go NewMainKubelet: backOff; images/image_manager.go its own).
   * Running containers stay. The next kubelet starts every pod it finds not running, finishes the
   * deletions (onApiReachable) and, remembering no back-off, restarts the next exit at once.
   */
  private kubeletGone(node: SimNode): void {
    node.pulling.clear();
    node.networkFreeAt = Math.min(node.networkFreeAt, this.ctx.env.now);
    node.diskFreeAt = Math.min(node.diskFreeAt, this.ctx.env.now);
    for (const pod of node.pods) {
      pod.restartBackoff = 0;
      pod.imageBackoff = 0;
      if (pod.succeeded || pod.evicted || (pod.running && pod.deletionRequestedAt === null)) continue;
      pod.epoch++;
      if (pod.deletionRequestedAt === null) pod.waitingReason = '';
    }
  }

  powerOff(node: SimNode, reason: string): void {
    const ctx = this.ctx;
    if (!node.powered) return;
    node.powered = false;
    node.usageChanged = true;
    node.booted = false;
    this.shutdowns.delete(node);
    node.k3s = 'stopped';
    node.epoch++;
    this.kubeletGone(node);
    const how = /^(reboot|shutdown)/.test(reason) ? 'shut down' : 'lost power';
    ctx.emit('node.power', `node/${node.name}`, 'truth', `${node.name} ${how} (${reason})`, { on: false });
    ctx.kubelets.onNodeDown(node);
    if (node.spec.role === 'rancher') ctx.rancher.stopServer('host powered off');
    ctx.controlPlane.refresh(node);
    // Pods whose readiness needs this machine (twin.dev/depends-on: a database, an NFS server) fail their probes.
    if (!node.inCluster) ctx.probes.refreshDependencies();
  }

  /** Orderly reboot: shutdown, then power cycle and boot. */
  reboot(node: SimNode): void {
    this.shutdown(node, 'reboot', true);
  }

  /**
   * Orderly shutdown (`systemctl poweroff` / `reboot`): with graceful node shutdown on, the kubelet
   * first terminates its pods (shutdown.ts); then systemd stops k3s (its unit's KillMode=process
   * leaves the containers, which end with the machine) and the machine powers off after
   * `shutdownTime`; a reboot boots it again.
   */
  shutdown(node: SimNode, reason: string, reboot: boolean): void {
    if (!node.powered) return;
    const proceed = () => {
      this.stopK3s(node, reason);
      const epoch = node.epoch;
      this.ctx.env.after(this.ctx.settings.shutdownTime, Priority.truth, () => {
        if (node.epoch !== epoch) return;
        this.powerOff(node, reason);
        if (reboot) this.powerOn(node, reason);
      });
    };
    if (!gracefulShutdownEnabled(this.ctx) || node.k3s !== 'running') return proceed();
    const token = Symbol(reason);
    this.shutdowns.set(node, token);
    this.ctx.kubelets.shutDownPods(node, () => {
      // The inhibitor lock is released (pods done, or the kubelet gone): systemd goes on, unless power went first.
      if (this.shutdowns.get(node) !== token) return;
      this.shutdowns.delete(node);
      proceed();
    });
  }
}

const minors = new Map<string, number>();

/** The minor of a `v1.N…` version (0 when it is not one), parsed once per version string: a join is judged at every K3s start. */
function minorVersion(version: string): number {
  let minor = minors.get(version);
  if (minor === undefined) {
    minor = Number(/^v1\.(\d+)/.exec(version)?.[1] ?? 0);
    minors.set(version, minor);
  }
  return minor;
}
