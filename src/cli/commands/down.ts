import type { Argv, CommandModule } from 'yargs';
import { createExec } from '../../engines/k3d/exec.js';
import { removeManaged } from '../../engines/k3d/docker.js';
import { writeOut } from '../output.js';

interface DownArgs {
  readonly 'dry-run': boolean;
}

export const downCommand: CommandModule<object, DownArgs> = {
  command: 'down',
  describe: 'Remove every container, network and k3d cluster twin created (label twin.dev/managed=true)',
  builder: (yargs: Argv) => yargs.option('dry-run', { type: 'boolean', default: false, describe: 'print the commands instead of running them' }),
  handler: async (args) => {
    const exec = createExec({ dryRun: args['dry-run'] });
    const clusters = await exec('k3d', ['cluster', 'list', '-o', 'json'], { allowFailure: true }).catch(() => null);
    if (clusters && clusters.exitCode === 0 && clusters.stdout.trim()) {
      const names = (JSON.parse(clusters.stdout) as Array<{ name: string }>).map((c) => c.name).filter((n) => n.startsWith('twin-'));
      for (const name of names) await exec('k3d', ['cluster', 'delete', name]);
    }
    const removed = await removeManaged(exec);
    if (args['dry-run']) writeOut(exec.transcript.join('\n'));
    else writeOut(`removed ${removed.containers.length} container(s) and ${removed.networks.length} network(s) labelled twin.dev/managed=true`);
  },
};
