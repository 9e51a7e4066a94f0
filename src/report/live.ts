/**
 * The live-state section of a `twin whatif` report, in place of the bring-up: where and when the
 * cluster was read, how much of its state the model reproduced, and every difference.
 */
import type { LiveStartOutcome } from '../engines/engine.js';
import { escapeXml as esc } from './xml.js';

function heading(live: LiveStartOutcome): string {
  return (
    `Read from ${live.source} at ${live.readAt}: ${live.nodes} nodes, ${live.pods} pods of your workloads; ` +
    `placement reproduced for ${live.reproduced} of ${live.pods} pods. The model settled into this state before t = 0; ` +
    'the timeline starts there.'
  );
}

export function liveMarkdown(live: LiveStartOutcome): string[] {
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = ['', '## Live state', '', heading(live)];
  if (live.differences.length === 0) lines.push('', 'Nothing differs.');
  else lines.push('', '| not reproduced |', '|---|', ...live.differences.map((d) => `| ${cell(d)} |`));
  return lines;
}

export function liveHtml(live: LiveStartOutcome): string {
  const list = live.differences.length
    ? `<table>\n<tr><th>not reproduced</th></tr>\n${live.differences.map((d) => `<tr><td>${esc(d)}</td></tr>`).join('\n')}\n</table>`
    : '<p>Nothing differs.</p>';
  return `<h2>Live state</h2>\n<p>${esc(heading(live))}</p>\n${list}`;
}
