/**
 * What to change when a pod cannot be scheduled, read from the scheduler's own message
 * (`0/4 nodes are available: 3 Insufficient memory, 1 node(s) had untolerated taint {…}`) and
 * the workload's pod template. Shared by the run report (a bring-up that did not finish) and
 * `twin plan` (pods that do not fit, rejected hardware mixes). Pure.
 */
import type { V1NodeSelectorTerm } from '@kubernetes/client-node';
import { formatBytes, formatMillicores } from '../model/units.js';
import type { Workload } from '../model/workloads.js';

/** The nodes a fix may talk about: their names and labels. */
export interface NodeLabels {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Only servers and agents take pods; other machines (Rancher, NFS) are left out. */
  readonly role?: string;
}

/** Taints a node carries while it is not (yet) Ready: the fix is the node, not the pod. */
const healthTaints = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable', 'node.kubernetes.io/unschedulable'];

function termText(term: V1NodeSelectorTerm): string {
  return (term.matchExpressions ?? [])
    .map((e) => `${e.key} ${e.operator}${e.values?.length ? ` (${e.values.join(', ')})` : ''}`)
    .join(' and ');
}

/** The workload's node selector and required node affinity, as a user wrote them. */
export function selectorText(workload: Workload): string {
  const parts: string[] = [];
  const selector = Object.entries(workload.template.nodeSelector);
  if (selector.length) parts.push(`nodeSelector ${selector.map(([k, v]) => `${k}=${v}`).join(', ')}`);
  const terms = workload.template.nodeAffinity.map(termText).filter(Boolean);
  if (terms.length) parts.push(`required node affinity ${terms.join(' or ')}`);
  return parts.join(' and ');
}

/** Nodes whose labels match the workload's nodeSelector (required affinity is left to the scheduler's count). */
function selectorMatches(workload: Workload, nodes: readonly NodeLabels[]): NodeLabels[] {
  const selector = Object.entries(workload.template.nodeSelector);
  return nodes.filter(
    (n) => (n.role === undefined || n.role === 'server' || n.role === 'agent') && selector.every(([k, v]) => n.labels[k] === v),
  );
}

/** One fix per reason the scheduler gave, in the order of its message. */
export function schedulingFixes(message: string, workload: Workload, nodes: readonly NodeLabels[]): string[] {
  const name = `${workload.namespace}/${workload.name}`;
  const template = workload.template;
  const fixes: string[] = [];
  const add = (fix: string) => {
    if (!fixes.includes(fix)) fixes.push(fix);
  };
  for (const match of message.matchAll(/untolerated taint \{([^:}]+)/g)) {
    const key = match[1] ?? '';
    if (healthTaints.includes(key)) add('wait for the nodes to become Ready (see the nodes that did not)');
    else add(`tolerate ${key} in ${name} (spec.template.spec.tolerations), or remove the taint from the node(s)`);
  }
  if (/didn't match Pod's node affinity\/selector/.test(message)) {
    const wanted = selectorText(workload);
    const host = template.nodeSelector['kubernetes.io/hostname'];
    if (host !== undefined && !nodes.some((n) => n.name === host))
      add(
        `${name} is pinned to node ${host} (nodeSelector kubernetes.io/hostname), which the cluster does not have: ` +
          `name a node ${host}, or drop the pin`,
      );
    else if (wanted && selectorMatches(workload, nodes).length === 0)
      add(`${wanted} of ${name} matches no node: label a node with it (spec.nodes[].labels in the cluster file), or change the selector`);
    else if (wanted) add(`label more nodes for ${wanted} of ${name}, or loosen the selector`);
    else add(`${name} is pinned to a node that cannot take it (DaemonSet or local volume)`);
  }
  if (/Insufficient memory/.test(message)) {
    const request = formatBytes(template.requestMemory);
    add(`add a node with at least ${request} of memory unrequested, or lower requests.memory of ${name} (${request} per pod)`);
  }
  if (/Insufficient cpu/.test(message)) {
    const request = formatMillicores(template.requestCpu);
    add(`add a node with at least ${request} of CPU unrequested, or lower requests.cpu of ${name} (${request} per pod)`);
  }
  if (/Too many pods/.test(message)) add('add a node, or raise the maxPods setting (110 pods per node by default)');
  if (/anti-affinity/.test(message))
    add(`${name} allows one pod per node (required pod anti-affinity on kubernetes.io/hostname): add nodes or lower its replicas`);
  if (/PersistentVolume's node affinity/.test(message))
    add('its local-path volume stays on the node it was provisioned on: bring that node back, or delete the claim to start afresh');
  if (fixes.length === 0) add(`see why the scheduler refuses ${name}: ${message}`);
  return fixes;
}
