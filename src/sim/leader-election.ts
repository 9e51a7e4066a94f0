/**
 * Leader election of kube-controller-manager and kube-scheduler, one Lease each
 * (kube-system/kube-controller-manager, kube-system/kube-scheduler). Every K3s server runs both
 * components; only the holder of a Lease acts (K3s keeps the upstream leader election and its
 * timings: pkg/daemons/control/server.go adds only `--leader-elect=false` for `NoLeaderElect`).
 *
 * What client-go's leader elector does (KK staging/src/k8s.io/client-go/tools/leaderelection/
 * leaderelection.go, tryAcquireOrRenew / renew), as modelled here:
 * - the holder renews every retryPeriod while its API server answers; renewals are analytic
 *   (anchor + k × retryPeriod), so no event is needed per renewal;
 * - a holder that cannot renew for renewDeadline gives up (OnStoppedLeading), and both components
 *   then exit the process (`klog.FlushAndExit`, KK cmd/kube-controller-manager/app/controllermanager.go,
 *   cmd/kube-scheduler/app/server.go): in K3s they run inside the k3s process, so k3s exits and
 *   systemd restarts it;
 * - a candidate may take a held Lease only leaseDuration after it first observed the current
 *   renewTime (observedTime is the candidate's own clock), then on its next retry tick; a freshly
 *   started candidate has observed nothing, so it waits a full leaseDuration from its start even when
 *   the old holder is long gone (each process has a new identity, hostname_UUID);
 * - a Lease that does not exist yet is created, and so taken, on the first try.
 * Defaults 15 s / 10 s / 2 s: calibration.md 1.7 and §7 (settings leaderElection*).
 *
 * With SQLite there is no election at all: kine reports that a SQLite datastore needs none
 * (kine pkg/endpoint/endpoint.go: `case SQLiteBackend: leaderElect = false`) and K3s then starts
 * the controller-manager, the scheduler and its own controllers with `--leader-elect=false`
 * (k3s pkg/cluster/cluster.go: `NoLeaderElect = !etcdConfig.LeaderElect`, "Single-node datastores
 * like sqlite don't require leader election"). No Lease exists, none is waited for: the components
 * act as soon as their server's API answers, and a slow disk cannot make them give up. The k3d runs
 * agree: after a 3-minute k3s stop on SQLite the controller-manager marked a lost node NotReady 44 s
 * after the API returned, the 40 s grace period and no Lease wait (docs/model-vs-real.md).
 */
import type { LeaderElectionContext, LeaderElectionPort, LeaseComponent } from './context.js';
import { Priority } from './priority.js';
import type { SimNode } from './state.js';

const leaseComponents: readonly LeaseComponent[] = ['kube-controller-manager', 'kube-scheduler'];

interface Lease {
  readonly component: LeaseComponent;
  /** The process that leads (ground truth); null once it died or gave up. */
  holder: SimNode | null;
  /** The server named by the Lease object's holderIdentity (stays after the holder dies, until another acquires). */
  recordHolder: SimNode | null;
  /** While renewing, renewTime = renewAnchor + k × retryPeriod. */
  renewAnchor: number;
  /** renewTime when the holder stopped renewing. */
  frozenRenew: number;
  renewing: boolean;
  /** Bumped when the holder changes or its renewals stop, so a pending give-up goes stale. */
  epoch: number;
}

export class LeaderElection implements LeaderElectionPort {
  private readonly leases: Lease[] = leaseComponents.map((component) => ({
    component,
    holder: null,
    recordHolder: null,
    renewAnchor: 0,
    frozenRenew: -Infinity,
    renewing: false,
    epoch: 0,
  }));
  /** Since when each server's candidates have been watching the Leases (they observe them from then on). */
  private readonly candidateSince = new Map<SimNode, number>();
  /** Without election: the k3s process (server epoch) each component last ran in. */
  private readonly processEpoch = new Map<LeaseComponent, number>();
  /** The earliest acquisition the pending election round was drawn for (Infinity: none pending). */
  private electionFor = Infinity;

  constructor(private readonly ctx: LeaderElectionContext) {}

  private lease(component: LeaseComponent): Lease {
    return this.leases.find((l) => l.component === component) as Lease;
  }

  /** The component acts: a holder leads and its renewals land. */
  active(component: LeaseComponent): boolean {
    const lease = this.lease(component);
    return lease.holder !== null && lease.renewing;
  }

  /** The server whose component holds the Lease (truth), or null. */
  holder(component: LeaseComponent): SimNode | null {
    return this.lease(component).holder;
  }

  /** The Lease's renewTime as the API holds it now. */
  private renewTime(lease: Lease): number {
    if (!lease.renewing) return lease.frozenRenew;
    const period = this.ctx.settings.leaderElectionRetryPeriod;
    return lease.renewAnchor + Math.floor((this.ctx.env.now - lease.renewAnchor) / period) * period;
  }

  /** K3s elects leaders only on a datastore that allows several servers (see the file comment). */
  get elects(): boolean {
    return this.ctx.world.cluster.k3s.datastore !== 'sqlite';
  }

  /** Re-evaluates holders and candidates after any change to servers, the network or the API. */
  refresh(): void {
    const ctx = this.ctx;
    if (!this.elects) {
      this.refreshWithoutElection();
      return;
    }
    for (const server of ctx.world.servers) {
      if (!this.ctx.controlPlane.leaseRenewable(server)) this.candidateSince.delete(server);
      else if (!this.candidateSince.has(server)) this.candidateSince.set(server, ctx.env.now);
    }
    for (const lease of this.leases) {
      const holder = lease.holder;
      if (!holder) continue;
      if (!holder.powered || holder.k3s !== 'running') {
        this.lose(lease, `${holder.name} ${holder.powered ? 'stopped k3s' : 'lost power'}`);
        continue;
      }
      const renewing = this.ctx.controlPlane.leaseRenewable(holder);
      if (renewing === lease.renewing) continue;
      if (renewing) {
        // Reached the API again within renewDeadline: the next renewal lands, leadership is kept.
        lease.renewing = true;
        lease.renewAnchor = ctx.env.now;
        lease.epoch++;
        this.ctx.controlPlane.onLeaseActive(lease.component, true, false);
      } else {
        lease.frozenRenew = this.renewTime(lease);
        lease.renewing = false;
        lease.epoch++;
        this.ctx.controlPlane.onLeaseActive(lease.component, false, false);
        this.scheduleGiveUp(lease);
      }
    }
    this.scheduleElection();
  }

  /**
   * `--leader-elect=false`: each component acts while its server runs and its API answers; a new
   * k3s process (a new epoch) starts with a fresh view, as a new leader does. No Lease, no events.
   */
  private refreshWithoutElection(): void {
    const running = this.ctx.world.servers.find((s) => this.ctx.controlPlane.leaseRenewable(s)) ?? null;
    for (const lease of this.leases) {
      if (lease.holder === running) continue;
      if (lease.holder) {
        lease.holder = null;
        lease.renewing = false;
        lease.epoch++;
        this.ctx.controlPlane.onLeaseActive(lease.component, false, false);
      }
      if (!running) continue;
      const fresh = this.processEpoch.get(lease.component) !== running.epoch;
      this.processEpoch.set(lease.component, running.epoch);
      lease.holder = running;
      lease.renewing = true;
      lease.epoch++;
      this.ctx.controlPlane.onLeaseActive(lease.component, true, fresh);
    }
  }

  /** The holder process is gone: it stops leading at once; the Lease object still names it until it expires. */
  private lose(lease: Lease, why: string): void {
    const holder = lease.holder as SimNode;
    const wasActive = lease.renewing;
    if (lease.renewing) lease.frozenRenew = this.renewTime(lease);
    lease.holder = null;
    lease.renewing = false;
    lease.epoch++;
    this.ctx.emit(
      'leader.lost',
      `lease/kube-system/${lease.component}`,
      'truth',
      `${lease.component} leader on ${holder.name} is gone (${why}); its Lease stays held until it expires, ` +
        `${this.ctx.settings.leaderElectionLeaseDuration} s after its last renewal`,
      { holder: holder.name },
    );
    if (wasActive) this.ctx.controlPlane.onLeaseActive(lease.component, false, false);
  }

  /** A holder that cannot renew gives up renewDeadline after its last successful renewal. */
  private scheduleGiveUp(lease: Lease): void {
    const ctx = this.ctx;
    const epoch = lease.epoch;
    const at = Math.max(ctx.env.now, lease.frozenRenew + ctx.settings.leaderElectionRenewDeadline);
    ctx.env.at(at, Priority.controller, () => {
      if (lease.epoch !== epoch || !lease.holder || lease.renewing) return;
      this.giveUp(lease.holder, `could not renew its Lease within renewDeadline ${ctx.settings.leaderElectionRenewDeadline} s`);
    });
  }

  /**
   * Leader election lost on `server` (renewals failing, or too slow: issues k3s-io/k3s#2644, #2625;
   * calibration.md 2.1): its components exit, so k3s exits; systemd restarts it (RestartSec=5s in the
   * install script's unit).
   */
  giveUp(server: SimNode, why: string, details: Record<string, number> = {}): void {
    const ctx = this.ctx;
    const held = this.leases.filter((l) => l.holder === server);
    if (held.length === 0) return;
    for (const lease of held) {
      const wasActive = lease.renewing;
      if (lease.renewing) lease.frozenRenew = this.renewTime(lease);
      lease.holder = null;
      lease.renewing = false;
      lease.epoch++;
      ctx.emit(
        'leader.lost',
        `lease/kube-system/${lease.component}`,
        'truth',
        `leader election lost: ${lease.component} on ${server.name} ${why}; k3s exits`,
        { holder: server.name, ...details },
      );
      if (wasActive) this.ctx.controlPlane.onLeaseActive(lease.component, false, false);
    }
    ctx.machines.stopK3s(server, 'leader election lost');
    const epoch = server.epoch;
    ctx.env.after(5, Priority.truth, () => {
      if (server.epoch === epoch) ctx.machines.startK3s(server);
    });
  }

  /** The earliest time `candidate` may take `lease` (see the file comment). */
  private acquirableAt(lease: Lease, since: number): number {
    if (lease.recordHolder === null) return since;
    return Math.max(since, this.renewTime(lease)) + this.ctx.settings.leaderElectionLeaseDuration;
  }

  /** One election round for every unheld Lease: the earliest candidate takes it on its next retry tick. */
  private scheduleElection(): void {
    const ctx = this.ctx;
    let earliest = Infinity;
    for (const lease of this.leases) {
      if (lease.holder) continue;
      for (const since of this.candidateSince.values()) earliest = Math.min(earliest, this.acquirableAt(lease, since));
    }
    // A round already due by then covers it; a round is drawn anew only when a Lease may go earlier.
    if (earliest === Infinity || earliest >= this.electionFor) return;
    this.electionFor = earliest;
    // One retry tick (wait.JitterUntil with retryPeriod), drawn once for the round.
    const at = Math.max(ctx.env.now, earliest) + ctx.jitter(ctx.settings.leaderElectionRetryPeriod);
    ctx.env.at(at, Priority.controller, () => {
      if (this.electionFor !== earliest) return;
      this.electionFor = Infinity;
      for (const lease of this.leases) {
        if (lease.holder) continue;
        // Servers in their configured order: the first eligible candidate wins (deterministic).
        const winner = ctx.world.servers.find((s) => {
          const since = this.candidateSince.get(s);
          return since !== undefined && this.ctx.controlPlane.leaseRenewable(s) && this.acquirableAt(lease, since) <= ctx.env.now;
        });
        if (winner) this.acquire(lease, winner);
      }
      this.scheduleElection();
    });
  }

  private acquire(lease: Lease, server: SimNode): void {
    const ctx = this.ctx;
    lease.holder = server;
    lease.recordHolder = server;
    lease.renewing = true;
    lease.renewAnchor = ctx.env.now;
    lease.epoch++;
    const what =
      lease.component === 'kube-scheduler' ? 'scheduling resumes' : 'controllers restart their timers (a full grace period for every node)';
    ctx.emit(
      'leader.acquired',
      `lease/kube-system/${lease.component}`,
      'api',
      `${server.name} acquired the ${lease.component} Lease; ${what}`,
      {
        holder: server.name,
      },
    );
    this.ctx.controlPlane.onLeaseActive(lease.component, true, true);
  }
}
