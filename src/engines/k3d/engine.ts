/**
 * The k3d engine: real K3s in Docker, each node throttled to its Pi profile. It needs the k3d
 * CLI and a K3s image; where they are missing (no registry serves them on these machines)
 * `--engine k3d` is refused with exit code 3 and exactly what is missing, never faked.
 */
import { EngineUnavailableError } from '../../errors.js';
import { defaultK3sVersion } from '../../model/cluster.js';
import type { Engine, EngineAvailability, RunPlan } from '../engine.js';
import { dryRun, liveRun, unsupportedFaults } from './run.js';
import { calibrateHost, diagnose } from './doctor.js';
import { removeManaged } from './docker.js';
import { renderK3dConfig } from './config.js';
import { stringify } from 'yaml';
import { cpus } from 'node:os';
import { resolveNodeImage, resolveRancherImage, twinRancherAgentImage, twinRancherImage } from './node-image.js';
import { createExec } from './exec.js';

async function availability(version: string = defaultK3sVersion): Promise<EngineAvailability> {
  const exec = createExec();
  const missing: string[] = [];
  const daemon = await exec('docker', ['info', '--format', '{{.ServerVersion}}'], { allowFailure: true }).catch(() => null);
  if (!daemon || daemon.exitCode !== 0) missing.push('no Docker daemon');
  const k3d = await exec('k3d', ['version'], { allowFailure: true }).catch(() => null);
  if (!k3d || k3d.exitCode !== 0) missing.push('no k3d CLI');
  if (daemon?.exitCode === 0) {
    const image = await resolveNodeImage(exec, version);
    if ('missing' in image) missing.push(image.missing);
  }
  if (missing.length === 0) return { available: true };
  return { available: false, reason: `${missing.join('; ')} (twin doctor shows what this host can emulate); use --engine sim` };
}

/** The commands a k3d run would execute, without running any (`twin run --engine k3d --dry-run`). */
export async function k3dDryRun(plan: RunPlan, stateDir: string, hostCores: number): Promise<string[]> {
  const refused = unsupportedFaults(plan.faults);
  if (refused.length > 0) throw new EngineUnavailableError(`engine k3d cannot run this scenario: ${refused.join('; ')}`);
  const exec = createExec({ dryRun: true });
  // No sysbench in a dry run: the CPU quota shown is the board's core count.
  await dryRun({ exec, calibration: { singleCoreEvents: null, cores: hostCores, source: 'dry run' }, stateDir }, plan);
  return exec.transcript;
}

export const k3dEngine: Engine = {
  name: 'k3d',
  description: 'real K3s in Docker via k3d, each node throttled to its Pi profile (wall clock)',
  available: () => availability(),
  supports: async (plan: RunPlan) => {
    const exec = createExec();
    const image = await resolveNodeImage(exec, plan.cluster.k3s.version).catch(() => null);
    const nodeImage = image && !('missing' in image) ? (image.kind === 'twin' ? 'twin' : 'k3s') : undefined;
    return unsupportedFaults(plan.faults, nodeImage ? { nodeImage } : {}).map((reason) => ({ subject: reason.split(':')[0] ?? 'fault', reason }));
  },
  dryRun: (plan: RunPlan) => k3dDryRun(plan, '.twin', cpus().length),
  down: async (options) => {
    const exec = createExec({ dryRun: options?.dryRun ?? false });
    const clusters = await exec('k3d', ['cluster', 'list', '-o', 'json'], { allowFailure: true }).catch(() => null);
    if (clusters && clusters.exitCode === 0 && clusters.stdout.trim()) {
      const names = (JSON.parse(clusters.stdout) as Array<{ name: string }>).map((c) => c.name).filter((n) => n.startsWith('twin-'));
      for (const name of names) await exec('k3d', ['cluster', 'delete', name]);
    }
    const removed = await removeManaged(exec);
    if (options?.dryRun) return exec.transcript;
    return [`removed ${removed.containers.length} container(s) and ${removed.networks.length} network(s) labelled twin.dev/managed=true`];
  },
  doctor: async () => (await diagnose(createExec())).capabilities,
  exportCluster: (cluster, options) => {
    // The file must not depend on this host: CPU speed is applied by twin at run time, not written here.
    const config = renderK3dConfig(cluster, { singleCoreEvents: null, cores: 4, source: 'export' }, options?.image ? { image: options.image } : {});
    return `# k3d config for twin cluster ${cluster.name}; twin applies per-node CPU, memory and network limits when it runs it.\n${stringify(config, { lineWidth: 0 })}`;
  },
  run: async (plan: RunPlan, observer, options) => {
    const { available, reason } = await availability(plan.cluster.k3s.version);
    if (!available) throw new EngineUnavailableError(`engine k3d unavailable: ${reason ?? ''}`);
    const exec = createExec();
    const image = await resolveNodeImage(exec, plan.cluster.k3s.version);
    if ('missing' in image) throw new EngineUnavailableError(`engine k3d unavailable: ${image.missing}`);
    const refused = unsupportedFaults(plan.faults, { nodeImage: image.kind === 'twin' ? 'twin' : 'k3s' });
    if (refused.length > 0) throw new EngineUnavailableError(`engine k3d cannot run this scenario: ${refused.join('; ')}`);
    const rancherImage = plan.cluster.rancher ? await resolveRancherImage(exec, plan.cluster.rancher.version) : undefined;
    // A real Rancher deploys its own agent image; twin's stand-in is told to use the stand-in agent.
    const rancher = rancherImage ? { rancherImage, ...(rancherImage === twinRancherImage ? { rancherAgentImage: twinRancherAgentImage } : {}) } : {};
    return liveRun({ exec, calibration: await calibrateHost(exec), stateDir: '.twin', keep: options?.keep ?? false, image: image.image, serviceManager: image.kind === 'twin', ...rancher }, plan, observer);
  },
};
