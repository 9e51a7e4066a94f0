/**
 * What every step of a k3d run is handed: the exec seam, the host's calibration, where twin keeps
 * its files, the images and the clock. One value, built once per run by `run.ts` or `dry-run.ts`.
 */
import type { Cluster, ClusterNode } from '../../model/cluster.js';
import type { Clock } from './clock.js';
import type { Exec } from './exec.js';
import type { NodeMemoryFaults } from './memory.js';
import type { RancherTransport } from './rancher.js';
import type { RunNames } from './run-names.js';
import type { HostCalibration } from './throttle.js';

export interface K3dRunContext {
  readonly exec: Exec;
  readonly calibration: HostCalibration;
  /** What this run calls its cluster, containers and network (its own id in each, so runs on one host never collide). */
  readonly names: RunNames;
  /** Where twin keeps its k3d config and kubeconfig (never the user's ~/.kube/config). */
  readonly stateDir: string;
  readonly keep?: boolean;
  /** The node image (a real rancher/k3s, or the one scripts/build-k3s-image.sh builds); default rancher/k3s for the cluster's version. */
  readonly image?: string;
  /** The Rancher host's image; default rancher/rancher at the cluster's Rancher version. */
  readonly rancherImage?: string;
  /** The agent image twin's Rancher stand-in puts in its import manifest (`CATTLE_AGENT_IMAGE`); a real Rancher uses its own. */
  readonly rancherAgentImage?: string;
  /**
   * The generic stand-in image (stand-ins.ts) given, in every node, to the workloads' images the
   * node image does not hold; unset for a real K3s image, whose nodes pull their images.
   */
  readonly appStandInImage?: string;
  /** The image of machines outside Kubernetes (role external); default twin's (node-image/external). */
  readonly externalImage?: string;
  /** The node image runs K3s under twin's service manager (`k3s service stop|start|restart`). */
  readonly serviceManager?: boolean;
  /** Set by dry runs: no boot waits. */
  readonly dryRun?: boolean;
  /** Wall-clock source; tests and dry runs pass a virtual one. */
  readonly clock?: Clock;
  /** Aborting ends the run's waits; the run then tears down what it created and rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** How twin talks to the Rancher host's API (HTTPS by default). */
  readonly rancherTransport?: RancherTransport;
  /** The node image has twin-netq (capabilities.ts linkImpairment): link-restore clears a delay and loss. */
  readonly linkImpairment?: boolean;
  /** memory-leak and memory-fill on the nodes (set by the run). */
  readonly memory?: NodeMemoryFaults;
}

function server0(cluster: Cluster): ClusterNode {
  const first = cluster.nodes.find((n) => n.role === 'server');
  if (!first) throw new Error('cluster without a server');
  return first;
}

/** `kubectl` inside the first server container (k3s ships it), so the host needs none. */
export function kubectl(
  ctx: K3dRunContext,
  cluster: Cluster,
  args: readonly string[],
  input?: string,
  options: { allowFailure?: boolean; server?: ClusterNode } = {},
) {
  const { server, ...execOptions } = options;
  const container = ctx.names.container(server ?? server0(cluster));
  return ctx.exec('docker', ['exec', ...(input !== undefined ? ['-i'] : []), container, 'kubectl', ...args], {
    ...(input !== undefined ? { input } : {}),
    ...execOptions,
  });
}
