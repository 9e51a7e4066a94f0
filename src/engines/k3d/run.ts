/**
 * A live run on real K3s, on the wall clock: create the cluster from its k3d config, wait for
 * every node to be Ready (agents join before the workloads go in, as in the real bring-up),
 * throttle the nodes, start Rancher and import the cluster, apply the workloads, wait for them,
 * run the fault schedule while the cluster is watched, and always tear down what the run created
 * unless `keep` is set. Every event is handed to the observer as it is observed; aborting the
 * run's signal ends its waits, tears down and rejects with the signal's reason.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ClusterNode } from '../../model/cluster.js';
import type { TimelineEvent } from '../../model/timeline.js';
import type { EngineResult, RunObserver, RunPlan } from '../engine.js';
import { interruptible, settledLater } from './clock.js';
import {
  applyWorkloads,
  createCluster,
  importIntoRancher,
  startApiFailover,
  startRancher,
  stateFiles,
  teardown,
  throttleNodes,
} from './cluster.js';
import type { K3dRunContext } from './context.js';
import { bootsAfterPowerOn, DockerTimeline } from './docker-stream.js';
import { externalNodes, startExternalHosts } from './external.js';
import { NodeMemoryFaults, withModelMemory } from './memory.js';
import { dockerEventsToTimeline } from './docker-events.js';
import { rancherAgentEvents, rancherStateEvents } from './rancher-events.js';
import { httpsTransport, rancherClusterState } from './rancher.js';
import { pollRancherState, rancherAnsweredAgent, type RancherPoll } from './rancher-poll.js';
import { runFaults } from './schedule.js';
import { loadStandIns } from './stand-in-images.js';
import { planStandIns } from './stand-ins.js';
import { TimelineStream } from './stream.js';

/**
 * Pods each workload of the manifests should have once settled (`Deployment/ns/name` → replicas);
 * DaemonSets count per node, so only their readiness is checked.
 */
export function desiredPods(objects: readonly KubernetesObject[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const o of objects) {
    if (!['Deployment', 'StatefulSet', 'ReplicaSet'].includes(o.kind ?? '')) continue;
    const replicas = (o as { spec?: { replicas?: number } }).spec?.replicas ?? 1;
    out.set(`${o.kind}/${o.metadata?.namespace ?? 'default'}/${o.metadata?.name ?? ''}`, replicas);
  }
  return out;
}

export async function liveRun(ctx: K3dRunContext, plan: RunPlan, observer?: RunObserver): Promise<EngineResult> {
  ctx.signal?.throwIfAborted();
  // Loaded only for a live run: the Kubernetes client is not needed to plan or refuse one.
  const { LiveObserver } = await import('./live.js');
  const clock = interruptible(ctx.clock, ctx.signal);
  const origin = clock.now();
  const live = new LiveObserver(ctx.exec, plan.cluster, ctx.names, origin, clock, plan.sampleInterval);
  const translator = live.translator;
  const stream = new TimelineStream(observer, clock.now, origin);
  translator.onEvent = (event) => stream.push(event);
  const memory = new NodeMemoryFaults(
    ctx.exec,
    plan.cluster,
    ctx.names,
    () => live.pods(),
    clock.now,
    (at, kind, subject, message, details) => translator.emit(at, kind, subject, 'truth', message, details),
  );
  const context: K3dRunContext = { ...ctx, clock, memory };
  const members = plan.cluster.nodes.filter((n) => n.role === 'server' || n.role === 'agent');
  // Machines outside Kubernetes are powered as the nodes are: Docker's events for their containers count too.
  const machines = [...members, ...externalNodes(plan)];
  const containerOf = (n: ClusterNode) => (n.role === 'external' ? ctx.names.external(n) : ctx.names.container(n));
  const nodeOf = (container: string) => machines.find((n) => containerOf(n) === container)?.name;
  /** The schedule's events, on the run's time line, as they are recorded. */
  const faultsSoFar: TimelineEvent[] = [];
  const docker = new DockerTimeline(
    machines,
    nodeOf,
    origin,
    clock.now,
    () => faultsSoFar,
    (event) => stream.push(event),
  );
  const deadline = origin + plan.bringUpTimeout * 1000;
  const mark = (step: string, message: string, at = clock.now()) => {
    translator.emit(at, 'bringup.step', 'bringup', 'api', message, { step });
    return Math.round(at - origin) / 1000;
  };
  const waitUntil = async (done: () => boolean) => {
    while (!done() && clock.now() < deadline) await clock.sleep(1000);
    return done();
  };
  const started: TimelineEvent = {
    t: 0,
    kind: 'run.started',
    subject: 'run',
    view: 'truth',
    message: `run started on k3d as cluster ${ctx.names.cluster} (${members.length} node containers)`,
  };
  stream.push(started);
  stream.open();
  docker.open();
  let rancher: string | null = null;
  let rancherPoll: RancherPoll | null = null;
  let failover: Awaited<ReturnType<typeof startApiFailover>> = null;
  let polledLive = 0;
  try {
    live.watchDocker((line) => docker.add(line));
    const kubeconfig = await createCluster(context, plan);
    ctx.signal?.throwIfAborted();
    failover = await startApiFailover(context, plan, kubeconfig);
    await live.start(failover?.kubeconfig ?? kubeconfig);
    await waitUntil(() => live.apiFirstAvailable !== null);
    const apiAvailable = live.apiFirstAvailable !== null ? mark('api', 'Kubernetes API available', live.apiFirstAvailable) : null;
    const nodesReady = await waitUntil(() => members.every((n) => translator.nodeReady(n.name) === 'True'));
    const clusterReady = nodesReady ? mark('cluster-ready', `all ${members.length} nodes Ready`) : null;
    await startExternalHosts(context, plan);
    await throttleNodes(context, plan);
    const password = randomBytes(18).toString('base64url');
    ctx.signal?.throwIfAborted();
    rancher = await startRancher(context, plan, password);
    await live.startProbes(rancher);
    ctx.signal?.throwIfAborted();
    // The workloads' images: a stand-in for each the node image does not hold (no registry is reachable).
    const standIns = ctx.appStandInImage ? planStandIns(plan.objects, plan.cluster) : null;
    if (standIns && ctx.appStandInImage) {
      await loadStandIns(context, plan.cluster, standIns.images, ctx.appStandInImage);
      if (standIns.notes.length > 0) mark('stand-ins', `workload images on twin's stand-ins: ${standIns.notes.join('; ')}`);
    }
    const objects = standIns?.objects ?? plan.objects;
    await applyWorkloads(context, plan, ctx.serviceManager ? withModelMemory(objects) : objects);
    let rancherImported: number | null = null;
    if (rancher) {
      await waitUntil(() => live.rancherAvailable);
      const address = live.rancherAddress;
      if (address && live.rancherAvailable) {
        const transport = ctx.rancherTransport ?? httpsTransport;
        const registration = await importIntoRancher(context, plan, address, password, transport, clock.sleep);
        rancherImported = mark(
          'rancher-import',
          `imported into Rancher as ${registration.clusterId}: import manifest applied, cattle-cluster-agent deploying`,
        );
        // A real Rancher's view of the agent comes from its API; twin's stand-in logs each tunnel request instead (precise to the request).
        if (!ctx.rancherAgentImage) {
          rancherPoll = pollRancherState(
            () => rancherClusterState(transport, address, registration),
            clock,
            (samples) => {
              for (const event of rancherStateEvents(samples, origin).slice(polledLive)) {
                polledLive++;
                stream.push(event);
              }
            },
          );
        }
      }
    }
    const desired = desiredPods(plan.objects);
    const settled = await waitUntil(() => live.workloadsSettled(desired) && (!rancherImported || live.rancherAgentRunning()));
    const phaseStart = clock.now();
    const shift = (phaseStart - origin) / 1000;
    const onRunTime = (e: TimelineEvent) => ({ ...e, t: Math.round((e.t + shift) * 1000) / 1000 });
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
    const record = (event: TimelineEvent) => {
      const onRun = onRunTime(event);
      faultsSoFar.push(onRun);
      stream.push(onRun);
    };
    const faults = (await runFaults(context, plan, phaseStart, { origin, record, observe: (listener) => stream.subscribe(listener) })).map(
      onRunTime,
    );
    const phaseEnd = clock.now();
    leaking = false;
    await leakTicks;
    await memory.stop();
    const series = await live.stop();
    docker.close();
    const rancherLog = rancher ? await ctx.exec('docker', ['logs', '--timestamps', rancher], { allowFailure: true }) : null;
    const dockerEvents = bootsAfterPowerOn(dockerEventsToTimeline(live.rawDockerEvents, nodeOf, origin), faults, machines);
    const rancherEvents = rancherPoll
      ? rancherStateEvents(await rancherPoll.stop(), origin)
      : rancherLog
        ? rancherAgentEvents(
            `${rancherLog.stdout}\n${rancherLog.stderr}`.split('\n'),
            live.probeAddress,
            translator.events,
            origin,
            (phaseEnd - origin) / 1000,
          )
        : [];
    const end = Math.round(phaseEnd - origin) / 1000;
    const finished: TimelineEvent = { t: end, kind: 'run.finished', subject: 'run', view: 'truth', message: 'run finished' };
    // Rancher's log is read only now; polled states were handed on as they came.
    for (const event of rancherPoll ? rancherEvents.slice(polledLive) : rancherEvents) stream.push(event);
    stream.push(finished);
    stream.close();
    if (stream.failure !== null) throw stream.failure;
    const events = [
      started,
      ...rancherAnsweredAgent(translator.events, rancherEvents),
      ...faults,
      ...dockerEvents,
      ...rancherEvents,
      finished,
    ].sort((a, b) => a.t - b.t);
    const nodeReady: Record<string, number> = {};
    for (const n of members) {
      const ready = translator.events.find(
        (e) =>
          e.subject === `node/${n.name}` &&
          e.kind === 'node.condition' &&
          e.details?.['type'] === 'Ready' &&
          e.details?.['status'] === 'True',
      );
      if (ready) nodeReady[n.name] = ready.t;
    }
    return {
      timeline: { events, series, duration: end },
      phaseStart: shift,
      phaseEnd: end,
      bringUp: { apiAvailable, clusterReady, workloadsReady: settled ? shift : null, rancherImported, nodeReady },
      ...(ctx.keep ? { kept: keptNote(ctx) } : {}),
    };
  } catch (error) {
    if (ctx.signal?.aborted) throw ctx.signal.reason;
    throw error;
  } finally {
    await rancherPoll?.stop().catch(() => undefined);
    await memory.stop().catch(() => undefined);
    await live.stop().catch(() => undefined);
    await failover?.relay.close().catch(() => undefined);
    if (failover) rmSync(failover.kubeconfig, { force: true });
    docker.close();
    stream.close();
    await teardown(ctx);
  }
}

/** How to reach a cluster kept with `keep`: its kubeconfig in twin's state directory, never the user's. */
function keptNote(ctx: K3dRunContext): string {
  const name = ctx.names.cluster;
  return `cluster ${name} is still running; kubectl --kubeconfig ${stateFiles(ctx).kubeconfig} get nodes; twin down removes it`;
}
