import type { Argv, CommandModule } from 'yargs';
import { ConfigError, ExpectationsFailedError } from '../../errors.js';
import { dryRuns } from '../../runner/dry-run.js';
import type { Reporter } from '../../runner/reporter.js';
import { modelVsRealReporter } from '../../runner/reporters/comparison.js';
import { runDirectoryReporter } from '../../runner/reporters/directory.js';
import { jsonReporter } from '../../runner/reporters/json.js';
import { junitReporter } from '../../runner/reporters/junit.js';
import { progressReporter } from '../../runner/reporters/progress.js';
import { summaryReporter } from '../../runner/reporters/summary.js';
import { runScenarios } from '../../runner/runner.js';
import { calibrationLoad, calibrationOption, nonEmpty, nonNegativeInt } from '../flags.js';
import { interruptible, keptRunWords } from '../interrupt.js';
import { writeErr, writeOut } from '../output.js';
import { liveViewReporter, liveViewWanted } from '../reporters/live.js';

interface RunArgs {
  readonly files: string[];
  readonly engine: string;
  readonly seed?: number;
  readonly out: string;
  readonly json: boolean;
  readonly junit?: string;
  readonly quiet: boolean;
  readonly 'dry-run': boolean;
  readonly keep: boolean;
  readonly replay: boolean;
  readonly ranges: boolean;
  readonly 'profiles-dir': string[];
  readonly calibration?: string;
}

/** `sim`, `k3d` or a pair such as `sim,k3d` (model first, real second). */
function engineList(text: string): string[] {
  const names = text
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  if (names.length === 0 || names.length > 2 || new Set(names).size !== names.length)
    throw ConfigError.single(
      '--engine',
      '',
      `"${text}" is not an engine or a pair of engines`,
      'use sim, k3d, or sim,k3d to compare the model with real K3s',
    );
  return names;
}

function reportersFor(args: RunArgs): Reporter[] {
  const output = { out: writeOut, err: writeErr };
  const live = !args.quiet && !args.json && liveViewWanted();
  const directory = runDirectoryReporter(args.out);
  const text = args.json
    ? jsonReporter(output)
    : summaryReporter(output, { failures: !args.quiet, keep: args.keep, directoryOf: directory.directoryOf });
  return [
    ...(!args.quiet && !live ? [progressReporter(output)] : []),
    directory,
    ...(live ? [liveViewReporter({ replay: args.replay })] : []),
    text,
    ...(!args.quiet && !args.json ? [modelVsRealReporter(output)] : []),
    ...(args.junit ? [junitReporter(args.junit)] : []),
  ];
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run <files..>',
  describe: "Bring a cluster up, inject the scenario's faults and report observed against expected behaviour",
  builder: (yargs: Argv) =>
    yargs
      .positional('files', { type: 'string', array: true, demandOption: true, describe: 'scenario files (defineScenario)' })
      .option('engine', {
        type: 'string',
        default: 'sim',
        describe: 'sim (embedded model), k3d (real K3s in Docker), or sim,k3d: both, with a model-vs-real comparison',
      })
      .option('seed', { type: 'string', coerce: (v: unknown) => nonNegativeInt('--seed', v), describe: "override the scenario's seed" })
      .option('out', {
        type: 'string',
        default: 'reports',
        coerce: (v: unknown) => nonEmpty('--out', v, 'a directory'),
        describe: 'directory for reports/<scenario>/<run-id>/',
      })
      .option('json', { type: 'boolean', default: false, describe: 'print the report JSON to stdout' })
      .option('junit', {
        type: 'string',
        coerce: (v: unknown) => nonEmpty('--junit', v, 'a file path'),
        describe: 'also write JUnit XML to this file',
      })
      .option('quiet', { type: 'boolean', default: false, describe: 'no live view or progress lines' })
      .option('dry-run', {
        type: 'boolean',
        default: false,
        describe: 'print what the engine would do (k3d: every docker/k3d/kubectl command; sim: the planned steps) instead of running it',
      })
      .option('keep', {
        type: 'boolean',
        default: false,
        describe: 'k3d engine: leave the cluster running after the run (kubeconfig in .twin/; twin down removes it)',
      })
      .option('replay', {
        type: 'boolean',
        default: false,
        describe: 'sim engine, on a terminal: replay the finished run in the live view (k3d runs are always shown live)',
      })
      .option('ranges', {
        type: 'boolean',
        default: true,
        describe:
          "sim engine: run again with each of the model's estimates at its low and high and report the spread and what flips a verdict " +
          '(--no-ranges: off)',
      })
      .option('profiles-dir', { type: 'string', array: true, default: [] as string[], describe: 'extra directory of profile YAML files' })
      .option('calibration', calibrationOption)
      .example('$0 run scenarios/control-plane-down.ts', 'run on the embedded sim engine')
      .example('$0 run scenarios/*.ts --junit reports/junit.xml --quiet', 'every scenario, JUnit for CI')
      .example('$0 run test/e2e/worker-power-loss.ts --engine sim,k3d', 'the model and real K3s side by side'),
  handler: async (args) => {
    const engines = engineList(args.engine);
    const load = { profileDirs: args['profiles-dir'], seed: args.seed, ...calibrationLoad(args.calibration) };
    if (args['dry-run']) {
      for await (const { scenario, engine, lines } of dryRuns(args.files, { ...load, engines })) {
        writeOut(`# ${scenario.name}: commands of a ${engine} run (dry run, nothing executed)`);
        writeOut(lines.join('\n'));
      }
      return;
    }
    if (args.keep && !engines.includes('k3d'))
      throw ConfigError.single('--keep', '', `the ${args.engine} engine creates nothing to keep`, 'use --keep with --engine k3d');
    const reports = await interruptible(
      (signal) =>
        runScenarios(args.files, {
          ...load,
          engines,
          reporters: reportersFor(args),
          signal,
          keep: args.keep,
          ...(args.ranges ? {} : { ranges: false as const }),
        }),
      args.keep ? keptRunWords : undefined,
    );
    const failed = reports.filter((r) => r.status === 'fail');
    if (failed.length > 0)
      throw new ExpectationsFailedError(
        `${failed.length} of ${reports.length} scenario(s) failed their expectations: ${failed.map((r) => r.scenario.name).join(', ')}`,
      );
  },
};
