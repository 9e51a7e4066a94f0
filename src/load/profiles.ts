import { ConfigError } from '../errors.js';
import { parseProfile, type HardwareProfile } from '../model/hardware-profile.js';
import { parseYamlDocuments } from '../model/validation.js';
import { displayPath, readTextFile, yamlFilesIn } from './files.js';
import { ProfileSet } from './profile-set.js';
import { builtinProfilesDir, prebuiltShippedProfiles } from './shipped-profiles.js';

export { normaliseProfileName, ProfileSet } from './profile-set.js';
export { builtinProfilesDir } from './shipped-profiles.js';

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
 * The hardware profiles known to a run: twin's own plus any the user adds.
 * Looked up by name, alias, or a common spelling of either (see {@link normaliseProfileName}).
 */
export class ProfileRegistry extends ProfileSet {
  /**
   * Twin's built-in profiles plus every profile file in `extraDirs`. The built-in ones come from
   * the build's parsed copy when it matches the files (shipped-profiles.ts), else from the files.
   */
  static load(extraDirs: readonly string[] = []): ProfileRegistry {
    const registry = new ProfileRegistry();
    const shipped = prebuiltShippedProfiles();
    for (const profile of shipped ?? []) registry.add(profile);
    for (const dir of shipped ? extraDirs : [builtinProfilesDir, ...extraDirs]) {
      for (const path of yamlFilesIn(dir)) registry.add(loadProfileFile(path), displayPath(path));
    }
    return registry;
  }

  /** Twin's built-in profiles read from their files, in load order (what the build stores). */
  static shippedFromFiles(): HardwareProfile[] {
    const registry = new ProfileRegistry();
    return yamlFilesIn(builtinProfilesDir).map((path) => {
      const profile = loadProfileFile(path);
      registry.add(profile, displayPath(path));
      return profile;
    });
  }
}
