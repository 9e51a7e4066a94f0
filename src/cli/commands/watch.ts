import type { Argv, CommandModule } from 'yargs';
import { ConfigError } from '../../errors.js';
import { checkFlagHosts } from '../../import/hosts.js';
import { readLiveCluster } from '../../import/kubeconfig.js';
import { loadCalibrationFile } from '../../load/calibration.js';
import { ProfileRegistry } from '../../load/profiles.js';
import { defaultHorizon, lossAnalyser } from '../../runner/watch-analysis.js';
import { kubeConfigFor, streamCluster } from '../../runner/watch-stream.js';
import { watchCluster, type WatchDocument } from '../../runner/watch.js';
import { calibrationOption, duration, nonEmpty, positiveInt } from '../flags.js';
import { interruptible } from '../interrupt.js';
import { writeOut } from '../output.js';

interface WatchArgs {
  readonly kubeconfig: string;
  readonly context?: string;
  readonly json: boolean;
  readonly 'max-updates'?: number;
  readonly once: boolean;
  readonly horizon?: number;
  readonly profiles?: string;
  readonly 'profiles-dir': string[];
  readonly calibration?: string;
}

/** `--profiles node3=pi5-8gb,node4=pi4b-4gb` → each node's profile as twin names it; an unknown profile is refused. */
function boardsOf(text: string | undefined, profileDirs: readonly string[]): Record<string, string> {
  const boards: Record<string, string> = {};
  if (!text) return boards;
  const registry = ProfileRegistry.load([...profileDirs]);
  for (const item of text
    .split(',')
    .map((i) => i.trim())
    .filter(Boolean)) {
    const [node, profile] = [item.slice(0, item.indexOf('=')), item.slice(item.indexOf('=') + 1)];
    if (!node || !item.includes('='))
      throw ConfigError.single('--profiles', '', `"${item}" is not NODE=PROFILE`, 'write --profiles node3=pi5-8gb,node4=pi4b-4gb');
    const known = registry.get(profile)?.metadata.name;
    if (!known) throw ConfigError.single('--profiles', node, `unknown hardware profile "${profile}"`, 'twin profiles lists them');
    boards[node] = known;
  }
  return boards;
}

/** Where the documents go: Ink on a terminal, else one plain line or one JSON object per change. */
async function printer(args: WatchArgs): Promise<{ show: (d: WatchDocument) => void; close: () => void }> {
  // Documents the model is still working on are only drawn; lines and JSON wait for its answer.
  const finished = (show: (d: WatchDocument) => void) => (d: WatchDocument) => d.prediction.state !== 'running' && show(d);
  if (args.json) return { show: finished((d) => writeOut(JSON.stringify(d))), close: () => {} };
  if (!process.stdout.isTTY || process.env['CI'] || process.env['TERM'] === 'dumb') {
    const { watchLine } = await import('../views/watch-line.js');
    return { show: finished((d) => writeOut(watchLine(d))), close: () => {} };
  }
  const { showWatch } = await import('../views/watch-view.js');
  return showWatch(process.stdout);
}

export const watchCommand: CommandModule<object, WatchArgs> = {
  command: 'watch',
  describe: 'Watch a live cluster beside the model: which single node loss would hurt most right now (read-only)',
  builder: (yargs: Argv) =>
    yargs
      .option('kubeconfig', {
        type: 'string',
        demandOption: true,
        coerce: (v: unknown) => nonEmpty('--kubeconfig', v, 'a kubeconfig file'),
        describe: 'kubeconfig of the cluster (list and watch calls only; nothing is written)',
      })
      .option('context', { type: 'string', describe: 'kubeconfig context (default: its current context)' })
      .option('json', { type: 'boolean', default: false, describe: 'one JSON document per change on stdout, one line each' })
      .option('max-updates', {
        type: 'string',
        coerce: (v: unknown) => positiveInt('--max-updates', v),
        describe: 'stop after this many documents (scripts, CI)',
      })
      .option('once', { type: 'boolean', default: false, describe: 'print the first document and stop (--max-updates 1)' })
      .option('horizon', {
        type: 'string',
        coerce: (v: unknown) => duration('--horizon', v),
        describe: `how long after each loss the model looks (default ${defaultHorizon / 60}m)`,
      })
      .option('profiles', { type: 'string', describe: 'node=profile,… (overrides the board inferred from each node)' })
      .option('profiles-dir', { type: 'string', array: true, default: [] as string[], describe: 'extra directory of profile YAML files' })
      .option('calibration', calibrationOption)
      .example('$0 watch --kubeconfig ~/.kube/config', 'the live view')
      .example('$0 watch --kubeconfig ~/.kube/config --json --once | jq .impacts[0].text', 'the worst single loss, once'),
  handler: async (args) => {
    if (args.once && args['max-updates'] !== undefined)
      throw ConfigError.single('--once', '', 'is --max-updates 1; both were given', 'give one of --once and --max-updates');
    if (args.horizon !== undefined && args.horizon < 60)
      throw ConfigError.single('--horizon', '', `${args.horizon}s is too short to see a node noticed lost`, 'give at least 1m, e.g. 15m');
    const boards = boardsOf(args.profiles, args['profiles-dir']);
    // A bad calibration file is one line (exit 2) now, not a failed prediction on every change.
    const calibration = args.calibration !== undefined ? loadCalibrationFile(args.calibration) : undefined;
    // Checks the kubeconfig and the context (exit 2) and that the API answers (exit 4), as twin import does.
    const initial = await readLiveCluster(args.kubeconfig, args.context);
    const config = kubeConfigFor(args.kubeconfig, args.context);
    const source = `${config.getCurrentCluster()?.server ?? 'the API server'} (context ${config.getCurrentContext()})`;
    const nodes = initial.filter((i) => i.kind === 'Node').map((i) => i.metadata?.name ?? '');
    checkFlagHosts('--profiles', boards, nodes, source);
    const output = await printer(args);
    try {
      await interruptible(
        async (signal) => {
          await watchCluster({
            source,
            initial,
            stream: (handlers, streamSignal) => streamCluster(config, handlers, streamSignal),
            analyse: lossAnalyser({
              source,
              profileDirs: args['profiles-dir'],
              boards,
              ...(calibration ? { calibration } : {}),
              ...(args.horizon ? { horizon: args.horizon } : {}),
            }),
            onDocument: output.show,
            signal,
            ...(args.once ? { maxUpdates: 1 } : args['max-updates'] ? { maxUpdates: args['max-updates'] } : {}),
          });
          if (signal.aborted) throw signal.reason;
        },
        { stopping: 'stopping the watch (again to leave at once)', stopped: 'watch stopped' },
      );
    } finally {
      output.close();
    }
  },
};
