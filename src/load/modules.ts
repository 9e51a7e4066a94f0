import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { ConfigError } from '../errors.js';
import { displayPath } from './files.js';

/** File extensions twin loads as TypeScript/JavaScript modules. */
export const moduleExtensions = /\.(ts|mts|cts|js|mjs)$/;

/**
 * Imports a user's TypeScript or JavaScript file without a build step and returns its
 * default export. tsx transpiles on the fly (esbuild), so users write plain `.ts`
 * scenario and cluster files; type errors are for their editor and `tsc`, syntax
 * errors are reported here with file and line.
 */
export async function importDefault(path: string): Promise<unknown> {
  const absolute = resolve(path);
  const file = displayPath(absolute);
  if (!existsSync(absolute)) throw ConfigError.single(file, '', 'file not found', 'check the path');
  let loaded: Record<string, unknown>;
  try {
    loaded = (await tsImport(pathToFileURL(absolute).href, import.meta.url)) as Record<string, unknown>;
  } catch (error) {
    throw moduleError(file, error);
  }
  if (!('default' in loaded) || loaded['default'] === undefined) {
    throw ConfigError.single(
      file,
      'export default',
      'the file has no default export',
      'end it with `export default defineScenario({...})` or `export default defineCluster({...})`',
    );
  }
  return loaded['default'];
}

/** Turns a transpile or evaluation failure into a one-line error with file:line. */
function moduleError(file: string, error: unknown): ConfigError {
  const err = error as { message?: string; errors?: Array<{ text: string; location?: { line: number; column: number; file?: string } }> };
  const first = err.errors?.[0];
  if (first) {
    const where = first.location ? `line ${first.location.line}, column ${first.location.column + 1}` : '';
    return ConfigError.single(file, where, `TypeScript syntax error: ${first.text}`, 'fix the syntax');
  }
  const lines = (err.message ?? String(error)).split('\n').filter((line) => line.trim());
  const message = lines[0] ?? 'cannot load';
  // esbuild's form, on a later line: "/abs/file.ts:12:4: ERROR: Expected ..."
  const located = lines.map((line) => /:(\d+):(\d+): ERROR: (.*)$/.exec(line)).find((m) => m !== null);
  if (located)
    return ConfigError.single(
      file,
      `line ${located[1]}, column ${Number(located[2]) + 1}`,
      `TypeScript syntax error: ${located[3]}`,
      'fix the syntax',
    );
  if (/Cannot find (module|package)/.test(message)) {
    return ConfigError.single(file, 'import', message.replace(/ imported from .*$/, ''), 'check the import path');
  }
  return ConfigError.single(file, '', `cannot load: ${message}`, 'fix the error in the file');
}
