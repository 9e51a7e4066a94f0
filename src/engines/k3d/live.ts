/**
 * Watching a real cluster while a scenario runs: informers (list + watch, re-listed after the
 * API comes back) on Nodes, Pods, EndpointSlices and Leases; a probe of the API itself; a
 * probe container on the cluster's Docker network that asks every Service's endpoints and the
 * Rancher host whether they answer, as a client on the site network would; Docker's event
 * stream for power; and samples of every node container's cgroup. All of it becomes the same
 * timeline events and series the sim engine emits.
 */
import { request } from 'node:https';
import {
  CoreV1Api,
  CoordinationV1Api,
  DiscoveryV1Api,
  KubeConfig,
  makeInformer,
  type Informer,
  type KubernetesObject,
  type V1EndpointSlice,
  type V1Node,
  type V1Pod,
} from '@kubernetes/client-node';
import type { Cluster, ClusterNode } from '../../model/cluster.js';
import type { TimelineSeries } from '../../model/timeline.js';
import { containerName, k3dClusterName } from './config.js';
import { ensureStandInImage } from './docker.js';
import type { Exec, Spawned } from './exec.js';
import { WatchTranslator, workloadOf } from './observe.js';
import { dockerEventsArgs, probeContainer, probeRunArgs, probeShellArgs } from './probe.js';
import { cgroupReader, SeriesSampler, type CgroupReader } from './series.js';

export interface LiveClock {
  now(): number;
}

/** The Kubernetes API answers `/readyz` within two seconds. */
async function apiReady(config: KubeConfig): Promise<boolean> {
  const server = config.getCurrentCluster()?.server;
  if (!server) return false;
  const options: Parameters<typeof request>[1] = { method: 'GET', timeout: 2000 };
  await config.applyToHTTPSOptions(options);
  return new Promise((resolve) => {
    const req = request(new URL('/readyz', server.replace('://0.0.0.0:', '://127.0.0.1:')), options, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

interface ProbeTarget {
  readonly service: string;
  readonly ip: string;
  readonly port: number;
}

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
  private readonly availability = new Map<string, number>();
  private readonly outage = new Map<string, boolean>();
  private probeShell: Spawned | null = null;
  private dockerEvents: Spawned | null = null;
  private readonly dockerLines: string[] = [];
  private readonly routes = new Map<string, string>();
  private round = 0;
  private readonly pending = new Map<number, { at: number; results: Map<string, boolean[]>; rancher: boolean | null }>();
  private apiUp: boolean | null = null;
  private rancherUp: boolean | null = null;
  private rancherIp: string | null = null;
  private probeIp: string | null = null;
  /** Wall-clock ms when the API first answered, and when every node was Ready. */
  apiFirstAvailable: number | null = null;
  private stopped = false;

  constructor(
    private readonly exec: Exec,
    private readonly cluster: Cluster,
    private readonly origin: number,
    private readonly clock: LiveClock,
    private readonly sampleInterval: number,
  ) {
    this.translator = new WatchTranslator(origin, { serviceOutages: 'probe' });
    this.sampler = new SeriesSampler(this.members(), origin);
    for (const node of this.members()) this.powered.set(node.name, true);
  }

  private members(): ClusterNode[] {
    return this.cluster.nodes.filter((n) => n.role === 'server' || n.role === 'agent');
  }

  private get probeName(): string {
    return probeContainer(this.cluster);
  }

  /** Docker events for ground truth (power), from before the cluster exists; `onLine` sees each as it comes. */
  watchDocker(onLine?: (line: string) => void): void {
    this.dockerEvents = this.exec.spawn('docker', dockerEventsArgs, (line) => {
      if (!line.trim()) return;
      this.dockerLines.push(line);
      onLine?.(line);
      try {
        const event = JSON.parse(line) as { Type?: string; Action?: string; Actor?: { Attributes?: Record<string, string> } };
        const node = this.members().find((n) => containerName(this.cluster, n) === event.Actor?.Attributes?.['name']);
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
    const config = new KubeConfig();
    config.loadFromFile(kubeconfigPath);
    const cluster = config.getCurrentCluster();
    if (cluster?.server.includes('://0.0.0.0:')) {
      // k3d writes 0.0.0.0 as the server address; connect over loopback.
      config.clusters = config.clusters.map((c) => ({ ...c, server: c.server.replace('://0.0.0.0:', '://127.0.0.1:') }));
    }
    const core = config.makeApiClient(CoreV1Api);
    const discovery = config.makeApiClient(DiscoveryV1Api);
    const coordination = config.makeApiClient(CoordinationV1Api);
    const watched: Array<
      [
        string,
        string,
        () => Promise<{ items: KubernetesObject[]; metadata?: { resourceVersion?: string } }>,
        Map<string, KubernetesObject> | null,
      ]
    > = [
      ['/api/v1/nodes', 'Node', () => core.listNode(), this.nodeObjects as Map<string, KubernetesObject>],
      ['/api/v1/pods', 'Pod', () => core.listPodForAllNamespaces(), this.podObjects as Map<string, KubernetesObject>],
      [
        '/apis/discovery.k8s.io/v1/endpointslices',
        'EndpointSlice',
        () => discovery.listEndpointSliceForAllNamespaces(),
        this.slices as Map<string, KubernetesObject>,
      ],
      [
        '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases',
        'Lease',
        () => coordination.listNamespacedLease({ namespace: 'kube-system' }),
        null,
      ],
    ];
    for (const [path, kind, list, store] of watched) {
      const informer = makeInformer<KubernetesObject>(config, path, list);
      const key = (o: KubernetesObject) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
      const seen = (type: 'ADDED' | 'MODIFIED' | 'DELETED') => (object: KubernetesObject) => {
        if (type === 'DELETED') store?.delete(key(object));
        else store?.set(key(object), object);
        this.translator.translate(type, { ...object, kind }, this.clock.now());
      };
      informer.on('add', seen('ADDED'));
      informer.on('update', seen('MODIFIED'));
      informer.on('delete', seen('DELETED'));
      // The watch breaks while the API is down: start again (re-list, then watch) until stopped.
      informer.on('error', () => {
        if (!this.stopped) this.timers.push(setTimeout(() => void informer.start().catch(() => undefined), 2000));
      });
      this.informers.push(informer);
      await informer.start().catch(() => undefined);
    }
    this.timers.push(setInterval(() => void this.probeApi(config), 1000));
    await this.probeApi(config);
    this.timers.push(setInterval(() => this.sample(), this.sampleInterval * 1000));
    const ids = await this.exec(
      'docker',
      ['inspect', '--format', '{{.Name}} {{.Id}}', ...this.members().map((n) => containerName(this.cluster, n))],
      { allowFailure: true },
    );
    for (const line of ids.stdout.split('\n')) {
      const [name, id] = line.trim().replace(/^\//, '').split(' ');
      const node = this.members().find((n) => containerName(this.cluster, n) === name);
      if (node && id) this.cgroups.set(node.name, cgroupReader(id));
    }
    this.sample();
  }

  /** The probe container, and the Rancher host's address when there is one. */
  async startProbes(rancherContainer: string | null): Promise<void> {
    const network = `${k3dClusterName(this.cluster)}-net`;
    await this.exec('docker', ['rm', '-f', this.probeName], { allowFailure: true });
    await ensureStandInImage(this.exec);
    await this.exec('docker', probeRunArgs(this.cluster));
    this.probeIp =
      (
        await this.exec('docker', ['inspect', '--format', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, this.probeName])
      ).stdout.trim() || null;
    if (rancherContainer)
      this.rancherIp =
        (
          await this.exec('docker', [
            'inspect',
            '--format',
            `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`,
            rancherContainer,
          ])
        ).stdout.trim() || null;
    this.probeShell = this.exec.spawn('docker', probeShellArgs(this.cluster), (line) => this.probeLine(line));
    this.timers.push(setInterval(() => this.probeRound(), 2000));
    this.probeRound();
  }

  get rancherAddress(): string | null {
    return this.rancherIp;
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

  /** What to ask this round: every ready endpoint of every Service (the addresses kube-proxy would send a request to). */
  private targets(): ProbeTarget[] {
    const out: ProbeTarget[] = [];
    for (const slice of this.slices.values()) {
      const service = slice.metadata?.labels?.['kubernetes.io/service-name'];
      const port = slice.ports?.[0]?.port;
      if (!service || !port || (slice.metadata?.namespace === 'default' && service === 'kubernetes')) continue;
      for (const endpoint of slice.endpoints ?? []) {
        if (endpoint.conditions?.ready === false) continue;
        for (const ip of endpoint.addresses ?? []) out.push({ service: `${slice.metadata?.namespace ?? 'default'}/${service}`, ip, port });
      }
    }
    // Services whose slices list no ready endpoint at all are probed as unavailable.
    for (const slice of this.slices.values()) {
      const service = slice.metadata?.labels?.['kubernetes.io/service-name'];
      if (!service || (slice.metadata?.namespace === 'default' && service === 'kubernetes')) continue;
      const key = `${slice.metadata?.namespace ?? 'default'}/${service}`;
      if (!out.some((t) => t.service === key)) out.push({ service: key, ip: '', port: 0 });
    }
    return out;
  }

  private probeRound(): void {
    if (this.stopped || !this.probeShell) return;
    const round = ++this.round;
    const lines: string[] = [];
    // Pod networks are routed through their node, as flannel's host-gw does between nodes.
    for (const node of this.nodeObjects.values()) {
      const cidr = node.spec?.podCIDR;
      const ip = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
      if (!cidr || !ip || this.routes.get(cidr) === ip) continue;
      this.routes.set(cidr, ip);
      lines.push(`ip route replace ${cidr} via ${ip} 2>/dev/null`);
    }
    const results = new Map<string, boolean[]>();
    for (const target of this.targets()) {
      results.set(target.service, results.get(target.service) ?? []);
      if (!target.ip) continue;
      // A TCP connection accepted within a second counts as answered.
      const answered = `nc -w 1 ${target.ip} ${target.port} </dev/null >/dev/null 2>&1`;
      lines.push(`(if ${answered}; then echo "P ${round} svc ${target.service} 1"; else echo "P ${round} svc ${target.service} 0"; fi) &`);
    }
    if (this.rancherIp) {
      const answered = `timeout 1 wget -q -O /dev/null http://${this.rancherIp}/ping 2>/dev/null`;
      lines.push(`(if ${answered}; then echo "P ${round} rancher 1"; else echo "P ${round} rancher 0"; fi) &`);
    }
    lines.push(`wait; echo "P ${round} end"`);
    this.pending.set(round, { at: this.clock.now(), results, rancher: null });
    this.probeShell.write(`${lines.join('\n')}\n`);
  }

  private probeLine(line: string): void {
    const [tag, roundText, what, ...rest] = line.trim().split(' ');
    if (tag !== 'P') return;
    const round = this.pending.get(Number(roundText));
    if (!round) return;
    if (what === 'svc') round.results.get(rest[0] ?? '')?.push(rest[1] === '1');
    else if (what === 'rancher') round.rancher = rest[0] === '1';
    else if (what === 'end') {
      this.pending.delete(Number(roundText));
      if (!this.stopped) this.judgeRound(round);
    }
  }

  private judgeRound(round: { at: number; results: Map<string, boolean[]>; rancher: boolean | null }): void {
    for (const [service, answers] of round.results) {
      const share = answers.length ? answers.filter(Boolean).length / answers.length : 0;
      this.availability.set(service, share);
      const down = share === 0;
      const before = this.outage.get(service);
      // A service counts once it has answered; before that it is still coming up.
      if (before === undefined) {
        if (!down) this.outage.set(service, false);
        continue;
      }
      if (before === down) continue;
      this.outage.set(service, down);
      const served = answers.filter(Boolean).length;
      this.translator.emit(
        round.at,
        down ? 'service.outageStarted' : 'service.outageEnded',
        `service/${service}`,
        'truth',
        down
          ? `service ${service}: no endpoint answers from the site network (${answers.length} tried)`
          : `service ${service} answers again (${served} of ${answers.length} endpoint(s))`,
        { endpoints: answers.length, served },
      );
    }
    if (round.rancher !== null && round.rancher !== this.rancherUp) {
      this.rancherUp = round.rancher;
      this.translator.emit(
        round.at,
        round.rancher ? 'rancher.available' : 'rancher.unavailable',
        'rancher',
        'truth',
        round.rancher ? 'Rancher answers /ping' : 'Rancher does not answer /ping: UI and cluster management unavailable',
      );
    }
  }

  /** Every workload has its desired pods and every pod that should run is Ready. */
  workloadsSettled(desired: ReadonlyMap<string, number>): boolean {
    const counts = new Map<string, number>();
    for (const pod of this.podObjects.values()) {
      if (pod.metadata?.deletionTimestamp || pod.status?.phase === 'Succeeded') continue;
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
    return this.probeIp;
  }

  get rancherAvailable(): boolean {
    return this.rancherUp === true;
  }

  private sample(): void {
    if (this.stopped) return;
    this.sampler.sample(this.clock.now(), {
      nodeObjects: this.nodeObjects,
      pods: this.podObjects.values(),
      powered: this.powered,
      cgroups: this.cgroups,
      ready: (node) => this.translator.nodeReady(node) === 'True',
      availability: this.availability,
    });
  }

  /** Stops everything and returns the series. */
  async stop(): Promise<TimelineSeries> {
    if (!this.stopped) this.sample();
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    for (const informer of this.informers) await informer.stop().catch(() => undefined);
    await this.probeShell?.stop();
    await this.dockerEvents?.stop();
    return this.sampler.result(this.sampleInterval);
  }
}
