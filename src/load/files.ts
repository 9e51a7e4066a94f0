/**
 * Reading the user's files, with the errors a user can act on: a missing file or directory
 * names the path as the user typed it, not as Node resolved it.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ConfigError } from '../errors.js';

/** File extensions twin loads as TypeScript/JavaScript modules (through tsx, `modules.ts`, imported only for them). */
export const moduleExtensions = /\.(ts|mts|cts|js|mjs)$/;

/** Shows paths relative to the working directory, as users typed them. */
export function displayPath(path: string): string {
  if (path.trim() === '') return `"${path}" (an empty path)`;
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}

export function readTextFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'file not found'
        : code === 'EISDIR'
          ? 'is a directory, expected a file'
          : `cannot read (${code ?? 'unknown error'})`;
    throw ConfigError.single(displayPath(path), '', reason, 'check the path');
  }
}

/** Every `*.yaml`/`*.yml` file in a directory, sorted by name. */
export function yamlFilesIn(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'directory not found'
        : code === 'ENOTDIR'
          ? 'is a file, expected a directory'
          : `cannot read (${code ?? 'unknown'})`;
    throw ConfigError.single(displayPath(dir), '', reason, 'check the path');
  }
  return entries
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile());
}
