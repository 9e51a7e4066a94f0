/**
 * Memory faults on real nodes.
 *
 * - memory-leak: the workload's containers grow as a leaking application does. PID 1 of twin's
 *   workload stand-in images (`twin-app`, node-image/images/twin-app.c) grows on request, so the
 *   container reaches its limit, the kernel kills it and Kubernetes reports it OOMKilled and
 *   restarts it with back-off. Containers that start while the leak is on leak again, as the
 *   model's do. The request goes straight to the node's containerd (`ctr task exec`), so it works
 *   while the Kubernetes API is down, as a real leak would.
 * - memory-fill: a process outside Kubernetes on the node (`memhog` in the node container) takes
 *   the memory; the node container's limit is the board's RAM, so past it the kernel's OOM killer
 *   picks by oom_score_adj among the pods and that process, as on a Pi.
 */
import type { KubernetesObject, V1Pod, V1PodTemplateSpec } from '@kubernetes/client-node';
import type { Cluster } from '../../model/cluster.js';
import { outsideKubernetesVictim, type DetailValue, type TimelineEventKind } from '../../model/timeline.js';
import { containerMemoryUsage } from '../../model/pod-template.js';
import { workloadMatches } from '../../model/workloads.js';
import type { Exec, Spawned } from './exec.js';
import { workloadOf } from './observe.js';
import type { RunNames } from './run-names.js';

/** K3s's containerd socket, in K3s's image and in twin's. */
export const containerdSocket = '/run/k3s/containerd/containerd.sock';

/** Where memory-fault events go: wall-clock ms, then the timeline event's parts. */
export type MemoryEventSink = (
  at: number,
  kind: TimelineEventKind,
  subject: string,
  message: string,
  details: Record<string, DetailValue>,
) => void;

const MiB = 1024 * 1024;
const fillPidFile = '/run/twin-memory-fill.pid';
/** What the memory-fill's shell prints just before it becomes memhog. */
const hogStartLine = 'twin-memory-fill-start';
/** How long a memory-fill's time waits for its hog to start before it stays where twin asked. */
const hogStartWaitMs = 30_000;

/** What twin-app (PID 1 of twin's stand-in images) holds from its start, in bytes. */
export const appMemoryEnv = 'TWIN_APP_MEMORY';

export function podTemplateOf(o: KubernetesObject): V1PodTemplateSpec | undefined {
  const spec = (o as { spec?: Record<string, unknown> }).spec;
  if (!spec) return undefined;
  if (o.kind === 'Pod') return { metadata: o.metadata ?? {}, spec: spec as unknown as V1PodTemplateSpec['spec'] };
  if (o.kind === 'CronJob') return (spec['jobTemplate'] as { spec?: { template?: V1PodTemplateSpec } } | undefined)?.spec?.template;
  return spec['template'] as V1PodTemplateSpec | undefined;
}

/**
 * The workloads with each container told, through `TWIN_APP_MEMORY`, to hold the memory the model
 * gives it at rest (its twin.dev/memory-usage annotation, else its request…): twin's stand-in
 * images then use a node's memory as the real applications would, not busybox's few hundred KiB.
 * Other images ignore the variable.
 */
export function withModelMemory(objects: readonly KubernetesObject[]): KubernetesObject[] {
  return objects.map((original) => {
    const o = structuredClone(original);
    const template = podTemplateOf(o);
    if (!template?.spec) return o;
    const annotations = { ...(o.metadata?.annotations ?? {}), ...(template.metadata?.annotations ?? {}) };
    template.spec.containers.forEach((c, i) => {
      c.env = [
        ...(c.env ?? []).filter((e) => e.name !== appMemoryEnv),
        { name: appMemoryEnv, value: String(Math.round(containerMemoryUsage(c, annotations, i))) },
      ];
    });
    return o;
  });
}

/** `docker exec` arguments asking twin-app, PID 1 of container `id` in node `node`, to grow by `rate` bytes/s (0 stops). */
function leakArgs(node: string, execId: string, id: string, rate: number): string[] {
  const task = ['ctr', '--address', containerdSocket, '--namespace', 'k8s.io', 'task', 'exec', '--exec-id', execId, id];
  return ['exec', node, ...task, '/bin/twin-app', 'leak', String(rate)];
}

export class NodeMemoryFaults {
  /** Workload as the scenario names it → bytes per second (0: the leak has stopped). */
  private readonly leaks = new Map<string, number>();
  /** containerd container id → the rate last asked of it. */
  private readonly asked = new Map<string, number>();
  private readonly refused = new Set<string>();
  /** containerd container id → its last ask still under way: asks of one container go in the order made. */
  private readonly pending = new Map<string, Promise<unknown>>();
  /** Node name → its running memory hog. */
  private readonly hogs = new Map<string, { process: Spawned; bytes: number; stopping: boolean; start: Promise<number | undefined> }>();
  private execs = 0;

  constructor(
    private readonly exec: Exec,
    private readonly cluster: Cluster,
    private readonly names: RunNames,
    /** The pods the API shows now (the observer's cache); none in a dry run. */
    private readonly pods: () => Iterable<V1Pod>,
    private readonly now: () => number,
    private readonly sink: MemoryEventSink,
  ) {}

  private nodeContainer(nodeName: string): string | undefined {
    const node = this.cluster.nodes.find((n) => n.name === nodeName && (n.role === 'server' || n.role === 'agent'));
    return node ? this.names.container(node) : undefined;
  }

  /**
   * The leak of `workload` grows at `rate` bytes/s from now (0 stops the growth; what was taken stays held).
   * Resolves with the wall-clock ms at which the first container took the new rate (the leak's effect on the
   * nodes), undefined when no running container took it.
   */
  async leak(workload: string, rate: number): Promise<number | undefined> {
    this.leaks.set(workload, rate);
    if (this.exec.dryRun) {
      await this.exec('docker', leakArgs('<node container of each running pod>', 'twin-leak-<n>', '<container id>', Math.round(rate)));
      return undefined;
    }
    return this.tick();
  }

  /**
   * Asks every running container of a leaking workload that has not been asked yet (called about once a second),
   * all at once: one `docker exec` into a node at its board's CPU quota takes seconds, and asked one after another
   * the last container would start leaking that much later than the first, where a real leak starts in every
   * replica together. Resolves with the wall-clock ms of the first ask that took, if any did.
   */
  async tick(): Promise<number | undefined> {
    if (this.leaks.size === 0) return undefined;
    const asks: Array<{ pod: V1Pod; container: string; name: string; id: string; rate: number }> = [];
    for (const pod of [...this.pods()]) {
      const key = workloadOf(pod);
      const wanted = [...this.leaks.keys()].find((w) => workloadMatches(key, w));
      if (wanted === undefined) continue;
      const rate = Math.round(this.leaks.get(wanted) ?? 0);
      const container = this.nodeContainer(pod.spec?.nodeName ?? '');
      if (!container) continue;
      for (const status of pod.status?.containerStatuses ?? []) {
        const id = status.containerID?.replace(/^[a-z]+:\/\//, '');
        if (!id || !status.state?.running || this.refused.has(id)) continue;
        if ((this.asked.get(id) ?? 0) === rate) continue;
        this.asked.set(id, rate);
        asks.push({ pod, container, name: status.name, id, rate });
      }
    }
    // Different containers are asked together; one container's asks (a rate, then 0 at the heal) stay in order.
    const took = await Promise.all(
      asks.map((ask) => {
        const before = this.pending.get(ask.id) ?? Promise.resolve(undefined);
        const next = before.catch(() => undefined).then(() => this.ask(ask));
        this.pending.set(ask.id, next);
        return next;
      }),
    );
    const times = took.filter((at): at is number => at !== undefined);
    return times.length > 0 ? Math.min(...times) : undefined;
  }

  /** Wall-clock ms once the container has the rate (`ctr task exec` returns after twin-app has taken it); undefined if it did not. */
  private async ask({
    pod,
    container,
    name,
    id,
    rate,
  }: {
    pod: V1Pod;
    container: string;
    name: string;
    id: string;
    rate: number;
  }): Promise<number | undefined> {
    const result = await this.exec('docker', leakArgs(container, `twin-leak-${++this.execs}`, id, rate), { allowFailure: true });
    if (result.exitCode === 0) return this.now();
    if (rate > 0) {
      this.refused.add(id);
      const why = (result.stderr.trim().split('\n').pop() ?? '').slice(0, 200) || `exit ${result.exitCode}`;
      this.sink(
        this.now(),
        'fault.notApplied',
        `pod/${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? ''}`,
        `memory leak not started in container ${name} of ${pod.metadata?.name ?? ''}: its image has no twin-app as PID 1 (${why})`,
        { fault: 'memory-leak', container: name },
      );
    }
    return undefined;
  }

  /**
   * `bytes` of `node`'s memory taken outside Kubernetes (0 frees it). Resolves once asked for, with `tookEffect`:
   * the wall-clock ms at which that took effect on the node, the hog running there and taking memory (a
   * `docker exec` into a node held to its board's CPU quota takes seconds to start one) or the hog killed;
   * undefined if neither was seen.
   */
  async fill(nodeName: string, bytes: number): Promise<{ tookEffect: Promise<number | undefined> }> {
    const container = this.nodeContainer(nodeName);
    if (!container) throw new Error(`memory-fill: ${nodeName} is not a K3s node of this cluster`);
    const current = this.hogs.get(nodeName);
    if (current || bytes <= 0) {
      if (current) current.stopping = true;
      this.hogs.delete(nodeName);
      // A hog still starting is let start (or give up) first, so that the kill finds it.
      if (current) await current.start;
      // Only the hog: its PID may belong to another process once the kernel has killed it. Exit 0 only if it was killed.
      const killed = await this.exec(
        'docker',
        [
          'exec',
          container,
          'sh',
          '-c',
          `pid=$(cat ${fillPidFile} 2>/dev/null) && [ "$(cat /proc/$pid/comm 2>/dev/null)" = memhog ] && kill $pid; ` +
            `s=$?; rm -f ${fillPidFile}; exit $s`,
        ],
        { allowFailure: true },
      );
      const freed = this.exec.dryRun || killed.exitCode !== 0 ? undefined : this.now();
      // The hog's `docker exec` ends with it; never wait on it for more than 10 s.
      if (current) await Promise.race([current.process.exited, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
      if (bytes <= 0) return { tookEffect: Promise.resolve(current ? freed : undefined) };
    }
    const mebibytes = Math.max(1, Math.round(bytes / MiB));
    // All of it at once, as the model takes it; the line before memhog marks the moment it starts taking it.
    let started: (at: number | undefined) => void = () => undefined;
    const start = new Promise<number | undefined>((resolve) => (started = resolve));
    const process = this.exec.spawn(
      'docker',
      ['exec', container, 'sh', '-c', `echo $$ > ${fillPidFile} && echo ${hogStartLine} && exec memhog ${mebibytes} ${mebibytes}`],
      (line) => {
        if (line.trim() === hogStartLine) started(this.now());
      },
    );
    void process.exited.then(() => started(undefined));
    // A hog that never starts (its exec failed or hung) leaves the fault's time where twin asked for it.
    const tookEffect = Promise.race([
      start,
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), hogStartWaitMs).unref()),
    ]);
    const hog = { process, bytes, stopping: false, start: tookEffect };
    this.hogs.set(nodeName, hog);
    void process.exited.then(async (code) => {
      if (hog.stopping || code !== 137) return;
      this.hogs.delete(nodeName);
      // 137 is SIGKILL: the kernel's OOM killer, unless the whole node container went (power loss).
      const state = await this.exec('docker', ['inspect', '--format', '{{.State.Running}}', container], { allowFailure: true });
      if (state.stdout.trim() !== 'true') return;
      this.sink(
        this.now(),
        'node.oomKiller',
        `node/${nodeName}`,
        `kernel OOM killer on ${nodeName}: kills the process holding ${mebibytes}Mi outside Kubernetes (oom_score_adj 0)`,
        { victim: outsideKubernetesVictim, oomScoreAdj: 0 },
      );
    });
    return { tookEffect };
  }

  /** Stops watching the hogs (their containers go with the cluster). */
  async stop(): Promise<void> {
    for (const hog of this.hogs.values()) hog.stopping = true;
    await Promise.all([...this.hogs.values()].map((h) => h.process.stop()));
    this.hogs.clear();
  }
}
