/**
 * `twin plan --html`: a complete, self-contained page in the run report's style (the same shell
 * and palette, src/report/html-page.ts): per cluster, whether everything fits, headroom per node
 * for CPU and memory and each node's power as bar charts (inline SVG), the node table, the
 * failure-tolerance (N-1) table, power and cost, findings and assumptions.
 */
import { formatBytes, formatMillicores } from '../model/units.js';
import { colors, htmlPage, legend } from '../report/html-page.js';
import { escapeXml as esc } from '../report/xml.js';
import type { PlanResult } from './plan.js';
import { nodeHead, nodeRows } from './render.js';

interface Bar {
  readonly label: string;
  /** The whole track: what the node has. */
  readonly track: number;
  /** Drawn over each other, longest first. */
  readonly fills: ReadonlyArray<{ readonly value: number; readonly color: string; readonly tip: string }>;
  /** A tick across the bar, e.g. the power supply's rating. */
  readonly limit?: { readonly value: number; readonly tip: string };
  readonly text: string;
}

const chartWidth = 1120;
const labelWidth = 190;
const textWidth = 300;

function barChart(title: string, bars: readonly Bar[]): string {
  const rowHeight = 24;
  const height = bars.length * rowHeight + 8;
  let scale = 1;
  for (const b of bars) scale = Math.max(scale, b.track, b.limit?.value ?? 0, ...b.fills.map((f) => f.value));
  const plot = chartWidth - labelWidth - textWidth;
  const x = (v: number) => labelWidth + (Math.max(0, v) / scale) * plot;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${chartWidth}" height="${height}" role="img" aria-label="${esc(title)}">`];
  bars.forEach((b, i) => {
    const y = 4 + i * rowHeight;
    parts.push(
      `<text x="${labelWidth - 8}" y="${y + 14}" class="lane" text-anchor="end">${esc(b.label)}</text>`,
      `<rect x="${labelWidth}" y="${y}" width="${(x(b.track) - labelWidth).toFixed(1)}" height="18" ` +
        `fill="${colors.shade}" stroke="${colors.grid}"/>`,
    );
    for (const f of [...b.fills].sort((a, c) => c.value - a.value))
      parts.push(
        `<rect x="${labelWidth}" y="${y + 3}" width="${(x(f.value) - labelWidth).toFixed(1)}" height="12" fill="${f.color}">` +
          `<title>${esc(`${b.label}: ${f.tip}`)}</title></rect>`,
      );
    if (b.limit)
      parts.push(
        `<line x1="${x(b.limit.value).toFixed(1)}" x2="${x(b.limit.value).toFixed(1)}" y1="${y - 2}" y2="${y + 20}" ` +
          `stroke="${colors.down}" stroke-width="2"><title>${esc(`${b.label}: ${b.limit.tip}`)}</title></line>`,
      );
    parts.push(`<text x="${chartWidth - textWidth + 8}" y="${y + 14}" class="axis">${esc(b.text)}</text>`);
  });
  parts.push('</svg>');
  return `<h3>${esc(title)}</h3>\n<figure>${parts.join('\n')}</figure>`;
}

function charts(plan: PlanResult): string {
  const cpu = plan.nodes.map((n) => ({
    label: n.name,
    track: n.capacityCpu,
    fills: [
      { value: n.effectiveAllocatableCpu, color: '#cfe3d4', tip: `${formatMillicores(n.effectiveAllocatableCpu)} allocatable` },
      {
        value: n.requestedCpu,
        color: n.headroomCpuPercent < 10 ? colors.notReady : colors.neutral,
        tip: `${formatMillicores(n.requestedCpu)} requested`,
      },
    ],
    text: `${formatMillicores(n.requestedCpu)} of ${formatMillicores(n.effectiveAllocatableCpu)} requested (${n.headroomCpuPercent}% free)`,
  }));
  const memory = plan.nodes.map((n) => ({
    label: n.name,
    track: n.capacityMemory,
    fills: [
      {
        value: n.effectiveAllocatableMemory,
        color: '#cfe3d4',
        tip: `${formatBytes(n.effectiveAllocatableMemory)} allocatable after OS and K3s`,
      },
      {
        value: n.requestedMemory,
        color: n.headroomMemoryPercent < 10 ? colors.notReady : colors.neutral,
        tip: `${formatBytes(n.requestedMemory)} requested`,
      },
      { value: n.usedMemory, color: n.usedMemory > n.capacityMemory ? colors.down : '#1d2330', tip: `${formatBytes(n.usedMemory)} in use` },
    ].sort((a, b) => b.value - a.value),
    text: `${formatBytes(n.headroomMemory)} headroom (${n.headroomMemoryPercent}%), ${formatBytes(n.usedMemory)} in use`,
  }));
  const power = plan.nodes.map((n) => ({
    label: n.name,
    track: Math.max(n.loadWatts, n.supplyWatts),
    fills: [
      { value: n.loadWatts, color: '#f2d7a6', tip: `${n.loadWatts} W at full load` },
      { value: n.expectedWatts, color: colors.notReady, tip: `${n.expectedWatts} W expected` },
      { value: n.idleWatts, color: colors.ready, tip: `${n.idleWatts} W idle` },
    ],
    limit: { value: n.supplyWatts, tip: `power supply ${n.supplyWatts} W` },
    text: `${n.idleWatts} W idle · ${n.expectedWatts} W expected · ${n.loadWatts} W load · ${n.supplyWatts} W supply`,
  }));
  const keys = legend([
    [colors.neutral, 'requested'],
    ['#cfe3d4', 'allocatable (after OS and K3s)'],
    [colors.shade, 'capacity'],
    ['#1d2330', 'memory in use'],
    [colors.notReady, 'less than 10 % free'],
  ]);
  const powerKeys = legend([
    [colors.ready, 'idle'],
    [colors.notReady, 'expected'],
    ['#f2d7a6', 'full load'],
    [colors.down, 'power supply rating (line)'],
  ]);
  return `<div>${keys}</div>
${barChart('CPU: requested against allocatable, per node', cpu)}
${barChart('Memory: requested and in use against allocatable, per node', memory)}
<div>${powerKeys}</div>
${barChart('Power per node', power)}`;
}

function planSection(plan: PlanResult): string {
  const rows = nodeRows(plan)
    .map((r) => `<tr>${r.map((c) => `<td>${esc(String(c))}</td>`).join('')}</tr>`)
    .join('\n');
  const failures = plan.tolerance.failures
    .map((f) => {
      const pending = f.pending.map((p) => `${p.pod} (${p.kind})`).join(', ') || '—';
      const cells = [esc(f.failed.join(' + ')), f.apiAvailable ? 'up' : 'DOWN', String(f.rescheduled), String(f.lost), esc(pending)];
      const cls = f.apiAvailable ? 'pass' : 'fail';
      return `<tr class="${cls}">${cells.map((c, i) => `<td${i === 1 ? ' class="verdict"' : ''}>${c}</td>`).join('')}</tr>`;
    })
    .join('\n');
  const { survives, weakest, tolerate } = plan.tolerance;
  const p = plan.power;
  const fit = plan.fits ? 'FITS' : `${plan.pending.length} POD(S) DO NOT FIT`;
  const badge = `<span class="badge ${plan.fits ? 'pass' : 'fail'}">${fit}</span>`;
  const list = (items: readonly string[]) => (items.length ? `<ul>\n${items.map((i) => `<li>${i}</li>`).join('\n')}\n</ul>` : '');
  const pending = list(plan.pending.map((x) => `✘ ${esc(x.pod)} (${esc(x.workload)}): ${esc(x.reason)}`));
  const findings = list(plan.findings.map((f) => `${f.severity === 'error' ? '✘' : '⚠'} ${esc(f.message)}`));
  const assumptions = list(plan.assumptions.map(esc));
  const toleranceBadge = `<span class="badge ${survives ? 'pass' : 'fail'}">${survives ? 'SURVIVES' : 'DOES NOT SURVIVE'}</span>`;
  return (
    `<section class="twin-plan">
<h1>Capacity plan: ${esc(plan.cluster)} ${badge}</h1>
<div class="meta">${plan.nodes.length} nodes · ${p.idleWatts} W idle, ${p.expectedWatts} W expected · ` +
    `$${p.costPerMonth}/month at $${p.kwhPrice}/kWh · hardware $${p.purchaseUsd} at launch prices</div>
${pending}
<h2>Headroom and power</h2>
${charts(plan)}
<h2>Nodes</h2>
<table><thead><tr>${nodeHead.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>
${rows}
</tbody></table>
<h2>Failure tolerance (any ${tolerate} node${tolerate > 1 ? 's' : ''}) ${toleranceBadge}</h2>
${weakest ? `<p>Weakest: ${esc(weakest)}</p>` : ''}
<table><thead><tr><th>failed</th><th>API</th><th>rescheduled</th><th>lost (DaemonSet)</th><th>left pending</th></tr></thead><tbody>
${failures}
</tbody></table>
<p>Control plane: ${esc(plan.tolerance.controlPlane)}</p>
<h2>Power and cost</h2>
<p>${p.idleWatts} W idle, ${p.expectedWatts} W expected → ${p.kwhPerMonth} kWh/month → $${p.costPerMonth}/month at $${p.kwhPrice}/kWh;
hardware $${p.purchaseUsd} at launch prices.</p>
${findings ? `<h2>Findings</h2>\n${findings}` : ''}
${assumptions ? `<h2>Assumptions</h2>\n${assumptions}` : ''}
</section>`
  );
}

/** One complete page for one plan, or several side by side (`--compare`). */
export function renderPlanHtml(plans: PlanResult | readonly PlanResult[]): string {
  const list: readonly PlanResult[] = Array.isArray(plans) ? plans : [plans as PlanResult];
  const title = `twin plan: ${list.map((p) => p.cluster).join(', ')}`;
  return htmlPage({ title, body: list.map(planSection).join('\n<hr>\n') });
}
