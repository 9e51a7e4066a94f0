import type { Argv, CommandModule } from 'yargs';
import { ConfigError } from '../../errors.js';
import { engines } from '../../engines/registry.js';
import { loadClusterFile } from '../../load/cluster.js';
import { ProfileRegistry } from '../../load/profiles.js';
import { writeFileAtomic } from '../../report/write.js';
import { nonEmpty, requireArgument } from '../flags.js';
import { writeOut } from '../output.js';
import { exportJobCommand } from './export-job.js';

/**
 * yargs would answer `export k3d` with "Did you mean job?" (its recommendCommands, on for the whole CLI). Its
 * `recommendCommands(recommend = true)` takes the switch, which @types/yargs does not declare.
 */
function withoutRecommendations(yargs: Argv): Argv {
  return (yargs as unknown as { recommendCommands(recommend: boolean): Argv }).recommendCommands(false);
}

interface ExportArgs {
  readonly format?: string;
  readonly cluster?: string;
  readonly output?: string;
  readonly image?: string;
  readonly 'profiles-dir': string[];
}

export const exportCommand: CommandModule<object, ExportArgs> = {
  command: 'export [format] [cluster]',
  describe: "Write a cluster in an engine's own configuration format (k3d: a k3d.io/v1alpha5 config file to create it by hand)",
  builder: (yargs: Argv) =>
    withoutRecommendations(yargs.command(exportJobCommand))
      // `export k3d …` is this command's own form, not an unknown subcommand beside `export job`.
      .strictCommands(false)
      .positional('format', { type: 'string', describe: 'an engine: k3d, or sim (the resolved cluster)' })
      .positional('cluster', { type: 'string', describe: 'cluster file' })
      .option('output', {
        alias: 'o',
        type: 'string',
        coerce: (v: unknown) => nonEmpty('--output', v, 'a file path'),
        describe: 'write here instead of stdout',
      })
      .option('image', { type: 'string', describe: 'K3s node image (default rancher/k3s:<version>)' })
      .option('profiles-dir', { type: 'string', array: true, default: [] as string[], describe: 'extra directory of profile YAML files' })
      .example(
        '$0 export k3d scenarios/clusters/edgestack-pi4.yaml -o k3d.yaml && k3d cluster create --config k3d.yaml',
        'run the twin by hand',
      )
      .example(
        '$0 export job check c.yaml -w k8s/ --seed 7 --completions 10 --image registry.lan/twin:0.1.0',
        'see twin export job --help',
      ),
  handler: async (args) => {
    const names = [...engines.keys()].join(', ');
    const format = requireArgument(
      'twin export',
      'FORMAT and CLUSTER',
      args.format,
      `write twin export <${names.replace(', ', '|')}> <cluster file>`,
    );
    const engine = engines.get(format);
    if (!engine) throw ConfigError.single('twin export', 'FORMAT', `unknown format "${format}"`, `use: ${names}`);
    const clusterFile = requireArgument('twin export', 'CLUSTER', args.cluster, `write twin export ${format} <cluster file>`);
    const cluster = await loadClusterFile(clusterFile, { profiles: ProfileRegistry.load(args['profiles-dir']) });
    const text = engine.exportCluster(cluster, args.image ? { image: args.image } : {});
    if (args.output) writeFileAtomic(args.output, text, { flag: '--output' });
    else writeOut(text.trimEnd());
  },
};
