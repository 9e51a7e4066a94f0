/**
 * `twin watch`: the real cluster as it changes, beside the model's answer to "which single node
 * loss would hurt most right now?". Snapshots of the live objects are taken once changes settle
 * (debounced); for each snapshot the model runs every node's loss from the live state, unless an
 * equal snapshot (same fingerprint) was answered already. Every change becomes one document.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { rankImpacts, type NodeImpact } from './watch-impact.js';
import { clusterShown, snapshotFingerprint, type NodeShown, type WorkloadShown } from './watch-state.js';
import type { StreamHandlers } from './watch-stream.js';

/** The model's answer for one snapshot: each node's loss, or why there is none. */
export type Analysis = { readonly impacts: readonly NodeImpact[] } | { readonly error: string };

/** One document per change: `twin watch --json` prints each on one line (README, "twin watch"). */
export interface WatchDocument {
  /** When the snapshot was taken, ISO 8601. */
  readonly time: string;
  readonly cluster: {
    /** The API server, `https://192.168.1.10:6443 (context lab)`. */
    readonly source: string;
    /** False while the watch has lost the API (the snapshot is the last one read). */
    readonly connected: boolean;
    readonly problem: string | null;
    readonly pods: number;
    readonly podsReady: number;
  };
  readonly nodes: readonly NodeShown[];
  readonly workloads: readonly WorkloadShown[];
  /** Each node's loss as the model predicts it from this snapshot, worst first. */
  readonly impacts: readonly NodeImpact[];
  /**
   * `done`: impacts belong to this snapshot; `running`: the model is still at it (impacts are
   * the previous snapshot's; only the live view shows these); `failed`: the model could not
   * start from this state (error says why).
   */
  readonly prediction: { readonly state: 'done' | 'running' | 'failed'; readonly fingerprint: string; readonly error?: string };
}

export interface WatchOptions {
  readonly source: string;
  /** The objects as first read. */
  readonly initial: readonly KubernetesObject[];
  /** Follows the live cluster until the signal aborts (watch-stream.ts's streamCluster, or a test's). */
  readonly stream: (handlers: StreamHandlers, signal: AbortSignal) => Promise<void>;
  /** Predicts each node's loss from a snapshot; aborting means a newer snapshot replaces it. */
  readonly analyse: (items: readonly KubernetesObject[], signal: AbortSignal) => Promise<Analysis>;
  readonly onDocument: (document: WatchDocument) => void;
  readonly signal: AbortSignal;
  /** Quiet time before a snapshot is taken (default 2 s), and the most a snapshot waits in a cluster that never settles (10 s). */
  readonly debounceMs?: number;
  readonly maxWaitMs?: number;
  /** Stop after this many finished documents (`--max-updates`). */
  readonly maxUpdates?: number;
  /** Wall clock for `time` (tests pin it). */
  readonly now?: () => Date;
}

/** Snapshots answered, by fingerprint: a cluster flapping between two states is not re-run. */
const cacheSize = 32;

export async function watchCluster(options: WatchOptions): Promise<void> {
  const { debounceMs = 2000, maxWaitMs = 10_000, now = () => new Date() } = options;
  const stop = new AbortController();
  const signal = AbortSignal.any([options.signal, stop.signal]);
  const cache = new Map<string, Analysis>();
  let latest = options.initial;
  let connection: string | null = null;
  let lastImpacts: readonly NodeImpact[] = [];
  let lastFinished = '';
  let finished = 0;
  let dirty = true;
  let wake = () => {};
  let timer: NodeJS.Timeout | undefined;
  let pendingSince: number | null = null;
  let running: { readonly fingerprint: string; readonly controller: AbortController } | null = null;

  const request = (immediately: boolean) => {
    clearTimeout(timer);
    const waited = pendingSince === null ? 0 : Date.now() - pendingSince;
    pendingSince ??= Date.now();
    timer = setTimeout(
      () => {
        pendingSince = null;
        dirty = true;
        // A newer state replaces the model's work on an older one; the same state (a re-list) does not.
        if (running && running.fingerprint !== snapshotFingerprint(latest)) running.controller.abort();
        wake();
      },
      immediately ? 0 : Math.max(0, Math.min(debounceMs, maxWaitMs - waited)),
    );
  };

  const emit = (items: readonly KubernetesObject[], prediction: WatchDocument['prediction'], impacts: readonly NodeImpact[]) => {
    const shown = clusterShown(items);
    const document: WatchDocument = {
      time: now().toISOString(),
      cluster: {
        source: options.source,
        connected: connection === null,
        problem: connection,
        pods: shown.pods,
        podsReady: shown.podsReady,
      },
      nodes: shown.nodes,
      workloads: shown.workloads,
      impacts,
      prediction,
    };
    if (prediction.state === 'running') return options.onDocument(document);
    // Only what changed is a new document.
    const { time: _time, ...rest } = document;
    const text = JSON.stringify(rest);
    if (text === lastFinished) return;
    lastFinished = text;
    options.onDocument(document);
    if (options.maxUpdates !== undefined && ++finished >= options.maxUpdates) stop.abort();
  };

  const answer = (items: readonly KubernetesObject[], fingerprint: string, analysis: Analysis) => {
    if ('error' in analysis) return emit(items, { state: 'failed', fingerprint, error: analysis.error }, []);
    lastImpacts = rankImpacts(analysis.impacts);
    emit(items, { state: 'done', fingerprint }, lastImpacts);
  };

  const streaming = options.stream(
    {
      onChange: (items) => {
        latest = items;
        request(false);
      },
      onConnection: (problem) => {
        connection = problem;
        request(true);
      },
    },
    signal,
  );
  signal.addEventListener('abort', () => (clearTimeout(timer), running?.controller.abort(), wake()), { once: true });

  while (!signal.aborted) {
    if (!dirty) await new Promise<void>((resolve) => (wake = resolve));
    if (signal.aborted) break;
    dirty = false;
    const items = latest;
    const fingerprint = snapshotFingerprint(items);
    const known = cache.get(fingerprint);
    if (known) {
      answer(items, fingerprint, known);
      continue;
    }
    emit(items, { state: 'running', fingerprint }, lastImpacts);
    const controller = new AbortController();
    running = { fingerprint, controller };
    const analysis = await options
      .analyse(items, controller.signal)
      .catch((error: unknown) => ({ error: (error as Error).message ?? String(error) }));
    const replaced = controller.signal.aborted;
    running = null;
    if (signal.aborted || replaced) continue;
    cache.set(fingerprint, analysis);
    if (cache.size > cacheSize) cache.delete(cache.keys().next().value ?? '');
    answer(items, fingerprint, analysis);
  }
  stop.abort();
  await streaming;
}
