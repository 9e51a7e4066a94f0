import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { register as registerCommonJs } from 'tsx/cjs/api';
import { register as registerModules } from 'tsx/esm/api';
import { ConfigError } from '../errors.js';
import { displayPath } from './files.js';
import { registerUserModuleHooks, routeTwinRequires } from './module-hooks.js';

export { moduleExtensions } from './files.js';

/**
 * Imports a user's TypeScript or JavaScript file without a build step and returns its
 * default export. tsx transpiles on the fly (esbuild), so users write plain `.ts`
 * scenario and cluster files; type errors are for their editor and `tsc`, syntax
 * errors are reported here with file and line. It loads the same whatever the user's
 * project looks like (ESM or CommonJS package.json, or none; twin installed there or not):
 * see module-hooks.ts.
 */
export async function importDefault(path: string): Promise<unknown> {
  const absolute = resolve(path);
  const file = displayPath(absolute);
  if (!existsSync(absolute)) throw ConfigError.single(file, '', 'file not found', 'check the path');
  const exitCalls: Array<string | number | null | undefined> = [];
  let loaded: Record<string, unknown>;
  try {
    loaded = await whileLoading(absolute, exitCalls, () => importUserModule(absolute));
  } catch (error) {
    throw exitCalls.length > 0 ? exitError(file, exitCalls[0]) : moduleError(file, error);
  }
  // The file caught the error that stopped it, and went on.
  if (exitCalls.length > 0) throw exitError(file, exitCalls[0]);
  const exported = commonJsDefault(loaded);
  if (exported === undefined) {
    throw ConfigError.single(
      file,
      'export default',
      'the file has no default export',
      'end it with `export default defineScenario({...})` or `export default defineCluster({...})`',
    );
  }
  return exported;
}

/**
 * Imports in a tsx namespace of its own, as tsx's `tsImport` does (so every call evaluates the
 * file afresh), with twin's corrections registered after tsx's hooks so they run first.
 * Both stay registered: a file may still `import()` or `require()` after it has loaded.
 */
async function importUserModule(absolute: string): Promise<Record<string, unknown>> {
  const namespace = randomUUID();
  registerCommonJs({ namespace });
  const modules = registerModules({ namespace });
  registerUserModuleHooks(namespace);
  routeTwinRequires();
  return (await modules.import(pathToFileURL(absolute).href, import.meta.url)) as Record<string, unknown>;
}

/** The file being loaded, seen from the code it runs (and nothing else, e.g. a Ctrl-C handler). */
const loading = new AsyncLocalStorage<{ file: string; exitCalls: Array<string | number | null | undefined> }>();
/** Node's own process.exit while one or more loads have the trap installed; loads may overlap. */
let realExit: typeof process.exit | undefined;
let loadsInProgress = 0;

/**
 * Runs `load` with `process.exit` turned into an error for the loaded file's code: a file that
 * exits while loading would otherwise end twin silently, with the file's exit code and no report.
 * One trap serves overlapping loads (each file's calls are told apart by the async context) and is
 * removed when the last load ends; code outside a load reaches the real process.exit.
 */
async function whileLoading<T>(file: string, exitCalls: Array<string | number | null | undefined>, load: () => Promise<T>): Promise<T> {
  if (loadsInProgress++ === 0) {
    const exit = process.exit;
    realExit = exit;
    process.exit = ((code?: string | number | null) => {
      const store = loading.getStore();
      if (store === undefined) return exit(code);
      store.exitCalls.push(code);
      throw new Error(`process.exit(${code ?? ''}) while loading ${store.file}`);
    }) as typeof process.exit;
  }
  try {
    return await loading.run({ file, exitCalls }, load);
  } finally {
    if (--loadsInProgress === 0 && realExit) {
      process.exit = realExit;
      realExit = undefined;
    }
  }
}

/**
 * The default export. A CommonJS file's is its `module.exports`; a `.cts` file written with
 * `export default` compiles to `exports.default` beside `__esModule`, and that is the one meant.
 */
function commonJsDefault(loaded: Record<string, unknown>): unknown {
  const value = loaded['default'];
  if (typeof value === 'object' && value !== null && (value as { __esModule?: unknown }).__esModule === true) {
    return (value as { default?: unknown }).default;
  }
  return value;
}

function exitError(file: string, code: string | number | null | undefined): ConfigError {
  return ConfigError.single(
    file,
    '',
    `the file called process.exit(${code ?? ''}) while loading`,
    'a scenario or cluster file only exports its definition: remove the call, or throw an Error instead',
  );
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
