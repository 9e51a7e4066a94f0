/** Reads a report.json back (`twin report`), refusing anything twin did not write. */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { reportApiVersion, type RunReport } from './types.js';

export function readReport(file: string): RunReport {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw ConfigError.single(file, '', 'file not found', 'give the path of a report.json');
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw ConfigError.single(file, '', 'not valid JSON', 'give the path of a report.json written by twin run');
  }
  const report = data as Partial<RunReport>;
  if (report.kind !== 'RunReport')
    throw ConfigError.single(file, 'kind', 'not a twin run report', 'give the path of a report.json written by twin run');
  if (report.apiVersion !== reportApiVersion)
    throw ConfigError.single(
      file,
      'apiVersion',
      `unsupported report version "${String(report.apiVersion)}"`,
      `this twin reads ${reportApiVersion}`,
    );
  return data as RunReport;
}
