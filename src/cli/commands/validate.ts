import type { Argv, CommandModule } from 'yargs';
import { ConfigError } from '../../errors.js';
import { validateFile } from '../../validate.js';
import { calibrationLoad, calibrationOption } from '../flags.js';
import { writeErr, writeOut } from '../output.js';

interface ValidateArgs {
  readonly files: string[];
  readonly 'profiles-dir': string[];
  readonly calibration?: string;
}

export const validateCommand: CommandModule<object, ValidateArgs> = {
  command: 'validate <files..>',
  describe: 'Check hardware profiles, clusters and Kubernetes manifests; one line per problem',
  builder: (yargs: Argv) =>
    yargs
      .positional('files', { type: 'string', array: true, demandOption: true, describe: 'files to check' })
      .option('profiles-dir', { type: 'string', array: true, default: [] as string[], describe: 'extra directory of profile YAML files' })
      .option('calibration', calibrationOption)
      .example('$0 validate hardware-profiles/*.yaml scenarios/clusters/*', 'check every shipped file'),
  handler: async (args) => {
    const failures: ConfigError[] = [];
    for (const file of args.files) {
      try {
        const result = await validateFile(file, { profileDirs: args['profiles-dir'], ...calibrationLoad(args.calibration) });
        const extra = result.notModelled.length ? ` — not modelled, kept as is: ${result.notModelled.join(', ')}` : '';
        writeOut(`ok   ${result.file}: ${result.summary}${extra}`);
        for (const line of result.calibration ?? []) writeOut(`     ${line}`);
        for (const warning of result.warnings) writeErr(`warning: ${result.file}: ${warning}`);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        failures.push(error);
        writeErr(error.message);
      }
    }
    if (failures.length > 0) {
      throw new ConfigError('twin validate', [{ field: '', message: `${failures.length} of ${args.files.length} file(s) invalid` }]);
    }
  },
};
