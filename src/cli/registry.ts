/**
 * Every twin command as yargs lists it: name and one-line description here, the module imported
 * only when the command runs (see `lazy.ts`). A new command is one more entry, then `.command(it)`
 * in `main.ts`.
 */
import { lazyCommand } from './lazy.js';

export const runCommand = lazyCommand(
  'run <files..>',
  "Bring a cluster up, inject the scenario's faults and report observed against expected behaviour",
  () => import('./commands/run.js').then((m) => m.runCommand),
);

export const reportCommand = lazyCommand('report [file]', 'Re-render a run report (report.json) without re-running it', () =>
  import('./commands/report.js').then((m) => m.reportCommand),
);

export const bringupCommand = lazyCommand(
  'bringup <cluster>',
  'Replay the bring-up alone: per-node Ready times, critical path, totals and predicted failures',
  () => import('./commands/bringup.js').then((m) => m.bringupCommand),
);

export const importCommand = lazyCommand(
  'import',
  'Make a twin from what built or runs your cluster: a k3s-ansible inventory, K3s config files, a kubectl dump, or a live cluster',
  () => import('./commands/import.js').then((m) => m.importCommand),
);

export const calibrateCommand = lazyCommand(
  'calibrate',
  "Measure your cluster's own figures (start times, image pulls, memory, kubelet settings) into a Calibration file; read-only",
  () => import('./commands/calibrate.js').then((m) => m.calibrateCommand),
);

export const whatifCommand = lazyCommand(
  'whatif',
  'Predict what faults would do to a live cluster from its current state (read-only: list calls only)',
  () => import('./commands/whatif.js').then((m) => m.whatifCommand),
);

export const watchCommand = lazyCommand(
  'watch',
  'Watch a live cluster beside the model: which single node loss would hurt most right now (read-only)',
  () => import('./commands/watch.js').then((m) => m.watchCommand),
);

export const mergeCommand = lazyCommand(
  'merge [dirs..]',
  'Join the shard files of a twin check or twin plan --search run with --shard I/N: the output of one unsharded run',
  () => import('./commands/merge.js').then((m) => m.mergeCommand),
);

export const initCommand = lazyCommand(
  'init [dir]',
  'Start a repository: a cluster file, example workloads, failure scenarios, package.json and a GitHub Actions job',
  () => import('./commands/init.js').then((m) => m.initCommand),
);

export const planCommand = lazyCommand(
  'plan [cluster]',
  'Capacity planning before buying hardware: fit, headroom, N-1 tolerance, power and cost; compare clusters or search hardware mixes',
  () => import('./commands/plan.js').then((m) => m.planCommand),
);

export const checkCommand = lazyCommand(
  'check <cluster>',
  'Property-based resilience check: generated fault schedules on the sim engine, shrunk to a minimal failure',
  () => import('./commands/check.js').then((m) => m.checkCommand),
);

export const exportCommand = lazyCommand(
  'export [format] [cluster]',
  "Write a cluster in an engine's own configuration format (k3d: a k3d.io/v1alpha5 config file to create it by hand)",
  () => import('./commands/export.js').then((m) => m.exportCommand),
);

export const doctorCommand = lazyCommand(
  'doctor',
  'What this host can and cannot emulate for an engine (k3d: Docker, k3d, K3s image, CPU, memory, network, storage)',
  () => import('./commands/doctor.js').then((m) => m.doctorCommand),
);

export const downCommand = lazyCommand(
  'down',
  'Remove every container, network and k3d cluster twin created (label twin.dev/managed=true)',
  () => import('./commands/down.js').then((m) => m.downCommand),
);

export const profilesCommand = lazyCommand(
  'profiles [action] [name]',
  'List hardware profiles, or show one with the source of every number',
  () => import('./commands/profiles.js').then((m) => m.profilesCommand),
);

export const validateCommand = lazyCommand(
  'validate <files..>',
  'Check hardware profiles, clusters and Kubernetes manifests; one line per problem',
  () => import('./commands/validate.js').then((m) => m.validateCommand),
);
