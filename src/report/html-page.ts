/**
 * The page shell every twin HTML file shares (report.html, `twin plan --html`): one palette, one
 * stylesheet, no external assets, so a page opens offline and looks the same wherever it is saved.
 */
import { escapeXml as esc } from './xml.js';

export const colors = {
  ready: '#2e9e4f',
  notReady: '#e0a030',
  unknown: '#b26bd1',
  off: '#8a8f98',
  booting: '#9bb7e0',
  down: '#c93c3c',
  partial: '#e0a030',
  neutral: '#4a78c2',
  grid: '#e4e6ea',
  shade: '#f3f4f7',
} as const;

/** One colour per node in the charts, chosen to stay apart from each other on white. */
export const seriesPalette = ['#4a78c2', '#d9822b', '#2e9e4f', '#c93c3c', '#8e5ac8', '#1f9aa8', '#a8872b', '#d05c9a', '#5b6270'];

const stylesheet = `
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #1d2330; max-width: 1180px; }
  h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 26px 0 6px; } h3 { font-size: 15px; margin: 16px 0 4px; }
  .badge { display: inline-block; padding: 2px 10px; border-radius: 10px; color: #fff; font-weight: 600; }
  .badge.pass { background: ${colors.ready}; } .badge.fail { background: ${colors.down}; }
  .meta, .note { color: #5b6270; } .meta { margin-bottom: 16px; }
  table { border-collapse: collapse; width: 100%; margin: 8px 0 20px; }
  th, td { border-bottom: 1px solid ${colors.grid}; padding: 5px 8px; text-align: left; vertical-align: top; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  tr.fail td.verdict { color: ${colors.down}; font-weight: 700; } tr.pass td.verdict { color: ${colors.ready}; font-weight: 700; }
  tr.warn td.verdict { color: ${colors.notReady}; font-weight: 700; }
  svg text { font-family: inherit; } svg text.axis { font-size: 11px; fill: #5b6270; } svg text.lane { font-size: 12px; fill: #1d2330; }
  svg text.sublane { font-size: 11px; fill: #5b6270; } svg text.group { font-size: 12px; fill: #1d2330; font-weight: 600; }
  svg text.fault-label { font-size: 11px; fill: ${colors.down}; font-weight: 600; }
  svg text.heal-label { font-size: 11px; fill: ${colors.ready}; font-weight: 600; }
  svg text.verdict-inside { font-size: 11px; fill: #fff; font-weight: 600; } figure { margin: 0; }
  svg text.verdict-pass { font-size: 11px; fill: ${colors.ready}; }
  svg text.verdict-fail { font-size: 11px; fill: ${colors.down}; font-weight: 600; }
  .key { margin-right: 14px; color: #5b6270; white-space: nowrap; }
  .key i { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: -2px; border-radius: 2px; }
  .chart { margin: 4px 0 12px; } .chart .u-title { font-size: 13px; font-weight: 600; text-align: left; padding-left: 190px; }
  .bar { display: inline-block; height: 10px; border-radius: 2px; vertical-align: 0; }
  tr.truth td { color: #5b6270; } details { margin-top: 12px; }
`;

export interface PageParts {
  readonly title: string;
  readonly body: string;
  /** Extra `<style>`/`<script>` for the head (the inlined chart library). */
  readonly head?: string;
}

/** A complete, self-contained HTML document. */
export function htmlPage({ title, body, head = '' }: PageParts): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${stylesheet}</style>
${head}
</head>
<body>
${body}
</body>
</html>
`;
}

/** A colour key: swatch and label per entry. */
export function legend(entries: ReadonlyArray<readonly [string, string]>): string {
  return entries.map(([c, l]) => `<span class="key"><i style="background:${c}"></i>${esc(l)}</span>`).join(' ');
}

/** The largest value of a long series without spreading it into Math.max (a 720 h run has 250 000 samples). */
export function maxOf(values: readonly number[], floor = 0): number {
  let max = floor;
  for (const v of values) if (v > max) max = v;
  return max;
}
