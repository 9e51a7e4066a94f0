/**
 * Running a scenario on real K3s in Docker: create the cluster from its k3d config, throttle
 * every node container to its board, start Rancher beside it, apply the workloads, watch the
 * API and Docker, inject the faults on the wall clock, and tear everything down. Every external
 * command goes through the exec seam, so `--dry-run` prints the whole plan without running it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { Cluster, ClusterNode } from '../../model/cluster.js';
import type { Timeline, TimelineEvent } from '../../model/timeline.js';
import { parseDuration, parseRate } from '../../model/units.js';
import { describeFault, inverse, type Fault } from '../../scenario/faults.js';
import type { PlannedFault } from '../../scenario/load.js';
import type { EngineResult, RunPlan } from '../engine.js';
import { containerName, k3dClusterName, managedLabel, renderK3dConfig } from './config.js';
import { containerFaults, pid } from './docker.js';
import type { Exec } from './exec.js';
import { nodeThrottle, tbfArgs, type HostCalibration } from './throttle.js';

/** Faults this engine cannot do to real containers, with the reason; refused before anything runs. */
export function unsupportedFaults(faults: readonly PlannedFault[]): string[] {
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
        reasons.push(`fault ${id} (memory-fill): filling a node's memory outside Kubernetes is not emulated on the k3d engine`);
        break;
      case 'memory-leak':
        reasons.push(`fault ${id} (memory-leak): needs a memory-hog image inside the workload's pods, which no registry here provides; the sim engine models it`);
        break;
      case 'link-degrade':
        if (typeof fault.bandwidth === 'number' && fault.bandwidth <= 0) reasons.push(`fault ${id}: a bandwidth of 0 is a partition; use partition`);
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
  /** Wall-clock source; tests and dry runs pass a virtual one. */
  readonly clock?: { now(): number; sleep(ms: number): Promise<void> };
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
async function applyFault(ctx: K3dRunContext, plan: RunPlan, fault: Fault): Promise<void> {
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
      await exec('docker', ['restart', '--time', '10', container(fault.node)]);
      await shape(ctx, plan, node(fault.node));
      return;
    case 'control-plane-down':
      for (const c of servers(fault.servers)) await containerFaults.stop(exec, c);
      return;
    case 'control-plane-up':
      for (const c of servers(fault.servers)) await containerFaults.powerOn(exec, c);
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
      const rate = typeof fault.bandwidth === 'number' ? target.network.throughput.value * 8 * fault.bandwidth : parseRate(fault.bandwidth) * 8;
      await exec('nsenter', ['-t', await pid(exec, container(fault.node)), '-n', 'tc', ...tbfArgs('eth0', rate, 'replace')]);
      return;
    }
    case 'link-restore':
      await shape(ctx, plan, node(fault.node));
      return;
    case 'site-power-cut':
      for (const n of cluster.nodes) if (n.role !== 'external') await containerFaults.powerOff(exec, container(n.name));
      return;
    case 'site-power-restore': {
      const interval = fault.interval !== undefined ? parseDuration(fault.interval) : 0;
      const order = fault.order ?? [...cluster.nodes.filter((n) => n.role === 'server'), ...cluster.nodes.filter((n) => n.role !== 'server')].map((n) => n.name);
      for (const [i, name] of order.entries()) {
        if (node(name).role === 'external') continue;
        if (i > 0 && interval > 0) await (ctx.clock ?? realClock).sleep(interval * 1000);
        await containerFaults.powerOn(exec, container(name));
        await shape(ctx, plan, node(name));
      }
      return;
    }
    case 'scale':
      await kubectl(ctx, cluster, ['scale', `--replicas=${fault.replicas}`, workloadRef(fault.workload)]);
      return;
    case 'rollout-restart':
      await kubectl(ctx, cluster, ['rollout', 'restart', workloadRef(fault.workload)]);
      return;
    default:
      throw new Error(`fault ${describeFault(fault)} cannot be done on the k3d engine`);
  }
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

/** Creates the cluster and everything beside it; returns the names to tear down. */
export async function createCluster(ctx: K3dRunContext, plan: RunPlan, objects: readonly KubernetesObject[]): Promise<void> {
  const { cluster } = plan;
  const name = k3dClusterName(cluster);
  mkdirSync(ctx.stateDir, { recursive: true });
  const configFile = join(ctx.stateDir, `${name}.k3d.yaml`);
  writeFileSync(configFile, stringify(renderK3dConfig(cluster, ctx.calibration, ctx.image ? { image: ctx.image } : {}), { lineWidth: 0 }));
  await ctx.exec('k3d', ['cluster', 'create', '--config', configFile]);
  const kubeconfig = join(ctx.stateDir, `${name}.kubeconfig`);
  await ctx.exec('k3d', ['kubeconfig', 'write', name, '--output', kubeconfig]);
  for (const node of cluster.nodes) await shape(ctx, plan, node);
  if (cluster.rancher) {
    await ctx.exec('docker', ['run', '-d', '--name', `${name}-rancher`, '--network', `${name}-net`, '--privileged', '--label', `${managedLabel}=true`, '--label', `twin.dev/cluster=${cluster.name}`, '--label', `twin.dev/node=${cluster.rancher.node}`, ctx.rancherImage ?? `rancher/rancher:${cluster.rancher.version}`]);
  }
  if (objects.length > 0) await kubectl(ctx, cluster, ['apply', '-f', '-'], objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n'));
}

export async function teardown(ctx: K3dRunContext, cluster: Cluster): Promise<void> {
  if (ctx.keep) return;
  const name = k3dClusterName(cluster);
  await ctx.exec('k3d', ['cluster', 'delete', name], { allowFailure: true });
  if (cluster.rancher) await ctx.exec('docker', ['rm', '-f', `${name}-rancher`], { allowFailure: true });
}

/**
 * Runs the fault schedule against a created cluster on the wall clock (a virtual clock in dry
 * runs), recording fault events; the caller merges these with the observed timeline.
 */
export async function runFaults(ctx: K3dRunContext, plan: RunPlan, phaseStart: number): Promise<TimelineEvent[]> {
  const clock = ctx.clock ?? realClock;
  const events: TimelineEvent[] = [];
  type Step = { at: number; id: string; fault: Fault; heal: boolean };
  const steps: Step[] = [];
  for (const planned of plan.faults) {
    if (typeof planned.at !== 'number') throw new Error(`fault ${planned.id}: event-triggered faults need the live observer`);
    steps.push({ at: planned.at, id: planned.id, fault: planned.fault, heal: false });
    const revert = inverse(planned.fault);
    if (planned.revertAfter !== null && revert) steps.push({ at: planned.at + planned.revertAfter, id: planned.id, fault: revert, heal: true });
  }
  steps.sort((a, b) => a.at - b.at);
  for (const step of steps) {
    const wait = phaseStart + step.at * 1000 - clock.now();
    if (wait > 0) await clock.sleep(wait);
    const t = (clock.now() - phaseStart) / 1000;
    events.push({ t, kind: step.heal ? 'fault.healed' : 'fault.injected', subject: `fault/${step.id}`, view: 'truth', message: `fault ${step.id}${step.heal ? ' healed' : ''}: ${describeFault(step.fault)}`, details: { fault: step.fault.kind } });
    await applyFault(ctx, plan, step.fault);
  }
  const end = phaseStart + plan.duration * 1000 - clock.now();
  if (end > 0) await clock.sleep(end);
  return events;
}

/** A dry run: the commands of the whole run, in order, without running any. */
export async function dryRun(ctx: K3dRunContext, plan: RunPlan): Promise<EngineResult> {
  let now = 0;
  const clock = { now: () => now, sleep: (ms: number) => ((now += ms), Promise.resolve()) };
  const context = { ...ctx, clock };
  await createCluster(context, plan, plan.objects);
  const faults = await runFaults(context, plan, 0);
  await teardown(context, plan.cluster);
  const timeline: Timeline = {
    events: faults,
    series: { interval: 10, times: [], nodes: {}, podsByPhase: {}, workloadsReady: {}, serviceAvailability: {}, watts: [] },
    duration: plan.duration,
  };
  return { timeline, phaseStart: 0, phaseEnd: plan.duration, bringUp: { apiAvailable: null, clusterReady: null, workloadsReady: null, rancherImported: null, nodeReady: {} } };
}

/** Kubernetes objects twin watches, and the API path of each. */
const watched = [
  ['/api/v1/nodes', 'Node'],
  ['/api/v1/pods', 'Pod'],
  ['/apis/discovery.k8s.io/v1/endpointslices', 'EndpointSlice'],
  ['/apis/coordination.k8s.io/v1/namespaces/kube-system/leases', 'Lease'],
] as const;

/**
 * The live run: real K3s, wall clock. Watches the API through @kubernetes/client-node and
 * Docker's event stream for ground truth, waits for the bring-up, runs the faults, and always
 * tears down what it created (also on Ctrl-C) unless `keep` is set.
 */
export async function liveRun(ctx: K3dRunContext, plan: RunPlan): Promise<EngineResult> {
  const { KubeConfig, Watch } = await import('@kubernetes/client-node');
  const { execa } = await import('execa');
  const { WatchTranslator, dockerEventsToTimeline } = await import('./observe.js');
  const clock = ctx.clock ?? realClock;
  const origin = clock.now();
  const translator = new WatchTranslator(origin);
  const cleanup = () => teardown(ctx, plan.cluster);
  const onSignal = () => {
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  const dockerEvents = execa('docker', ['events', '--filter', `label=${managedLabel}=true`, '--format', '{{json .}}'], { buffer: true, reject: false });
  const aborts: Array<{ abort(): void }> = [];
  try {
    await createCluster(ctx, plan, plan.objects);
    const config = new KubeConfig();
    config.loadFromFile(join(ctx.stateDir, `${k3dClusterName(plan.cluster)}.kubeconfig`));
    const watch = new Watch(config);
    for (const [path, kind] of watched) {
      const controller = await watch.watch(path, {}, (type, object) => translator.translate(type as 'ADDED' | 'MODIFIED' | 'DELETED', { ...(object as KubernetesObject), kind }, clock.now()), () => undefined);
      aborts.push(controller);
    }
    const members = plan.cluster.nodes.filter((n) => n.role === 'server' || n.role === 'agent').map((n) => n.name);
    const deadline = origin + plan.bringUpTimeout * 1000;
    let phaseStart = clock.now();
    for (;;) {
      const ready = members.every((name) => [...translator.events].reverse().find((e) => e.subject === `node/${name}` && e.kind === 'node.condition')?.details?.['status'] === 'True');
      const pending = translator.events.filter((e) => e.kind === 'pod.created').length - translator.events.filter((e) => e.kind === 'pod.ready').length;
      if ((ready && pending <= 0) || clock.now() > deadline) break;
      await clock.sleep(2000);
    }
    phaseStart = clock.now();
    translator.events.push({ t: (phaseStart - origin) / 1000, kind: 'bringup.step', subject: 'bringup', view: 'api', message: 'workloads ready', details: { step: 'workloads-ready' } });
    const faults = await runFaults(ctx, plan, phaseStart);
    const phaseEnd = clock.now();
    dockerEvents.kill();
    const docker = await dockerEvents;
    const nodeOf = (container: string) => plan.cluster.nodes.find((n) => (n.role === 'server' || n.role === 'agent') && containerName(plan.cluster, n) === container)?.name;
    const shift = (phaseStart - origin) / 1000;
    const events = [...translator.events, ...faults.map((e) => ({ ...e, t: e.t + shift })), ...dockerEventsToTimeline(String(docker.stdout ?? '').split('\n'), nodeOf, origin)].sort((a, b) => a.t - b.t);
    return {
      timeline: { events, series: { interval: 10, times: [], nodes: {}, podsByPhase: {}, workloadsReady: {}, serviceAvailability: {}, watts: [] }, duration: (phaseEnd - origin) / 1000 },
      phaseStart: shift,
      phaseEnd: (phaseEnd - origin) / 1000,
      bringUp: { apiAvailable: null, clusterReady: null, workloadsReady: shift, rancherImported: null, nodeReady: {} },
    };
  } finally {
    for (const a of aborts) a.abort();
    dockerEvents.kill();
    process.removeListener('SIGINT', onSignal);
    await cleanup();
  }
}
