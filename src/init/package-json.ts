/**
 * The user's package.json: a new one when there is none, else the existing one with twin added
 * as a devDependency and the scripts — every other key, its order and the file's indentation
 * kept. A dependency or script the user already has under that name is theirs and is kept,
 * unless `force` says to replace it.
 */
import { ConfigError } from '../errors.js';

export interface PackageJsonChange {
  /** The new text; undefined when nothing changes. */
  readonly text: string | undefined;
  /** What was added or replaced, and what was kept because the user already had it. */
  readonly added: string[];
  readonly kept: string[];
}

/** An npm package name from a directory's name: lower case, URL-safe, at most 214 characters. */
export function packageName(dirName: string): string {
  const name = dirName
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+|[-_.]+$/g, '')
    .slice(0, 214);
  return name || 'twin-cluster';
}

export function newPackageJson(name: string, twinSpec: string, scripts: Readonly<Record<string, string>>): string {
  const body = { name, version: '0.0.0', private: true, type: 'module', scripts, devDependencies: { twin: twinSpec } };
  return `${JSON.stringify(body, null, 2)}\n`;
}

/** Whether an existing package.json makes `.ts` files ES modules (else scenarios are written as `.mts`). */
export function isEsmPackage(text: string, file: string): boolean {
  return parse(text, file)['type'] === 'module';
}

function parse(text: string, file: string): Record<string, unknown> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw ConfigError.single(
      file,
      '',
      `not valid JSON (${(error as Error).message})`,
      'fix the file, or move it away and run twin init again',
    );
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw ConfigError.single(file, '', 'is not a JSON object', 'fix the file, or move it away and run twin init again');
  return data as Record<string, unknown>;
}

function section(data: Record<string, unknown>, key: string, file: string): Record<string, unknown> {
  const value = data[key] ?? {};
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw ConfigError.single(file, key, 'is not a JSON object', `make "${key}" an object, e.g. {}`);
  return value as Record<string, unknown>;
}

export function mergePackageJson(
  text: string,
  file: string,
  twinSpec: string,
  scripts: Readonly<Record<string, string>>,
  force: boolean,
): PackageJsonChange {
  const data = parse(text, file);
  const devDependencies = { ...section(data, 'devDependencies', file) };
  const existingScripts = { ...section(data, 'scripts', file) };
  const added: string[] = [];
  const kept: string[] = [];
  const set = (target: Record<string, unknown>, key: string, value: string, label: string) => {
    if (target[key] === value) return;
    if (target[key] !== undefined && !force) {
      kept.push(`${label} (yours: ${JSON.stringify(target[key])})`);
      return;
    }
    target[key] = value;
    added.push(label);
  };
  // A twin already among the dependencies is the user's choice of version.
  const dependencies = section(data, 'dependencies', file);
  if (dependencies['twin'] !== undefined && !force) kept.push(`dependencies.twin (yours: ${JSON.stringify(dependencies['twin'])})`);
  else set(devDependencies, 'twin', twinSpec, `devDependencies.twin ${twinSpec}`);
  for (const [name, command] of Object.entries(scripts)) set(existingScripts, name, command, `scripts.${name}`);
  if (added.length === 0) return { text: undefined, added, kept };
  const indent = /^([ \t]+)"/m.exec(text)?.[1] ?? '  ';
  const merged = { ...data, scripts: existingScripts, devDependencies };
  return { text: `${JSON.stringify(merged, null, indent)}${text.endsWith('\n') ? '\n' : ''}`, added, kept };
}
