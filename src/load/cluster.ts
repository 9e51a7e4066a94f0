import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { clusterDefinitionSchema, clusterDocumentSchema } from '../model/cluster-schema.js';
import { resolveCluster, type Cluster, type ClusterInput } from '../model/cluster.js';
import { parseWith, parseYamlDocuments } from '../model/validation.js';
import { displayPath, moduleExtensions, readTextFile } from './files.js';
import { ProfileRegistry } from './profiles.js';
import { loadCalibrationFile } from './calibration.js';
import type { CalibrationSource } from '../model/calibration-apply.js';

export interface ClusterLoadOptions {
  /** Extra directories of hardware profiles (the CLI's `--profiles-dir`). */
  readonly profileDirs?: readonly string[];
  /** Use this registry instead of loading one. */
  readonly profiles?: ProfileRegistry;
  /**
   * A Calibration file (the CLI's `--calibration`) for every cluster loaded, over the cluster's
   * own `spec.calibration`; relative to the working directory.
   */
  readonly calibration?: string | CalibrationSource;
}

/** The calibration a cluster uses: the option's file, else `spec.calibration` relative to the cluster file. */
function calibrationFor(
  options: ClusterLoadOptions,
  specPath: string | undefined,
  baseDir: string,
  file: string,
  field: string,
): CalibrationSource | undefined {
  if (typeof options.calibration !== 'string') return options.calibration ?? (specPath === undefined ? undefined : load(specPath));
  return loadCalibrationFile(resolve(options.calibration));

  function load(path: string): CalibrationSource {
    const absolute = resolve(baseDir, path);
    if (!existsSync(absolute))
      throw ConfigError.single(
        file,
        field,
        `calibration file ${displayPath(absolute)} not found`,
        'write it with twin calibrate, or fix the path (relative to the cluster file)',
      );
    return loadCalibrationFile(absolute);
  }
}

function registryFor(options: ClusterLoadOptions, specDirs: readonly string[], baseDir: string): ProfileRegistry {
  if (options.profiles && specDirs.length === 0) return options.profiles;
  const dirs = [...(options.profileDirs ?? []), ...specDirs.map((d) => resolve(baseDir, d))];
  if (!options.profiles) return ProfileRegistry.load(dirs);
  const registry = new ProfileRegistry(options.profiles.all());
  for (const profile of ProfileRegistry.load(dirs).all()) registry.add(profile);
  return registry;
}

/** A cluster from a parsed YAML `kind: Cluster` document. */
export function clusterFromDocument(data: unknown, file: string, options: ClusterLoadOptions = {}, baseDir = process.cwd()): Cluster {
  const doc = parseWith(clusterDocumentSchema, data, file);
  const registry = registryFor(options, doc.spec.profileDirs, baseDir);
  const calibration = calibrationFor(options, doc.spec.calibration, baseDir, file, 'spec.calibration');
  return resolveCluster(doc.metadata.name, doc.metadata.description, doc.spec, registry, file, 'spec', calibration);
}

/** A cluster from a `defineCluster()` value. */
export function clusterFromDefinition(
  input: ClusterInput,
  file: string,
  options: ClusterLoadOptions = {},
  baseDir = process.cwd(),
): Cluster {
  const parsed = parseWith(clusterDefinitionSchema, input, file);
  const { name, description, ...spec } = parsed;
  const registry = registryFor(options, spec.profileDirs, baseDir);
  const calibration = calibrationFor(options, spec.calibration, baseDir, file, 'calibration');
  return resolveCluster(name, description, spec, registry, file, '', calibration);
}

/** Loads a cluster file: YAML (`kind: Cluster`) or a TypeScript module whose default export is `defineCluster(...)`. */
export async function loadClusterFile(path: string, options: ClusterLoadOptions = {}): Promise<Cluster> {
  const absolute = resolve(path);
  const file = displayPath(absolute);
  const baseDir = dirname(absolute);
  if (moduleExtensions.test(absolute)) {
    // tsx and esbuild are loaded only for a module: a YAML cluster starts faster without them.
    const { importDefault } = await import('./modules.js');
    const value = await importDefault(absolute);
    return clusterFromDefinition(value as ClusterInput, file, options, baseDir);
  }
  const documents = parseYamlDocuments(readTextFile(absolute), file);
  const clusters = documents.filter((d) => (d.data as { kind?: unknown }).kind === 'Cluster');
  if (clusters.length !== 1) {
    throw ConfigError.single(
      file,
      'kind',
      `expected one document with kind: Cluster, found ${clusters.length}`,
      'see scenarios/clusters/ for examples',
    );
  }
  return clusterFromDocument(clusters[0]?.data, file, options, baseDir);
}
