/**
 * Resolves the model's constants for one cluster: every default from the frozen table in
 * `setting-definitions.ts`, then the user's overrides. Pure module: no I/O, usable from the
 * simulation core.
 */
import { settingDefinitions, type SettingKind, type SettingName } from './setting-definitions.js';

type ValueOf<K extends SettingKind> = K extends 'boolean' ? boolean : K extends 'bytes-or-none' ? number | null : number;

/** Every model constant, resolved: durations in seconds, sizes in bytes. */
export type ModelSettings = { readonly [K in SettingName]: ValueOf<(typeof settingDefinitions)[K]['kind']> };

/**
 * The memory a board's kubelet reports as capacity: its RAM less what the firmware and kernel
 * keep (`firmwareMemoryReserve`). The model's node capacity and the k3d engine's node containers
 * both use it.
 */
export function usableMemory(ramBytes: number, settings: Pick<ModelSettings, 'firmwareMemoryReserve'>): number {
  return Math.max(0, ramBytes - settings.firmwareMemoryReserve);
}

/** What a user may override: durations as `40s`, sizes as `100Mi`, `none` to disable a threshold. */
export type SettingsInput = { [K in SettingName]?: ValueOf<(typeof settingDefinitions)[K]['kind']> | string };

/** Settings already parsed to base units, as `spec.settings`, K3s flags and calibrations give them. */
export type ParsedSettings = Partial<Record<SettingName, number | boolean | null>>;

/**
 * Fills every setting for a cluster of Kubernetes minor version `minor`. Precedence, lowest
 * first: the defaults table, then the values the cluster's K3s component flags set
 * (`fromFlags`, from `resolveK3sFlags()` in k3s-flags.ts), then what a calibration measured
 * (`fromCalibration`: the kubelet's real configz), then the explicit, already-parsed `overrides`
 * of `spec.settings`.
 */
export function resolveSettings(
  minor: number,
  overrides: ParsedSettings = {},
  fromFlags: ParsedSettings = {},
  fromCalibration: ParsedSettings = {},
): ModelSettings {
  const out: Record<string, number | boolean | null> = {};
  for (const [name, definition] of Object.entries(settingDefinitions)) {
    const override = overrides[name as SettingName];
    const measured = fromCalibration[name as SettingName];
    const flag = fromFlags[name as SettingName];
    out[name] =
      override !== undefined ? override : measured !== undefined ? measured : flag !== undefined ? flag : definition.default(minor);
  }
  return Object.freeze(out) as ModelSettings;
}
