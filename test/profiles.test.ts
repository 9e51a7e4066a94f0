import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ConfigError } from '../src/errors.js';
import { yamlFilesIn } from '../src/load/files.js';
import { clusterFromDocument } from '../src/load/cluster.js';
import { builtinProfilesDir, loadProfileFile, ProfileRegistry } from '../src/load/profiles.js';
import { parseProfile } from '../src/model/hardware-profile.js';
import { jsonSchemas } from '../src/model/json-schema.js';

const files = yamlFilesIn(builtinProfilesDir);
const pi3Raw = (): Record<string, any> => parse(readFileSync(`${builtinProfilesDir}/pi3bplus.yaml`, 'utf8'));

describe('hardware profiles', () => {
  it('ships the boards the seeds use', () => {
    const names = ProfileRegistry.load().names();
    for (const required of [
      'pi3bplus',
      'pi4b-1gb',
      'pi4b-2gb',
      'pi4b-4gb',
      'pi4b-8gb',
      'pi5-2gb',
      'pi5-4gb',
      'pi5-8gb',
      'pi5-16gb',
      'pizero2w',
      'pi2b',
      'x86-minipc',
    ]) {
      expect(names).toContain(required);
    }
  });

  it.each(files)('%s loads and every number has a source', (file) => {
    const profile = loadProfileFile(file);
    const walk = (value: unknown, path: string): void => {
      if (typeof value !== 'object' || value === null) return;
      if ('value' in value) {
        expect((value as { source?: string }).source, `${path} has no source`).toMatch(/\S{3}/);
        return;
      }
      for (const [key, child] of Object.entries(value)) walk(child, `${path}.${key}`);
    };
    walk(profile.spec, 'spec');
  });

  it('encodes the calibration facts that shape the model', () => {
    const registry = ProfileRegistry.load();
    const pi3 = registry.get('pi3bplus')!;
    // Pi 3B+ Ethernet is bound by USB 2.0: 253 Mbit/s measured, not gigabit.
    expect(pi3.spec.network[0]?.throughput.value).toBeCloseTo(253e6 / 8);
    const zero = registry.get('pizero2w')!;
    expect(zero.spec.network.map((n) => n.type)).toEqual(['wifi']);
    expect(zero.spec.memory.value).toBe(512 * 1024 ** 2);
    expect(registry.get('pi2b')!.spec.supportedArchitectures).toEqual(['armv7']);
    expect(registry.get('pi5-8gb')!.spec.storage.map((s) => s.name)).toContain('nvme');
    expect(registry.get('pi4b')?.metadata.name).toBe('pi4b-4gb');
  });

  it('rejects unknown keys', () => {
    const raw = pi3Raw();
    raw['spec']['cpu']['turbo'] = true;
    expect(() => parseProfile(raw, 'p.yaml')).toThrow(/p\.yaml: spec\.cpu\.turbo: unknown key "turbo"/);
  });

  it('rejects negative RAM with the field named', () => {
    const raw = pi3Raw();
    raw['spec']['memory']['value'] = '-1Gi';
    expect(() => parseProfile(raw, 'p.yaml')).toThrow(/p\.yaml: spec\.memory\.value: size must not be negative/);
  });

  it('rejects a number without a source', () => {
    const raw = pi3Raw();
    delete raw['spec']['power']['idle']['source'];
    expect(() => parseProfile(raw, 'p.yaml')).toThrow(/spec\.power\.idle\.source/);
  });

  it('collects every problem, not only the first', () => {
    const raw = pi3Raw();
    raw['spec']['cpu']['clock']['value'] = 'fast';
    raw['spec']['bootTime']['value'] = 'soon';
    try {
      parseProfile(raw, 'p.yaml');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems.map((p) => p.field)).toEqual(['spec.cpu.clock.value', 'spec.bootTime.value']);
    }
  });

  it('a user profile with the same name overrides the built-in one', () => {
    const raw = pi3Raw();
    raw['metadata']['displayName'] = 'My overclocked 3B+';
    const registry = ProfileRegistry.load();
    registry.add(parseProfile(raw, 'mine.yaml'));
    expect(registry.get('pi3bplus')?.metadata.displayName).toBe('My overclocked 3B+');
    expect(stringify(raw)).toContain('My overclocked');
  });

  it('the committed JSON Schemas match the schemas in code', () => {
    for (const [name, schema] of Object.entries(jsonSchemas())) {
      const committed = JSON.parse(readFileSync(new URL(`../schemas/${name}`, import.meta.url), 'utf8'));
      expect(committed, `schemas/${name} is stale: run npm run schemas`).toEqual(JSON.parse(JSON.stringify(schema)));
    }
  });
});

describe('profile names as people write them (#16)', () => {
  it.each([['pi-5-8gb'], ['rpi5-8gb'], ['Raspberry Pi 5 8GB'], ['PI5-8GB'], ['pi5']])('%s is pi5-8gb', (spelling) => {
    expect(ProfileRegistry.load().get(spelling)?.metadata.name).toBe('pi5-8gb');
  });

  it('suggests the closest profile for a near miss', () => {
    const registry = ProfileRegistry.load();
    expect(registry.suggest('pi6')).toBe('pi5-8gb');
    expect(registry.suggest('pi4b-4g')).toBe('pi4b-4gb');
    expect(registry.suggest('beaglebone')).toBeUndefined();
  });
});

describe('clusters use the same spellings (#16)', () => {
  const cluster = (profile: string) => ({
    apiVersion: 'twin/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'c' },
    spec: { nodes: [{ name: 'a', profile, role: 'server' }] },
  });
  it('accepts "Raspberry Pi 5 8GB" and says did you mean for "pi6"', () => {
    expect(clusterFromDocument(cluster('Raspberry Pi 5 8GB'), 'c.yaml').nodes[0]?.profile.metadata.name).toBe('pi5-8gb');
    expect(() => clusterFromDocument(cluster('pi6'), 'c.yaml')).toThrow(
      'c.yaml: spec.nodes[0].profile: unknown hardware profile "pi6" (did you mean pi5-8gb? twin profiles lists them)',
    );
  });
});
