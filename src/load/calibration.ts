/**
 * Reads a `kind: Calibration` file (what `twin calibrate` measured) and validates it; matching
 * its figures to a cluster's nodes is the model's job (model/calibration-apply.ts).
 */
import { resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { calibrationDocumentSchema } from '../model/calibration.js';
import type { CalibrationSource } from '../model/calibration-apply.js';
import { parseWith, parseYamlDocuments } from '../model/validation.js';
import { displayPath, readTextFile } from './files.js';

/** Loads and validates a Calibration file; a missing file or a bad field is a {@link ConfigError} naming both. */
export function loadCalibrationFile(path: string): CalibrationSource {
  const absolute = resolve(path);
  const file = displayPath(absolute);
  const documents = parseYamlDocuments(readTextFile(absolute), file);
  const found = documents.filter((d) => (d.data as { kind?: unknown } | null)?.kind === 'Calibration');
  if (found.length !== 1) {
    throw ConfigError.single(
      file,
      'kind',
      `expected one document with kind: Calibration, found ${found.length}`,
      'point at a file twin calibrate wrote (kind: Calibration)',
    );
  }
  return { document: parseWith(calibrationDocumentSchema, found[0]?.data, file), file };
}
