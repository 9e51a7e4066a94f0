/**
 * Writes a run's reports to `<out>/<scenario>/<run-id>/`, atomically: files go to a hidden
 * temporary directory that is renamed into place, so a failed or interrupted run never
 * leaves a half-written report, and an earlier run is never overwritten.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderHtml } from './html.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import { reportJson, type RunReport } from './report.js';

export const reportFormats = ['json', 'md', 'html', 'junit'] as const;
export type ReportFormat = (typeof reportFormats)[number];

export function renderReport(report: RunReport, format: ReportFormat): string {
  switch (format) {
    case 'json':
      return reportJson(report);
    case 'md':
      return renderMarkdown(report);
    case 'html':
      return renderHtml(report);
    case 'junit':
      return renderJunit([report]);
  }
}

function stamp(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const day = `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}`;
  return `${day}-${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}`;
}

/** Writes report.json, report.md and report.html; returns the run directory. */
export function writeRunDirectory(report: RunReport, outDir: string, startedAt: Date): string {
  const scenarioDir = join(outDir, report.scenario.name);
  mkdirSync(scenarioDir, { recursive: true });
  const base = `${stamp(startedAt)}-${report.engine}-seed${report.seed}`;
  let runId = base;
  for (let n = 2; existsSync(join(scenarioDir, runId)); n++) runId = `${base}-${n}`;
  const temporary = join(scenarioDir, `.${runId}.partial-${process.pid}`);
  mkdirSync(temporary, { recursive: true });
  try {
    writeFileSync(join(temporary, 'report.json'), renderReport(report, 'json'));
    writeFileSync(join(temporary, 'report.md'), renderReport(report, 'md'));
    writeFileSync(join(temporary, 'report.html'), renderReport(report, 'html'));
    renameSync(temporary, join(scenarioDir, runId));
  } catch (error) {
    rmSync(temporary, { recursive: true, force: true });
    throw error;
  }
  return join(scenarioDir, runId);
}

/** Writes a file atomically (temporary file + rename). */
export function writeFileAtomic(path: string, content: string): void {
  const temporary = `${path}.partial-${process.pid}`;
  writeFileSync(temporary, content);
  renameSync(temporary, path);
}
