import { readFileSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { ConfigError } from '../../errors.js';
import { reportApiVersion, type RunReport } from '../../report/report.js';
import { renderReport, reportFormats, writeFileAtomic, type ReportFormat } from '../../report/write.js';
import { writeOut } from '../output.js';

interface ReportArgs {
  readonly file: string;
  readonly format: ReportFormat;
  readonly output?: string;
}

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
  if (report.kind !== 'RunReport') throw ConfigError.single(file, 'kind', 'not a twin run report', 'give the path of a report.json written by twin run');
  if (report.apiVersion !== reportApiVersion) throw ConfigError.single(file, 'apiVersion', `unsupported report version "${String(report.apiVersion)}"`, `this twin reads ${reportApiVersion}`);
  return data as RunReport;
}

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report <file>',
  describe: 'Re-render a run report (report.json) without re-running it',
  builder: (yargs: Argv) =>
    yargs
      .positional('file', { type: 'string', demandOption: true, describe: 'a report.json' })
      .option('format', { choices: reportFormats, default: 'md' as ReportFormat, describe: 'output format' })
      .option('output', { alias: 'o', type: 'string', describe: 'write to this file instead of stdout' })
      .example('$0 report reports/control-plane-down/<run>/report.json --format html -o cp.html', 'render HTML again'),
  handler: (args) => {
    const text = renderReport(readReport(args.file), args.format);
    if (args.output) writeFileAtomic(args.output, text);
    else writeOut(text.trimEnd());
  },
};
