/**
 * The build's parsed copy of the shipped profiles (src/load/shipped-profiles.ts) stands for the
 * YAML files only when it is exactly what loading them gives.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ProfileRegistry, ProfileSet } from '../src/load/profiles.js';
import { profileFilesDigest, type ShippedProfiles } from '../src/load/shipped-profiles.js';

describe('shipped profiles parsed at build time', () => {
  it('survive JSON unchanged, so the registry built from them is the one loaded from the files', () => {
    const fromFiles = ProfileRegistry.shippedFromFiles();
    const copy = JSON.parse(JSON.stringify(fromFiles)) as unknown;
    expect(isDeepStrictEqual(copy, fromFiles)).toBe(true);
    expect(isDeepStrictEqual(new ProfileSet(copy as typeof fromFiles).all(), ProfileRegistry.load().all())).toBe(true);
  });

  it('the digest changes with any file of the directory', () => {
    expect(profileFilesDigest()).toMatch(/^[0-9a-f]{64}$/);
    expect(profileFilesDigest('test/fixtures/calibration')).not.toBe(profileFilesDigest());
  });

  const built = new URL('../dist/load/shipped-profiles.json', import.meta.url);
  it.runIf(existsSync(built))('dist/ holds the profiles of the current files (npm run build)', () => {
    const shipped = JSON.parse(readFileSync(built, 'utf8')) as ShippedProfiles;
    expect(shipped.digest).toBe(profileFilesDigest());
    expect(isDeepStrictEqual(shipped.profiles, JSON.parse(JSON.stringify(ProfileRegistry.shippedFromFiles())))).toBe(true);
  });
});
