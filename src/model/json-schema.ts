import { z } from 'zod';
import { calibrationDocumentSchema } from './calibration.js';
import { clusterDocumentSchema } from './cluster-schema.js';
import { hardwareProfileSchema } from './hardware-profile.js';

/** JSON Schemas of twin's file formats, for editor completion (yaml-language-server `$schema`). */
export function jsonSchemas(): Record<string, unknown> {
  return {
    'hardware-profile.schema.json': {
      title: 'twin HardwareProfile',
      ...z.toJSONSchema(hardwareProfileSchema, { io: 'input', unrepresentable: 'any' }),
    },
    'cluster.schema.json': {
      title: 'twin Cluster',
      ...z.toJSONSchema(clusterDocumentSchema, { io: 'input', unrepresentable: 'any' }),
    },
    'calibration.schema.json': {
      title: 'twin Calibration',
      ...z.toJSONSchema(calibrationDocumentSchema, { io: 'input', unrepresentable: 'any' }),
    },
  };
}
