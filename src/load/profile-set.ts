/**
 * The hardware profiles known to a run, as a lookup: {@link ProfileRegistry} (profiles.ts) loads it
 * from files. This module imports neither the YAML parser nor the schemas, so `twin profiles` with
 * the shipped profiles alone (shipped-profiles.ts) does not load them.
 */
import { ConfigError } from '../errors.js';
import type { HardwareProfile } from '../model/hardware-profile.js';
import { closest } from '../model/suggest.js';

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
 * Hardware profiles by name: twin's own plus any the user adds.
 * Looked up by name, alias, or a common spelling of either (see {@link normaliseProfileName}).
 */
export class ProfileSet {
  private readonly byName = new Map<string, HardwareProfile>();
  private readonly byAlias = new Map<string, HardwareProfile>();
  private readonly bySpelling = new Map<string, HardwareProfile>();

  constructor(profiles: Iterable<HardwareProfile> = []) {
    for (const profile of profiles) this.add(profile);
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
