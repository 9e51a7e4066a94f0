/**
 * The calibration a run used, as rows of text: report.md and report.html show them under
 * "Measured on <cluster> at <time>", `twin validate` lists what the calibration changes and
 * `twin profiles show --calibration` puts a profile's measured figures beside its own.
 */
import type { AppliedCalibration, MeasuredValue, SettingValue } from '../model/calibration-apply.js';
import { calibrationFigureUnits, type CalibrationFigureName } from '../model/calibration.js';
import { settingDefinitions, type SettingName } from '../model/setting-definitions.js';
import { formatBytes, formatByteRate, formatDuration, formatMillicores } from '../model/units.js';

/** What each figure replaces in the model, in the words of the report. */
export const figureReplaces: Readonly<Record<CalibrationFigureName, string>> = {
  bootTime: "the profile's bootTime",
  k3sStart: 'k3sServerStartTime / k3sAgentStartTime ÷ CPU factor',
  nodeReady: 'nodeReadyAfterRegistration ÷ CPU factor',
  containerStart: 'containerStartTime ÷ CPU factor',
  imagePull: "the pull's transfer and unpack (network, storage, decompressRate)",
  memoryCapacity: 'RAM − firmwareMemoryReserve',
  memoryReserved: 'evictionHardMemoryAvailable (capacity − allocatable)',
  memoryOutsidePods: 'osMemoryUsage + k3s*Memory',
  k3sMemory: 'k3s*Memory (informative: memoryOutsidePods is what the model uses)',
  k3sCpu: 'k3sServerCpu / k3sAgentCpu ÷ CPU factor',
};

/** A figure's value in its unit: `12s`, `512 MiB`, `9 MB/s`, `180m`. */
export function figureText(figure: CalibrationFigureName, value: number): string {
  switch (calibrationFigureUnits[figure]) {
    case 'duration':
      return formatDuration(value);
    case 'bytes':
      return formatBytes(value);
    case 'rate':
      return formatByteRate(value);
    case 'millicores':
      return formatMillicores(value);
  }
}

/** `12s (10s–15s, 4 samples)`, or `3797 MiB (1 sample)`. */
export function measuredText(figure: CalibrationFigureName, m: Pick<MeasuredValue, 'value' | 'low' | 'high' | 'samples'>): string {
  const spread = m.samples > 1 && m.low !== m.high ? `${figureText(figure, m.low)}–${figureText(figure, m.high)}, ` : '';
  return `${figureText(figure, m.value)} (${spread}${m.samples} sample${m.samples === 1 ? '' : 's'})`;
}

/** `this node` or `pooled: pi-2, old-pi`. */
export function originText(m: Pick<MeasuredValue, 'origin' | 'measuredOn'>): string {
  return m.origin === 'node' ? 'this node' : `its profile, pooled over ${m.measuredOn.join(', ')}`;
}

export function settingValueText(name: string, value: SettingValue): string {
  if (value === null) return 'none';
  if (typeof value === 'boolean') return String(value);
  const kind = (settingDefinitions as Record<string, { kind: string } | undefined>)[name]?.kind;
  if (kind === 'duration') return formatDuration(value);
  if (kind === 'bytes' || kind === 'bytes-or-none') return formatBytes(value);
  if (kind === 'rate') return formatByteRate(value);
  return String(value);
}

/** `Measured on https://… (context lab) at 2026-11-30T16:00:00Z, window …; file measured.yaml`. */
export function calibrationHeadline(c: AppliedCalibration): string {
  const context = c.cluster.context ? ` (context ${c.cluster.context})` : '';
  return (
    `Measured on ${c.cluster.server}${context} at ${c.measuredAt} (samples from ${c.window.from} to ${c.window.to}); ` +
    `calibration ${c.name}, file ${c.file}. These figures replace the model's own for the nodes below; measured values are not ` +
    'scaled by CPU factor, and jitter still applies.'
  );
}

export interface FigureRow {
  readonly node: string;
  readonly figure: CalibrationFigureName;
  readonly measured: string;
  readonly origin: string;
  readonly replaces: string;
  readonly source: string;
}

/** One row per node and figure used, then one per figure not measured (the model keeps its own). */
export function calibrationRows(c: AppliedCalibration): { figures: FigureRow[]; notMeasured: string[]; settings: string[] } {
  const figures: FigureRow[] = [];
  const notMeasured: string[] = [];
  for (const n of c.nodes) {
    for (const [figure, m] of Object.entries(n.figures) as Array<[CalibrationFigureName, MeasuredValue]>)
      figures.push({
        node: n.node,
        figure,
        measured: measuredText(figure, m),
        origin: originText(m),
        replaces: figureReplaces[figure],
        source: m.source,
      });
    for (const x of n.notMeasured) notMeasured.push(`${n.node}: ${x.figure} not measured (${x.reason}); the model's own value is used`);
  }
  const settings = (Object.entries(c.settings) as Array<[SettingName, { model: SettingValue; measured: SettingValue }]>).map(
    ([name, change]) => `${name}: ${settingValueText(name, change.measured)} (model: ${settingValueText(name, change.model)})`,
  );
  return { figures, notMeasured, settings };
}

/** `twin validate`: one line per thing the calibration changes, then its warnings (prefixed by the caller). */
export function calibrationChangeLines(c: AppliedCalibration): string[] {
  const { figures, settings } = calibrationRows(c);
  return [
    `calibration ${c.file}: measured on ${c.cluster.server} at ${c.measuredAt}`,
    ...figures.map((f) => `  ${f.node}: ${f.figure} = ${f.measured} from ${f.origin}, replaces ${f.replaces}`),
    ...settings.map((s) => `  setting ${s}`),
  ];
}
