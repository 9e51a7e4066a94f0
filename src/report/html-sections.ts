/**
 * report.html's tables: everything report.md says (verdicts, predictions, bring-up milestones,
 * each node's steps to Ready, the critical path, faults, what was not modelled, notable events),
 * and the model-vs-real comparison of a `--engine sim,k3d` run.
 */
import { formatDuration } from '../model/units.js';
import { differenceText, disagreementSummary } from './compare.js';
import { notableEvents, when } from './format.js';
import { verdictRangeText, withFlips } from './ranges.js';
import type { Comparison, RunReport } from './types.js';
import { escapeXml as esc } from './xml.js';
import { calibrationHeadline, calibrationRows } from './calibration.js';

const row = (cells: readonly string[], cls = '') => `<tr${cls ? ` class="${cls}"` : ''}>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
const table = (head: readonly string[], rows: readonly string[]) =>
  `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;

export function verdictsHtml(report: RunReport): string {
  const rows = report.expectations.map((v) =>
    row(
      [
        `${v.status === 'pass' ? '✔ pass' : '✘ FAIL'}`,
        esc(v.description),
        esc(v.expected),
        esc(v.observed + verdictRangeText(v)),
        esc(withFlips(v)),
      ],
      v.status,
    ).replace('<td>', '<td class="verdict">'),
  );
  return `<h2>Observed vs expected</h2>\n${table(['verdict', 'expectation', 'expected', 'observed', 'why'], rows)}`;
}

export function comparisonHtml(c: Comparison): string {
  const t = (x: number | null) => (x === null ? 'never' : esc(formatDuration(x)));
  const verdict = (x: { status: string; observed: string }) => `${x.status === 'pass' ? '✅' : '❌'} ${esc(x.observed)}`;
  const moments = c.moments.map(
    (m) =>
      `<tr class="${m.agrees ? 'pass' : 'fail'}"><td>${esc(m.what)}</td><td>${esc(m.anchor)}</td>` +
      `<td>${t(m.model)}${m.modelRange ? ` (${t(m.modelRange.low)}–${t(m.modelRange.high)})` : ''}</td>` +
      `<td>${t(m.real)}</td><td class="verdict">${esc(differenceText(m))}</td></tr>`,
  );
  const verdicts = c.expectations.map((e) => row([esc(e.description), verdict(e.model), verdict(e.real)]));
  const model = c.engines.model;
  const real = c.engines.real;
  return `<h2>Model vs real (${esc(model)} against ${esc(real)})</h2>
<p>${esc(disagreementSummary(c))}</p>
${table(['moment', 'after', `${model} predicts`, `${real} observed`, 'difference'], moments)}
${table(['expectation', model, real], verdicts)}`;
}

export function findingsHtml(report: RunReport): string {
  if (report.findings.length === 0) return '';
  const rows = report.findings.map((f) =>
    row([f.severity, esc(f.message), esc(f.source)], f.severity === 'error' ? 'fail' : 'warn').replace('<td>', '<td class="verdict">'),
  );
  return `<h2>Predicted at bring-up</h2>\n${table(['severity', 'finding', 'source'], rows)}`;
}

export function bringUpHtml(report: RunReport): string {
  const b = report.bringUp;
  const at = (t: number | null) => (t === null ? 'not reached' : esc(formatDuration(t)));
  const milestones = [
    row(['Kubernetes API available', at(b.apiAvailable)]),
    row(['all nodes Ready (cluster ready)', at(b.clusterReady)]),
    row(['workloads ready', at(b.workloadsReady)]),
    ...(b.rancherImported !== null ? [row(['imported into Rancher', at(b.rancherImported)])] : []),
  ];
  const nodes = report.cluster.nodes.map((n) => {
    const steps = b.analysis.nodes.find((s) => s.node === n.name);
    const fixed = [n.name, n.board, n.role, n.storage].map(esc);
    if (!steps) return row([...fixed, '—', '—', '—', '—']);
    const ready = steps.joinRejected ? `never: ${esc(steps.joinRejected)}` : at(steps.ready);
    return row([...fixed, at(steps.booted), at(steps.k3sRunning), at(steps.registered), ready]);
  });
  const path = b.analysis.criticalPath.length
    ? `<p>Critical path:</p>\n<ol>\n${b.analysis.criticalPath.map((s) => `<li>${esc(s)}</li>`).join('\n')}\n</ol>`
    : '';
  const unfinished = b.unfinished?.length
    ? `<h3>Bring-up did not finish</h3>\n${table(
        ['waiting', 'pods', 'reason', 'message', 'fix'],
        b.unfinished.map((u) =>
          row([esc(`${u.kind} ${u.name}`), esc(u.pods.join(', ') || '—'), esc(u.reason), esc(u.message), esc(u.fix)], 'fail'),
        ),
      )}`
    : '';
  return `<h2>Bring-up</h2>
${table(['milestone', 'after power-on'], milestones)}
${unfinished}
${table(['node', 'board', 'role', 'storage', 'booted', 'k3s running', 'registered', 'Ready'], nodes)}
${path}`;
}

export function faultsHtml(report: RunReport): string {
  const notModelled =
    (report.notModelled.length ? `<p>Kept from the manifests but not simulated: ${esc(report.notModelled.join(', '))}.</p>` : '') +
    flagsHtml(report);
  if (report.faults.length === 0) return `<h2>Faults</h2>\n<p>No faults: bring-up and steady state only.</p>\n${notModelled}`;
  const rows = report.faults.map((f) =>
    row([
      esc(f.id),
      f.injectedAt === null ? 'never' : esc(when(report, f.injectedAt)),
      f.healedAt === null ? '—' : esc(when(report, f.healedAt)),
      esc(f.description),
    ]),
  );
  return `<h2>Faults</h2>\n${table(['id', 'injected', 'healed', 'what'], rows)}\n${notModelled}`;
}

export function eventsHtml(report: RunReport): string {
  const { events, omitted } = notableEvents(report, 600);
  const rows = events.map((e) => row([esc(when(report, e.t)), e.view, esc(e.message)], e.view));
  return `<details open><summary>Notable events (T+ from the start of faults; grey rows are ground truth the API does not show)</summary>
${table(['time', 'view', 'event'], rows)}${omitted > 0 ? `<p>…and ${omitted} more events in report.json.</p>` : ''}
</details>`;
}

/** The K3s component flags the model follows and the ones it does not, with why; empty when the cluster has none. */
function flagsHtml(report: RunReport): string {
  const applied = report.appliedFlags ?? [];
  const unmodelled = report.notModelledFlags ?? [];
  if (applied.length === 0 && unmodelled.length === 0) return '';
  const appliedRows = applied.map((f) =>
    row([`<code>${esc(f.flag)}</code>`, esc(f.field), esc(`${f.setting} = ${f.value}`), esc(f.note ?? '')]),
  );
  const unmodelledRows = unmodelled.map((f) => row([`<code>${esc(f.flag)}</code>`, esc(f.field), esc(f.reason)]));
  return (
    '\n<h3>K3s flags</h3>\n' +
    (appliedRows.length ? `${table(['flag', 'where', 'model setting', 'note'], appliedRows)}\n` : '') +
    (unmodelledRows.length
      ? `<p>Not modelled (the real cluster uses them; the model does not):</p>\n${table(['flag', 'where', 'why'], unmodelledRows)}`
      : '')
  );
}

/** "Measured on <cluster> at <time>": the figures and settings a calibration gave the model. */
export function calibrationHtml(report: RunReport): string {
  const c = report.calibration;
  if (!c) return '';
  const { figures, notMeasured, settings } = calibrationRows(c);
  const rows = figures.map((f) => row([f.node, f.figure, f.measured, f.origin, f.replaces, f.source].map(esc)));
  const list = (items: readonly string[]) => (items.length ? `<ul>${items.map((i) => `<li>${esc(i)}</li>`).join('')}</ul>` : '');
  return (
    `\n<h2>Calibration</h2>\n<p class="note">${esc(calibrationHeadline(c))}</p>\n` +
    table(['node', 'figure', 'measured', 'from', 'replaces', 'source'], rows) +
    (settings.length ? `\n<p>Settings from the calibration (below spec.settings):</p>${list(settings)}` : '') +
    list([...notMeasured, ...c.warnings])
  );
}
