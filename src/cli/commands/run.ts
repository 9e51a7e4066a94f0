import { cpus } from 'node:os';
import type { Argv, CommandModule } from 'yargs';
import { ConfigError, ExpectationsFailedError } from '../../errors.js';
import type { RunReport } from '../../report/report.js';
import { renderJunit } from '../../report/junit.js';
import { compareRuns } from '../../report/compare.js';
import { reportJson } from '../../report/report.js';
import { writeFileAtomic, writeRunDirectory } from '../../report/write.js';
import { loadScenarioFile, planOf } from '../../scenario/load.js';
import { runScenario } from '../../scenario/run.js';
import { engineFor } from '../../engines/registry.js';
import { k3dDryRun } from '../../engines/k3d/engine.js';
import { k3dClusterName } from '../../engines/k3d/config.js';
import { displayPath } from '../../load/files.js';
import { formatDuration } from '../../model/units.js';
import { writeErr, writeOut } from '../output.js';
import { liveViewWanted, showLiveView } from '../live.js';

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
  readonly 'profiles-dir': string[];
}

function summaryLine(report: RunReport, dir: string | null): string {
  const verdict = report.status === 'pass' ? 'PASS' : 'FAIL';
  return `${verdict} ${report.scenario.name}: ${report.summary.passed}/${report.summary.total} expectations hold (engine ${report.engine}, seed ${report.seed})${dir ? ` — ${displayPath(dir)}/report.html` : ''}`;
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run <files..>',
  describe: 'Bring a cluster up, inject the scenario\'s faults and report observed against expected behaviour',
  builder: (yargs: Argv) =>
    yargs
      .positional('files', { type: 'string', array: true, demandOption: true, describe: 'scenario files (defineScenario)' })
      .option('engine', { type: 'string', default: 'sim', describe: 'sim (embedded model), k3d (real K3s in Docker), or sim,k3d: both, with a model-vs-real comparison' })
      .option('seed', { type: 'number', describe: "override the scenario's seed" })
      .option('out', { type: 'string', default: 'reports', describe: 'directory for reports/<scenario>/<run-id>/' })
      .option('json', { type: 'boolean', default: false, describe: 'print the report JSON to stdout' })
      .option('junit', { type: 'string', describe: 'also write JUnit XML to this file' })
      .option('quiet', { type: 'boolean', default: false, describe: 'no live view or progress lines' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'k3d engine: print every docker/k3d/kubectl command of the run instead of running it' })
      .option('keep', { type: 'boolean', default: false, describe: 'k3d engine: leave the cluster running after the run (kubeconfig in .twin/; twin down removes it)' })
      .option('profiles-dir', { type: 'string', array: true, default: [] as string[], describe: 'extra directory of profile YAML files' })
      .example('$0 run scenarios/control-plane-down.ts', 'run on the embedded sim engine')
      .example('$0 run scenarios/*.ts --junit reports/junit.xml --quiet', 'every scenario, JUnit for CI')
      .example('$0 run test/e2e/worker-power-loss.ts --engine sim,k3d', 'the model and real K3s side by side'),
  handler: async (args) => {
    if (args.seed !== undefined && (!Number.isInteger(args.seed) || args.seed < 0)) throw ConfigError.single('--seed', '', `"${args.seed}" is not a seed`, 'use a non-negative integer');
    if (args['dry-run']) {
      if (args.engine !== 'k3d') throw ConfigError.single('--dry-run', '', `the ${args.engine} engine runs no external commands`, 'use --dry-run with --engine k3d');
      for (const file of args.files) {
        const scenario = await loadScenarioFile(file, { profileDirs: args['profiles-dir'], ...(args.seed !== undefined ? { seed: args.seed } : {}) });
        const transcript = await k3dDryRun(planOf(scenario), '.twin', cpus().length);
        writeOut(`# ${scenario.name}: commands of a k3d run (dry run, nothing executed)`);
        writeOut(transcript.join('\n'));
      }
      return;
    }
    if (args.keep && !args.engine.split(',').includes('k3d')) throw ConfigError.single('--keep', '', `the ${args.engine} engine creates nothing to keep`, 'use --keep with --engine k3d');
    // Refuse an unusable engine before anything runs, then load every scenario: bad input fails fast and writes nothing.
    const engineNames = args.engine.split(',').map((e) => e.trim()).filter(Boolean);
    if (engineNames.length === 0 || engineNames.length > 2 || new Set(engineNames).size !== engineNames.length) throw ConfigError.single('--engine', '', `"${args.engine}" is not an engine or a pair of engines`, 'use sim, k3d, or sim,k3d to compare the model with real K3s');
    for (const name of engineNames) await engineFor(name);
    const scenarios = [];
    for (const file of args.files) scenarios.push(await loadScenarioFile(file, { profileDirs: args['profiles-dir'], ...(args.seed !== undefined ? { seed: args.seed } : {}) }));
    const reports: RunReport[] = [];
    const live = !args.quiet && !args.json && liveViewWanted();
    for (const scenario of scenarios) {
      let first: RunReport | null = null;
      for (const engine of engineNames) {
        const startedAt = new Date();
        if (!args.quiet && !live) writeErr(`twin: running ${scenario.name} on ${engine} (${scenario.cluster.nodes.length} machines, ${formatDuration(scenario.duration)} of faults, seed ${scenario.seed})`);
        const run = await runScenario(scenario, { engine, keep: args.keep });
        // The second engine's report carries the comparison with the first (model against real).
        const report: RunReport = first ? { ...run, comparison: compareRuns(first, run) } : run;
        first ??= report;
        reports.push(report);
        const dir = writeRunDirectory(report, args.out, startedAt);
        if (live) await showLiveView(report);
        if (args.json) writeOut(reportJson(report).trimEnd());
        else writeOut(summaryLine(report, dir));
        if (!args.quiet && !args.json) for (const v of report.expectations.filter((e) => e.status === 'fail')) writeErr(`  ✘ ${v.description}: expected ${v.expected}; observed ${v.observed} — ${v.explanation}`);
        if (args.keep && engine === 'k3d' && !args.json) writeErr(`  kept: cluster ${k3dClusterName(scenario.cluster)} is still running; kubectl --kubeconfig .twin/${k3dClusterName(scenario.cluster)}.kubeconfig get nodes; twin down removes it`);
        if (report.comparison && !args.quiet && !args.json) writeErr(`  model vs real: ${report.comparison.disagreements === 0 ? 'no disagreement' : `${report.comparison.disagreements} disagreement(s)`} beyond 20 % (report.md, "Model vs real")`);
      }
    }
    if (args.junit) writeFileAtomic(args.junit, renderJunit(reports));
    const failed = reports.filter((r) => r.status === 'fail');
    if (failed.length > 0) throw new ExpectationsFailedError(`${failed.length} of ${reports.length} scenario(s) failed their expectations: ${failed.map((r) => r.scenario.name).join(', ')}`);
  },
};
