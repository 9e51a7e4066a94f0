/**
 * Failures and risks twin can predict before anything runs: a node whose RAM cannot hold
 * its role, images without a build for the nodes' architecture, joins the server will
 * refuse, embedded etcd on SD cards, an even number of etcd servers. Pure.
 */
import type { Cluster, ClusterNode } from './cluster.js';
import type { WorkloadSet } from './workloads.js';
import { usableMemory } from './settings.js';

export interface Finding {
  readonly severity: 'error' | 'warning';
  /** Stable identifier, e.g. `node-memory`, `image-arch`, `join-token`. */
  readonly code: string;
  /** `node/dcn1`, `workload/Deployment/default/web`, `cluster`. */
  readonly subject: string;
  readonly message: string;
  readonly source: string;
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const mi = (bytes: number) => `${Math.round(bytes / MiB)} MiB`;

function minor(version: string): number {
  return Number(/^v1\.(\d+)/.exec(version)?.[1] ?? 0);
}

function capacity(cluster: Cluster, node: ClusterNode): number {
  return node.measured?.memoryCapacity?.value ?? usableMemory(node.profile.spec.memory.value, cluster.settings);
}

function nodeFindings(cluster: Cluster, node: ClusterNode, out: Finding[]): void {
  const s = cluster.settings;
  const ram = node.profile.spec.memory.value;
  const subject = `node/${node.name}`;
  const board = node.profile.metadata.displayName;
  if (node.role === 'server' || node.role === 'agent') {
    const etcd = cluster.k3s.datastore === 'embedded-etcd';
    const k3s = node.role === 'server' ? s.k3sServerMemory + (etcd ? s.k3sEtcdExtraMemory : 0) : s.k3sAgentMemory;
    const needed = node.measured?.memoryOutsidePods?.value ?? s.osMemoryUsage + k3s;
    const available = capacity(cluster, node);
    if (needed >= available) {
      out.push({
        severity: 'error',
        code: 'node-memory',
        subject,
        message:
          `${node.name} (${board}) cannot hold the ${node.role} role: ` +
          `OS and k3s ${node.role} need about ${mi(needed)}, the node has ${mi(available)}`,
        source: 'K3sDocs reference/resource-profiling (calibration.md 2.4)',
      });
    } else if (available - needed < 128 * MiB) {
      out.push({
        severity: 'warning',
        code: 'node-memory',
        subject,
        message:
          `${node.name} (${board}) has only ${mi(available - needed)} left for pods once the OS and k3s ${node.role} run ` +
          `(the scheduler still sees ${mi(available)} allocatable, so the kernel OOM killer will act)`,
        source: 'K3sDocs reference/resource-profiling; K3s sets no memory eviction threshold (calibration.md 2.3)',
      });
    }
    if (node.role === 'server' && ram < 2 * GiB) {
      out.push({
        severity: 'warning',
        code: 'server-minimum',
        subject,
        message: `${node.name} (${board}) is below K3s's documented server minimum of 2 GB RAM`,
        source: 'K3sDocs installation/requirements (calibration.md 2.5)',
      });
    }
    if (node.role === 'server' && etcd && node.storage.type === 'microsd') {
      out.push({
        severity: 'warning',
        code: 'etcd-on-sd',
        subject,
        message:
          `${node.name} runs embedded etcd on a microSD card: "SD cards and eMMC cannot handle the IO load" of etcd; ` +
          'expect slow writes and leader loss (use USB SSD or NVMe)',
        source: 'K3sDocs datastore/ha-embedded; K3sDocs installation/requirements',
      });
    }
    const first = cluster.nodes.find((n) => n.role === 'server');
    if (first && node !== first) {
      if (node.token !== undefined && first.token !== undefined && node.token !== first.token) {
        out.push({
          severity: 'error',
          code: 'join-token',
          subject,
          message: `${node.name} joins with a different token than ${first.name}: the server rejects it and the node never registers`,
          source: 'K3sDocs cli/token',
        });
      }
      const skew = minor(node.k3sVersion) - minor(first.k3sVersion);
      if (node.role === 'server' && Math.abs(skew) > 1) {
        out.push({
          severity: 'error',
          code: 'version-skew',
          subject,
          message:
            `${node.name} installs ${node.k3sVersion} but ${first.name} runs ${first.k3sVersion}: ` +
            'servers may differ by one minor version at most',
          source: 'K8sDocs releases/version-skew-policy',
        });
      } else if (node.role === 'agent' && (skew > 0 || skew < -3)) {
        out.push({
          severity: 'error',
          code: 'version-skew',
          subject,
          message:
            `${node.name}'s kubelet ${node.k3sVersion} against API server ${first.k3sVersion}: ` +
            'a kubelet may not be newer than the API server, nor more than 3 minor versions older',
          source: 'K8sDocs releases/version-skew-policy',
        });
      }
    }
  }
  if (node.role === 'rancher') {
    if (ram < 4 * GiB) {
      out.push({
        severity: 'error',
        code: 'rancher-memory',
        subject,
        message: `Rancher on ${node.name} (${board}, ${mi(ram)}): a single-node Docker install needs 4 GB RAM and 1 vCPU at least`,
        source: 'rancher-docs installation-requirements (calibration.md 3)',
      });
    }
    if (node.architecture === 'armv7') {
      out.push({
        severity: 'error',
        code: 'rancher-arch',
        subject,
        message: `Rancher publishes no 32-bit ARM image: it cannot run on ${node.name}`,
        source: 'rancher-docs installation-requirements (calibration.md 3)',
      });
    } else if (node.architecture === 'arm64') {
      out.push({
        severity: 'warning',
        code: 'rancher-arch',
        subject,
        message: `Rancher on ARM64 (${node.name}) is experimental; supported servers are 64-bit x86`,
        source: 'rancher-docs installation-requirements (calibration.md 3)',
      });
    }
  }
}

/** Everything predictable about a bring-up before it runs. */
export function bringUpFindings(cluster: Cluster, workloads: WorkloadSet): Finding[] {
  const out: Finding[] = [];
  for (const node of cluster.nodes) nodeFindings(cluster, node, out);
  const servers = cluster.nodes.filter((n) => n.role === 'server');
  if (cluster.k3s.datastore === 'embedded-etcd' && servers.length % 2 === 0) {
    out.push({
      severity: 'warning',
      code: 'etcd-even',
      subject: 'cluster',
      message:
        `${servers.length} etcd servers: an even number tolerates no more failures than ${servers.length - 1} ` +
        `(quorum ${servers.length / 2 + 1}) and risks split brain; use an odd number`,
      source: 'K3sDocs datastore/ha-embedded; etcd.io/docs/current/faq (failure tolerance)',
    });
  }
  const workers = cluster.nodes.filter((n) => n.role === 'server' || n.role === 'agent');
  for (const workload of workloads.workloads) {
    const template = workload.template;
    const candidates = workers.filter((n) => Object.entries(template.nodeSelector).every(([k, v]) => n.labels[k] === v));
    if (candidates.length === 0) continue;
    const runnable = candidates.filter((n) => template.architectures.includes(n.architecture));
    const images = template.containers.map((c) => c.image).join(', ');
    if (runnable.length === 0) {
      const archs = [...new Set(candidates.map((n) => n.architecture))].join('/');
      out.push({
        severity: 'error',
        code: 'image-arch',
        subject: `workload/${workload.key}`,
        message:
          `${workload.key}: ${images} has no linux/${archs} build; ` +
          `its pods will sit in ImagePullBackOff (published for ${template.architectures.join(', ') || 'nothing'})`,
        source: 'image catalogue / twin.dev/architectures',
      });
    } else if (runnable.length < candidates.length) {
      out.push({
        severity: 'warning',
        code: 'image-arch',
        subject: `workload/${workload.key}`,
        message:
          `${workload.key}: ${images} only runs on ${[...new Set(runnable.map((n) => n.architecture))].join('/')}; ` +
          'the scheduler does not check image architectures, so pods placed on other nodes fail — ' +
          'pin it with nodeSelector kubernetes.io/arch',
        source: 'image catalogue / twin.dev/architectures',
      });
    }
  }
  return out;
}
