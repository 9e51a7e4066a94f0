/**
 * report.html: one self-contained page (inline CSS, SVG and the chart library, no external
 * assets; the same bytes for the same report). Verdicts first, then one time axis throughout:
 * the timeline (html-timeline.ts) and per-node CPU, memory and power charts (html-charts.ts),
 * then everything report.md says (html-sections.ts).
 */
import { chartLibrary, chartScript, chartSlot, type LineChart } from './html-charts.js';
import { colors, htmlPage, legend } from './html-page.js';
import { bringUpHtml, calibrationHtml, comparisonHtml, eventsHtml, faultsHtml, findingsHtml, verdictsHtml } from './html-sections.js';
import { svgTimeline, timelineWidth } from './html-timeline.js';
import { liveHtml } from './live.js';
import type { RunReport } from './types.js';
import { escapeXml as esc } from './xml.js';

/** CPU (cores), memory (MiB) and power (W) per node, from the sampled series. */
function nodeCharts(report: RunReport): LineChart[] {
  const series = report.timeline.series;
  const nodes = report.cluster.nodes.filter((n) => series.nodes[n.name]);
  const per = (pick: (name: string) => readonly number[], scale: number) =>
    nodes.map((n) => ({ label: n.name, values: pick(n.name).map((v) => Math.round((v / scale) * 100) / 100) }));
  const empty: readonly number[] = [];
  const of = (name: string) => series.nodes[name] ?? { cpu: empty, memory: empty, watts: empty };
  return [
    {
      id: 'chart-cpu',
      title: 'CPU in use per node (pods, OS and K3s)',
      unit: 'cores',
      times: series.times,
      series: per((n) => of(n).cpu, 1000),
    },
    {
      id: 'chart-memory',
      title: 'Memory in use per node',
      unit: 'MiB',
      times: series.times,
      series: per((n) => of(n).memory, 1024 * 1024),
    },
    { id: 'chart-power', title: 'Power drawn per node', unit: 'W', times: series.times, series: per((n) => of(n).watts, 1) },
  ];
}

const timelineKey = legend([
  [colors.ready, 'Ready / available / serving / running'],
  [colors.booting, 'powered, booting'],
  [colors.notReady, 'NotReady, or partly serving'],
  [colors.unknown, 'NotReady (Unknown: the kubelet went silent)'],
  [colors.down, 'down / failed'],
  [colors.off, 'powered off / not up yet'],
  [colors.shade, 'not registered'],
]);

export function renderHtml(report: RunReport): string {
  const { cluster, summary } = report;
  const meta =
    `${esc(report.scenario.description)}<br>cluster <b>${esc(cluster.name)}</b> · ${cluster.nodes.length} machines · ` +
    `K3s ${esc(cluster.k3sVersion)} (${esc(cluster.datastore)}) · engine ${esc(report.engine)} · seed ${report.seed} · ` +
    `scenario ${esc(report.scenario.file)} · ${summary.passed}/${summary.total} expectations hold`;
  const charts = nodeCharts(report);
  const marks = {
    end: Math.max(report.phase.end, 1),
    bringUpEnd: report.phase.start,
    faults: report.faults.flatMap((f) => (f.injectedAt === null ? [] : [f.injectedAt])),
    heals: report.faults.flatMap((f) => (f.healedAt === null ? [] : [f.healedAt])),
  };
  const badge = `<span class="badge ${report.status}">${report.status === 'pass' ? 'PASS' : 'FAIL'}</span>`;
  const body = `<h1>${esc(report.scenario.name)} ${badge}</h1>
<div class="meta">${meta}</div>
${verdictsHtml(report)}
${report.comparison ? comparisonHtml(report.comparison) : ''}
${findingsHtml(report)}
<h2>Timeline</h2>
<p class="note">Seconds from power-on; bring-up shaded. Each node has two lanes: <b>power</b> is what really happened,
<b>API</b> is what kubectl shows. Red lines are faults, green dashed lines their healing; each expectation's window is drawn
with its verdict.</p>
<div>${timelineKey}</div>
<figure id="timeline">
${svgTimeline(report)}
</figure>
<h2>Resources per node</h2>
${charts.map((c) => chartSlot(c.id)).join('\n')}
${report.live ? liveHtml(report.live) : bringUpHtml(report)}
${faultsHtml(report)}${calibrationHtml(report)}
<h2>Events</h2>
${eventsHtml(report)}
${chartScript(charts, marks, timelineWidth - 20)}`;
  return htmlPage({ title: `twin: ${report.scenario.name} — ${report.status.toUpperCase()}`, body, head: chartLibrary() });
}
