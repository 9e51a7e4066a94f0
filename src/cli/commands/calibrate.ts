import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Argv, CommandModule } from 'yargs';
import { stringify } from 'yaml';
import type { V1Node } from '@kubernetes/client-node';
import { BugError } from '../../errors.js';
import { buildCalibration, sourceNames } from '../../import/calibrate.js';
import { displayValue } from '../../import/calibrate-format.js';
import { readCalibration } from '../../import/calibrate-read.js';
import { canonicalProfile, checkFlagHosts, checkFlagProfiles } from '../../import/hosts.js';
import { inferProfile } from '../../import/infer.js';
import { displayPath } from '../../load/files.js';
import { ProfileRegistry } from '../../load/profiles.js';
import { calibrationDocumentSchema, calibrationFigureNames, type CalibrationInput } from '../../model/calibration.js';
import { resolveSettings } from '../../model/settings.js';
import { parseBytes, parseMillicores } from '../../model/units.js';
import { writeFileAtomic } from '../../report/write.js';
import { duration, nonEmpty } from '../flags.js';
import { renderTable, writeErr, writeOut } from '../output.js';
import { pairs } from '../pairs.js';

interface CalibrateArgs {
  readonly kubeconfig: string;
  readonly context?: string;
  readonly since: number;
  readonly out: string;
  readonly profiles?: string;
  readonly 'profiles-dir': string[];
}

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const packageJson = JSON.parse(readFileSync(resolve(packageRoot, 'package.json'), 'utf8')) as { version: string };

/** What `twin calibrate` and `twin import --calibrate` take. */
export interface CalibrateRequest {
  readonly kubeconfig: string;
  readonly context?: string;
  /** Seconds before now whose events count. */
  readonly since: number;
  readonly out: string;
  /** host → profile (`--profiles`), already checked against the registry. */
  readonly profiles: Readonly<Record<string, string>>;
  readonly registry: ProfileRegistry;
  /** The flag that chose `out`, to name in a write error. */
  readonly outFlag: string;
}

/** The node's profile: `--profiles`, else the import's inference (a `twin.dev/profile` label wins before either). */
function profileOf(request: CalibrateRequest, minor: number) {
  const firmwareReserve = resolveSettings(minor).firmwareMemoryReserve;
  return (node: V1Node): string => {
    const name = node.metadata?.name ?? '';
    const given = request.profiles[name];
    if (given) return given;
    const capacity = (node.status?.capacity ?? {}) as Record<string, string>;
    const facts = {
      name,
      architecture: node.status?.nodeInfo?.architecture ?? 'arm64',
      cpus: Math.round(parseMillicores(capacity['cpu'] ?? '4') / 1000),
      memory: parseBytes(capacity['memory'] ?? '1Gi'),
      kernel: node.status?.nodeInfo?.kernelVersion ?? '',
      labels: node.metadata?.labels ?? {},
    };
    return inferProfile(facts, request.registry.all(), firmwareReserve).profile;
  };
}

function minorOf(version: string | undefined): number {
  return Number(/^v?\d+\.(\d+)/.exec(version ?? '')?.[1] ?? 31);
}

/** Reads the cluster, writes the Calibration file, prints what was measured; returns the document. */
export async function calibrateToFile(request: CalibrateRequest): Promise<CalibrationInput> {
  const readings = await readCalibration(request.kubeconfig, request.context);
  checkFlagHosts(
    '--profiles',
    request.profiles,
    readings.nodes.map((n) => n.metadata?.name ?? ''),
    `kubeconfig ${displayPath(request.kubeconfig)}`,
  );
  for (const source of readings.sources)
    if (source.status !== 'read') writeErr(`note: ${source.name} ${source.status}${source.detail ? `: ${source.detail}` : ''}`);
  const minor = minorOf(readings.nodes.find((n) => n.status?.nodeInfo?.kubeletVersion)?.status?.nodeInfo?.kubeletVersion);
  const document = buildCalibration(readings, {
    name: readings.context ?? 'calibration',
    since: request.since,
    profileOf: profileOf(request, minor),
    nodeMonitorGracePeriod: resolveSettings(minor).nodeMonitorGracePeriod as number,
    longestBoot: (_node, profile) => {
      const boot = profile ? request.registry.get(profile)?.spec.bootTime : undefined;
      return boot ? (boot.high ?? boot.value) : undefined;
    },
    twinVersion: packageJson.version,
  });
  const checked = calibrationDocumentSchema.safeParse(document);
  if (!checked.success) throw new BugError(`twin calibrate built an invalid Calibration: ${checked.error.issues[0]?.message ?? ''}`);
  const schema = relative(dirname(resolve(request.out)), resolve(packageRoot, 'schemas/calibration.schema.json'));
  writeFileAtomic(
    request.out,
    `# yaml-language-server: $schema=${schema}\n# Measured by twin calibrate on ${readings.server}; see twin calibrate --help.\n` +
      stringify(document, { lineWidth: 0 }),
    { flag: request.outFlag },
  );
  for (const node of document.spec.nodes) {
    const figures = node.figures ?? {};
    const rows = calibrationFigureNames.flatMap((name) => {
      const f = figures[name];
      if (!f) return [];
      const range = f.samples > 1 ? `${displayValue(name, f.low)} – ${displayValue(name, f.high)}` : '—';
      return [[name, displayValue(name, f.value), f.samples, range]];
    });
    writeOut(`${node.name} (${node.role}${node.profile ? `, ${node.profile}` : ''})`);
    if (rows.length) writeOut(renderTable(['figure', 'value', 'samples', 'range'], rows));
    for (const missing of node.notMeasured ?? []) writeOut(`  not measured: ${missing.figure}: ${missing.reason}`);
  }
  const settings = Object.keys(document.spec.settings ?? {});
  if (settings.length) writeOut(`settings from configz (every node read agrees): ${settings.join(', ')}`);
  const events = readings.sources.find((s) => s.name === sourceNames.events);
  if (events?.status === 'read')
    writeOut('note: the API server keeps events 1 h by default (kube-apiserver --event-ttl): calibrate soon after what you want measured');
  writeOut(`wrote ${request.out} (${document.spec.nodes.length} nodes)`);
  return document;
}

export const calibrateCommand: CommandModule<object, CalibrateArgs> = {
  command: 'calibrate',
  describe: "Measure your cluster's own figures (start times, image pulls, memory, kubelet settings) into a Calibration file; read-only",
  builder: (yargs: Argv) =>
    yargs
      .option('kubeconfig', {
        type: 'string',
        demandOption: true,
        coerce: (v: unknown) => nonEmpty('--kubeconfig', v, 'a kubeconfig file'),
        describe: 'the cluster to read (get, list only; nothing is written to it)',
      })
      .option('context', { type: 'string', describe: 'kubeconfig context' })
      .option('since', {
        type: 'string',
        default: '24h',
        coerce: (v: unknown) => duration('--since', v),
        describe: 'how far back events count (the API server keeps them 1 h by default)',
      })
      .option('out', {
        alias: 'o',
        type: 'string',
        default: 'calibration.yaml',
        coerce: (v: unknown) => nonEmpty('--out', v, 'a file path'),
        describe: 'the Calibration file to write',
      })
      .option('profiles', { type: 'string', describe: 'node=profile,… for nodes without a twin.dev/profile label (else inferred)' })
      .option('profiles-dir', { type: 'string', array: true, default: [] as string[], describe: 'extra directory of profile YAML files' })
      .example('$0 calibrate --kubeconfig ~/.kube/config -o calibration.yaml', 'measure, then point spec.calibration at the file'),
  handler: async (args) => {
    const registry = ProfileRegistry.load(args['profiles-dir']);
    const given = pairs(args.profiles, '--profiles');
    checkFlagProfiles(given, undefined, registry);
    const profiles = Object.fromEntries(Object.entries(given).map(([host, profile]) => [host, canonicalProfile(profile, registry)]));
    await calibrateToFile({
      kubeconfig: args.kubeconfig,
      ...(args.context ? { context: args.context } : {}),
      since: args.since,
      out: args.out,
      profiles,
      registry,
      outFlag: '--out',
    });
  },
};
