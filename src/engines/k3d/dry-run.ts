/**
 * A dry run: the commands of the whole run, in order, without running any (`twin run --engine k3d
 * --dry-run`). The same steps as a live run on a virtual clock that moves only when slept on; no
 * event is observed, so the transcript is the result.
 */
import type { EngineResult, RunPlan } from '../engine.js';
import { virtualClock } from './clock.js';
import { applyWorkloads, createCluster, importIntoRancher, startApiFailover, startRancher, teardown, throttleNodes } from './cluster.js';
import type { K3dRunContext } from './context.js';
import { startExternalHosts } from './external.js';
import { NodeMemoryFaults } from './memory.js';
import { dockerEventsArgs, probeRunArgs, probeShellArgs } from './probe.js';
import { noteTransport } from './rancher.js';
import { runFaults } from './schedule.js';
import { loadStandIns } from './stand-in-images.js';
import { planStandIns } from './stand-ins.js';

/** Docker-side and API-side events of a dry run: none; the transcript is the result. */
const emptySeries = (interval: number) => ({
  interval,
  times: [],
  nodes: {},
  podsByPhase: {},
  workloadsReady: {},
  serviceAvailability: {},
  watts: [],
});

export async function dryRun(ctx: K3dRunContext, plan: RunPlan): Promise<EngineResult> {
  const clock = virtualClock();
  const memory = new NodeMemoryFaults(
    ctx.exec,
    plan.cluster,
    ctx.names,
    () => [],
    clock.now,
    () => undefined,
  );
  const context: K3dRunContext = { ...ctx, clock, dryRun: true, memory };
  ctx.exec.spawn('docker', dockerEventsArgs(ctx.names), () => undefined);
  const kubeconfig = await createCluster(context, plan);
  await startApiFailover(context, plan, kubeconfig);
  await startExternalHosts(context, plan);
  await throttleNodes(context, plan);
  const rancher = await startRancher(context, plan, '<bootstrap password>');
  await ctx.exec('docker', probeRunArgs(plan.cluster, ctx.names));
  ctx.exec.spawn('docker', probeShellArgs(ctx.names), () => undefined);
  const standIns = ctx.appStandInImage ? planStandIns(plan.objects, plan.cluster) : null;
  if (standIns && ctx.appStandInImage) {
    for (const note of standIns.notes) ctx.exec.note(`stand-ins: ${note}`);
    await loadStandIns(context, plan.cluster, standIns.images, ctx.appStandInImage);
  }
  await applyWorkloads(context, plan, standIns?.objects ?? plan.objects);
  if (rancher) await importIntoRancher(context, plan, '<rancher>', '<bootstrap password>', noteTransport(ctx.exec.note), clock.sleep);
  const faults = await runFaults(context, plan, 0);
  if (rancher) await ctx.exec('docker', ['logs', '--timestamps', rancher]);
  await teardown(context);
  return {
    timeline: { events: faults, series: emptySeries(plan.sampleInterval), duration: plan.duration },
    phaseStart: 0,
    phaseEnd: plan.duration,
    bringUp: { apiAvailable: null, clusterReady: null, workloadsReady: null, rancherImported: null, nodeReady: {} },
  };
}
