import type { Argv, CommandModule } from 'yargs';
import { engines } from '../../engines/registry.js';
import { writeOut } from '../output.js';

interface DownArgs {
  readonly 'dry-run': boolean;
}

export const downCommand: CommandModule<object, DownArgs> = {
  command: 'down',
  describe: 'Remove every container, network and k3d cluster twin created (label twin.dev/managed=true)',
  builder: (yargs: Argv) =>
    yargs.option('dry-run', { type: 'boolean', default: false, describe: 'print the commands instead of running them' }),
  handler: async (args) => {
    const done: string[] = [];
    for (const engine of engines.values()) done.push(...(await engine.down({ dryRun: args['dry-run'] })));
    if (done.length > 0) writeOut(done.join('\n'));
  },
};
