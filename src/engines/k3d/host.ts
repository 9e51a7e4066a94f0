/**
 * What this host has for the k3d engine — a Docker daemon, the k3d CLI, a node image, a Rancher
 * image — probed once per process and remembered: the runner asks `available()`, then
 * `supports()`, then `run()`, and none of them asks Docker again what an earlier one found.
 * `twin doctor` probes afresh (doctor.ts).
 */
import { defaultK3sVersion } from '../../model/cluster.js';
import type { EngineAvailability } from '../engine.js';
import { dockerProblem, probeDocker } from './docker.js';
import { createExec } from './exec.js';
import { resolveExternalImage, resolveNodeImage, resolveRancherImage, type NodeImage } from './node-image.js';

const probes = new Map<string, Promise<unknown>>();

function once<T>(key: string, probe: () => Promise<T>): Promise<T> {
  let found = probes.get(key) as Promise<T> | undefined;
  if (!found) {
    found = probe();
    probes.set(key, found);
  }
  return found;
}

/** What is missing of Docker and k3d (empty when both answer). */
function tools(): Promise<{ daemon: boolean; missing: string[] }> {
  return once('tools', async () => {
    const exec = createExec();
    const missing: string[] = [];
    const docker = await probeDocker(exec);
    const problem = dockerProblem(docker);
    if (problem) missing.push(problem);
    const k3d = await exec('k3d', ['version'], { allowFailure: true }).catch(() => null);
    if (!k3d || k3d.exitCode !== 0) missing.push('no k3d CLI');
    return { daemon: docker.kind === 'ready', missing };
  });
}

/** The node image for a K3s version (`TWIN_K3S_IMAGE` first), or what was looked for. */
export function nodeImageFor(version: string): Promise<NodeImage | { missing: string }> {
  return once(`node-image ${version} ${process.env['TWIN_K3S_IMAGE'] ?? ''}`, () => resolveNodeImage(createExec(), version));
}

/** The Rancher host's image: Rancher's own at that version when present, else twin's stand-in. */
export function rancherImageFor(version: string): Promise<string> {
  return once(`rancher-image ${version}`, () => resolveRancherImage(createExec(), version));
}

/** The image twin runs machines outside Kubernetes (role external) from, or what was looked for. */
export function externalImageFor(): Promise<string | { missing: string }> {
  return once(`external-image ${process.env['TWIN_EXTERNAL_IMAGE'] ?? ''}`, () => resolveExternalImage(createExec()));
}

/** Whether a run with this K3s version can start here, and if not, what is missing. */
export async function hostAvailability(version: string = defaultK3sVersion): Promise<EngineAvailability> {
  const { daemon, missing } = await tools();
  const all = [...missing];
  if (daemon) {
    const image = await nodeImageFor(version);
    if ('missing' in image) all.push(image.missing);
  }
  if (all.length === 0) return { available: true };
  return { available: false, reason: `${all.join('; ')} (twin doctor shows what this host can emulate); use --engine sim` };
}
