import { readFileSync } from 'node:fs';
import type { KubernetesObject } from '@kubernetes/client-node';
import { createElement } from 'react';
import { renderToString } from 'ink';
import { describe, expect, it } from 'vitest';
import { WatchView } from '../src/cli/views/watch-view.js';
import { lossAnalyser } from '../src/runner/watch-analysis.js';
import { watchCluster, type WatchDocument } from '../src/runner/watch.js';

// The Ink view of one document: the recorded live cluster of test/fixtures/whatif/live.json and the model's answer for it.
async function documentOf(items: readonly KubernetesObject[]): Promise<WatchDocument[]> {
  const documents: WatchDocument[] = [];
  await watchCluster({
    source: 'https://192.168.1.10:6443 (context lab)',
    initial: items,
    stream: async () => {},
    analyse: lossAnalyser({ source: 'live.json' }),
    onDocument: (d) => documents.push(d),
    signal: new AbortController().signal,
    maxUpdates: 1,
    now: () => new Date('2026-12-01T12:03:04Z'),
  });
  return documents;
}

describe('twin watch: the live view', () => {
  it('shows nodes, workloads, and the worst single loss boxed above the others', async () => {
    const items = (JSON.parse(readFileSync('test/fixtures/whatif/live.json', 'utf8')) as { items: KubernetesObject[] }).items;
    const documents = await documentOf(items);
    // The model's first run is announced before its answer.
    expect(documents.map((d) => d.prediction.state)).toEqual(['running', 'done']);
    const running = renderToString(createElement(WatchView, { document: documents[0]! }), { columns: 160 });
    expect(running).toMatch(/predicting each node’s loss from this state/);
    const text = renderToString(createElement(WatchView, { document: documents[1]! }), { columns: 160 });
    expect(text).toMatch(/twin watch · https:\/\/192\.168\.1\.10:6443 \(context lab\) · \d\d:\d\d:\d\d · connected/);
    expect(text).toMatch(/node5 Unknown/);
    expect(text).toMatch(/Deployment\/default\/web\s+■■■ 3\/3 ready/);
    expect(text).toMatch(/Worst single loss: cp1 .*\n.*losing cp1 now would stop the Kubernetes API for 15m or more/);
    expect(text.indexOf('Worst single loss: cp1')).toBeLessThan(text.indexOf('losing node3 now'));
    expect(text).not.toMatch(/predicting/);
  });
});
