/**
 * report.html: one self-contained page (inline CSS and SVG, no external assets): verdicts,
 * and a timeline with one lane per node (power and Ready state), the API, Rancher, pods
 * ready per workload and service availability, with fault markers across all lanes.
 */
import type { TimelineSeries } from '../model/timeline.js';
import { formatDuration } from '../model/units.js';
import { notableEvents, when } from './format.js';
import { differenceText, disagreementSummary } from './compare.js';
import type { Comparison, RunReport } from './types.js';
import { escapeXml as esc } from './xml.js';

/** The model-vs-real section of a `--engine sim,k3d` run. */
function comparisonHtml(c: Comparison): string {
  const t = (x: number | null) => (x === null ? 'never' : esc(formatDuration(x)));
  const verdict = (x: { status: string; observed: string }) => `${x.status === 'pass' ? '✅' : '❌'} ${esc(x.observed)}`;
  const moments = c.moments
    .map(
      (m) =>
        `<tr class="${m.agrees ? 'pass' : 'fail'}"><td>${esc(m.what)}</td><td>${esc(m.anchor)}</td>` +
        `<td>${t(m.model)}</td><td>${t(m.real)}</td><td class="verdict">${differenceText(m)}</td></tr>`,
    )
    .join('\n');
  const verdicts = c.expectations
    .map((e) => `<tr><td>${esc(e.description)}</td><td>${verdict(e.model)}</td><td>${verdict(e.real)}</td></tr>`)
    .join('\n');
  const model = esc(c.engines.model);
  const real = esc(c.engines.real);
  return `<h2>Model vs real (${model} against ${real})</h2>
<p>${disagreementSummary(c)}</p>
<table><thead><tr><th>moment</th><th>after</th><th>${model} predicts</th><th>${real} observed</th><th>difference</th></tr></thead><tbody>
${moments}
</tbody></table>
<table><thead><tr><th>expectation</th><th>${model}</th><th>${real}</th></tr></thead><tbody>
${verdicts}
</tbody></table>`;
}

const colors = {
  ready: '#2e9e4f',
  notReady: '#e0a030',
  off: '#8a8f98',
  down: '#c93c3c',
  partial: '#e0a030',
  neutral: '#4a78c2',
  grid: '#e4e6ea',
};

interface Lane {
  label: string;
  /** [start, end, color, tooltip] */
  segments: Array<[number, number, string, string]>;
  /** Optional step line values 0..1 drawn inside the lane. */
  steps?: Array<[number, number]>;
}

function segmentsFromSeries(
  times: number[],
  values: number[],
  end: number,
  color: (v: number) => [string, string],
): Array<[number, number, string, string]> {
  const out: Array<[number, number, string, string]> = [];
  for (let i = 0; i < times.length; i++) {
    const start = times[i] ?? 0;
    const stop = times[i + 1] ?? end;
    const [c, tip] = color(values[i] ?? 0);
    const last = out[out.length - 1];
    if (last && last[2] === c && last[3] === tip && Math.abs(last[1] - start) < 1e-6) last[1] = stop;
    else out.push([start, stop, c, tip]);
  }
  return out;
}

function eventSegments(
  report: RunReport,
  up: string,
  down: string,
  initiallyUp: boolean,
  labels: [string, string],
): Array<[number, number, string, string]> {
  const out: Array<[number, number, string, string]> = [];
  let state = initiallyUp;
  let since = 0;
  for (const e of report.timeline.events) {
    if (e.kind !== up && e.kind !== down) continue;
    const next = e.kind === up;
    if (next === state) continue;
    out.push([since, e.t, state ? colors.ready : colors.down, state ? labels[0] : labels[1]]);
    state = next;
    since = e.t;
  }
  out.push([since, report.phase.end, state ? colors.ready : colors.down, state ? labels[0] : labels[1]]);
  return out;
}

function lanes(report: RunReport): Lane[] {
  const series: TimelineSeries = report.timeline.series;
  const end = report.phase.end;
  const result: Lane[] = [];
  const apiFirst = report.bringUp.apiAvailable ?? end;
  result.push({
    label: 'Kubernetes API',
    segments: [
      [0, apiFirst, colors.off, 'not yet up'],
      ...eventSegments(report, 'api.available', 'api.unavailable', false, ['available', 'unavailable']).filter(([s]) => s >= apiFirst),
    ],
  });
  for (const node of report.cluster.nodes) {
    const s = series.nodes[node.name];
    if (!s) continue;
    const inCluster = node.role === 'server' || node.role === 'agent';
    const state = s.powered.map((p, i) => (p === 0 ? 0 : !inCluster ? 3 : (s.ready[i] ?? 0) === 1 ? 2 : 1));
    result.push({
      label: `${node.name} (${node.role})`,
      segments: segmentsFromSeries(series.times, state, end, (v) =>
        v === 0
          ? [colors.off, 'powered off']
          : v === 1
            ? [colors.notReady, 'powered, not Ready in the API']
            : v === 2
              ? [colors.ready, 'Ready']
              : [colors.neutral, 'powered (outside the cluster)'],
      ),
    });
  }
  if (report.timeline.events.some((e) => e.kind === 'rancher.available')) {
    result.push({
      label: 'Rancher',
      segments: eventSegments(report, 'rancher.available', 'rancher.unavailable', false, ['available', 'unavailable']),
    });
  }
  for (const [key, values] of Object.entries(series.workloadsReady)) {
    if (/\/(kube-system|cattle-system)\//.test(key)) continue;
    const max = Math.max(1, ...values);
    result.push({
      label: `${key.split('/')[0]} ${key.split('/')[2]} ready`,
      segments: segmentsFromSeries(series.times, values, end, (v) =>
        v === 0 ? [colors.down, '0 ready'] : v < max ? [colors.partial, `${v}/${max} ready`] : [colors.ready, `${v} ready`],
      ),
      steps: series.times.map((t, i) => [t, (values[i] ?? 0) / max] as [number, number]),
    });
  }
  for (const [key, values] of Object.entries(series.serviceAvailability)) {
    if (key.startsWith('kube-system/')) continue;
    result.push({
      label: `service ${key}`,
      segments: segmentsFromSeries(series.times, values, end, (v) =>
        v === 0
          ? [colors.down, 'down']
          : v < 1
            ? [colors.partial, `${Math.round(v * 100)} % of requests served`]
            : [colors.ready, 'serving'],
      ),
    });
  }
  return result;
}

function svgTimeline(report: RunReport): string {
  const all = lanes(report);
  const left = 190;
  const width = 1120;
  const plot = width - left - 20;
  const laneHeight = 22;
  const top = 40;
  const height = top + all.length * (laneHeight + 6) + 30;
  const end = Math.max(report.phase.end, 1);
  const x = (t: number) => left + (Math.max(0, Math.min(t, end)) / end) * plot;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      'role="img" aria-label="timeline of the run">',
  );
  parts.push(`<rect x="${left}" y="${top - 8}" width="${x(report.phase.start) - left}" height="${height - top - 14}" fill="#f3f4f7"/>`);
  parts.push(`<text x="${left + 4}" y="${top - 12}" class="axis">bring-up</text>`);
  const step = end > 7200 ? 1800 : end > 2400 ? 600 : end > 600 ? 300 : 60;
  for (let t = 0; t <= end; t += step) {
    parts.push(`<line x1="${x(t)}" x2="${x(t)}" y1="${top - 8}" y2="${height - 22}" stroke="${colors.grid}"/>`);
    parts.push(`<text x="${x(t)}" y="${height - 8}" class="axis" text-anchor="middle">${formatDuration(t)}</text>`);
  }
  all.forEach((lane, i) => {
    const y = top + i * (laneHeight + 6);
    parts.push(`<text x="${left - 8}" y="${y + 15}" class="lane" text-anchor="end">${esc(lane.label)}</text>`);
    for (const [start, stop, color, tip] of lane.segments) {
      if (stop <= start) continue;
      const barWidth = Math.max(0.5, x(stop) - x(start)).toFixed(1);
      const title = esc(`${lane.label}: ${tip} (${formatDuration(start)}–${formatDuration(stop)})`);
      parts.push(
        `<rect x="${x(start).toFixed(1)}" y="${y}" width="${barWidth}" height="${laneHeight}" fill="${color}">` +
          `<title>${title}</title></rect>`,
      );
    }
    if (lane.steps && lane.steps.length > 1) {
      const points = lane.steps.map(([t, v]) => `${x(t).toFixed(1)},${(y + laneHeight - 2 - v * (laneHeight - 4)).toFixed(1)}`).join(' ');
      parts.push(`<polyline points="${points}" fill="none" stroke="#ffffff" stroke-width="1.5" opacity="0.9"/>`);
    }
  });
  for (const fault of report.faults) {
    if (fault.injectedAt !== null) {
      parts.push(
        `<line x1="${x(fault.injectedAt)}" x2="${x(fault.injectedAt)}" y1="${top - 20}" y2="${height - 22}" ` +
          `stroke="${colors.down}" stroke-width="2" class="fault"><title>${esc(fault.description)}</title></line>`,
      );
      parts.push(`<text x="${x(fault.injectedAt) + 3}" y="${top - 22}" class="fault-label">⚡ ${esc(fault.id)}</text>`);
    }
    if (fault.healedAt !== null) {
      parts.push(
        `<line x1="${x(fault.healedAt)}" x2="${x(fault.healedAt)}" y1="${top - 20}" y2="${height - 22}" ` +
          `stroke="${colors.ready}" stroke-width="2" stroke-dasharray="4 3"><title>${esc(`${fault.id} healed`)}</title></line>`,
      );
      parts.push(`<text x="${x(fault.healedAt) + 3}" y="${top - 22}" class="heal-label">✓ ${esc(fault.id)}</text>`);
    }
  }
  parts.push('</svg>');
  return parts.join('\n');
}

export function renderHtml(report: RunReport): string {
  const rows = report.expectations
    .map(
      (v) =>
        `<tr class="${v.status}"><td class="verdict">${v.status === 'pass' ? '✔ pass' : '✘ FAIL'}</td><td>${esc(v.description)}</td>` +
        `<td>${esc(v.expected)}</td><td>${esc(v.observed)}</td><td>${esc(v.explanation)}</td></tr>`,
    )
    .join('\n');
  const { events, omitted } = notableEvents(report, 600);
  const eventRows = events
    .map((e) => `<tr class="${e.view}"><td>${esc(when(report, e.t))}</td><td>${e.view}</td><td>${esc(e.message)}</td></tr>`)
    .join('\n');
  const legend = [
    [colors.ready, 'Ready / available / serving'],
    [colors.notReady, 'not Ready, or partly serving'],
    [colors.down, 'down'],
    [colors.off, 'powered off / not up yet'],
    [colors.neutral, 'powered, outside the cluster'],
  ]
    .map(([c, l]) => `<span class="key"><i style="background:${c}"></i>${esc(l ?? '')}</span>`)
    .join(' ');
  const { cluster, summary } = report;
  const meta =
    `${esc(report.scenario.description)}<br>cluster <b>${esc(cluster.name)}</b> · ${cluster.nodes.length} machines · ` +
    `K3s ${esc(cluster.k3sVersion)} (${esc(cluster.datastore)}) · engine ${esc(report.engine)} · seed ${report.seed} · ` +
    `${summary.passed}/${summary.total} expectations hold`;
  const findingRows = report.findings
    .map(
      (f) =>
        `<tr class="${f.severity === 'error' ? 'fail' : 'pass'}"><td class="verdict">${f.severity}</td>` +
        `<td>${esc(f.message)}</td><td>${esc(f.source)}</td></tr>`,
    )
    .join('\n');
  const labelCss =
    `svg text.fault-label { font-size: 11px; fill: ${colors.down}; font-weight: 600; } ` +
    `svg text.heal-label { font-size: 11px; fill: ${colors.ready}; font-weight: 600; }`;
  const keyCss =
    '.key { margin-right: 14px; color: #5b6270; } ' +
    '.key i { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: -2px; border-radius: 2px; }';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>twin: ${esc(report.scenario.name)} — ${report.status.toUpperCase()}</title>
<style>
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #1d2330; }
  h1 { font-size: 22px; margin: 0 0 4px; }
  .badge { display: inline-block; padding: 2px 10px; border-radius: 10px; color: #fff; font-weight: 600; }
  .badge.pass { background: ${colors.ready}; } .badge.fail { background: ${colors.down}; }
  .meta { color: #5b6270; margin-bottom: 16px; }
  table { border-collapse: collapse; width: 100%; margin: 8px 0 20px; }
  th, td { border-bottom: 1px solid ${colors.grid}; padding: 5px 8px; text-align: left; vertical-align: top; }
  tr.fail td.verdict { color: ${colors.down}; font-weight: 700; } tr.pass td.verdict { color: ${colors.ready}; font-weight: 700; }
  svg text.axis { font-size: 11px; fill: #5b6270; } svg text.lane { font-size: 12px; fill: #1d2330; }
  ${labelCss}
  ${keyCss}
  tr.truth td { color: #5b6270; } details { margin-top: 12px; }
</style>
</head>
<body>
<h1>${esc(report.scenario.name)} <span class="badge ${report.status}">${report.status === 'pass' ? 'PASS' : 'FAIL'}</span></h1>
<div class="meta">${meta}</div>
<h2>Observed vs expected</h2>
<table><thead><tr><th>verdict</th><th>expectation</th><th>expected</th><th>observed</th><th>why</th></tr></thead>
<tbody>
${rows}
</tbody></table>
${report.comparison ? comparisonHtml(report.comparison) : ''}
${
  report.findings.length
    ? `<h2>Predicted at bring-up</h2>
<table><thead><tr><th>severity</th><th>finding</th><th>source</th></tr></thead><tbody>
${findingRows}
</tbody></table>`
    : ''
}
<h2>Timeline</h2>
<div>${legend}</div>
<figure id="timeline">
${svgTimeline(report)}
</figure>
<details open><summary>Notable events (T+ from the start of faults; grey rows are ground truth the API does not show)</summary>
<table><thead><tr><th>time</th><th>view</th><th>event</th></tr></thead><tbody>
${eventRows}
</tbody></table>${omitted > 0 ? `<p>…and ${omitted} more events in report.json.</p>` : ''}
</details>
</body>
</html>
`;
}
