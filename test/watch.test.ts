import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readLiveCluster } from '../src/import/kubeconfig.js';
import { nodeImpact } from '../src/runner/watch-impact.js';
import { clusterShown, snapshotFingerprint } from '../src/runner/watch-state.js';
import { kubeConfigFor, streamCluster } from '../src/runner/watch-stream.js';
import { watchCluster, type Analysis, type WatchDocument } from '../src/runner/watch.js';
import { watchLine } from '../src/cli/views/watch-line.js';
import { readyCondition, recordedItems, startApiServer, type FakeApiServer } from './helpers/api-server.js';

// The watch loop end to end through @kubernetes/client-node against a loopback API server: the
// real list and watch requests, with a stand-in for the model that says each node's loss costs as
// many seconds as it has Ready pods (the model itself is tested in watch-impact.test.ts).
let api: FakeApiServer;
let kubeconfig: string;

beforeEach(async () => {
  api = await startApiServer();
  kubeconfig = api.kubeconfig(mkdtempSync(join(tmpdir(), 'twin-watch-')));
});
afterEach(() => api.close());

function fakeModel(calls: string[]) {
  return async (items: readonly KubernetesObject[]): Promise<Analysis> => {
    calls.push(snapshotFingerprint(items));
    const shown = clusterShown(items);
    return {
      impacts: shown.nodes.map((n) =>
        nodeImpact({
          node: n.name,
          faultAt: 0,
          end: 900,
          timeline: {
            events: n.podsReady
              ? [{ t: 0, kind: 'service.outageStarted', subject: `service/default/on-${n.name}`, view: 'truth', message: '' }]
              : [],
          },
        }),
      ),
    };
  };
}

/** Runs the watch until `until` says stop; returns every document and the model's calls. */
async function watchUntil(steps: (documents: WatchDocument[]) => boolean) {
  const documents: WatchDocument[] = [];
  const calls: string[] = [];
  const stop = new AbortController();
  const initial = await readLiveCluster(kubeconfig, 'lab');
  const config = kubeConfigFor(kubeconfig, 'lab');
  await watchCluster({
    source: api.url,
    initial,
    stream: (handlers, signal) => streamCluster(config, handlers, signal, { retryMs: 10 }),
    analyse: fakeModel(calls),
    onDocument: (d) => {
      documents.push(d);
      if (steps(documents)) stop.abort();
    },
    signal: stop.signal,
    debounceMs: 20,
    maxWaitMs: 200,
  });
  return { documents, calls };
}

const finished = (documents: WatchDocument[]) => documents.filter((d) => d.prediction.state !== 'running');
const watchingAll = () => ['/api/v1/nodes', '/api/v1/pods'].every((p) => api.watching(p) > 0);
const items = recordedItems();
const pod = items.find((i) => i.kind === 'Pod' && i.metadata.name === 'web-7f9c8d6b5d-x2x4q')!;
const node = items.find((i) => i.kind === 'Node' && i.metadata.name === 'pi3-worker')!;

/** Calls `act` once every watch is open (the stream lists, then watches). */
function once(act: () => void) {
  let done = false;
  const attempt = () => {
    if (done) return;
    if (!watchingAll()) return void setTimeout(attempt, 5);
    done = true;
    act();
  };
  return attempt;
}

describe('twin watch: the live read loop', () => {
  it('a pod going NotReady, then its node, each make a new document; only GETs are sent', async () => {
    const podNotReady = once(() => api.modify({ ...pod, status: { ...pod.status, conditions: [readyCondition('False', 'Pod')] } }));
    const nodeNotReady = once(() => api.modify({ ...node, status: { ...node.status, conditions: [readyCondition('Unknown', 'Node')] } }));
    const { documents, calls } = await watchUntil((all) => {
      const done = finished(all);
      if (done.length === 1) podNotReady();
      if (done.length === 2) nodeNotReady();
      return done.length === 3;
    });
    const [first, second, third] = finished(documents);
    expect(first!.nodes.map((n) => `${n.name} ${n.ready} ${n.podsReady}/${n.pods}`)).toEqual([
      'pi-master Ready 1/1',
      'pi3-worker Ready 1/1',
      'pi5-worker Ready 0/0',
    ]);
    expect(first!.impacts.map((i) => i.node)).toEqual(['pi-master', 'pi3-worker', 'pi5-worker']);
    expect(second!.cluster).toMatchObject({ podsReady: 1, pods: 2, connected: true });
    expect(second!.nodes.find((n) => n.name === 'pi3-worker')).toMatchObject({ ready: 'Ready', podsReady: 0 });
    // The model's answer follows the state: pi3-worker has no Ready pod left to lose.
    expect(second!.impacts.map((i) => i.node)).toEqual(['pi-master', 'pi3-worker', 'pi5-worker']);
    expect(second!.impacts.find((i) => i.node === 'pi3-worker')?.score).toBe(0);
    expect(third!.nodes.find((n) => n.name === 'pi3-worker')?.ready).toBe('Unknown');
    expect(watchLine(third!)).toMatch(
      /^\d\d:\d\d:\d\d 2\/3 nodes Ready \(pi3-worker Unknown\), 1\/2 pods Ready; worst single loss: losing pi-master now /,
    );
    expect(new Set(calls).size).toBe(calls.length);
    expect(api.requests.length).toBeGreaterThan(16);
    expect(api.requests.filter((r) => !r.startsWith('GET '))).toEqual([]);
    expect(api.requests.filter((r) => r.includes('watch=true')).length).toBeGreaterThanOrEqual(8);
  });

  it('lists again after the connection drops, and answers a known state from its cache', async () => {
    const drop = once(() => api.dropWatches());
    let relisted = false;
    const { documents, calls } = await watchUntil((all) => {
      if (finished(all).length === 1) drop();
      relisted ||= api.requests.filter((r) => r === 'GET /api/v1/pods').length >= 3;
      return relisted && finished(all).length >= 1 && watchingAll();
    });
    // readLiveCluster's list, the stream's first list, and the list after the drop.
    expect(api.requests.filter((r) => r === 'GET /api/v1/pods').length).toBeGreaterThanOrEqual(3);
    // The same objects after the drop: the model is not asked again.
    expect(calls.length).toBe(1);
    expect(finished(documents)[0]!.prediction.state).toBe('done');
  });

  it('a model that cannot start from the state says why, in the document', async () => {
    const documents: WatchDocument[] = [];
    await watchCluster({
      source: 'test',
      initial: recordedItems() as KubernetesObject[],
      stream: async () => {},
      analyse: async () => {
        throw new Error('pi3-worker: no hardware profile fits');
      },
      onDocument: (d) => documents.push(d),
      signal: new AbortController().signal,
      maxUpdates: 1,
    });
    expect(finished(documents)).toHaveLength(1);
    expect(watchLine(finished(documents)[0]!)).toMatch(/; no prediction: pi3-worker: no hardware profile fits$/);
  });
});
