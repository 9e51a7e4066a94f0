/**
 * Running a scenario on real K3s in Docker: create the cluster from its k3d config, throttle
 * every node container to its board, start Rancher beside it, apply the workloads, watch the
 * API and Docker, inject the faults on the wall clock, and tear everything down. Every external
 * command goes through the exec seam, so `--dry-run` prints the whole plan without running it.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { Cluster, ClusterNode } from '../../model/cluster.js';
import type { Timeline, TimelineEvent } from '../../model/timeline.js';
import { faultSteps, type FaultStep } from '../../scenario/fault-plan.js';
import type { ResolvedFault } from '../../scenario/faults.js';
import type { PlannedFault } from '../../scenario/load.js';
import type { EngineResult, RunObserver, RunPlan } from '../engine.js';
import { ExitCode, InterruptedError } from '../../errors.js';
import { containerName, k3dClusterName, managedLabel, meminfoOverrides, renderK3dConfig } from './config.js';
import { containerFaults, pid, removeManaged } from './docker.js';
import type { Exec } from './exec.js';
import { NodeMemoryFaults, withModelMemory } from './memory.js';
import { httpsTransport, noteTransport, rancherClusterState, registerWithRancher, type RancherTransport, type Registration } from './rancher.js';
import { fakeMeminfo, nodeThrottle, tbfArgs, type HostCalibration } from './throttle.js';

/** Faults this engine cannot do to real containers, with the reason; refused before anything runs. */
export function unsupportedFaults(faults: readonly PlannedFault[], options: { nodeImage?: 'twin' | 'k3s' } = {}): string[] {
  const reasons: string[] = [];
  for (const { id, fault } of faults) {
    switch (fault.kind) {
      case 'slow-storage':
      case 'storage-restore':
        reasons.push(`fault ${id} (${fault.kind}): Docker can cap throughput but cannot add per-write latency to a container's storage`);
        break;
      case 'disk-full':
      case 'disk-free':
        reasons.push(`fault ${id} (${fault.kind}): filling a node container's disk would fill the host's; not done`);
        break;
      case 'memory-fill':
        if (options.nodeImage === 'k3s') reasons.push(`fault ${id} (memory-fill): the memory is taken by memhog inside the node container, which only twin's node image has (scripts/build-k3s-image.sh)`);
        break;
      case 'link-degrade':
        if ('fraction' in fault.bandwidth && fault.bandwidth.fraction <= 0) reasons.push(`fault ${id}: a bandwidth of 0 is a partition; use partition`);
        break;
      default:
        break;
    }
  }
  return reasons;
}

export interface K3dRunContext {
  readonly exec: Exec;
  readonly calibration: HostCalibration;
  /** Where twin keeps its k3d config and kubeconfig (never the user's ~/.kube/config). */
  readonly stateDir: string;
  readonly keep?: boolean;
  /** The node image (a real rancher/k3s, or the one scripts/build-k3s-image.sh builds); default rancher/k3s for the cluster's version. */
  readonly image?: string;
  /** The Rancher host's image; default rancher/rancher at the cluster's Rancher version. */
  readonly rancherImage?: string;
  /** The agent image twin's Rancher stand-in puts in its import manifest (`CATTLE_AGENT_IMAGE`); a real Rancher uses its own. */
  readonly rancherAgentImage?: string;
  /** The node image runs K3s under twin's service manager (`k3s service stop|start|restart`). */
  readonly serviceManager?: boolean;
  /** Set by dry runs: no boot waits. */
  readonly dryRun?: boolean;
  /** Wall-clock source; tests and dry runs pass a virtual one. */
  readonly clock?: { now(): number; sleep(ms: number): Promise<void> };
  /** How twin talks to the Rancher host's API (HTTPS by default). */
  readonly rancherTransport?: RancherTransport;
  /** memory-leak and memory-fill on the nodes (set by the run). */
  readonly memory?: NodeMemoryFaults;
}

const realClock = { now: () => Date.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };

function server0(cluster: Cluster): ClusterNode {
  const first = cluster.nodes.find((n) => n.role === 'server');
  if (!first) throw new Error('cluster without a server');
  return first;
}

/** `kubectl` inside the first server container (k3s ships it), so the host needs none. */
function kubectl(ctx: K3dRunContext, cluster: Cluster, args: readonly string[], input?: string) {
  return ctx.exec('docker', ['exec', ...(input !== undefined ? ['-i'] : []), containerName(cluster, server0(cluster)), 'kubectl', ...args], input !== undefined ? { input } : {});
}

/** What one fault does to the containers. */
async function applyFault(ctx: K3dRunContext, plan: RunPlan, fault: ResolvedFault): Promise<void> {
  const { cluster } = plan;
  const exec = ctx.exec;
  const node = (name: string) => cluster.nodes.find((n) => n.name === name) as ClusterNode;
  const container = (name: string) => (node(name).role === 'rancher' ? `${k3dClusterName(cluster)}-rancher` : containerName(cluster, node(name)));
  const network = `${k3dClusterName(cluster)}-net`;
  const servers = (names?: readonly string[]) => (names ?? cluster.nodes.filter((n) => n.role === 'server').map((n) => n.name)).map(container);
  switch (fault.kind) {
    case 'power-off':
      await containerFaults.powerOff(exec, container(fault.node));
      return;
    case 'power-on':
      await containerFaults.powerOn(exec, container(fault.node));
      await shape(ctx, plan, node(fault.node));
      return;
    case 'reboot':
      await containerFaults.reboot(exec, container(fault.node));
      await shape(ctx, plan, node(fault.node));
      return;
    case 'k3s-restart':
      if (ctx.serviceManager) {
        await exec('docker', ['exec', container(fault.node), 'k3s', 'service', 'restart']);
        return;
      }
      await exec('docker', ['restart', '--time', '10', container(fault.node)]);
      await shape(ctx, plan, node(fault.node));
      return;
    case 'control-plane-down':
      // `systemctl stop k3s` on the server: with twin's node image only K3s stops and the pods
      // keep running, as on a Pi; a stock K3s image can only be stopped as a whole container.
      for (const c of servers(fault.servers)) {
        if (ctx.serviceManager) await exec('docker', ['exec', c, 'k3s', 'service', 'stop']);
        else await containerFaults.stop(exec, c);
      }
      return;
    case 'control-plane-up':
      for (const c of servers(fault.servers)) {
        if (ctx.serviceManager) await exec('docker', ['exec', c, 'k3s', 'service', 'start']);
        else await containerFaults.powerOn(exec, c);
      }
      return;
    case 'rancher-down':
      await containerFaults.stop(exec, `${k3dClusterName(cluster)}-rancher`);
      return;
    case 'rancher-up':
      await containerFaults.powerOn(exec, `${k3dClusterName(cluster)}-rancher`);
      return;
    case 'partition':
      for (const group of fault.groups) for (const name of group) await containerFaults.disconnect(exec, network, container(name));
      return;
    case 'heal-partition':
      for (const n of cluster.nodes) if (n.role === 'server' || n.role === 'agent') await containerFaults.connect(exec, network, container(n.name)).catch(() => undefined);
      return;
    case 'link-degrade': {
      const target = node(fault.node);
      const rate = 'fraction' in fault.bandwidth ? target.network.throughput.value * 8 * fault.bandwidth.fraction : fault.bandwidth.bitsPerSecond;
      await exec('nsenter', ['-t', await pid(exec, container(fault.node)), '-n', 'tc', ...tbfArgs('eth0', rate, 'replace')]);
      return;
    }
    case 'link-restore':
      await shape(ctx, plan, node(fault.node));
      return;
    case 'site-power-cut':
      for (const n of cluster.nodes) if (n.role !== 'external') await containerFaults.powerOff(exec, container(n.name));
      return;
    case 'memory-leak':
      await memoryFaults(ctx).leak(fault.workload, fault.rate);
      return;
    case 'memory-fill':
      await memoryFaults(ctx).fill(fault.node, fault.amount);
      return;
    case 'scale':
      await kubectl(ctx, cluster, ['scale', `--replicas=${fault.replicas}`, workloadRef(fault.workload)]);
      return;
    case 'rollout-restart':
      await kubectl(ctx, cluster, ['rollout', 'restart', workloadRef(fault.workload)]);
      return;
    default:
      throw new Error(`fault ${fault.kind} cannot be done on the k3d engine`);
  }
}

function memoryFaults(ctx: K3dRunContext): NodeMemoryFaults {
  if (!ctx.memory) throw new Error('memory faults need the run\'s node memory driver');
  return ctx.memory;
}

function workloadRef(wanted: string): string {
  const parts = wanted.split('/');
  if (parts.length === 3) return `${parts[0]?.toLowerCase()}/${parts[2]} -n ${parts[1]}`;
  if (parts.length === 2) return `deployment/${parts[1]} -n ${parts[0]}`;
  return `deployment/${wanted}`;
}

/** Memory, CPU and link shaping for one node container (done again after every restart: tc lives in its network namespace). */
async function shape(ctx: K3dRunContext, plan: RunPlan, node: ClusterNode): Promise<void> {
  if (node.role !== 'server' && node.role !== 'agent') return;
  const throttle = nodeThrottle(node, plan.cluster, ctx.calibration);
  const container = containerName(plan.cluster, node);
  await ctx.exec('docker', ['update', '--memory', `${throttle.memoryBytes}`, '--memory-swap', `${throttle.memoryBytes}`, '--cpus', `${throttle.cpus}`, container]);
  await ctx.exec('nsenter', ['-t', await pid(ctx.exec, container), '-n', 'tc', ...tbfArgs('eth0', throttle.rateBits, 'replace')]);
}


/** The Rancher host's container. */
export function rancherContainer(cluster: Cluster): string {
  return `${k3dClusterName(cluster)}-rancher`;
}

/** `k3d cluster create` from the rendered config, and twin's own kubeconfig for it. Returns the kubeconfig's path. */
export async function createCluster(ctx: K3dRunContext, plan: RunPlan): Promise<string> {
  const { cluster } = plan;
  const name = k3dClusterName(cluster);
  mkdirSync(ctx.stateDir, { recursive: true });
  const configFile = join(ctx.stateDir, `${name}.k3d.yaml`);
  writeFileSync(configFile, stringify(renderK3dConfig(cluster, ctx.calibration, ctx.image ? { image: ctx.image } : {}), { lineWidth: 0 }));
  await ctx.exec('k3d', ['cluster', 'create', '--config', configFile]);
  // k3d's memory option is per role: smaller boards of a role get their own fake meminfo, read by their kubelet on a restart of K3s.
  for (const { node, memoryBytes } of meminfoOverrides(cluster, ctx.calibration)) {
    const container = containerName(cluster, node);
    const mounts = await ctx.exec('docker', ['inspect', '--format', '{{range .Mounts}}{{if eq .Destination "/proc/meminfo"}}{{.Source}}{{end}}{{end}}', container]);
    const path = mounts.stdout.trim() || (ctx.exec.dryRun ? `<fake meminfo of ${container}>` : '');
    if (!path) throw new Error(`${container} has no fake /proc/meminfo mounted by k3d`);
    await ctx.exec('tee', [path], { input: fakeMeminfo(memoryBytes) });
    if (ctx.serviceManager) await ctx.exec('docker', ['exec', container, 'k3s', 'service', 'restart']);
    else await ctx.exec('docker', ['restart', container]);
  }
  const kubeconfig = join(ctx.stateDir, `${name}.kubeconfig`);
  await ctx.exec('k3d', ['kubeconfig', 'write', name, '--output', kubeconfig]);
  return kubeconfig;
}

/** Memory, CPU and link shaping on every node container. */
export async function throttleNodes(ctx: K3dRunContext, plan: RunPlan): Promise<void> {
  for (const node of plan.cluster.nodes) await shape(ctx, plan, node);
}

/**
 * The Rancher host beside the cluster, on its Docker network, started as Rancher's Docker install
 * does (privileged; the admin's bootstrap password in CATTLE_BOOTSTRAP_PASSWORD; the agent image
 * in CATTLE_AGENT_IMAGE when it is twin's stand-in).
 */
export async function startRancher(ctx: K3dRunContext, plan: RunPlan, password: string): Promise<string | null> {
  const { cluster } = plan;
  if (!cluster.rancher) return null;
  const name = k3dClusterName(cluster);
  const env = ['-e', `CATTLE_BOOTSTRAP_PASSWORD=${password}`, ...(ctx.rancherAgentImage ? ['-e', `CATTLE_AGENT_IMAGE=${ctx.rancherAgentImage}`] : [])];
  await ctx.exec('docker', ['run', '-d', '--init', '--name', rancherContainer(cluster), '--network', `${name}-net`, '--privileged', ...env, '--label', `${managedLabel}=true`, '--label', `twin.dev/cluster=${cluster.name}`, '--label', `twin.dev/node=${cluster.rancher.node}`, ctx.rancherImage ?? `rancher/rancher:${cluster.rancher.version}`]);
  return rancherContainer(cluster);
}

/** Registers the cluster with Rancher through its API and applies the import manifest Rancher serves. */
async function importIntoRancher(ctx: K3dRunContext, plan: RunPlan, address: string, password: string, transport: RancherTransport, sleep: (ms: number) => Promise<void>): Promise<Registration> {
  const registration = await registerWithRancher(transport, address, plan.cluster.name, password, sleep);
  await kubectl(ctx, plan.cluster, ['apply', '-f', '-'], registration.manifest);
  return registration;
}

/** The user's workloads, as `kubectl apply` would send them. */
export async function applyWorkloads(ctx: K3dRunContext, plan: RunPlan, objects: readonly KubernetesObject[]): Promise<void> {
  if (objects.length > 0) await kubectl(ctx, plan.cluster, ['apply', '-f', '-'], objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n'));
}

export async function teardown(ctx: K3dRunContext, cluster: Cluster): Promise<void> {
  if (ctx.keep) return;
  const name = k3dClusterName(cluster);
  await ctx.exec('k3d', ['cluster', 'delete', name], { allowFailure: true });
  // The Rancher host and the probe carry the cluster's label; nothing else of twin's is touched.
  await removeManaged(ctx.exec, { cluster: cluster.name }).catch(() => undefined);
  // k3d leaves a network named in its config behind; it is the cluster's own.
  await ctx.exec('docker', ['network', 'rm', `${name}-net`], { allowFailure: true });
}

/**
 * A promise awaited later (with Promise.all): marked as handled now, so that a failure or an
 * interruption before that point is not an unhandled rejection; awaiting it still throws.
 */
function settledLater<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/** A fault step on the wall clock. */
interface Step extends FaultStep {
  readonly at: number;
}

/**
 * Runs the fault schedule against a created cluster on the wall clock (a virtual clock in dry
 * runs), recording fault events; the caller merges these with the observed timeline. A board
 * powered on boots for its profile's boot time before its container (and K3s) starts, as the
 * sim engine models it; the schedule goes on meanwhile.
 */
export async function runFaults(ctx: K3dRunContext, plan: RunPlan, phaseStart: number): Promise<TimelineEvent[]> {
  const clock = ctx.clock ?? realClock;
  const events: TimelineEvent[] = [];
  const steps: Step[] = [];
  for (const planned of plan.faults) {
    if (typeof planned.at !== 'number') throw new Error(`fault ${planned.id}: event-triggered faults need the live observer`);
    const at = planned.at;
    steps.push(...faultSteps(planned).map((step) => ({ ...step, at: at + step.offset })));
  }
  steps.sort((a, b) => a.at - b.at);
  const booting: Array<Promise<void>> = [];
  const boot = (name: string, t: number, reason: string) => {
    const node = plan.cluster.nodes.find((n) => n.name === name);
    if (!node || node.role === 'external') return Promise.resolve();
    const seconds = node.profile.spec.bootTime.value;
    events.push({ t, kind: 'node.power', subject: `node/${name}`, view: 'truth', message: `${name} powered on (${reason}); boots for ${seconds} s (board's boot time) before K3s starts`, details: { on: true } });
    return clock.sleep(ctx.dryRun ? 0 : seconds * 1000);
  };
  for (const step of steps) {
    const wait = phaseStart + step.at * 1000 - clock.now();
    if (wait > 0) await clock.sleep(wait);
    const t = (clock.now() - phaseStart) / 1000;
    events.push({ t, kind: step.event.kind, subject: step.event.subject, view: 'truth', message: step.event.message, details: step.event.details });
    const fault = step.fault;
    if (fault.kind === 'power-on') {
      booting.push(settledLater(boot(fault.node, t, `fault ${step.id}`).then(() => applyFault(ctx, plan, fault))));
      continue;
    }
    if (fault.kind === 'site-power-restore') {
      booting.push(settledLater(restoreSite(ctx, plan, fault, t, boot)));
      continue;
    }
    await applyFault(ctx, plan, fault);
  }
  const end = phaseStart + plan.duration * 1000 - clock.now();
  if (end > 0) await clock.sleep(end);
  await Promise.all(booting);
  return events;
}

/** Site power back: nodes in order (servers first unless the scenario orders them), each booting for its board's time. */
async function restoreSite(ctx: K3dRunContext, plan: RunPlan, fault: Extract<ResolvedFault, { kind: 'site-power-restore' }>, t: number, boot: (name: string, t: number, reason: string) => Promise<void>): Promise<void> {
  const { cluster } = plan;
  const clock = ctx.clock ?? realClock;
  const interval = fault.interval;
  const order = fault.order ?? [...cluster.nodes.filter((n) => n.role === 'server'), ...cluster.nodes.filter((n) => n.role !== 'server')].map((n) => n.name);
  const starts: Array<Promise<void>> = [];
  for (const [i, name] of order.entries()) {
    const node = cluster.nodes.find((n) => n.name === name);
    if (!node || node.role === 'external') continue;
    if (i > 0 && interval > 0) await clock.sleep(interval * 1000);
    starts.push(settledLater(boot(name, t + (i > 0 ? i * interval : 0), 'site power restored').then(() => applyFault(ctx, plan, { ...fault, kind: 'power-on', node: name }))));
  }
  await Promise.all(starts);
}

/** Docker-side and API-side events of a dry run: none; the transcript is the result. */
const emptySeries = (interval: number) => ({ interval, times: [], nodes: {}, podsByPhase: {}, workloadsReady: {}, serviceAvailability: {}, watts: [] });

/** A dry run: the commands of the whole run, in order, without running any. */
export async function dryRun(ctx: K3dRunContext, plan: RunPlan): Promise<EngineResult> {
  let now = 0;
  const clock = { now: () => now, sleep: (ms: number) => ((now += ms), Promise.resolve()) };
  const memory = new NodeMemoryFaults(ctx.exec, plan.cluster, () => [], clock.now, () => undefined);
  const context: K3dRunContext = { ...ctx, clock, dryRun: true, memory };
  const { dockerEventsArgs, probeRunArgs, probeShellArgs } = await import('./live.js');
  ctx.exec.spawn('docker', dockerEventsArgs, () => undefined);
  await createCluster(context, plan);
  await throttleNodes(context, plan);
  const rancher = await startRancher(context, plan, '<bootstrap password>');
  await ctx.exec('docker', probeRunArgs(plan.cluster));
  ctx.exec.spawn('docker', probeShellArgs(plan.cluster), () => undefined);
  await applyWorkloads(context, plan, plan.objects);
  if (rancher) await importIntoRancher(context, plan, '<rancher>', '<bootstrap password>', noteTransport(ctx.exec.note), clock.sleep);
  const faults = await runFaults(context, plan, 0);
  if (rancher) await ctx.exec('docker', ['logs', '--timestamps', rancher]);
  await teardown(context, plan.cluster);
  const timeline: Timeline = { events: faults, series: emptySeries(plan.sampleInterval), duration: plan.duration };
  return { timeline, phaseStart: 0, phaseEnd: plan.duration, bringUp: { apiAvailable: null, clusterReady: null, workloadsReady: null, rancherImported: null, nodeReady: {} } };
}

/** Pods each workload of the manifests should have once settled (`Deployment/ns/name` → replicas); DaemonSets count per node, so only their readiness is checked. */
export function desiredPods(objects: readonly KubernetesObject[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const o of objects) {
    if (!['Deployment', 'StatefulSet', 'ReplicaSet'].includes(o.kind ?? '')) continue;
    const replicas = (o as { spec?: { replicas?: number } }).spec?.replicas ?? 1;
    out.set(`${o.kind}/${o.metadata?.namespace ?? 'default'}/${o.metadata?.name ?? ''}`, replicas);
  }
  return out;
}

/** Sleeps that end early, with an InterruptedError, once the run is interrupted (the wall clock's timer is cleared then). */
function interruptible(clock: { now(): number; sleep(ms: number): Promise<void> } | undefined, signal: AbortSignal) {
  const sleep = (ms: number) =>
    new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(new InterruptedError('interrupted'));
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        if (timer) clearTimeout(timer);
        reject(new InterruptedError('interrupted'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const done = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      if (clock) void clock.sleep(ms).then(done);
      else timer = setTimeout(done, ms);
    });
  return { now: () => (clock ?? realClock).now(), sleep };
}

/**
 * Rancher is back no later than it answers its agent: the probe asks every 2 s, so an agent that
 * reconnects between two probes dates Rancher's return (the probe's event is moved to it).
 */
export function rancherAnsweredAgent(observed: readonly TimelineEvent[], agent: readonly TimelineEvent[]): TimelineEvent[] {
  const sorted = [...observed].sort((a, b) => a.t - b.t);
  return sorted.map((e, i) => {
    if (e.kind !== 'rancher.available') return e;
    const down = sorted.slice(0, i).reverse().find((d) => d.kind === 'rancher.unavailable')?.t ?? -Infinity;
    const connected = agent.find((a) => a.kind === 'rancher.agentConnected' && a.t > down && a.t < e.t);
    return connected ? { ...e, t: connected.t, message: `${e.message} (first seen answering its agent; the probe saw it ${Math.round((e.t - connected.t) * 1000)} ms later)` } : e;
  });
}

interface RancherPoll {
  /** Ends the polling; the samples taken. */
  stop(): Promise<Array<{ at: number; state: string | null }>>;
}

/** The imported cluster's state in Rancher, asked every 2 s until stopped. */
function pollRancherState(ask: () => Promise<string | null>, clock: { now(): number; sleep(ms: number): Promise<void> }): RancherPoll {
  const samples: Array<{ at: number; state: string | null }> = [];
  let polling = true;
  const loop = settledLater(
    (async () => {
      while (polling) {
        const at = clock.now();
        samples.push({ at, state: await ask() });
        await clock.sleep(2000);
      }
    })(),
  );
  return {
    stop: async () => {
      polling = false;
      await loop.catch(() => undefined);
      return samples;
    },
  };
}

/**
 * The live run: real K3s, wall clock. Creates the cluster, waits for every node to be Ready
 * (agents join before the workloads go in, as in the real bring-up), throttles the nodes,
 * starts Rancher and imports the cluster, applies the workloads, waits for them, runs the
 * faults and always tears down what it created — also on Ctrl-C (a second Ctrl-C leaves at
 * once) — unless `keep` is set.
 */
export async function liveRun(ctx: K3dRunContext, plan: RunPlan, observer?: RunObserver): Promise<EngineResult> {
  const { LiveObserver } = await import('./live.js');
  const { dockerEventsToTimeline, rancherAgentEvents, rancherStateEvents } = await import('./observe.js');
  const abort = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) process.exit(ExitCode.interrupted);
    process.stderr.write(`\ntwin: ${signal}: tearing down the cluster this run created (again to leave at once)\n`);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const clock = interruptible(ctx.clock, abort.signal);
  const origin = clock.now();
  const live = new LiveObserver(ctx.exec, plan.cluster, origin, clock, plan.sampleInterval);
  const translator = live.translator;
  const memory = new NodeMemoryFaults(ctx.exec, plan.cluster, () => live.pods(), clock.now, (at, kind, subject, message, details) => translator.emit(at, kind, subject, 'truth', message, details));
  const context: K3dRunContext = { ...ctx, clock, memory };
  const members = plan.cluster.nodes.filter((n) => n.role === 'server' || n.role === 'agent');
  const deadline = origin + plan.bringUpTimeout * 1000;
  const mark = (step: string, message: string, at = clock.now()) => {
    translator.emit(at, 'bringup.step', 'bringup', 'api', message, { step });
    observer?.onEvent?.(translator.events[translator.events.length - 1] as TimelineEvent);
    return Math.round(at - origin) / 1000;
  };
  const waitUntil = async (done: () => boolean) => {
    while (!done() && clock.now() < deadline) await clock.sleep(1000);
    return done();
  };
  let rancher: string | null = null;
  let rancherPoll: RancherPoll | null = null;
  try {
    live.watchDocker();
    const kubeconfig = await createCluster(context, plan);
    await live.start(kubeconfig);
    await waitUntil(() => live.apiFirstAvailable !== null);
    const apiAvailable = live.apiFirstAvailable !== null ? mark('api', 'Kubernetes API available', live.apiFirstAvailable) : null;
    const nodesReady = await waitUntil(() => members.every((n) => translator.nodeReady(n.name) === 'True'));
    const clusterReady = nodesReady ? mark('cluster-ready', `all ${members.length} nodes Ready`) : null;
    await throttleNodes(context, plan);
    const password = randomBytes(18).toString('base64url');
    rancher = await startRancher(context, plan, password);
    await live.startProbes(rancher);
    await applyWorkloads(context, plan, ctx.serviceManager ? withModelMemory(plan.objects) : plan.objects);
    let rancherImported: number | null = null;
    if (rancher) {
      await waitUntil(() => live.rancherAvailable);
      const address = live.rancherAddress;
      if (address && live.rancherAvailable) {
        const transport = ctx.rancherTransport ?? httpsTransport;
        const registration = await importIntoRancher(context, plan, address, password, transport, clock.sleep);
        rancherImported = mark('rancher-import', `imported into Rancher as ${registration.clusterId}: import manifest applied, cattle-cluster-agent deploying`);
        // A real Rancher's view of the agent comes from its API; twin's stand-in logs each tunnel request instead (precise to the request).
        if (!ctx.rancherAgentImage) rancherPoll = pollRancherState(() => rancherClusterState(transport, address, registration), clock);
      }
    }
    const desired = desiredPods(plan.objects);
    const settled = await waitUntil(() => live.workloadsSettled(desired) && (!rancherImported || live.rancherAgentRunning()));
    const phaseStart = clock.now();
    const shift = (phaseStart - origin) / 1000;
    if (settled) mark('workloads-ready', 'workloads ready');
    else mark('timeout', `bring-up not complete after ${plan.bringUpTimeout} s; faults start anyway`);
    translator.replacementsAfter = phaseStart;
    // Leaking workloads: containers that (re)start while a leak is on are asked to leak too.
    let leaking = true;
    const leakTicks = settledLater(
      (async () => {
        while (leaking) {
          await memory.tick();
          await clock.sleep(1000);
        }
      })(),
    );
    const faults = (await runFaults(context, plan, phaseStart)).map((e) => ({ ...e, t: Math.round((e.t + shift) * 1000) / 1000 }));
    const phaseEnd = clock.now();
    leaking = false;
    await leakTicks;
    await memory.stop();
    const series = await live.stop();
    const rancherLog = rancher ? await ctx.exec('docker', ['logs', '--timestamps', rancher], { allowFailure: true }) : null;
    const nodeOf = (container: string) => members.find((n) => containerName(plan.cluster, n) === container)?.name;
    const dockerEvents = dockerEventsToTimeline(live.rawDockerEvents, nodeOf, origin).map((e) => {
      // A start that follows twin's own power-on is the end of the board's boot, not a second power-on.
      const boot = members.find((n) => `node/${n.name}` === e.subject)?.profile.spec.bootTime.value ?? 0;
      const powered = faults.find((f) => f.kind === 'node.power' && f.subject === e.subject && f.t <= e.t + 0.5 && e.t - f.t < boot + 60);
      if (e.kind !== 'node.power' || e.details?.['on'] !== true || !powered) return e;
      return { ...e, kind: 'node.booted' as const, message: `${e.subject.slice(5)} booted: container started, K3s starting` };
    });
    const rancherEvents = rancherPoll ? rancherStateEvents(await rancherPoll.stop(), origin) : rancherLog ? rancherAgentEvents(`${rancherLog.stdout}\n${rancherLog.stderr}`.split('\n'), live.probeAddress, translator.events, origin, (phaseEnd - origin) / 1000) : [];
    const end = Math.round(phaseEnd - origin) / 1000;
    const events = [
      { t: 0, kind: 'run.started' as const, subject: 'run', view: 'truth' as const, message: `run started on k3d (${members.length} node containers)` },
      ...rancherAnsweredAgent(translator.events, rancherEvents),
      ...faults,
      ...dockerEvents,
      ...rancherEvents,
      { t: end, kind: 'run.finished' as const, subject: 'run', view: 'truth' as const, message: 'run finished' },
    ].sort((a, b) => a.t - b.t);
    const nodeReady: Record<string, number> = {};
    for (const n of members) {
      const ready = translator.events.find((e) => e.subject === `node/${n.name}` && e.kind === 'node.condition' && e.details?.['status'] === 'True');
      if (ready) nodeReady[n.name] = ready.t;
    }
    return {
      timeline: { events, series, duration: end },
      phaseStart: shift,
      phaseEnd: end,
      bringUp: { apiAvailable, clusterReady, workloadsReady: settled ? shift : null, rancherImported, nodeReady },
    };
  } catch (error) {
    if (abort.signal.aborted) throw new InterruptedError('run interrupted; the cluster it created was torn down');
    throw error;
  } finally {
    await rancherPoll?.stop().catch(() => undefined);
    await memory.stop().catch(() => undefined);
    await live.stop().catch(() => undefined);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await teardown(ctx, plan.cluster);
  }
}
