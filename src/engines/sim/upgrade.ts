/**
 * A rolling K3s upgrade as the system-upgrade-controller runs the K3s docs' two plans
 * (docs.k3s.io/upgrades/automated; rancher/system-upgrade-controller examples/k3s-upgrade.yaml):
 * the server plan first, then the agent plan (whose `prepare: server-plan` step waits for it),
 * `concurrency` nodes at a time. Per node the upgrade Job cordons, drains (with the flags a plan's
 * `drain: { force: true, deleteEmptydirData: true }` gives kubectl, DaemonSets ignored), replaces
 * the k3s binary (downloaded over the node's link) and restarts k3s; the node is uncordoned once
 * it is Ready again.
 */
import type { ResolvedFault } from '../../scenario/faults.js';
import { linkRate } from '../../sim/link.js';
import { Priority } from '../../sim/priority.js';
import type { SimNode } from '../../sim/state.js';
import type { Simulation } from '../../sim/simulation.js';
import { cordon, drain, evictionRetryDelay, uncordon } from './maintenance.js';

type Upgrade = Extract<ResolvedFault, { kind: 'k3s-upgrade' }>;

const by = 'system-upgrade-controller';
/** How often the plan's progress is looked at while a node restarts (the controller's watch, to the second). */
const readyPoll = 1;

/** Each simulation's upgraded K3s versions by node (the kubelet version its Node object reports). */
const upgraded = new WeakMap<Simulation, Map<string, string>>();

/** The K3s version a node runs now: its cluster spec's until an upgrade replaced it. */
export function k3sVersionOf(sim: Simulation, node: SimNode): string {
  return upgraded.get(sim)?.get(node.name) ?? node.spec.k3sVersion;
}

function setVersion(sim: Simulation, node: SimNode, version: string): void {
  let versions = upgraded.get(sim);
  if (!versions) upgraded.set(sim, (versions = new Map()));
  versions.set(node.name, version);
}

/** Runs `then` once an API server answers (the controller and its Jobs need one), looking every few seconds. */
function whenApiUp(sim: Simulation, then: () => void): void {
  if (sim.controlPlane.apiUp) return then();
  sim.after(evictionRetryDelay, Priority.fault, () => whenApiUp(sim, then));
}

/** Starts the upgrade; it runs on by itself. */
export function k3sUpgrade(sim: Simulation, fault: Upgrade): void {
  const chosen = (fault.nodes?.map((n) => sim.node(n)) ?? sim.clusterNodes).filter((n) => n.inCluster);
  // Server plan, then agent plan: agents may not run a newer kubelet than the API server (version skew policy).
  const plans = [chosen.filter((n) => n.isServer), chosen.filter((n) => !n.isServer)];
  let count = 0;
  const runPlan = (index: number) => {
    const plan = plans[index];
    if (!plan) {
      sim.emit('upgrade.finished', 'cluster', 'api', `K3s upgrade to ${fault.version} finished on ${count} node(s)`, {
        state: 'finished',
        version: fault.version,
        nodes: count,
      });
      return;
    }
    const queue = [...plan];
    let running = 0;
    let stopped = false;
    const next = () => {
      if (stopped) return;
      if (queue.length === 0 && running === 0) return runPlan(index + 1);
      while (running < fault.concurrency && queue.length > 0) {
        const node = queue.shift() as SimNode;
        running++;
        upgradeNode(sim, node, fault, (failure) => {
          running--;
          if (failure === undefined) {
            count++;
            return next();
          }
          stopped = true;
          sim.emit('upgrade.finished', 'cluster', 'api', `K3s upgrade to ${fault.version} stopped at ${node.name}: ${failure}`, {
            state: 'failed',
            version: fault.version,
            node: node.name,
          });
        });
      }
    };
    next();
  };
  runPlan(0);
}

/** One node's upgrade Job; `done` gets why it failed, or undefined. */
function upgradeNode(sim: Simulation, node: SimNode, fault: Upgrade, done: (failure?: string) => void): void {
  const from = k3sVersionOf(sim, node);
  // The upgrade image compares versions and leaves a node that already runs this one.
  if (from === fault.version) return done();
  whenApiUp(sim, () => {
    sim.emit('node.k3s', `node/${node.name}`, 'truth', `${node.name}: upgrading k3s ${from} → ${fault.version}`, {
      state: 'upgrading',
      version: fault.version,
      from,
    });
    const failed = cordon(sim, node, by);
    if (failed) return done(failed);
    if (!fault.drain) return replaceBinary(sim, node, fault.version, done);
    const options = { ignoreDaemonSets: true, deleteEmptyDirData: true, force: true, gracePeriod: null, timeout: null };
    const refused = drain(sim, node, options, by, (outcome) =>
      outcome === 'finished' ? replaceBinary(sim, node, fault.version, done) : done(`drain ${outcome}`),
    );
    if (refused) done(refused);
  });
}

/** Download the new binary over the node's link, put it in place, restart k3s; uncordon once Ready. */
function replaceBinary(sim: Simulation, node: SimNode, version: string, done: (failure?: string) => void): void {
  const settings = sim.settings;
  const rate = Math.min(linkRate(node.link, node.spec.network.throughput.value), settings.internetBandwidth);
  const seconds = settings.k3sBinarySize / Math.max(1, rate);
  sim.after(seconds, Priority.fault, () => {
    setVersion(sim, node, version);
    sim.emit(
      'node.k3s',
      `node/${node.name}`,
      'truth',
      `${node.name}: k3s ${version} in place after ${seconds.toFixed(1)} s; restarting k3s`,
      {
        state: 'replaced',
        version,
      },
    );
    sim.stopK3s(node, `upgrade to ${version}`);
    sim.startK3s(node);
    const waitReady = () => {
      if (node.k3s === 'running' && node.heartbeatHealthy && node.apiReady === 'True' && sim.controlPlane.apiUp) {
        uncordon(sim, node, by);
        sim.emit('node.k3s', `node/${node.name}`, 'api', `${node.name} Ready on k3s ${version} (kubelet ${version})`, {
          state: 'upgraded',
          version,
          kubeletVersion: version,
        });
        return done();
      }
      sim.after(readyPoll, Priority.fault, waitReady);
    };
    sim.after(readyPoll, Priority.fault, waitReady);
  });
}
