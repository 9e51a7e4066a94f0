import type { Argv, CommandModule } from 'yargs';
import { readReport } from '../../report/read.js';
import { renderReport, reportFormats, writeFileAtomic, type ReportFormat } from '../../report/write.js';
import { writeOut } from '../output.js';

interface ReportArgs {
  readonly file: string;
  readonly format: ReportFormat;
  readonly output?: string;
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
