/**
 * The names a k3d run gives what it creates on the Docker host. Each run draws its own id and
 * puts it in every name (k3d cluster, node containers, network, Rancher host, probe) and in a
 * `twin.dev/run` label, so two runs of the same cluster on one host — two terminals, two CI jobs
 * on one runner, with or without a shared filesystem — never touch each other's containers: a run
 * tears down only what carries its own id. `twin down` still finds every run's leftovers by
 * twin's label and the `twin-` prefix.
 */
import { randomBytes } from 'node:crypto';
import type { Cluster, ClusterNode } from '../../model/cluster.js';

/** The label every container of one run carries, with the run's id. */
export const runLabel = 'twin.dev/run';

/**
 * k3d refuses a cluster name longer than 32 characters (`DefaultClusterNameMaxLength`, checked by
 * k3d's `CheckName` with the RFC 1123 host-name rule): its node containers' host names are built
 * from it.
 */
export const k3dClusterNameMax = 32;

/** Characters of a run id: enough that two runs on one host do not draw the same one (36⁶ ≈ 2·10⁹). */
const runIdLength = 6;
const runIdAlphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** The id of a dry run: fixed, so its transcript is the same every time (a real run draws one). */
export const dryRunId = 'dryrun';

/** A fresh run id: six lower-case letters and digits (valid in a k3d name and a Docker label). */
export function newRunId(random: (size: number) => Uint8Array = randomBytes): string {
  return Array.from(random(runIdLength), (byte) => runIdAlphabet[byte % runIdAlphabet.length]).join('');
}

/** What one run calls the things it creates. */
export interface RunNames {
  /** The run's id; null for a config written for use by hand (`twin export k3d`), which has none. */
  readonly runId: string | null;
  /** k3d's cluster name, `twin-<cluster>-<run id>`, at most 32 characters. */
  readonly cluster: string;
  /** The cluster's Docker network (k3d creates it from the config). */
  readonly network: string;
  /** The Rancher host's container. */
  readonly rancher: string;
  /** The probe container on the cluster's network. */
  readonly probe: string;
  /** The Docker container k3d creates for a node. */
  container(node: ClusterNode): string;
  /** The Docker container twin starts for a machine outside Kubernetes (role external): `<cluster>-<node>`. */
  external(node: ClusterNode): string;
}

/** `--label twin.dev/run=<id>` for a container `docker run` starts for this run (none without an id). */
export function runLabelArgs(names: RunNames): string[] {
  return names.runId !== null ? ['--label', `${runLabel}=${names.runId}`] : [];
}

/** `server:0`, `agent:2`: k3d's node filter for a twin node. */
export function nodeFilter(cluster: Cluster, node: ClusterNode): string {
  // Only servers and agents are k3d nodes: an external host or the Rancher box has no k3d name,
  // and counting it among the agents would name another node's container (supports.ts refuses
  // faults on them before a run).
  if (node.role !== 'server' && node.role !== 'agent') throw new Error(`node ${node.name} (role ${node.role}) is not a k3d node`);
  const peers = cluster.nodes.filter((n) => n.role === node.role);
  return `${node.role === 'server' ? 'server' : 'agent'}:${peers.indexOf(node)}`;
}

/**
 * k3d's name for the cluster: `twin-<cluster>` then `-<run id>`. A long cluster name is cut so the
 * whole stays within k3d's 32 characters, the run id always kept whole (it is what keeps two runs
 * apart) and no dash left at the cut (k3d's host-name rule).
 */
export function k3dClusterName(cluster: Cluster, runId: string | null): string {
  const suffix = runId === null ? '' : `-${runId}`;
  const base = `twin-${cluster.name}`.slice(0, k3dClusterNameMax - suffix.length).replace(/-+$/, '');
  return `${base}${suffix}`;
}

export function runNames(cluster: Cluster, runId: string | null): RunNames {
  if (runId !== null && !new RegExp(`^[a-z0-9]{1,${runIdLength}}$`).test(runId))
    throw new Error(`run id ${JSON.stringify(runId)}: expected 1 to ${runIdLength} lower-case letters or digits`);
  const name = k3dClusterName(cluster, runId);
  return {
    runId,
    cluster: name,
    network: `${name}-net`,
    rancher: `${name}-rancher`,
    probe: `${name}-probe`,
    container: (node) => {
      const [role, index] = nodeFilter(cluster, node).split(':');
      return `k3d-${name}-${role}-${index}`;
    },
    external: (node) => {
      if (node.role !== 'external') throw new Error(`node ${node.name} (role ${node.role}) is not an external host`);
      return `${name}-${node.name}`;
    },
  };
}
