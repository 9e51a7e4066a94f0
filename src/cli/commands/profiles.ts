import type { Argv, CommandModule } from 'yargs';
import { ConfigError } from '../../errors.js';
import { ProfileSet } from '../../load/profile-set.js';
import { prebuiltShippedProfiles } from '../../load/shipped-profiles.js';
import type { HardwareProfile } from '../../model/hardware-profile.js';
import { formatBitRate, formatByteRate, formatBytes, formatDuration } from '../../model/units.js';
import { calibrationOption, oneOf } from '../flags.js';
import type { profileMeasuredRows } from '../../report/profile-calibration.js';
import { renderTable, writeOut } from '../output.js';

interface ProfilesArgs {
  readonly action?: string;
  readonly name?: string;
  readonly json: boolean;
  readonly 'profiles-dir': string[];
  readonly calibration?: string;
}

/**
 * The registry of profiles: the shipped ones as the build parsed them when no directory is added,
 * so that listing them loads neither the YAML parser nor the schemas; else every file (profiles.ts).
 */
async function profileRegistry(dirs: readonly string[]): Promise<ProfileSet> {
  const shipped = dirs.length === 0 ? prebuiltShippedProfiles() : undefined;
  if (shipped) return new ProfileSet(shipped);
  return (await import('../../load/profiles.js')).ProfileRegistry.load(dirs);
}

/** What a calibration measured on the profile's boards (its modules loaded only for --calibration). */
async function measuredOn(
  profile: HardwareProfile,
  calibration: string,
  registry: ProfileSet,
): Promise<ReturnType<typeof profileMeasuredRows>> {
  const [{ loadCalibrationFile }, { profileMeasuredRows }] = await Promise.all([
    import('../../load/calibration.js'),
    import('../../report/profile-calibration.js'),
  ]);
  return profileMeasuredRows(profile, loadCalibrationFile(calibration), (n) => registry.get(n)?.metadata.name);
}

function summaryRow(p: HardwareProfile): Array<string | number> {
  const s = p.spec;
  return [
    p.metadata.name,
    p.metadata.displayName,
    s.architecture,
    `${s.cpu.cores.value} × ${(s.cpu.clock.value / 1e9).toFixed(1)} GHz`,
    s.cpu.relativePerformance.value.toFixed(2),
    formatBytes(s.memory.value),
    s.network.map((n) => `${n.type} ${formatBitRate(n.throughput.value)}`).join(', '),
    s.storage.map((o) => (o.default ? `${o.name}*` : o.name)).join(', '),
    `${s.power.idle.value}/${s.power.load.value} W`,
    `$${s.price.value}`,
  ];
}

interface Figure<T> {
  readonly value: T;
  readonly basis: string;
  readonly low?: T | undefined;
  readonly high?: T | undefined;
}

/** A figure as `value (basis, range low–high)`: an estimate shows how far off it may be. */
function figure<T>(f: Figure<T>, format: (value: T) => string): string {
  const low = f.low === undefined ? undefined : format(f.low);
  const high = f.high === undefined ? undefined : format(f.high);
  const range =
    low !== undefined && high !== undefined
      ? `, range ${low}–${high}`
      : low !== undefined
        ? `, at least ${low}`
        : high !== undefined
          ? `, at most ${high}`
          : '';
  return `${format(f.value)} (${f.basis}${range})`;
}

const watts = (w: number) => `${w} W`;
const plain = (n: number) => String(n);

function detail(p: HardwareProfile): string {
  const s = p.spec;
  const rows: Array<Array<string | number>> = [
    ['board', p.metadata.displayName, ''],
    ['SoC / CPU', `${s.soc}, ${s.cpu.cores.value} × ${s.cpu.model} @ ${(s.cpu.clock.value / 1e9).toFixed(2)} GHz`, s.cpu.clock.source],
    ['architecture', `${s.architecture} (runs ${s.supportedArchitectures.join(', ')})`, ''],
    ['CPU performance', `${figure(s.cpu.relativePerformance, plain)} × Pi 3B+`, s.cpu.relativePerformance.source],
    ['memory', figure(s.memory, formatBytes), s.memory.source],
    ...s.network.map((n) => [`network ${n.name}`, `${n.type}, ${figure(n.throughput, formatBitRate)}`, n.throughput.source]),
    ...s.storage.flatMap((o) => [
      [
        `storage ${o.name}${o.default ? ' (default)' : ''}`,
        `${o.type}: read ${figure(o.sequentialRead, formatByteRate)}`,
        o.sequentialRead.source,
      ],
      ['', `write ${figure(o.sequentialWrite, formatByteRate)}`, o.sequentialWrite.source],
      ['', `4K random write ${figure(o.randomWriteIops, (v) => `${v} IOPS`)}`, o.randomWriteIops.source],
    ]),
    ['power idle', figure(s.power.idle, watts), s.power.idle.source],
    ['power load', figure(s.power.load, watts), s.power.load.source],
    [
      'power supply',
      `${figure(s.power.supply, watts)}${s.power.poe ? (s.power.poe.value === null ? ', no PoE' : `, PoE ${s.power.poe.value} W`) : ''}`,
      s.power.supply.source,
    ],
    ['boot time', figure(s.bootTime, formatDuration), s.bootTime.source],
    ['launch price', figure(s.price, (v) => `$${v}`), s.price.source],
  ];
  return renderTable(['', p.metadata.name, 'source'], rows);
}

function measuredTable(m: ReturnType<typeof profileMeasuredRows>): string {
  if (m.rows.length === 0) return `${m.headline}: nothing measured on boards of this profile`;
  const rows = m.rows.map((r) => [r.figure, r.role, r.measuredOn, r.measured, r.model, r.source]);
  return `${m.headline}\n${renderTable(['figure', 'role', 'measured on', 'measured', 'model', 'source'], rows)}`;
}

export const profilesCommand: CommandModule<object, ProfilesArgs> = {
  command: 'profiles [action] [name]',
  describe: 'List hardware profiles, or show one with the source of every number',
  builder: (yargs: Argv) =>
    yargs
      .positional('action', {
        type: 'string',
        coerce: (v: unknown) => (v === undefined ? undefined : oneOf('twin profiles', v, ['list', 'show'])),
        describe: 'list (default) or show NAME',
      })
      .positional('name', { type: 'string', describe: 'profile name or alias, for show' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON instead of a table' })
      .option('profiles-dir', { type: 'string', array: true, default: [] as string[], describe: 'extra directory of profile YAML files' })
      .example('$0 profiles', 'table of all profiles')
      .option('calibration', { ...calibrationOption, describe: "show: what this calibration measured on the profile's boards" })
      .example('$0 profiles show pi4b-4gb', 'one profile with sources')
      .example('$0 profiles show pi4b-4gb --calibration lab.calibration.yaml', 'measured figures beside the model'),
  handler: async (args) => {
    const registry = await profileRegistry(args['profiles-dir']);
    if (args.action === 'show') {
      if (!args.name)
        throw ConfigError.single('twin profiles show', 'NAME', 'missing profile name', `use one of: ${registry.names().join(', ')}`);
      const profile = registry.get(args.name);
      if (!profile)
        throw ConfigError.single(
          'twin profiles show',
          'NAME',
          `unknown hardware profile "${args.name}"`,
          `use one of: ${registry.names().join(', ')}`,
        );
      const measured = args.calibration ? await measuredOn(profile, args.calibration, registry) : undefined;
      if (args.json) writeOut(JSON.stringify(measured ? { ...profile, calibration: measured } : profile, null, 2));
      else writeOut(detail(profile) + (measured ? `\n\n${measuredTable(measured)}` : ''));
      return;
    }
    const profiles = registry.all();
    if (args.json) {
      writeOut(JSON.stringify(profiles, null, 2));
      return;
    }
    writeOut(
      renderTable(
        ['name', 'board', 'arch', 'CPU', 'perf×', 'RAM', 'network (measured)', 'storage (*default)', 'idle/load', 'price'],
        profiles.map(summaryRow),
      ),
    );
  },
};
