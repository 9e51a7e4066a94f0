/**
 * Watching a real cluster while a scenario runs: informers (list + watch, re-listed after the
 * API comes back) on Nodes, Pods, EndpointSlices and Leases; a probe of the API itself; a
 * probe container on the cluster's Docker network that asks every Service's endpoints and the
 * Rancher host whether they answer, as a client on the site network would; Docker's event
 * stream for power; and samples of every node container's cgroup. All of it becomes the same
 * timeline events and series the sim engine emits.
 */
import type { Informer, KubeConfig, KubernetesObject, V1EndpointSlice, V1Node, V1Pod } from '@kubernetes/client-node';
import type { Cluster, ClusterNode } from '../../model/cluster.js';
import type { TimelineSeries } from '../../model/timeline.js';
import type { LiveClock } from './clock.js';
import type { Exec, Spawned } from './exec.js';
import { apiReady, loadKubeConfig, startInformers } from './kube-watch.js';
import { WatchTranslator, workloadOf } from './observe.js';
import { dockerEventsArgs } from './probe.js';
import type { RunNames } from './run-names.js';
import { cgroupReader, SeriesSampler, type CgroupReader } from './series.js';
import { ServiceProber } from './service-probe.js';

export type { LiveClock } from './clock.js';

/**
 * Observes one twin-created cluster. `start` once the cluster's kubeconfig exists; `stop` returns
 * what was seen. Probe events carry the time the probe was sent.
 */
export class LiveObserver {
  readonly translator: WatchTranslator;
  private readonly informers: Array<Informer<KubernetesObject>> = [];
  private readonly nodeObjects = new Map<string, V1Node>();
  private readonly podObjects = new Map<string, V1Pod>();
  private readonly slices = new Map<string, V1EndpointSlice>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly sampler: SeriesSampler;
  private readonly powered = new Map<string, boolean>();
  private readonly cgroups = new Map<string, CgroupReader>();
  private dockerEvents: Spawned | null = null;
  private readonly dockerLines: string[] = [];
  private apiUp: boolean | null = null;
  private readonly gatewayUp = new Map<string, boolean>();
  private readonly gatewayAddress = new Map<string, string>();
  private readonly gatewayProbing = new Set<string>();
  /** Wall-clock ms when the API first answered, and when every node was Ready. */
  apiFirstAvailable: number | null = null;
  private stopped = false;
  private readonly prober: ServiceProber;

  constructor(
    private readonly exec: Exec,
    private readonly cluster: Cluster,
    private readonly names: RunNames,
    private readonly origin: number,
    private readonly clock: LiveClock,
    private readonly sampleInterval: number,
  ) {
    this.translator = new WatchTranslator(origin, { serviceOutages: 'probe' });
    this.prober = new ServiceProber(
      exec,
      cluster,
      names,
      clock,
      this.translator,
      this.slices,
      this.nodeObjects,
      () => this.stopped,
      this.timers,
    );
    this.sampler = new SeriesSampler(this.members(), origin);
    for (const node of this.members()) this.powered.set(node.name, true);
  }

  private members(): ClusterNode[] {
    return this.cluster.nodes.filter((n) => n.role === 'server' || n.role === 'agent');
  }

  /** Docker events for ground truth (power), from before the cluster exists; `onLine` sees each as it comes. */
  watchDocker(onLine?: (line: string) => void): void {
    this.dockerEvents = this.exec.spawn('docker', dockerEventsArgs(this.names), (line) => {
      if (!line.trim()) return;
      this.dockerLines.push(line);
      onLine?.(line);
      try {
        const event = JSON.parse(line) as { Type?: string; Action?: string; Actor?: { Attributes?: Record<string, string> } };
        const node = this.members().find((n) => this.names.container(n) === event.Actor?.Attributes?.['name']);
        if (node && event.Type === 'container' && (event.Action === 'start' || event.Action === 'die'))
          this.powered.set(node.name, event.Action === 'start');
      } catch {
        // Not JSON: a docker warning line; ignored.
      }
    });
  }

  /** The pods the API shows now, as the informer last saw them. */
  pods(): Iterable<V1Pod> {
    return this.podObjects.values();
  }

  get rawDockerEvents(): readonly string[] {
    return this.dockerLines;
  }

  /** Informers and probes; the probe container joins the cluster's network. */
  async start(kubeconfigPath: string): Promise<void> {
    const config = loadKubeConfig(kubeconfigPath);
    await startInformers(config, {
      nodeObjects: this.nodeObjects,
      podObjects: this.podObjects,
      slices: this.slices,
      informers: this.informers,
      timers: this.timers,
      translator: this.translator,
      clock: this.clock,
      stopped: () => this.stopped,
    });
    this.timers.push(setInterval(() => void this.probeApi(config), 1000));
    await this.probeApi(config);
    for (const gateway of this.gateways()) {
      this.timers.push(setInterval(() => void this.probeGateway(config, gateway), 1000));
      await this.probeGateway(config, gateway);
    }
    this.timers.push(setInterval(() => this.sample(), this.sampleInterval * 1000));
    const ids = await this.exec(
      'docker',
      ['inspect', '--format', '{{.Name}} {{.Id}}', ...this.members().map((n) => this.names.container(n))],
      { allowFailure: true },
    );
    for (const line of ids.stdout.split('\n')) {
      const [name, id] = line.trim().replace(/^\//, '').split(' ');
      const node = this.members().find((n) => this.names.container(n) === name);
      if (node && id) this.cgroups.set(node.name, cgroupReader(id));
    }
    this.sample();
  }

  /** The probe container, and the Rancher host's address when there is one. */
  async startProbes(rancherContainer: string | null): Promise<void> {
    await this.prober.startProbes(rancherContainer);
  }

  get rancherAddress(): string | null {
    return this.prober.rancherAddress;
  }

  /** Gateways in front of the servers (role external with haproxy): kubectl given their address goes through them. */
  private gateways(): ClusterNode[] {
    return this.cluster.nodes.filter((n) => n.role === 'external' && n.services?.includes('haproxy'));
  }

  /**
   * The API through a gateway, as kubectl given its address sees it: `/readyz` at the gateway container's
   * address, looked up again after every failure (a container started again may get another address).
   */
  private async probeGateway(config: KubeConfig, gateway: ClusterNode): Promise<void> {
    if (this.stopped || this.gatewayProbing.has(gateway.name)) return;
    this.gatewayProbing.add(gateway.name);
    try {
      const at = this.clock.now();
      const name = this.names.external(gateway);
      let address = this.gatewayAddress.get(gateway.name) ?? null;
      if (address === null) {
        const found = await this.exec(
          'docker',
          ['inspect', '--format', `{{with index .NetworkSettings.Networks "${this.names.network}"}}{{.IPAddress}}{{end}}`, name],
          { allowFailure: true },
        );
        address = found.exitCode === 0 ? found.stdout.trim() || null : null;
      }
      const up = address !== null && (await apiReady(config, { address, name }));
      if (up && address) this.gatewayAddress.set(gateway.name, address);
      else this.gatewayAddress.delete(gateway.name);
      const was = this.gatewayUp.get(gateway.name);
      if (this.stopped || up === was) return;
      this.gatewayUp.set(gateway.name, up);
      if (was === undefined && !up) return;
      this.translator.emit(
        at,
        up ? 'gateway.available' : 'gateway.unavailable',
        `node/${gateway.name}`,
        'api',
        up
          ? `the Kubernetes API answers through ${gateway.name} (/readyz)`
          : `the Kubernetes API does not answer through ${gateway.name} (/readyz)`,
      );
    } finally {
      this.gatewayProbing.delete(gateway.name);
    }
  }

  private async probeApi(config: KubeConfig): Promise<void> {
    if (this.stopped) return;
    const at = this.clock.now();
    const up = await apiReady(config);
    if (this.stopped || up === this.apiUp) return;
    const first = this.apiUp === null;
    this.apiUp = up;
    if (up && this.apiFirstAvailable === null) this.apiFirstAvailable = at;
    if (first && !up) return;
    this.translator.emit(
      at,
      up ? 'api.available' : 'api.unavailable',
      'api',
      'api',
      up ? 'the Kubernetes API answers (/readyz)' : 'the Kubernetes API does not answer (/readyz)',
    );
  }

  /** Every workload has its desired pods and every pod that should run is Ready. */
  workloadsSettled(desired: ReadonlyMap<string, number>): boolean {
    const counts = new Map<string, number>();
    for (const pod of this.podObjects.values()) {
      // Finished pods (a Job's completed or failed attempts) have nothing left to become Ready,
      // so they count as settled, as the sim engine's bring-up does (#17 item 6).
      if (pod.metadata?.deletionTimestamp || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
      if (!pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return false;
      const workload = workloadOf(pod);
      counts.set(workload, (counts.get(workload) ?? 0) + 1);
    }
    return [...desired].every(([workload, replicas]) => (counts.get(workload) ?? 0) >= replicas);
  }

  /** The cattle-cluster-agent pod is Ready (its start-up check of Rancher passed). */
  rancherAgentRunning(): boolean {
    return [...this.podObjects.values()].some(
      (p) =>
        p.metadata?.namespace === 'cattle-system' &&
        p.metadata.labels?.['app'] === 'cattle-cluster-agent' &&
        p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
  }

  /** The probe container's address (its requests are not the agent's). */
  get probeAddress(): string | null {
    return this.prober.probeAddress;
  }

  get rancherAvailable(): boolean {
    return this.prober.rancherAvailable;
  }

  private sample(): void {
    if (this.stopped) return;
    this.sampler.sample(this.clock.now(), {
      nodeObjects: this.nodeObjects,
      pods: this.podObjects.values(),
      powered: this.powered,
      cgroups: this.cgroups,
      ready: (node) => this.translator.nodeReady(node) === 'True',
      availability: this.prober.availability,
    });
  }

  /** Stops everything and returns the series. */
  async stop(): Promise<TimelineSeries> {
    if (!this.stopped) this.sample();
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    for (const informer of this.informers) await informer.stop().catch(() => undefined);
    await this.prober.stop();
    await this.dockerEvents?.stop();
    return this.sampler.result(this.sampleInterval);
  }
}
