/**
 * The k3d engine: real K3s in Docker, each node throttled to its Pi profile. It needs the k3d
 * CLI and a K3s image; where they are missing (no registry serves them on these machines)
 * `--engine k3d` is refused with exit code 3 and exactly what is missing, never faked.
 */
import { cpus } from 'node:os';
import { stringify } from 'yaml';
import { EngineUnavailableError } from '../../errors.js';
import { withoutCalibration } from '../../model/uncalibrated.js';
import type { Engine, Refusal, RunPlan } from '../engine.js';
import { minimalCapabilities, type NodeImageCapabilities } from './capabilities.js';
import { removeLeftovers } from './cluster.js';
import { renderK3dConfig } from './config.js';
import { calibrateHost, diagnose } from './doctor.js';
import { dryRun } from './dry-run.js';
import { createExec } from './exec.js';
import { externalImageFor, hostAvailability, nodeImageFor, rancherImageFor } from './host.js';
import { twinRancherAgentImage, twinRancherImage } from './offline-build.js';
import { liveRun } from './run.js';
import { dryRunId, newRunId, runNames } from './run-names.js';
import { standInImageName } from './stand-in-images.js';
import { planStandIns } from './stand-ins.js';
import { refusals, unsupportedCluster, unsupportedFaults, unsupportedStack, unsupportedTriggers } from './supports.js';

/** Real K3s emulates each board from its profile: a calibration's measured figures are the model's, not this engine's. */
function uncalibrated(plan: RunPlan): RunPlan {
  return plan.cluster.calibration ? { ...plan, cluster: withoutCalibration(plan.cluster) } : plan;
}

function refused(found: readonly { reason: string }[]): EngineUnavailableError {
  return new EngineUnavailableError(`engine k3d cannot run this scenario: ${found.map((r) => r.reason).join('; ')}`);
}

/** The commands a k3d run would execute, without running any (`twin run --engine k3d --dry-run`). */
export async function k3dDryRun(plan: RunPlan, stateDir: string, hostCores: number): Promise<string[]> {
  // Only the node image's labels are read (its capabilities): what else depends on the host's
  // images is refused by the run itself. Without an image, twin's first image's set is assumed.
  const image = await nodeImageFor(plan.cluster.k3s.version).catch(() => null);
  const capabilities: NodeImageCapabilities =
    image && !('missing' in image)
      ? image.capabilities
      : minimalCapabilities("no node image on this host: twin's first node image assumed");
  const found = [
    ...unsupportedFaults(plan.faults).map((reason) => ({ reason })),
    ...unsupportedTriggers(plan.faults),
    ...unsupportedCluster(plan.cluster),
    ...unsupportedStack(plan, capabilities),
  ];
  if (found.length > 0) throw refused(found);
  const exec = createExec({ dryRun: true });
  // No sysbench in a dry run: the CPU quota shown is the board's core count.
  const names = runNames(plan.cluster, dryRunId);
  exec.note(`names carry the run's id, here "${dryRunId}"; a real run draws its own (k3d cluster ${names.cluster})`);
  // Stand-ins for the workloads' images on twin's node image (assumed without one); a real K3s image pulls them.
  const standIn = image && !('missing' in image) && image.kind === 'k3s' ? {} : { appStandInImage: standInImageName() };
  await dryRun({ exec, calibration: { singleCoreEvents: null, cores: hostCores, source: 'dry run' }, stateDir, names, ...standIn }, plan);
  return exec.transcript;
}

/** What of the plan cannot run here, from what the host was found to have (probed once per process). */
async function planRefusals(plan: RunPlan): Promise<Refusal[]> {
  const image = await nodeImageFor(plan.cluster.k3s.version).catch(() => null);
  const found = image && !('missing' in image) ? image : undefined;
  const nodeImage = found?.kind;
  const rancherImage = plan.cluster.rancher ? await rancherImageFor(plan.cluster.rancher.version).catch(() => undefined) : undefined;
  return [
    ...refusals(plan.faults, {
      ...(nodeImage ? { nodeImage } : {}),
      rancherStandIn: rancherImage === twinRancherImage,
      gracefulNodeShutdown: plan.cluster.settings.shutdownGracePeriod > 0,
    }),
    ...unsupportedCluster(plan.cluster),
    // Without an image the run is refused as unavailable, before this matters.
    ...(found ? unsupportedStack(plan, found.capabilities) : []),
    ...(await externalHostRefusals(plan)),
  ];
}

/** Machines outside Kubernetes run from twin's external host image: refused when the host has none. */
async function externalHostRefusals(plan: RunPlan): Promise<Refusal[]> {
  const hosts = plan.cluster.nodes.filter((n) => n.role === 'external').map((n) => n.name);
  if (hosts.length === 0) return [];
  const image = await externalImageFor().catch((error: unknown) => ({ missing: String(error) }));
  if (typeof image === 'string') return [];
  return [
    {
      subject: `external hosts (${hosts.join(', ')})`,
      reason: `${hosts.join(', ')} (role external) would run as containers of ${image.missing}; use --engine sim`,
    },
  ];
}

export const k3dEngine: Engine = {
  name: 'k3d',
  description: 'real K3s in Docker via k3d, each node throttled to its Pi profile (wall clock)',
  available: () => hostAvailability(),
  supports: (plan: RunPlan) => planRefusals(uncalibrated(plan)),
  dryRun: (plan: RunPlan) => k3dDryRun(uncalibrated(plan), '.twin', cpus().length),
  down: async (options) => {
    const exec = createExec({ dryRun: options?.dryRun ?? false });
    const removed = await removeLeftovers(exec);
    if (options?.dryRun) return exec.transcript;
    const networks =
      removed.k3dNetworks.length > 0
        ? `; removed ${removed.k3dNetworks.length} k3d network(s) no container uses (${removed.k3dNetworks.join(', ')})`
        : '';
    return [
      `removed ${removed.containers.length} container(s) and ${removed.networks.length} network(s) ` +
        `labelled twin.dev/managed=true${networks}`,
    ];
  },
  doctor: async () => (await diagnose(createExec())).capabilities,
  exportCluster: (cluster, options) => {
    // The file must not depend on this host: CPU speed is applied by twin at run time, not written here.
    const config = renderK3dConfig(
      withoutCalibration(cluster),
      { singleCoreEvents: null, cores: 4, source: 'export' },
      options?.image ? { image: options.image } : {},
    );
    const header = `# k3d config for twin cluster ${cluster.name}; twin applies per-node CPU, memory and network limits when it runs it.`;
    return `${header}\n${stringify(config, { lineWidth: 0 })}`;
  },
  run: async (calibrated: RunPlan, observer, options) => {
    options?.signal?.throwIfAborted();
    const plan = uncalibrated(calibrated);
    // What available() and supports() found is reused: nothing here asks Docker again.
    const { available, reason } = await hostAvailability(plan.cluster.k3s.version);
    if (!available) throw new EngineUnavailableError(`engine k3d unavailable: ${reason ?? ''}`);
    const image = await nodeImageFor(plan.cluster.k3s.version);
    if ('missing' in image) throw new EngineUnavailableError(`engine k3d unavailable: ${image.missing}`);
    const found = await planRefusals(plan);
    if (found.length > 0) throw refused(found);
    const rancherImage = plan.cluster.rancher ? await rancherImageFor(plan.cluster.rancher.version) : undefined;
    const externalImage = plan.cluster.nodes.some((n) => n.role === 'external') ? await externalImageFor() : undefined;
    // A real Rancher deploys its own agent image; twin's stand-in is told to use the stand-in agent.
    const rancher = rancherImage
      ? { rancherImage, ...(rancherImage === twinRancherImage ? { rancherAgentImage: twinRancherAgentImage } : {}) }
      : {};
    const exec = createExec();
    // twin's node image holds only its seed stand-ins: the workloads' other images get the generic stand-in.
    let standIn = {};
    if (image.kind === 'twin') {
      const appStandInImage = standInImageName();
      const wanted = planStandIns(plan.objects, plan.cluster).images;
      const present =
        (await exec('docker', ['image', 'inspect', '--format', '{{.Id}}', appStandInImage], { allowFailure: true })).exitCode === 0;
      if (wanted.length > 0 && !present)
        throw new EngineUnavailableError(
          `engine k3d unavailable: the workloads use images no registry here serves (${wanted.join(', ')}) and their ` +
            `stand-in image ${appStandInImage} is not present (build it offline: scripts/build-k3s-image.sh)`,
        );
      standIn = { appStandInImage };
    }
    const context = {
      exec,
      calibration: await calibrateHost(exec),
      // Its own names: another run of the same cluster on this Docker host is never touched.
      names: runNames(plan.cluster, newRunId()),
      stateDir: '.twin',
      keep: options?.keep ?? false,
      image: image.image,
      serviceManager: image.kind === 'twin',
      linkImpairment: image.capabilities.linkImpairment,
      ...(typeof externalImage === 'string' ? { externalImage } : {}),
      ...rancher,
      ...standIn,
    };
    return liveRun(options?.signal ? { ...context, signal: options.signal } : context, plan, observer);
  },
};
