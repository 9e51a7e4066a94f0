import type { Argv, CommandModule } from 'yargs';
import { stringify } from 'yaml';
import { ConfigError } from '../../errors.js';
import { renderK3dConfig } from '../../engines/k3d/config.js';
import { loadClusterFile } from '../../load/cluster.js';
import { ProfileRegistry } from '../../load/profiles.js';
import { writeFileAtomic } from '../../report/write.js';
import { writeOut } from '../output.js';

interface ExportArgs {
  readonly format: string;
  readonly cluster: string;
  readonly output?: string;
  readonly image?: string;
  readonly 'profiles-dir': string[];
}

export const exportCommand: CommandModule<object, ExportArgs> = {
  command: 'export <format> <cluster>',
  describe: 'Write a cluster as a k3d config file (k3d.io/v1alpha5) to create it by hand with k3d',
  builder: (yargs: Argv) =>
    yargs
      .positional('format', { type: 'string', demandOption: true, describe: 'k3d' })
      .positional('cluster', { type: 'string', demandOption: true, describe: 'cluster file' })
      .option('output', { alias: 'o', type: 'string', describe: 'write here instead of stdout' })
      .option('image', { type: 'string', describe: 'K3s node image (default rancher/k3s:<version>)' })
      .option('profiles-dir', { type: 'string', array: true, default: [] as string[], describe: 'extra directory of profile YAML files' })
      .example('$0 export k3d scenarios/clusters/edgestack-pi4.yaml -o k3d.yaml && k3d cluster create --config k3d.yaml', 'run the twin by hand'),
  handler: async (args) => {
    if (args.format !== 'k3d') throw ConfigError.single('twin export', 'FORMAT', `unknown format "${args.format}"`, 'use: k3d');
    const cluster = await loadClusterFile(args.cluster, { profiles: ProfileRegistry.load(args['profiles-dir']) });
    // The file must not depend on this host: CPU speed is applied by twin at run time, not written here.
    const config = renderK3dConfig(cluster, { singleCoreEvents: null, cores: 4, source: 'export' }, args.image ? { image: args.image } : {});
    const text = `# k3d config for twin cluster ${cluster.name}; twin applies per-node CPU, memory and network limits when it runs it.\n${stringify(config, { lineWidth: 0 })}`;
    if (args.output) writeFileAtomic(args.output, text);
    else writeOut(text.trimEnd());
  },
};
