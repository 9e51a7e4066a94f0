/**
 * The hardware profiles shipped with twin, parsed and validated once at build time (`npm run build`
 * writes dist/load/shipped-profiles.json, scripts/write-shipped-profiles.ts): `twin profiles`, and
 * every command that loads the registry, then read one JSON file instead of parsing twelve YAML
 * files with the YAML parser and the zod schemas (issue #21). The JSON holds a digest of the YAML
 * files it came from; when they differ (a profile edited without a rebuild, or no JSON, as when
 * running from src/ through tsx) it is ignored and the files are loaded as before.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HardwareProfile } from '../model/hardware-profile.js';
import { yamlFilesIn } from './files.js';

/** The profiles shipped with twin. */
export const builtinProfilesDir = fileURLToPath(new URL('../../hardware-profiles/', import.meta.url));

/** Where the build writes the parsed profiles, beside this module. */
export const shippedProfilesFile = fileURLToPath(new URL('./shipped-profiles.json', import.meta.url));

/** The file the build writes: the profiles in load order, and the digest of the files they came from. */
export interface ShippedProfiles {
  readonly digest: string;
  readonly profiles: readonly HardwareProfile[];
}

/** A digest of the names and contents of the profile files in `dir`, in load order. */
export function profileFilesDigest(dir: string = builtinProfilesDir): string {
  const hash = createHash('sha256');
  for (const path of yamlFilesIn(dir))
    hash
      .update(`${basename(path)}\0`)
      .update(readFileSync(path))
      .update('\0');
  return hash.digest('hex');
}

/** The shipped profiles as the build parsed them, or undefined when the files have changed since (or there is no build). */
export function prebuiltShippedProfiles(): readonly HardwareProfile[] | undefined {
  let text: string;
  try {
    text = readFileSync(shippedProfilesFile, 'utf8');
  } catch {
    return undefined;
  }
  let built: ShippedProfiles;
  try {
    built = JSON.parse(text) as ShippedProfiles;
  } catch {
    return undefined; // a damaged build output: the files themselves, as without one
  }
  return built.digest === profileFilesDigest() && Array.isArray(built.profiles) ? built.profiles : undefined;
}
