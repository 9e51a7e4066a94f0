import type { Datastore, NodeRole } from './cluster-schema.js';
import type { Architecture, HardwareProfile } from './hardware-profile.js';

/** Labels the kubelet and K3s put on every node (K3s pkg/agent; kubelet well-known labels). */
export function wellKnownLabels(name: string, role: NodeRole, architecture: Architecture, datastore: Datastore, profile: HardwareProfile) {
  const labels: Record<string, string> = {
    'kubernetes.io/hostname': name,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': architecture === 'armv7' ? 'arm' : architecture,
    'node.kubernetes.io/instance-type': 'k3s',
    'twin.dev/profile': profile.metadata.name,
  };
  if (role === 'server') {
    labels['node-role.kubernetes.io/control-plane'] = 'true';
    labels['node-role.kubernetes.io/master'] = 'true';
    if (datastore === 'embedded-etcd') labels['node-role.kubernetes.io/etcd'] = 'true';
  }
  return labels;
}
