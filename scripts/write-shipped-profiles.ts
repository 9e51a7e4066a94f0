/**
 * Writes dist/load/shipped-profiles.json: the shipped hardware profiles parsed and validated from
 * their YAML files, with the digest of those files (src/load/shipped-profiles.ts). Run by
 * `npm run build` after tsc; a profile that does not validate fails the build.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProfileRegistry } from '../src/load/profiles.js';
import { profileFilesDigest, type ShippedProfiles } from '../src/load/shipped-profiles.js';

const out = fileURLToPath(new URL('../dist/load/shipped-profiles.json', import.meta.url));
const shipped: ShippedProfiles = { digest: profileFilesDigest(), profiles: ProfileRegistry.shippedFromFiles() };
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(shipped)}\n`);
