import type { Argv, CommandModule } from 'yargs';
import { readReport } from '../../report/read.js';
import { renderReport, reportFormats, writeFileAtomic, type ReportFormat } from '../../report/write.js';
import { nonEmpty, oneOf, requireArgument } from '../flags.js';
import { writeOut } from '../output.js';

interface ReportArgs {
  readonly file?: string;
  readonly format: ReportFormat;
  readonly output?: string;
}

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report [file]',
  describe: 'Re-render a run report (report.json) without re-running it',
  builder: (yargs: Argv) =>
    yargs
      .positional('file', { type: 'string', describe: 'a report.json' })
      .option('format', {
        type: 'string',
        default: 'md',
        coerce: (v: unknown): ReportFormat => oneOf('--format', v, reportFormats),
        describe: `output format: ${reportFormats.join(', ')}`,
      })
      .option('output', {
        alias: 'o',
        type: 'string',
        coerce: (v: unknown) => nonEmpty('--output', v, 'a file path'),
        describe: 'write to this file instead of stdout',
      })
      .example('$0 report reports/control-plane-down/<run>/report.json --format html -o cp.html', 'render HTML again'),
  handler: (args) => {
    const file = requireArgument(
      'twin report',
      'the report to render',
      args.file,
      'give a report.json, e.g. twin report reports/<scenario>/<run>/report.json',
    );
    const text = renderReport(readReport(file), args.format);
    if (args.output) writeFileAtomic(args.output, text, { flag: '--output' });
    else writeOut(text.trimEnd());
  },
};
