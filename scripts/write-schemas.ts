// Writes the JSON Schemas of twin's file formats to schemas/ (npm run schemas).
// A test checks that the committed files match, so editors always complete the real format.
import { writeFileSync } from 'node:fs';
import { jsonSchemas } from '../src/model/json-schema.js';

for (const [name, schema] of Object.entries(jsonSchemas())) {
  writeFileSync(new URL(`../schemas/${name}`, import.meta.url), `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`schemas/${name}`);
}
