import { statSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { parseManifests, type ManifestObject } from '../model/manifests.js';
import { displayPath, readTextFile, yamlFilesIn } from './files.js';

/**
 * Loads manifests from files and directories (every `*.yaml`/`*.yml` in a directory, in name order;
 * twin's own files there, such as the cluster file, are passed over).
 */
export function loadManifests(paths: readonly string[]): ManifestObject[] {
  const out: ManifestObject[] = [];
  for (const path of paths) {
    let isDirectory = false;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch {
      throw ConfigError.single(displayPath(path), '', 'file not found', 'check the path');
    }
    const files = isDirectory ? yamlFilesIn(path) : [path];
    for (const file of files) out.push(...parseManifests(readTextFile(file), displayPath(file), { skipTwinFiles: isDirectory }));
  }
  return out;
}
