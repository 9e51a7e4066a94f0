/**
 * A probe container on the cluster's Docker network that asks every Service's endpoints and the
 * Rancher host whether they answer, as a client on the site network would; the answers become
 * service outages and Rancher's availability on the timeline.
 */
import type { V1EndpointSlice, V1Node } from '@kubernetes/client-node';
import type { Cluster } from '../../model/cluster.js';
import type { LiveClock } from './clock.js';
import { ensureStandInImage } from './docker.js';
import type { Exec, Spawned } from './exec.js';
import type { WatchTranslator } from './observe.js';
import { probeRunArgs, probeShellArgs } from './probe.js';
import type { RunNames } from './run-names.js';

interface ProbeTarget {
  readonly service: string;
  readonly ip: string;
  readonly port: number;
}

/** The probe rounds of one live run. Probe events carry the time the probe was sent. */
export class ServiceProber {
  /** Share of each Service's endpoints that answered the last round. */
  readonly availability = new Map<string, number>();
  private readonly outage = new Map<string, boolean>();
  private probeShell: Spawned | null = null;
  private readonly routes = new Map<string, string>();
  private round = 0;
  private readonly pending = new Map<number, { at: number; results: Map<string, boolean[]>; rancher: boolean | null }>();
  private rancherUp: boolean | null = null;
  private rancherIp: string | null = null;
  private probeIp: string | null = null;

  constructor(
    private readonly exec: Exec,
    private readonly cluster: Cluster,
    private readonly names: RunNames,
    private readonly clock: LiveClock,
    private readonly translator: WatchTranslator,
    /** The EndpointSlices and Nodes the informers see. */
    private readonly slices: ReadonlyMap<string, V1EndpointSlice>,
    private readonly nodeObjects: ReadonlyMap<string, V1Node>,
    /** Whether the observer has stopped. */
    private readonly stopped: () => boolean,
    /** The observer's timers, cleared when it stops. */
    private readonly timers: NodeJS.Timeout[],
  ) {}

  private get probeName(): string {
    return this.names.probe;
  }

  /** The probe container, and the Rancher host's address when there is one. */
  async startProbes(rancherContainer: string | null): Promise<void> {
    const network = this.names.network;
    await this.exec('docker', ['rm', '-f', this.probeName], { allowFailure: true });
    await ensureStandInImage(this.exec);
    await this.exec('docker', probeRunArgs(this.cluster, this.names));
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
    this.probeShell = this.exec.spawn('docker', probeShellArgs(this.names), (line) => this.probeLine(line));
    this.timers.push(setInterval(() => this.probeRound(), 2000));
    this.probeRound();
  }

  get rancherAddress(): string | null {
    return this.rancherIp;
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
    if (this.stopped() || !this.probeShell) return;
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
      if (!this.stopped()) this.judgeRound(round);
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

  /** The probe container's address (its requests are not the agent's). */
  get probeAddress(): string | null {
    return this.probeIp;
  }

  get rancherAvailable(): boolean {
    return this.rancherUp === true;
  }

  /** Ends the probe container's shell. */
  async stop(): Promise<void> {
    await this.probeShell?.stop();
  }
}
