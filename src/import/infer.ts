/**
 * Infers a hardware profile for a node seen through the Kubernetes API: architecture,
 * CPU count, memory capacity and kernel name are all the API tells. The inference and
 * its reasoning are shown to the user, who can override it (`--profiles node=profile`).
 */
import type { HardwareProfile } from '../model/hardware-profile.js';

export interface NodeFacts {
  readonly name: string;
  /** `arm64`, `arm`, `amd64` (status.nodeInfo.architecture). */
  readonly architecture: string;
  readonly cpus: number;
  /** Memory capacity in bytes (status.capacity.memory). */
  readonly memory: number;
  readonly kernel: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface Inference {
  readonly profile: string;
  readonly reason: string;
  readonly alternatives: readonly string[];
}

const GiB = 1024 ** 3;

export function inferProfile(facts: NodeFacts, profiles: readonly HardwareProfile[], firmwareReserve: number): Inference {
  const labelled = facts.labels['twin.dev/profile'];
  if (labelled && profiles.some((p) => p.metadata.name === labelled))
    return { profile: labelled, reason: `label twin.dev/profile=${labelled}`, alternatives: [] };
  const arch = facts.architecture === 'arm' ? 'armv7' : facts.architecture;
  // Raspberry Pi kernels name the board family: -rpi-2712 (Pi 5), -rpi-v8 (64-bit Pi 3/4/Zero 2), -rpi-v7 (32-bit).
  const pi5Kernel = /rpi-2712|bcm2712/.test(facts.kernel);
  const candidates = profiles.filter((p) => p.spec.supportedArchitectures.includes(arch as never) && p.spec.cpu.cores.value === facts.cpus);
  if (candidates.length === 0)
    return {
      profile: arch === 'amd64' ? 'x86-minipc' : 'pi4b-4gb',
      reason: `no profile with ${facts.cpus} CPUs for ${arch}; nearest guess`,
      alternatives: [],
    };
  const ram = facts.memory + firmwareReserve;
  const scored = candidates
    .map((p) => {
      let score = Math.abs(Math.log2(p.spec.memory.value / Math.max(ram, 1)));
      if (pi5Kernel && p.spec.family !== 'pi5') score += 5;
      if (!pi5Kernel && p.spec.family === 'pi5') score += 0.25;
      if (arch !== 'armv7' && p.spec.architecture !== arch) score += 1;
      return { p, score };
    })
    .sort((a, b) => a.score - b.score || a.p.spec.price.value - b.p.spec.price.value);
  const best = scored[0]?.p as HardwareProfile;
  const close = scored.filter((s) => s.p !== best && Math.abs(s.score - (scored[0]?.score ?? 0)) < 0.2).map((s) => s.p.metadata.name);
  const memory = facts.memory >= GiB ? `${(facts.memory / GiB).toFixed(1)} GiB` : `${Math.round(facts.memory / 1048576)} Mi`;
  const kernel = pi5Kernel ? ', Pi 5 kernel' : '';
  return {
    profile: best.metadata.name,
    reason: `${facts.architecture}, ${facts.cpus} CPUs, ${memory} memory${kernel} → ${best.metadata.displayName}`,
    alternatives: close,
  };
}
