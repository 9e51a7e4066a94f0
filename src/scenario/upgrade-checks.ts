/** Load-time checks of a k3s-upgrade against the cluster: the nodes it names run k3s, and the version is a supported step. */
import type { Fault } from './faults.js';
import type { Problems } from './fields.js';

/**
 * Why a k3s-upgrade cannot be run on these nodes (name, role, K3s version), reported at `field`: a node
 * without k3s, a downgrade, or a jump of more than one minor version (the API server is upgraded one
 * minor at a time: K8sDocs releases/version-skew-policy#supported-component-upgrade-order; K3s has no
 * downgrade path, docs.k3s.io/upgrades).
 */
export function k3sUpgradeProblems(
  fault: Fault,
  field: string,
  nodes: ReadonlyArray<{ readonly name: string; readonly role: string; readonly k3sVersion: string }>,
  problems: Problems,
): void {
  if (fault.kind !== 'k3s-upgrade') return;
  const minor = (version: string) => Number(/^v1\.(\d+)\./.exec(version)?.[1] ?? NaN);
  const target = minor(fault.version);
  fault.nodes?.forEach((wanted, i) => {
    const node = nodes.find((n) => n.name === wanted);
    if (node && node.role !== 'server' && node.role !== 'agent')
      problems.add(`${field}.nodes[${i}]`, `${wanted} runs no k3s (role ${node.role})`, 'list only servers and agents');
  });
  for (const node of nodes) {
    if (node.role !== 'server' && node.role !== 'agent') continue;
    if (fault.nodes && !fault.nodes.includes(node.name)) continue;
    const from = minor(node.k3sVersion);
    if (target < from)
      problems.add(`${field}.version`, `${fault.version} is older than ${node.name}'s ${node.k3sVersion}`, 'K3s cannot be downgraded');
    else if (target > from + 1)
      problems.add(
        `${field}.version`,
        `${node.name} runs ${node.k3sVersion}: ${fault.version} skips a minor version`,
        `upgrade one minor version at a time (v1.${from + 1}.x first)`,
      );
  }
}
