/**
 * `k3s.registrationAddress`: what agents are given as `--server` / K3S_URL. Pure module.
 */
import type { InputProblem } from '../errors.js';
import type { ClusterSpecParsed } from './cluster-schema.js';

/**
 * The node `k3s.registrationAddress` names (a node name, its IP, or `https://<name or IP>[:6443]`), which must be a
 * server or a gateway (role external with haproxy in front of the servers); without one, the first server, as
 * agents given that server's URL join (K3s docs: "Cluster Load Balancer", fixed registration address).
 */
export function resolveRegistrationAddress(
  written: string | undefined,
  nodes: ClusterSpecParsed['nodes'],
  field: string,
  problems: InputProblem[],
): string {
  const firstServer = nodes.find((n) => n.role === 'server')?.name ?? '';
  if (written === undefined) return firstServer;
  const url = /^([a-z]+):\/\/([^/:[\]]+|\[[^\]]+\])(?::(\d+))?\/?$/i.exec(written);
  if (url && (url[1]?.toLowerCase() !== 'https' || (url[3] !== undefined && url[3] !== '6443'))) {
    problems.push({
      field,
      message: `"${written}": K3s serves agents' registration over https on port 6443`,
      hint: `write https://${url[2] ?? '<ip>'}:6443, or the node's name or IP`,
    });
    return firstServer;
  }
  const host = url ? (url[2] ?? '').replace(/^\[(.*)\]$/, '$1') : written;
  const node = nodes.find((n) => n.name === host || (n.ip !== undefined && n.ip === host));
  const gateways = nodes
    .filter((n) => n.role === 'server' || (n.role === 'external' && n.services?.includes('haproxy')))
    .map((n) => n.name);
  if (!node) {
    problems.push({
      field,
      message: `"${written}" is no node's name or IP`,
      hint: `name a server or a role: external node with services: [haproxy] (${gateways.join(', ')}), by name, IP or https://<ip>:6443`,
    });
    return firstServer;
  }
  if (node.role !== 'server' && !(node.role === 'external' && node.services?.includes('haproxy'))) {
    problems.push({
      field,
      message: `"${written}" is node ${node.name} (role ${node.role}), which serves no Kubernetes API`,
      hint: `agents join through a server or a gateway (role: external with services: [haproxy]): ${gateways.join(', ')}`,
    });
    return firstServer;
  }
  return node.name;
}
