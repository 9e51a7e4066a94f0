/**
 * `twin merge --from-job`: the shard files of a sweep that ran as a Kubernetes Indexed Job
 * (`twin export job`), cut out of its pods' logs. One succeeded pod per completion index; its log
 * holds its shard file between the marker lines (load/shards.ts). Read-only: a GET of the Job, a
 * list of its pods and each pod's log.
 */
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { ConfigError, ExternalServiceError } from '../errors.js';
import { clientNode } from '../load/lazy.js';
import { shardFromLog } from '../load/shards.js';
import { clusterError, httpStatus, withTimeout, type LiveCluster } from './kube-client.js';

/** The label (and annotation) Kubernetes gives each pod of an Indexed Job: its completion index. */
const indexLabel = 'batch.kubernetes.io/job-completion-index';

export interface JobShardText {
  /** 0-based, as `JOB_COMPLETION_INDEX`. */
  readonly index: number;
  readonly pod: string;
  /** The shard file, as the pod wrote it. */
  readonly text: string;
}

function indexOf(pod: V1Pod): number | undefined {
  const written = pod.metadata?.labels?.[indexLabel] ?? pod.metadata?.annotations?.[indexLabel];
  return written !== undefined && /^\d+$/.test(written) ? Number(written) : undefined;
}

/** The Job's state in one line, for a Job that cannot be merged yet (or ever). */
function unfinished(job: V1Job, name: string, namespace: string): Error | null {
  const completions = job.spec?.completions ?? 1;
  const succeeded = job.status?.succeeded ?? 0;
  const failed = job.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
  const logs = `kubectl logs -n ${namespace} -l batch.kubernetes.io/job-name=${name}`;
  if (failed)
    return new ExternalServiceError(
      `job ${namespace}/${name} failed (${failed.reason ?? 'Failed'}: ${failed.message ?? 'no message'}); its pods say why: ${logs}`,
    );
  if (succeeded < completions)
    return new ExternalServiceError(
      `job ${namespace}/${name} has not completed: ${succeeded} of ${completions} shards done ` +
        `(wait for it: kubectl wait -n ${namespace} --for=condition=complete job/${name} --timeout=1h)`,
    );
  return null;
}

/** Each completion index's shard file, in index order, from the logs of the Job's succeeded pods. */
export async function readJobShards(cluster: LiveCluster, name: string, namespace: string): Promise<JobShardText[]> {
  const { BatchV1Api, CoreV1Api } = clientNode();
  const batch = cluster.config.makeApiClient(BatchV1Api);
  const core = cluster.config.makeApiClient(CoreV1Api);
  const permission = `get jobs, list pods and get pods/log in namespace ${namespace}`;
  let job: V1Job;
  try {
    job = await withTimeout(batch.readNamespacedJob({ name, namespace }));
  } catch (error) {
    if (httpStatus(error) === 404)
      throw ConfigError.single(
        '--from-job',
        '',
        `no Job "${name}" in namespace ${namespace} at ${cluster.server}`,
        `kubectl get jobs -n ${namespace} lists them; --namespace names another namespace`,
      );
    throw clusterError(cluster, error, `read job ${namespace}/${name}`, permission);
  }
  if (job.spec?.completionMode !== 'Indexed')
    throw ConfigError.single('--from-job', '', `job ${namespace}/${name} is not an Indexed Job`, 'name a Job written by twin export job');
  const problem = unfinished(job, name, namespace);
  if (problem) throw problem;
  const selector = Object.entries(job.spec.selector?.matchLabels ?? { 'batch.kubernetes.io/job-name': name })
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
  let pods: V1Pod[];
  try {
    pods = (await withTimeout(core.listNamespacedPod({ namespace, labelSelector: selector }))).items;
  } catch (error) {
    throw clusterError(cluster, error, `list the pods of job ${namespace}/${name}`, permission);
  }
  const completions = job.spec.completions ?? 1;
  const shards: JobShardText[] = [];
  for (let index = 0; index < completions; index++) {
    const pod = pods.find((p) => indexOf(p) === index && p.status?.phase === 'Succeeded');
    const podName = pod?.metadata?.name;
    if (!pod || !podName)
      throw new ExternalServiceError(
        `job ${namespace}/${name}: no succeeded pod of index ${index} is left to read its log from (deleted?); rerun the Job`,
      );
    let log: string;
    try {
      log = await withTimeout(core.readNamespacedPodLog({ name: podName, namespace, container: pod.spec?.containers[0]?.name ?? 'twin' }));
    } catch (error) {
      throw clusterError(cluster, error, `read the log of pod ${namespace}/${podName}`, permission);
    }
    const text = shardFromLog(log);
    if (text === null)
      throw new ExternalServiceError(
        `pod ${namespace}/${podName} (index ${index}): its log holds no shard file between the twin shard markers; ` +
          'was the Job written by twin export job?',
      );
    shards.push({ index, pod: podName, text });
  }
  return shards;
}
