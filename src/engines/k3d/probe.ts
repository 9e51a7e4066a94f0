/**
 * The commands a live run starts beside the cluster to watch it: Docker's event stream for
 * twin's containers, and the probe container, a client on the cluster's site network (its Docker
 * network) with a shell the probes are written to. No Kubernetes client here: a dry run prints
 * these without loading one.
 */
import type { Cluster } from '../../model/cluster.js';
import { managedLabel } from './config.js';
import { standInImage } from './docker.js';
import { runLabel, runLabelArgs, type RunNames } from './run-names.js';

/** `docker events` for this run's containers, as JSON lines (Docker requires every `label` filter to match, so only this run's). */
export function dockerEventsArgs(names: RunNames): string[] {
  const run = names.runId !== null ? ['--filter', `label=${runLabel}=${names.runId}`] : [];
  return ['events', '--filter', `label=${managedLabel}=true`, ...run, '--format', '{{json .}}'];
}

/** The probe container: a client on the cluster's site network (Docker network). */
export function probeRunArgs(cluster: Cluster, names: RunNames): string[] {
  return [
    'run',
    '-d',
    '--name',
    names.probe,
    '--network',
    names.network,
    '--cap-add',
    'NET_ADMIN',
    '--label',
    `${managedLabel}=true`,
    '--label',
    `twin.dev/cluster=${cluster.name}`,
    ...runLabelArgs(names),
    standInImage,
    'sleep',
    '2147483647',
  ];
}

/** The shell the probes are written to, one round every two seconds. */
export function probeShellArgs(names: RunNames): string[] {
  return ['exec', '-i', names.probe, 'sh'];
}
