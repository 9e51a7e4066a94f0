/**
 * How `twin calibrate` writes a figure: the median, range and window of its samples, each value
 * with its unit so the file reads back to the same numbers (`3.214s`, bytes, `12.5MB/s`, `250m`).
 * Pure module.
 */
import { calibrationFigureUnits, type CalibrationFigureName } from '../model/calibration.js';
import { summarize, type FigureSamples } from './calibrate-samples.js';

/** A value in base units written in the figure's unit. */
export function writeValue(figure: CalibrationFigureName, value: number): string | number {
  switch (calibrationFigureUnits[figure]) {
    case 'duration':
      return `${Number(value.toFixed(3))}s`;
    case 'bytes':
      return Math.round(value);
    case 'rate':
      return value >= 1e6 ? `${Number((value / 1e6).toFixed(3))}MB/s` : `${Number((value / 1e3).toFixed(3))}kB/s`;
    case 'millicores':
      return `${Math.round(value)}m`;
  }
}

/** A value for the table a person reads: bytes in Mi, the rest as written. */
export function displayValue(figure: CalibrationFigureName, value: unknown): string {
  if (calibrationFigureUnits[figure] === 'bytes' && typeof value === 'number') return `${(value / 1024 ** 2).toFixed(1)}Mi`;
  return String(value);
}

export function writtenFigure(figure: CalibrationFigureName, samples: FigureSamples) {
  const summary = summarize(samples.samples);
  if (!summary) return undefined;
  const iso = (seconds: number) => new Date(Math.round(seconds * 1000)).toISOString();
  return {
    value: writeValue(figure, summary.value),
    samples: summary.samples,
    low: writeValue(figure, summary.low),
    high: writeValue(figure, summary.high),
    from: iso(summary.from),
    to: iso(summary.to),
    source: samples.source,
  };
}
