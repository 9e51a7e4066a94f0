/**
 * `twin watch` off a terminal: one plain line per document, for logs and pipes.
 * "12:03:04 3/3 nodes Ready, 14/14 pods Ready; worst single loss: losing node3 now would take …".
 */
import type { WatchDocument } from '../../runner/watch.js';

/** HH:MM:SS of the document's time, on this machine's clock. */
export function clockOf(document: Pick<WatchDocument, 'time'>): string {
  return new Date(document.time).toTimeString().slice(0, 8);
}

/** The state of the cluster in a few words: nodes Ready (naming those that are not), pods Ready. */
export function clusterWords(document: WatchDocument): string {
  const ready = document.nodes.filter((n) => n.ready === 'Ready').length;
  const others = document.nodes.filter((n) => n.ready !== 'Ready').map((n) => `${n.name} ${n.ready}`);
  const nodes = `${ready}/${document.nodes.length} nodes Ready${others.length ? ` (${others.join(', ')})` : ''}`;
  const lost = document.cluster.connected ? '' : `API not reachable (${document.cluster.problem ?? 'connection lost'}), last state read: `;
  return `${lost}${nodes}, ${document.cluster.podsReady}/${document.cluster.pods} pods Ready`;
}

/** The model's worst single node loss, or why there is none. */
export function predictionWords(document: WatchDocument): string {
  if (document.prediction.state === 'failed') return `no prediction: ${document.prediction.error ?? 'the model could not start'}`;
  const worst = document.impacts[0];
  if (!worst) return 'no node to lose';
  if (worst.score === 0) return `no single node loss would hurt anything the twin models`;
  return `worst single loss: ${worst.text}`;
}

export function watchLine(document: WatchDocument): string {
  return `${clockOf(document)} ${clusterWords(document)}; ${predictionWords(document)}`;
}
