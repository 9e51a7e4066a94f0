/**
 * Charts in report.html and `twin plan --html`, drawn by uPlot (MIT, ~50 kB) inlined into the
 * page, so the file stays self-contained and opens offline. The library is read from the
 * installed package at render time; it is a dependency, so it is there wherever twin is.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { formatDuration } from '../model/units.js';
import { seriesPalette } from './html-page.js';

const require = createRequire(import.meta.url);
let library: { js: string; css: string } | null = null;

function uplot(): { js: string; css: string } {
  library ??= {
    js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
  return library;
}

/** JSON safe inside a `<script>` element: no `</script>` or `<!--` can close it early. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** The chart library for a page's head. */
export function chartLibrary(): string {
  const { js, css } = uplot();
  return `<style>${css}</style>\n<script>${js.replace(/<\/script/gi, '<\\/script')}</script>`;
}

export interface LineChart {
  readonly id: string;
  readonly title: string;
  readonly unit: string;
  /** x values in seconds, shared by every series. */
  readonly times: readonly number[];
  readonly series: ReadonlyArray<{ readonly label: string; readonly values: readonly number[] }>;
}

/** Markers across every time chart: faults (red), heals (green, dashed), the bring-up band. */
export interface TimeMarks {
  readonly end: number;
  readonly bringUpEnd: number;
  readonly faults: readonly number[];
  readonly heals: readonly number[];
}

const maxPoints = 1500;

/**
 * At most 1 500 points per series: a bucket keeps its largest value, so a short spike still shows.
 * Deterministic, and it keeps a 720 h run's page small.
 */
export function downsample(times: readonly number[], series: ReadonlyArray<readonly number[]>): { times: number[]; series: number[][] } {
  const stride = Math.max(1, Math.ceil(times.length / maxPoints));
  if (stride === 1) return { times: [...times], series: series.map((s) => [...s]) };
  const outTimes: number[] = [];
  const out = series.map(() => [] as number[]);
  for (let start = 0; start < times.length; start += stride) {
    outTimes.push(times[start] ?? 0);
    series.forEach((values, k) => {
      let max = -Infinity;
      for (let i = start; i < Math.min(start + stride, values.length); i++) max = Math.max(max, values[i] ?? 0);
      out[k]?.push(max === -Infinity ? 0 : max);
    });
  }
  return { times: outTimes, series: out };
}

const tickLabels = (end: number) => {
  const labels: Record<string, string> = {};
  const step = end > 86_400 * 2 ? 86_400 : end > 7200 ? 1800 : end > 2400 ? 600 : end > 600 ? 300 : 60;
  for (let t = 0; t <= end; t += step) labels[String(t)] = formatDuration(t);
  return { step, labels };
};

/** Where the charts go in the page, and the data and code that draw them. */
export function chartScript(lines: readonly LineChart[], marks: TimeMarks, width: number): string {
  const data = {
    width,
    palette: seriesPalette,
    marks,
    ticks: tickLabels(marks.end),
    lines: lines.map((c) => {
      const d = downsample(
        c.times,
        c.series.map((s) => s.values),
      );
      return { id: c.id, title: c.title, unit: c.unit, labels: c.series.map((s) => s.label), times: d.times, values: d.series };
    }),
  };
  return `<script type="application/json" id="twin-charts">${scriptJson(data)}</script>\n<script>${drawCharts}</script>`;
}

/** Runs in the page. Plain ES2017, no imports: uPlot is a global from the inlined library. */
const drawCharts = `(function () {
  var data = JSON.parse(document.getElementById('twin-charts').textContent);
  var fmtNum = function (v) { return v >= 100 ? Math.round(v).toString() : (Math.round(v * 10) / 10).toString(); };
  function timeAxis() {
    return { stroke: '#5b6270', grid: { stroke: '#e4e6ea' }, ticks: { stroke: '#e4e6ea' },
      splits: function () { var out = []; for (var t = 0; t <= data.marks.end; t += data.ticks.step) out.push(t); return out; },
      values: function (u, vals) { return vals.map(function (v) { return data.ticks.labels[String(v)] || ''; }); } };
  }
  function drawMarks(u) {
    var ctx = u.ctx, top = u.bbox.top, h = u.bbox.height, m = data.marks;
    var x = function (t) { return u.valToPos(t, 'x', true); };
    ctx.save();
    ctx.fillStyle = 'rgba(120,130,150,0.10)';
    ctx.fillRect(x(0), top, x(m.bringUpEnd) - x(0), h);
    ctx.lineWidth = 2 * devicePixelRatio;
    ctx.strokeStyle = '#c93c3c';
    m.faults.forEach(function (t) { ctx.beginPath(); ctx.moveTo(x(t), top); ctx.lineTo(x(t), top + h); ctx.stroke(); });
    ctx.strokeStyle = '#2e9e4f';
    ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
    m.heals.forEach(function (t) { ctx.beginPath(); ctx.moveTo(x(t), top); ctx.lineTo(x(t), top + h); ctx.stroke(); });
    ctx.restore();
  }
  data.lines.forEach(function (c) {
    var series = [{}].concat(c.labels.map(function (label, i) {
      return { label: label, stroke: data.palette[i % data.palette.length], width: 1.5,
        value: function (u, v) { return v == null ? '' : fmtNum(v) + ' ' + c.unit; } };
    }));
    new uPlot({
      title: c.title, width: data.width, height: 200,
      scales: { x: { time: false, range: [0, data.marks.end] },
        y: { range: function (u, min, max) { return [0, max > 0 ? max * 1.08 : 1]; } } },
      axes: [timeAxis(), { size: 160, labelSize: 30, label: c.unit, stroke: '#5b6270',
        grid: { stroke: '#e4e6ea' }, ticks: { stroke: '#e4e6ea' } }],
      series: series, hooks: { draw: [drawMarks] }
    }, [c.times].concat(c.values), document.getElementById(c.id));
  });
  document.documentElement.setAttribute('data-charts', String(data.lines.length));
})();`;

/** The element a chart draws into. */
export function chartSlot(id: string): string {
  return `<div class="chart" id="${id}"></div>`;
}
