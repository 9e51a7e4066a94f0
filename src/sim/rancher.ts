/**
 * Rancher on its own host and the cattle-cluster-agent inside the cluster. Rancher down
 * means its UI and management are gone; the agent loses its tunnel and keeps retrying;
 * workloads are untouched (rancher-docs faq/rancher-is-no-longer-needed; calibration.md 3).
 */
import type { RancherContext, RancherPort } from './context.js';
import { Priority } from './priority.js';
import type { SimNode, SimPod } from './state.js';

export class Rancher implements RancherPort {
  running = false;
  private starting = false;
  private connected = false;
  private agent: SimPod | null = null;
  private epoch = 0;

  constructor(private readonly ctx: RancherContext) {}

  private host(): SimNode | undefined {
    const name = this.ctx.world.cluster.rancher?.node;
    return name ? this.ctx.world.nodeByName.get(name) : undefined;
  }

  get available(): boolean {
    const host = this.host();
    return this.running && !!host && host.powered;
  }

  startServer(): void {
    const ctx = this.ctx;
    const host = this.host();
    if (!host || !host.booted || this.running || this.starting) return;
    this.starting = true;
    const epoch = ++this.epoch;
    ctx.env.after(ctx.jitter(ctx.settings.rancherStartTime), Priority.truth, () => {
      this.starting = false;
      if (epoch !== this.epoch || !host.powered) return;
      this.running = true;
      ctx.emit(
        'rancher.available',
        'rancher',
        'truth',
        `Rancher ${ctx.world.cluster.rancher?.version ?? ''} UI and API available on ${host.name}`,
      );
      ctx.bringUp.onRancherAvailable();
      this.refresh();
    });
  }

  stopServer(reason: string): void {
    this.epoch++;
    this.starting = false;
    if (!this.running) return;
    this.running = false;
    this.ctx.emit(
      'rancher.unavailable',
      'rancher',
      'truth',
      `Rancher unavailable (${reason}): UI and cluster management unavailable; workloads unaffected`,
    );
    this.refresh();
  }

  reachableFrom(node: SimNode): boolean {
    const host = this.host();
    return this.available && !!host && host.partition === node.partition;
  }

  onAgentConnected(pod: SimPod): void {
    this.agent = pod;
    if (this.connected) return;
    this.connected = true;
    this.ctx.emit('rancher.agentConnected', 'rancher', 'truth', `cattle-cluster-agent ${pod.name} connected to Rancher`);
  }

  onAgentStopped(): void {
    if (!this.connected) return;
    this.connected = false;
    this.ctx.emit('rancher.agentDisconnected', 'rancher', 'truth', 'cattle-cluster-agent tunnel to Rancher closed');
  }

  /** Re-evaluates the agent's tunnel after Rancher or network changes; a running agent reconnects in its own retry loop. */
  refresh(): void {
    const ctx = this.ctx;
    const agent = this.agent;
    if (!agent || !agent.running || !agent.nodeName) return;
    const node = ctx.world.nodeByName.get(agent.nodeName);
    if (!node) return;
    const reachable = this.reachableFrom(node);
    if (!reachable && this.connected) {
      this.connected = false;
      ctx.emit(
        'rancher.agentDisconnected',
        'rancher',
        'truth',
        `cattle-cluster-agent lost its tunnel to Rancher; retrying (pod keeps running)`,
      );
    } else if (reachable && !this.connected) {
      const epoch = agent.epoch;
      ctx.env.after(ctx.settings.rancherAgentConnectTime, Priority.kubelet, () => {
        if (agent.epoch === epoch && agent.running && this.reachableFrom(node)) this.onAgentConnected(agent);
      });
    }
  }
}
