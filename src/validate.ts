import { resolve } from 'node:path';
import { ConfigError } from './errors.js';
import type { ClusterLoadOptions } from './load/cluster.js';
import type { Cluster, ClusterInput } from './model/cluster.js';
import { parseYamlDocuments } from './model/validation.js';
import { parseProfile } from './model/hardware-profile.js';
import { displayPath, moduleExtensions, readTextFile } from './load/files.js';
import { dirname } from 'node:path';
import type { ScenarioInput } from './scenario/scenario.js';

/** What a valid file turned out to be. */
export interface ValidatedFile {
  readonly file: string;
  /** e.g. `HardwareProfile pi4b-4gb`, `Cluster edgestack (8 nodes)`, `3 manifests`. */
  readonly summary: string;
  /** Kinds present that the model does not simulate (kept, never dropped). */
  readonly notModelled: readonly string[];
  /**
   * K3s component flags of the cluster the model does not follow, or follows only approximately
   * (`field: flag …`), one line each.
   */
  readonly warnings: readonly string[];
  /** What the cluster's calibration changes in the model, one line each (clusters with a calibration only). */
  readonly calibration?: readonly string[];
}

/** One warning per component flag the model does not follow or follows differently from the real cluster. */
export function flagWarnings(cluster: Cluster): string[] {
  return [
    ...(cluster.calibration?.warnings ?? []),
    ...cluster.k3sFlags.notModelled.map((f) => `${f.field}: ${f.flag} is not modelled: ${f.reason}`),
    ...cluster.k3sFlags.applied.flatMap((f) => (f.note ? [`${f.field}: ${f.flag} sets ${f.setting} = ${f.value}, but ${f.note}`] : [])),
  ];
}

async function calibrationOf(cluster: Cluster): Promise<{ calibration?: readonly string[] }> {
  if (!cluster.calibration) return {};
  const { calibrationChangeLines } = await import('./report/calibration.js');
  return { calibration: calibrationChangeLines(cluster.calibration) };
}

/** `1 fault`, `2 faults`. */
const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/**
 * Validates any twin input file: hardware profiles, clusters (YAML or TypeScript) and
 * Kubernetes manifests. Throws a {@link ConfigError} naming the file and field.
 */
export async function validateFile(path: string, options: ClusterLoadOptions = {}): Promise<ValidatedFile> {
  const absolute = resolve(path);
  const file = displayPath(absolute);
  // tsx, the scenario loader, the cluster and calibration loaders and the Kubernetes schemas are imported
  // only for the files that need them, so validating a profile or a cluster starts faster (issue #21).
  if (moduleExtensions.test(absolute)) {
    const { importDefault } = await import('./load/modules.js');
    const value = await importDefault(absolute);
    if (typeof value === 'object' && value !== null && 'expect' in value) {
      const { resolveScenario } = await import('./scenario/load.js');
      const scenario = await resolveScenario(value as ScenarioInput, file, dirname(absolute), options);
      return {
        file,
        summary:
          `Scenario ${scenario.name} (${count(scenario.faults.length, 'fault')}, ` +
          `${count(scenario.expectations.length, 'expectation')}, cluster ${scenario.cluster.name})`,
        notModelled: scenario.notModelled,
        warnings: flagWarnings(scenario.cluster),
      };
    }
    if (typeof value === 'object' && value !== null && 'nodes' in value) {
      const { clusterFromDefinition } = await import('./load/cluster.js');
      const cluster = clusterFromDefinition(value as ClusterInput, file, options, dirname(absolute));
      return {
        file,
        summary: `Cluster ${cluster.name} (${cluster.nodes.length} node${cluster.nodes.length === 1 ? '' : 's'})`,
        notModelled: [],
        warnings: flagWarnings(cluster),
        ...(await calibrationOf(cluster)),
      };
    }
    throw ConfigError.single(
      file,
      'export default',
      'the default export is neither a scenario nor a cluster',
      'export defineScenario({...}) or defineCluster({...})',
    );
  }
  const text = readTextFile(absolute);
  const documents = parseYamlDocuments(text, file);
  if (documents.length === 0)
    throw ConfigError.single(file, '', 'the file has no YAML documents', 'add a profile, cluster or Kubernetes manifest');
  const kinds = documents.map((d) => (d.data as { kind?: unknown }).kind);
  if (kinds.includes('HardwareProfile')) {
    if (documents.length !== 1)
      throw ConfigError.single(file, '', 'a profile file holds exactly one HardwareProfile', 'put one profile per file');
    const profile = parseProfile(documents[0]?.data, file);
    return { file, summary: `HardwareProfile ${profile.metadata.name}`, notModelled: [], warnings: [] };
  }
  if (kinds.includes('Calibration')) {
    const { loadCalibrationFile } = await import('./load/calibration.js');
    const { document } = loadCalibrationFile(absolute);
    const { nodes, profiles } = document.spec;
    const what = `${count(nodes.length, 'node')}, ${count(profiles.length, 'profile')}, measured at ${document.metadata.measuredAt}`;
    return {
      file,
      summary: `Calibration ${document.metadata.name} (${what})`,
      notModelled: [],
      warnings: [],
    };
  }
  if (kinds.includes('Cluster')) {
    if (documents.length !== 1)
      throw ConfigError.single(file, '', 'a cluster file holds exactly one Cluster document', 'put manifests in their own files');
    const { clusterFromDocument } = await import('./load/cluster.js');
    const cluster = clusterFromDocument(documents[0]?.data, file, options, dirname(absolute));
    return {
      file,
      summary: `Cluster ${cluster.name} (${cluster.nodes.length} node${cluster.nodes.length === 1 ? '' : 's'})`,
      notModelled: [],
      warnings: flagWarnings(cluster),
      ...(await calibrationOf(cluster)),
    };
  }
  // The loader every command uses, so `validate` refuses exactly what `run` and `plan` would.
  const { modelledKinds, parseManifests } = await import('./model/manifests.js');
  const objects = parseManifests(text, file);
  const notModelled = new Set(objects.map((o) => String(o.object.kind)).filter((kind) => !modelledKinds.has(kind)));
  return {
    file,
    summary: `${objects.length} Kubernetes manifest${objects.length > 1 ? 's' : ''}`,
    notModelled: [...notModelled],
    warnings: [],
  };
}
