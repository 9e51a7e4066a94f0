import { dirname, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { Argv, CommandModule } from 'yargs';
import { ConfigError, ExpectationsFailedError } from '../../errors.js';
import { canonicalProfile, checkFlagHosts, checkFlagProfiles } from '../../import/hosts.js';
import { readLiveCluster } from '../../import/kubeconfig.js';
import { loadCalibrationFile } from '../../load/calibration.js';
import { displayPath, readTextFile } from '../../load/files.js';
import { importDefault } from '../../load/modules.js';
import { ProfileRegistry } from '../../load/profiles.js';
import type { Reporter } from '../../runner/reporter.js';
import { runDirectoryReporter } from '../../runner/reporters/directory.js';
import { jsonReporter } from '../../runner/reporters/json.js';
import { junitReporter } from '../../runner/reporters/junit.js';
import { progressReporter } from '../../runner/reporters/progress.js';
import { summaryReporter } from '../../runner/reporters/summary.js';
import { defaultWhatIfDuration, liveClusterFromObjects, runWhatIf, whatIfScenario } from '../../runner/whatif.js';
import type { ScenarioInput } from '../../scenario/scenario.js';
import { faultFlagSyntax, parseFaultFlag } from '../fault-flag.js';
import { calibrationOption, duration, nonEmpty, nonNegativeInt } from '../flags.js';
import { writeErr, writeOut } from '../output.js';

interface WhatIfArgs {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly fault: string[];
  readonly scenario?: string;
  readonly duration?: number;
  readonly seed?: number;
  readonly profiles?: string;
  readonly 'profiles-dir': string[];
  readonly calibration?: string;
  readonly out: string;
  readonly json: boolean;
  readonly junit?: string;
  readonly quiet: boolean;
  readonly ranges: boolean;
}

/** `host=profile,…` as `twin import --profiles` takes it. */
function boardPairs(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of (text ?? '')
    .split(',')
    .map((i) => i.trim())
    .filter(Boolean)) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw ConfigError.single('--profiles', '', `"${item}" is not HOST=PROFILE`, 'write --profiles node3=pi4b-8gb,…');
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/** What the kubeconfig points at, for the report: `https://192.168.1.10:6443 (context lab)`. */
function describeSource(kubeconfig: string, context: string | undefined): string {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfig);
  if (context) config.setCurrentContext(context);
  return `${config.getCurrentCluster()?.server ?? displayPath(kubeconfig)} (context ${config.getCurrentContext()})`;
}

function reportersFor(args: WhatIfArgs): Reporter[] {
  const output = { out: writeOut, err: writeErr };
  const directory = runDirectoryReporter(args.out);
  const text = args.json
    ? jsonReporter(output)
    : summaryReporter(output, { failures: !args.quiet, keep: false, directoryOf: directory.directoryOf });
  // What of the live state the model reproduced, before the verdicts.
  const liveState: Reporter = {
    onScenarioEnd: (report) => {
      if (args.json || !report.live) return;
      const { pods, reproduced, differences } = report.live;
      writeErr(`twin: live state: placement reproduced for ${reproduced} of ${pods} pods; ${differences.length} difference(s)`);
      if (!args.quiet) for (const difference of differences) writeErr(`    ≠ ${difference}`);
    },
  };
  return [
    ...(args.quiet ? [] : [progressReporter(output)]),
    directory,
    liveState,
    text,
    ...(args.junit ? [junitReporter(args.junit)] : []),
  ];
}

export const whatifCommand: CommandModule<object, WhatIfArgs> = {
  command: 'whatif',
  describe: 'Predict what faults would do to a live cluster from its current state (read-only: list calls only)',
  builder: (yargs: Argv) =>
    yargs
      .option('kubeconfig', { type: 'string', describe: 'the live cluster (list calls only; nothing is written to it)' })
      .option('context', { type: 'string', describe: 'kubeconfig context' })
      .option('fault', { type: 'string', array: true, default: [] as string[], describe: `${faultFlagSyntax}, repeatable` })
      .option('scenario', { type: 'string', describe: 'a scenario file whose cluster is { live: true }: its faults and expectations' })
      .option('duration', {
        type: 'string',
        coerce: (v: unknown) => duration('--duration', v),
        describe: `faults and observation from now (default ${defaultWhatIfDuration}, or the scenario's)`,
      })
      .option('seed', { type: 'string', coerce: (v: unknown) => nonNegativeInt('--seed', v), describe: 'model seed (default 1)' })
      .option('profiles', { type: 'string', describe: 'host=profile,… (as twin import; otherwise inferred from each node)' })
      .option('profiles-dir', { type: 'string', array: true, default: [] as string[], describe: 'extra directory of profile YAML files' })
      .option('calibration', calibrationOption)
      .option('out', {
        type: 'string',
        default: 'reports',
        coerce: (v: unknown) => nonEmpty('--out', v, 'a directory'),
        describe: 'directory for reports/<scenario>/<run-id>/',
      })
      .option('json', { type: 'boolean', default: false, describe: 'print the report JSON to stdout' })
      .option('junit', { type: 'string', coerce: (v: unknown) => nonEmpty('--junit', v, 'a file path'), describe: 'also write JUnit XML' })
      .option('quiet', { type: 'boolean', default: false, describe: 'no progress lines' })
      .option('ranges', {
        type: 'boolean',
        default: true,
        describe: "run again with each of the model's estimates at its low and high, as twin run does (--no-ranges: off)",
      })
      .example('$0 whatif --kubeconfig ~/.kube/config --fault power-off:node3', 'losing node3 now')
      .example('$0 whatif --kubeconfig k.yaml --fault control-plane-down,for=5m', 'the API down for 5 minutes')
      .example('$0 whatif --kubeconfig k.yaml --scenario whatif/node3.ts', 'judge a live scenario'),
  handler: async (args) => {
    if (!args.kubeconfig) throw ConfigError.single('twin whatif', '', 'no live cluster given', 'add --kubeconfig FILE');
    if (args.fault.length === 0 && !args.scenario)
      throw ConfigError.single('twin whatif', '', 'no fault given', `add --fault ${faultFlagSyntax}, or --scenario FILE`);
    const registry = ProfileRegistry.load(args['profiles-dir']);
    const boards = boardPairs(args.profiles);
    checkFlagProfiles(boards, undefined, registry);
    // Files first (exit 2 at once, not after a cluster that does not answer); a bad --fault is checked against the live nodes.
    const calibration = args.calibration !== undefined ? loadCalibrationFile(args.calibration) : undefined;
    if (args.scenario) readTextFile(args.scenario);
    const items = await readLiveCluster(args.kubeconfig, args.context, { nodeLeases: true });
    const source = describeSource(args.kubeconfig, args.context);
    const nodeNames = items.filter((i) => i.kind === 'Node').map((i) => i.metadata?.name ?? '');
    checkFlagHosts('--profiles', boards, nodeNames, source);
    const live = liveClusterFromObjects(items, {
      source,
      readAt: new Date().toISOString(),
      profiles: registry,
      boards: Object.fromEntries(Object.entries(boards).map(([host, profile]) => [host, canonicalProfile(profile, registry)])),
      ...(calibration ? { calibration } : {}),
    });
    const servers = live.cluster.nodes.filter((n) => n.role === 'server').map((n) => n.name);
    const faults = args.fault.map((text) => parseFaultFlag(text, nodeNames, servers));
    const scenarioPath = args.scenario ? resolve(args.scenario) : undefined;
    const scenario = scenarioPath
      ? { input: (await importDefault(scenarioPath)) as ScenarioInput, file: displayPath(scenarioPath), baseDir: dirname(scenarioPath) }
      : undefined;
    const resolved = await whatIfScenario(live, faults, {
      ...(args.seed !== undefined ? { seed: args.seed } : {}),
      ...(args.duration !== undefined ? { duration: args.duration } : {}),
      ...(scenario ? { scenario } : {}),
    });
    const report = await runWhatIf(live, resolved, reportersFor(args), args.ranges ? {} : { ranges: false });
    if (report.status === 'fail')
      throw new ExpectationsFailedError(
        `${report.scenario.name}: ${report.summary.failed} of ${report.summary.total} expectation(s) failed`,
      );
  },
};
