/** report.md: observed against expected first, then bring-up, faults and the notable timeline. */
import { formatDuration } from '../model/units.js';
import { notableEvents, when } from './format.js';
import type { RunReport } from './types.js';
import { renderComparison } from './compare.js';
import { rangesMarkdown, verdictRangeText } from './ranges.js';
import { liveMarkdown } from './live.js';
import { calibrationHeadline, calibrationRows } from './calibration.js';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderMarkdown(report: RunReport): string {
  const lines: string[] = [];
  const { summary } = report;
  lines.push(
    `# ${report.scenario.name}: ${report.status === 'pass' ? 'PASS' : 'FAIL'} (${summary.passed}/${summary.total} expectations hold)`,
    '',
  );
  if (report.scenario.description) lines.push(report.scenario.description, '');
  lines.push(
    `Cluster **${report.cluster.name}** ` +
      `(${report.cluster.nodes.length} machines, K3s ${report.cluster.k3sVersion}, ${report.cluster.datastore}) · ` +
      `engine \`${report.engine}\` · seed ${report.seed} · scenario \`${report.scenario.file}\``,
    '',
    '## Observed vs expected',
    '',
    '| verdict | expectation | expected | observed | why |',
    '|---|---|---|---|---|',
  );
  for (const v of report.expectations) {
    lines.push(
      `| ${v.status === 'pass' ? '✅ pass' : '❌ FAIL'} | ${cell(v.description)} | ` +
        `${cell(v.expected)} | ${cell(v.observed + verdictRangeText(v))} | ${cell(v.explanation)} |`,
    );
  }
  lines.push(...rangesMarkdown(report));
  if (report.comparison) lines.push('', renderComparison(report.comparison).trimEnd());
  if (report.findings.length > 0) {
    lines.push('', '## Predicted at bring-up', '', '| severity | finding | source |', '|---|---|---|');
    for (const f of report.findings)
      lines.push(`| ${f.severity === 'error' ? '❌ error' : '⚠️ warning'} | ${cell(f.message)} | ${cell(f.source)} |`);
  }
  lines.push(...(report.live ? liveMarkdown(report.live) : bringUpMarkdown(report)));
  lines.push('', '## Faults', '');
  if (report.faults.length === 0) lines.push('No faults: bring-up and steady state only.');
  else {
    lines.push('| id | injected | healed | what |', '|---|---|---|---|');
    for (const f of report.faults) {
      const injected = f.injectedAt === null ? 'never' : when(report, f.injectedAt);
      const healed = f.healedAt === null ? '—' : when(report, f.healedAt);
      lines.push(`| ${f.id} | ${injected} | ${healed} | ${cell(f.description)} |`);
    }
  }
  if (report.notModelled.length > 0) lines.push('', `Kept from the manifests but not simulated: ${report.notModelled.join(', ')}.`);
  lines.push(...flagsMarkdown(report), ...calibrationMarkdown(report));
  const { events, omitted } = notableEvents(report);
  lines.push(
    '',
    '## Timeline',
    '',
    'T+ counts from the start of faults (bring-up complete). `api` is what kubectl shows; `truth` is what really happened.',
    '',
    '| time | view | event |',
    '|---|---|---|',
  );
  for (const e of events) lines.push(`| ${when(report, e.t)} | ${e.view} | ${cell(e.message)} |`);
  if (omitted > 0) lines.push('', `…and ${omitted} more events in report.json.`);
  return `${lines.join('\n')}\n`;
}

/** The K3s component flags section: the ones the model follows and the ones it does not, with why. */
function flagsMarkdown(report: RunReport): string[] {
  const applied = report.appliedFlags ?? [];
  const unmodelled = report.notModelledFlags ?? [];
  if (applied.length === 0 && unmodelled.length === 0) return [];
  const lines = ['', '## K3s flags', ''];
  if (applied.length) {
    lines.push('| flag | where | model setting | note |', '|---|---|---|---|');
    for (const f of applied) lines.push(`| \`${cell(f.flag)}\` | ${f.field} | ${f.setting} = ${f.value} | ${cell(f.note ?? '')} |`);
  }
  if (unmodelled.length) {
    lines.push('', 'Not modelled (the real cluster uses them; the model does not):', '', '| flag | where | why |', '|---|---|---|');
    for (const f of unmodelled) lines.push(`| \`${cell(f.flag)}\` | ${f.field} | ${cell(f.reason)} |`);
  }
  return lines;
}

/** The bring-up section: milestones, each node's steps, the critical path, what did not finish. */
function bringUpMarkdown(report: RunReport): string[] {
  const lines: string[] = [];
  const b = report.bringUp;
  const at = (t: number | null) => (t === null ? 'not reached' : formatDuration(t));
  lines.push('', '## Bring-up', '', '| milestone | after power-on |', '|---|---|');
  lines.push(
    `| Kubernetes API available | ${at(b.apiAvailable)} |`,
    `| all nodes Ready (cluster ready) | ${at(b.clusterReady)} |`,
    `| workloads ready | ${at(b.workloadsReady)} |`,
  );
  if (b.rancherImported !== null) lines.push(`| imported into Rancher | ${at(b.rancherImported)} |`);
  lines.push('', '| node | board | role | storage | booted | k3s running | registered | Ready |', '|---|---|---|---|---|---|---|---|');
  for (const n of report.cluster.nodes) {
    const steps = b.analysis.nodes.find((s) => s.node === n.name);
    if (!steps) {
      lines.push(`| ${n.name} | ${n.board} | ${n.role} | ${n.storage} | — | — | — | — |`);
      continue;
    }
    const ready = steps.joinRejected ? `never: ${cell(steps.joinRejected)}` : at(steps.ready);
    const times = [steps.booted, steps.k3sRunning, steps.registered].map(at);
    lines.push(`| ${n.name} | ${n.board} | ${n.role} | ${n.storage} | ${times.join(' | ')} | ${ready} |`);
  }
  if (b.analysis.criticalPath.length > 0) lines.push('', 'Critical path:', '', ...b.analysis.criticalPath.map((step) => `- ${cell(step)}`));
  if (b.unfinished) {
    lines.push('', '## Bring-up did not finish', '', '| waiting for | pods | reason | message | fix |', '|---|---|---|---|---|');
    for (const u of b.unfinished)
      lines.push(`| ${u.kind} ${cell(u.name)} | ${cell(u.pods.join(', ') || '—')} | ${u.reason} | ${cell(u.message)} | ${cell(u.fix)} |`);
  }
  return lines;
}

/** "Measured on <cluster> at <time>": the figures and settings a calibration gave the model. */
function calibrationMarkdown(report: RunReport): string[] {
  const c = report.calibration;
  if (!c) return [];
  const { figures, notMeasured, settings } = calibrationRows(c);
  const lines = ['', '## Calibration', '', calibrationHeadline(c), ''];
  lines.push('| node | figure | measured | from | replaces | source |', '|---|---|---|---|---|---|');
  for (const f of figures)
    lines.push(`| ${f.node} | ${f.figure} | ${cell(f.measured)} | ${cell(f.origin)} | ${cell(f.replaces)} | ${cell(f.source)} |`);
  if (settings.length) lines.push('', 'Settings from the calibration (below spec.settings):', '', ...settings.map((s) => `- ${s}`));
  if (notMeasured.length) lines.push('', ...notMeasured.map((s) => `- ${s}`));
  if (c.warnings.length) lines.push('', ...c.warnings.map((w) => `- ⚠️ ${cell(w)}`));
  return lines;
}
