/**
 * The commands a live run starts beside the cluster to watch it: Docker's event stream for
 * twin's containers, and the probe container, a client on the cluster's site network (its Docker
 * network) with a shell the probes are written to. No Kubernetes client here: a dry run prints
 * these without loading one.
 */
import type { Cluster } from '../../model/cluster.js';
import { k3dClusterName, managedLabel } from './config.js';
import { standInImage } from './docker.js';

/** `docker events` for twin's containers, as JSON lines. */
export const dockerEventsArgs = ['events', '--filter', `label=${managedLabel}=true`, '--format', '{{json .}}'];

/** The probe container: a client on the cluster's site network (Docker network). */
export function probeContainer(cluster: Cluster): string {
  return `${k3dClusterName(cluster)}-probe`;
}

export function probeRunArgs(cluster: Cluster): string[] {
  return [
    'run',
    '-d',
    '--name',
    probeContainer(cluster),
    '--network',
    `${k3dClusterName(cluster)}-net`,
    '--cap-add',
    'NET_ADMIN',
    '--label',
    `${managedLabel}=true`,
    '--label',
    `twin.dev/cluster=${cluster.name}`,
    standInImage,
    'sleep',
    '2147483647',
  ];
}

/** The shell the probes are written to, one round every two seconds. */
export function probeShellArgs(cluster: Cluster): string[] {
  return ['exec', '-i', probeContainer(cluster), 'sh'];
}
