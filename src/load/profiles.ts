import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors.js';
import { parseProfile, type HardwareProfile } from '../model/hardware-profile.js';
import { closest } from '../model/suggest.js';
import { parseYamlDocuments } from '../model/validation.js';
import { displayPath, readTextFile, yamlFilesIn } from './files.js';

/** The profiles shipped with twin. */
export const builtinProfilesDir = fileURLToPath(new URL('../../hardware-profiles/', import.meta.url));

/** Loads one hardware profile file. */
export function loadProfileFile(path: string): HardwareProfile {
  const file = displayPath(path);
  const documents = parseYamlDocuments(readTextFile(path), file);
  if (documents.length !== 1) {
    throw ConfigError.single(
      file,
      '',
      `expected exactly one HardwareProfile document, found ${documents.length}`,
      'put one profile per file',
    );
  }
  return parseProfile(documents[0]?.data, file);
}

/**
 * A profile name as people write it, reduced to what tells boards apart: `pi-5-8gb`,
 * `rpi5-8gb`, `Raspberry Pi 5 8GB` and `pi5-8gb` all become `pi58gb`; `Pi 4 Model B 4GB` and
 * `pi4b-4gb` become `pi44gb`; `Pi 3B+` becomes `pi3plus`.
 */
export function normaliseProfileName(name: string): string {
  return name
    .toLowerCase()
    .replace(/raspberry\s*pi|\brpi/g, 'pi')
    .replace(/\+/g, 'plus')
    .replace(/\bmodel\b/g, '')
    .replace(/[^a-z0-9]/g, '')
    .replace(/(\d)b(?=\d|plus|$)/g, '$1');
}

/**
 * The hardware profiles known to a run: twin's own plus any the user adds.
 * Looked up by name, alias, or a common spelling of either (see {@link normaliseProfileName}).
 */
export class ProfileRegistry {
  private readonly byName = new Map<string, HardwareProfile>();
  private readonly byAlias = new Map<string, HardwareProfile>();
  private readonly bySpelling = new Map<string, HardwareProfile>();

  constructor(profiles: Iterable<HardwareProfile> = []) {
    for (const profile of profiles) this.add(profile);
  }

  /** Twin's built-in profiles plus every profile file in `extraDirs`. */
  static load(extraDirs: readonly string[] = []): ProfileRegistry {
    const registry = new ProfileRegistry();
    for (const dir of [builtinProfilesDir, ...extraDirs]) {
      for (const path of yamlFilesIn(dir)) registry.add(loadProfileFile(path), displayPath(path));
    }
    return registry;
  }

  /** Adds a profile; a later profile with the same name replaces the earlier one (user overrides). */
  add(profile: HardwareProfile, file = profile.metadata.name): void {
    const name = profile.metadata.name;
    const aliasOwner = this.byAlias.get(name);
    if (aliasOwner && aliasOwner.metadata.name !== name) {
      throw ConfigError.single(
        file,
        'metadata.name',
        `"${name}" is already an alias of profile "${aliasOwner.metadata.name}"`,
        'choose another name',
      );
    }
    this.byName.set(name, profile);
    for (const alias of profile.metadata.aliases) this.byAlias.set(alias, profile);
    for (const spelling of [name, ...profile.metadata.aliases]) this.bySpelling.set(normaliseProfileName(spelling), profile);
  }

  get(nameOrAlias: string): HardwareProfile | undefined {
    return this.byName.get(nameOrAlias) ?? this.byAlias.get(nameOrAlias) ?? this.bySpelling.get(normaliseProfileName(nameOrAlias));
  }

  /** The profile name closest to an unknown one (`pi6` → `pi5-8gb`?), for "did you mean". */
  suggest(unknown: string): string | undefined {
    const spelling = closest(normaliseProfileName(unknown), this.bySpelling.keys());
    return spelling === undefined ? undefined : this.bySpelling.get(spelling)?.metadata.name;
  }

  names(): string[] {
    return this.all().map((p) => p.metadata.name);
  }

  /** All profiles, grouped by board family and ordered by memory within it. */
  all(): HardwareProfile[] {
    return [...this.byName.values()].sort(
      (a, b) =>
        a.spec.family.localeCompare(b.spec.family) ||
        a.spec.memory.value - b.spec.memory.value ||
        a.metadata.name.localeCompare(b.metadata.name),
    );
  }
}
