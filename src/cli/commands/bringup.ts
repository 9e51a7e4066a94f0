import type { Argv, CommandModule } from 'yargs';
import { formatDuration } from '../../model/units.js';
import { BugError, ExpectationsFailedError } from '../../errors.js';
import { reportJson } from '../../report/report.js';
import { runDirectoryReporter } from '../../runner/reporters/directory.js';
import { runScenarios } from '../../runner/runner.js';
import { bringUpScenario } from '../../scenario/load.js';
import { unfinishedLines } from '../../report/unfinished.js';
import { calibrationLoad, calibrationOption, nonEmpty, nonNegativeInt, oneOf } from '../flags.js';
import { interruptible } from '../interrupt.js';
import { engines } from '../../engines/registry.js';
import { displayPath } from '../../load/files.js';
import { renderTable, writeErr, writeOut } from '../output.js';

interface BringupArgs {
  readonly cluster: string;
  readonly workloads: string[];
  readonly engine: string;
  readonly seed: number;
  readonly out: string;
  readonly json: boolean;
  readonly 'profiles-dir': string[];
  readonly calibration?: string;
}

export const bringupCommand: CommandModule<object, BringupArgs> = {
  command: 'bringup <cluster>',
  describe: 'Replay the bring-up alone: per-node Ready times, critical path, totals and predicted failures',
  builder: (yargs: Argv) =>
    yargs
      .positional('cluster', { type: 'string', demandOption: true, describe: 'cluster file (YAML or defineCluster)' })
      .option('workloads', {
        alias: 'w',
        type: 'string',
        array: true,
        default: [] as string[],
        describe: 'manifest files or directories to apply once the cluster is ready',
      })
      .option('engine', {
        type: 'string',
        default: 'sim',
        coerce: (v: unknown) => oneOf('--engine', v, [...engines.keys()]),
        describe: 'sim or k3d',
      })
      .option('seed', { type: 'string', default: '1', coerce: (v: unknown) => nonNegativeInt('--seed', v), describe: 'seed for the model' })
      .option('out', {
        type: 'string',
        default: 'reports',
        coerce: (v: unknown) => nonEmpty('--out', v, 'a directory'),
        describe: 'directory for the report',
      })
      .option('json', { type: 'boolean', default: false, describe: 'print the report JSON to stdout' })
      .option('profiles-dir', { type: 'string', array: true, default: [] as string[], describe: 'extra directory of profile YAML files' })
      .option('calibration', calibrationOption)
      .example('$0 bringup scenarios/clusters/edgestack-pi3.ts -w scenarios/workloads/edgestack', 'seed 000 with its workloads'),
  handler: async (args) => {
    const scenario = await bringUpScenario(args.cluster, args.workloads, {
      profileDirs: args['profiles-dir'],
      seed: args.seed,
      ...calibrationLoad(args.calibration),
    });
    const directory = runDirectoryReporter(args.out);
    const [report] = await interruptible((signal) => runScenarios([scenario], { engines: [args.engine], reporters: [directory], signal }));
    if (!report) throw new BugError(`no report for the bring-up of ${scenario.name}`);
    const analysis = report.bringUp.analysis;
    const unfinished = report.bringUp.unfinished;
    if (args.json) {
      writeOut(reportJson(report).trimEnd());
    } else {
      const t = (v: number | null) => (v === null ? '—' : formatDuration(v));
      writeOut(
        `Bring-up of ${report.cluster.name} ` +
          `(${report.cluster.nodes.length} machines, K3s ${report.cluster.k3sVersion}, ${report.cluster.datastore}) on ${report.engine}`,
      );
      writeOut(
        renderTable(
          ['node', 'board', 'role', 'booted', 'OS prepared', 'k3s downloaded', 'k3s running', 'registered', 'Ready'],
          analysis.nodes.map((n) => {
            const spec = report.cluster.nodes.find((c) => c.name === n.node);
            return [
              n.node,
              spec?.board ?? '',
              spec?.role ?? '',
              t(n.booted),
              t(n.osPrepared),
              t(n.k3sDownloaded),
              t(n.k3sRunning),
              t(n.registered),
              n.joinRejected ? `never (${unfinished?.some((u) => u.name === n.node) ? 'see below' : n.joinRejected})` : t(n.ready),
            ];
          }),
        ),
      );
      writeOut(
        `API available ${t(analysis.apiAvailable)} · cluster ready ${t(analysis.clusterReady)} · ` +
          `workloads ready ${t(analysis.workloadsReady)}`,
      );
      if (analysis.criticalPath.length) writeOut(`Critical path:\n${analysis.criticalPath.map((s) => `  ${s}`).join('\n')}`);
      if (unfinished)
        writeOut(
          `Did not finish:\n${unfinishedLines(unfinished)
            .map((s) => `  ✘ ${s}`)
            .join('\n')}`,
        );
      for (const f of report.findings) writeOut(`${f.severity === 'error' ? '✘ error' : '⚠ warning'}: ${f.message} [${f.source}]`);
      writeOut(`Report: ${displayPath(directory.directoryOf(report) ?? args.out)}/report.html`);
    }
    if (report.status === 'fail') {
      for (const v of report.expectations) if (v.status === 'fail') writeErr(`  ✘ ${v.description}: ${v.observed} — ${v.explanation}`);
      throw new ExpectationsFailedError(`bring-up of ${report.cluster.name} did not complete`);
    }
  },
};
