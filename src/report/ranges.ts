/**
 * How sure a prediction is, as the report says it: the key moments of one run (bring-up
 * milestones and each fault's consequences, as the model-vs-real comparison lists them), the
 * text of a spread ("33s–46s over the model's estimates") and of a flip ("passes unless … is
 * longer than 40s"), and the report with the sweep's findings attached. The sweep itself runs
 * in runner/ranges.ts. Pure module.
 */
import type { BringUpSummary } from '../engines/engine.js';
import { estimateValueText, type Estimate } from '../model/estimates.js';
import type { TimelineEvent } from '../model/timeline.js';
import { formatDuration } from '../model/units.js';
import type { Measure } from '../scenario/expectations.js';
import { keyMoments, type KeyMoment } from './compare.js';
import type { Flip, RangeSweep, ReportedVerdict, RunReport, ValueRange } from './types.js';

/** A run's key moments, keyed so the same moment is found in every run of the sweep. */
export function runMoments(run: { readonly timeline: { readonly events: readonly TimelineEvent[] }; readonly bringUp: BringUpSummary }) {
  const bringUp = (what: string, t: number | null): KeyMoment => ({ what, anchor: 'power-on', anchorAt: 0, delay: t });
  const moments = [
    bringUp('Kubernetes API available', run.bringUp.apiAvailable),
    bringUp('all nodes Ready (cluster ready)', run.bringUp.clusterReady),
    bringUp('workloads ready (bring-up done)', run.bringUp.workloadsReady),
    ...keyMoments(run.timeline.events),
  ];
  const seen = new Map<string, number>();
  return moments.map((m) => {
    const base = `${m.what} @ ${m.anchor}`;
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return { key: n === 0 ? base : `${base} #${n + 1}`, ...m };
  });
}

/** A value in a range's unit: `39s`, `99.5 %`, `3`. */
function measureText(value: number, unit: ValueRange['unit']): string {
  return unit === 'seconds' ? formatDuration(value) : unit === 'percent' ? `${Number(value.toFixed(2))} %` : String(value);
}

/** "33s–46s over the model's estimates"; "39s under every estimate" when nothing moved it. */
export function rangeText(range: ValueRange): string {
  const [low, high] = [measureText(range.low, range.unit), measureText(range.high, range.unit)];
  return low === high ? `${low} under every estimate` : `${low}–${high} over the model's estimates`;
}

/** The words of an estimate for a sentence: a setting's description up to its first clause, with its name. */
function estimateWords(estimate: Estimate): string {
  if (estimate.target.kind === 'profile') return estimate.description;
  const short = estimate.description.split(/, | \(/)[0] ?? estimate.description;
  return `${short} (${estimate.id})`;
}

/**
 * The sentence for a flip: `outcome` is what holds in this run ("passes", "happens"), `other`
 * what holds beyond the threshold.
 */
export function flip(estimate: Estimate, flipsAt: number, within: number, outcome: string): Flip {
  const direction = flipsAt > estimate.value ? 'above' : 'below';
  const comparison =
    estimate.unit === 'seconds' ? (direction === 'above' ? 'longer than' : 'shorter than') : direction === 'above' ? 'above' : 'below';
  const round = (x: number) => Number(x.toPrecision(6));
  return {
    estimate: estimate.id,
    flipsAt: round(flipsAt),
    within: round(within),
    direction,
    text: `${outcome} unless ${estimateWords(estimate)} is ${comparison} ${estimateValueText(estimate, flipsAt)}`,
  };
}

/** The lowest and highest of a quantity over the runs (undefined where it had no number). */
export function spread(measures: ReadonlyArray<Measure | undefined>): ValueRange | undefined {
  const present = measures.filter((m): m is Measure => m !== undefined);
  const unit = present[0]?.unit;
  if (unit === undefined) return undefined;
  const values = present.filter((m) => m.unit === unit).map((m) => m.value);
  return { low: Math.min(...values), high: Math.max(...values), unit };
}

/** What the sweep found per expectation, by id. */
export interface ExpectationRange {
  readonly range?: ValueRange;
  readonly sensitivity: readonly Flip[];
}

/** The report with each expectation's range and flips and the sweep's moments. */
export function withRanges(report: RunReport, expectations: ReadonlyMap<string, ExpectationRange>, sweep: RangeSweep): RunReport {
  const verdicts: ReportedVerdict[] = report.expectations.map((v) => {
    const found = expectations.get(v.id);
    if (!found) return v;
    return { ...v, ...(found.range ? { range: found.range } : {}), sensitivity: found.sensitivity };
  });
  return { ...report, expectations: verdicts, ranges: sweep };
}

/** A verdict's explanation, then what flips it ("; passes unless …"). */
export function withFlips(v: ReportedVerdict): string {
  return [v.explanation, ...(v.sensitivity ?? []).map((f) => f.text)].join('; ');
}

/** The spread of a verdict for a sentence: "(33s–46s over the model's estimates)", or '' without one. */
export function verdictRangeText(v: ReportedVerdict): string {
  return v.range ? ` (${rangeText(v.range)})` : '';
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** report.md's "How sure is it?" section; empty when the sweep did not run. */
export function rangesMarkdown(report: RunReport): string[] {
  const sweep = report.ranges;
  if (!sweep) return [];
  const lines = [
    '',
    '## How sure is it?',
    '',
    `The same scenario and seed ran ${sweep.runs} more time(s): each of the model's ${sweep.estimates.length} estimate(s) ` +
      `at its documented low and high${sweep.estimates.length > 1 ? ', one at a time, then all low and all high together' : ''}` +
      ', and a few more to find where a verdict turns' +
      (sweep.notRead.length > 0 ? `; ${sweep.notRead.length} of them this run never reads, so alone they cannot move it.` : '.'),
    '',
  ];
  const measured = sweep.estimates.filter((e) => e.id.startsWith('measured:')).length;
  const replaced = sweep.replacedByMeasurement;
  if (replaced) {
    const which = replaced.length > 0 ? `${replaced.join(', ')}, which are` : 'no setting, which is';
    lines.push(
      `${measured} of the estimates are figures a calibration measured, swept over their measured low–high; ` +
        `measurement replaces ${which} not swept as estimates.`,
      '',
    );
  }
  const flips = report.expectations.flatMap((v) => (v.sensitivity ?? []).map((f) => `- ${cell(v.description)}: ${f.text}`));
  if (flips.length > 0) lines.push('Verdicts that one estimate turns around:', '', ...flips, '');
  else lines.push('No single estimate turns a verdict around within its range.', '');
  lines.push('| moment | after | this run | over the estimates | |', '|---|---|---|---|---|');
  for (const m of sweep.moments) {
    const value = m.value === null ? 'never' : formatDuration(m.value);
    const range = m.range ? rangeText(m.range).replace(/ over the model's estimates| under every estimate/, '') : '—';
    const missed = m.missedIn > 0 ? `never in ${m.missedIn} run(s)` : '';
    const notes = [missed, ...m.sensitivity.map((f) => f.text)].filter(Boolean).join('; ');
    lines.push(`| ${cell(m.what)} | ${m.anchor} | ${value} | ${range} | ${cell(notes)} |`);
  }
  lines.push('', '| estimate | | value | low | high | source |', '|---|---|---|---|---|---|');
  for (const e of sweep.estimates) {
    const text = (v: number) => estimateValueText(e, v);
    lines.push(`| ${cell(e.description)} | \`${e.id}\` | ${text(e.value)} | ${text(e.low)} | ${text(e.high)} | ${cell(e.source)} |`);
  }
  return lines;
}
