/**
 * report.html's timeline as inline SVG: one time axis (seconds from power-on, bring-up shaded),
 * lane groups from html-lanes.ts, faults as red lines and heals as green dashed lines across
 * every lane. The plot spans x = 190…1100, the same as the charts beneath it, so a moment sits
 * at the same place in both.
 */
import { formatDuration } from '../model/units.js';
import { colors } from './html-page.js';
import { laneGroups, type Lane } from './html-lanes.js';
import { rangeText } from './ranges.js';
import type { RunReport } from './types.js';
import { escapeXml as esc } from './xml.js';

export const timelineWidth = 1120;
export const plotLeft = 190;
const plotRight = 20;
const laneHeight = 18;
const gap = 5;
const headingHeight = 18;

export function tickStep(end: number): number {
  return end > 86_400 * 2 ? 86_400 : end > 7200 ? 1800 : end > 2400 ? 600 : end > 600 ? 300 : 60;
}

/** Points of a step line where the value changes only, so a long run stays a short polyline. */
function stepPoints(
  steps: ReadonlyArray<readonly [number, number]>,
  x: (t: number) => number,
  y: (v: number) => number,
  end: number,
): string {
  const points: string[] = [];
  let last: number | null = null;
  for (const [t, v] of steps) {
    if (v === last) continue;
    if (last !== null) points.push(`${x(t).toFixed(1)},${y(last).toFixed(1)}`);
    points.push(`${x(t).toFixed(1)},${y(v).toFixed(1)}`);
    last = v;
  }
  if (last !== null) points.push(`${x(end).toFixed(1)},${y(last).toFixed(1)}`);
  return points.join(' ');
}

function drawLane(lane: Lane, top: number, x: (t: number) => number, end: number): string[] {
  const parts = [
    `<text x="${plotLeft - 8}" y="${top + 13}" class="${lane.sub ? 'sublane' : 'lane'}" text-anchor="end">${esc(lane.label)}</text>`,
  ];
  for (const [start, stop, color, tip] of lane.segments) {
    if (stop <= start) continue;
    const width = Math.max(0.5, x(stop) - x(start)).toFixed(1);
    const title = esc(`${lane.label}: ${tip} (${formatDuration(start)}–${formatDuration(stop)})`);
    parts.push(
      `<rect x="${x(start).toFixed(1)}" y="${top}" width="${width}" height="${laneHeight}" fill="${color}"><title>${title}</title></rect>`,
    );
  }
  if (lane.steps && lane.steps.length > 1) {
    const y = (v: number) => top + laneHeight - 2 - v * (laneHeight - 4);
    parts.push(`<polyline points="${stepPoints(lane.steps, x, y, end)}" fill="none" stroke="#ffffff" stroke-width="1.5" opacity="0.9"/>`);
  }
  if (lane.verdict) {
    // Beside the window when there is room, else inside it, right-aligned in white.
    const after = x(lane.verdict.at) + 4;
    const inside = after > timelineWidth - 260;
    const tx = inside ? x(lane.verdict.at) - 4 : after;
    const cls = inside ? 'verdict-inside' : `verdict-${lane.verdict.status}`;
    parts.push(
      `<text x="${tx.toFixed(1)}" y="${top + 13}" class="${cls}" text-anchor="${inside ? 'end' : 'start'}">` +
        `${esc(lane.verdict.text)}</text>`,
    );
  }
  return parts;
}

/** Key moments with a spread over the model's estimates (report.ranges): where each is drawn. */
function rangedMoments(report: RunReport) {
  return (report.ranges?.moments ?? []).filter((m) => m.anchorAt !== null && m.value !== null && m.range && m.range.high > m.range.low);
}

/**
 * How sure: one lane per key moment, its spread over the model's estimates as a translucent band
 * around the marker where this run put it.
 */
function drawRanges(report: RunReport, top: number, x: (t: number) => number): string[] {
  const moments = rangedMoments(report);
  if (moments.length === 0) return [];
  const parts = [`<text x="8" y="${top + 13}" class="group">How sure (over the model's estimates)</text>`];
  let y = top + headingHeight;
  for (const m of moments) {
    const anchor = m.anchorAt ?? 0;
    const [low, high, at] = [anchor + (m.range?.low ?? 0), anchor + (m.range?.high ?? 0), anchor + (m.value ?? 0)];
    const tip = esc(`${m.what} (after ${m.anchor}): ${formatDuration(m.value ?? 0)}, ${m.range ? rangeText(m.range) : ''}`);
    parts.push(
      `<text x="${plotLeft - 8}" y="${y + 13}" class="sublane" text-anchor="end">${esc(m.what)}</text>`,
      `<rect x="${x(low).toFixed(1)}" y="${y + 2}" width="${Math.max(1, x(high) - x(low)).toFixed(1)}" height="${laneHeight - 4}" ` +
        `fill="${colors.neutral}" fill-opacity="0.3" class="range-band"><title>${tip}</title></rect>`,
      `<line x1="${x(at).toFixed(1)}" x2="${x(at).toFixed(1)}" y1="${y}" y2="${y + laneHeight}" stroke="${colors.neutral}" ` +
        `stroke-width="2" class="range-marker"><title>${tip}</title></line>`,
    );
    y += laneHeight + gap;
  }
  return parts;
}

export function svgTimeline(report: RunReport): string {
  const groups = laneGroups(report);
  const top = 40;
  const ranged = rangedMoments(report).length;
  const rows =
    groups.reduce((n, g) => n + g.lanes.length * (laneHeight + gap) + (g.heading ? headingHeight : 0) + 6, 0) +
    (ranged > 0 ? headingHeight + ranged * (laneHeight + gap) + 6 : 0);
  const height = top + rows + 30;
  const end = Math.max(report.phase.end, 1);
  const plot = timelineWidth - plotLeft - plotRight;
  const x = (t: number) => plotLeft + (Math.max(0, Math.min(t, end)) / end) * plot;
  const bottom = height - 22;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${timelineWidth}" height="${height}" viewBox="0 0 ${timelineWidth} ${height}" ` +
      'role="img" aria-label="timeline of the run">',
    `<rect x="${plotLeft}" y="${top - 8}" width="${(x(report.phase.start) - plotLeft).toFixed(1)}" height="${bottom - top + 8}" ` +
      `fill="${colors.shade}"/>`,
    `<text x="${plotLeft + 4}" y="${top - 12}" class="axis">bring-up</text>`,
  ];
  const step = tickStep(end);
  for (let t = 0; t <= end; t += step) {
    parts.push(`<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${top - 8}" y2="${bottom}" stroke="${colors.grid}"/>`);
    parts.push(`<text x="${x(t).toFixed(1)}" y="${height - 8}" class="axis" text-anchor="middle">${formatDuration(t)}</text>`);
  }
  let y = top;
  for (const group of groups) {
    if (group.heading) {
      parts.push(`<text x="8" y="${y + 13}" class="group">${esc(group.heading)}</text>`);
      y += headingHeight;
    }
    for (const lane of group.lanes) {
      for (const part of drawLane(lane, y, x, end)) parts.push(part);
      y += laneHeight + gap;
    }
    y += 6;
  }
  for (const part of drawRanges(report, y, x)) parts.push(part);
  for (const fault of report.faults) {
    if (fault.injectedAt !== null) {
      const fx = x(fault.injectedAt).toFixed(1);
      parts.push(
        `<line x1="${fx}" x2="${fx}" y1="${top - 20}" y2="${bottom}" stroke="${colors.down}" stroke-width="2" class="fault">` +
          `<title>${esc(fault.description)}</title></line>`,
        `<text x="${Number(fx) + 3}" y="${top - 22}" class="fault-label">⚡ ${esc(fault.id)}</text>`,
      );
    }
    if (fault.healedAt !== null) {
      const hx = x(fault.healedAt).toFixed(1);
      parts.push(
        `<line x1="${hx}" x2="${hx}" y1="${top - 20}" y2="${bottom}" stroke="${colors.ready}" stroke-width="2" ` +
          'stroke-dasharray="4 3" class="heal">' +
          `<title>${esc(`${fault.id} healed`)}</title></line>`,
        `<text x="${Number(hx) + 3}" y="${top - 22}" class="heal-label">✓ ${esc(fault.id)}</text>`,
      );
    }
  }
  parts.push('</svg>');
  return parts.join('\n');
}
