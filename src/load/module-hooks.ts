/**
 * Makes a user's scenario and cluster files load the same in every project layout. tsx
 * transpiles them; these hooks settle the two things tsx leaves to the user's package.json and
 * node_modules:
 *
 * - A `.ts` or `.js` file written with `import`/`export` loads as an ES module, even where the
 *   nearest package.json says CommonJS (`npm init` writes `"type": "commonjs"`) or there is
 *   none. Otherwise tsx compiles it to CommonJS, and then twin itself, reached through
 *   `require('twin')`, into a CommonJS copy that cannot load twin's ESM-only dependencies.
 * - `twin` and `twin/testing` resolve as usual from the user's file and, where no twin is
 *   installed there (a global install, npx, a clone of twin), to the running twin. Either way
 *   twin loads as the plain JavaScript it is, outside tsx's namespace, so a scenario shares the
 *   running twin's modules instead of loading a second copy of twin per file.
 * - `require('twin')` from a CommonJS file (`.cts`, or CommonJS syntax) does the same through
 *   Node's own require(esm).
 */
import { readFileSync } from 'node:fs';
import Module, { createRequire, register } from 'node:module';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The running twin's entry points by specifier, from its package.json `exports`. */
function ownEntryPoints(): Record<string, string> {
  // Both src/load/ and dist/load/ sit two levels below the package root.
  const root = new URL('../../', import.meta.url);
  const manifest = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
    name: string;
    exports: Record<string, string | { default?: string }>;
  };
  const entries: Record<string, string> = {};
  for (const [subpath, target] of Object.entries(manifest.exports)) {
    const file = typeof target === 'string' ? target : target.default;
    if (file?.endsWith('.js')) entries[posix.join(manifest.name, subpath)] = new URL(file, root).href;
  }
  return entries;
}

const entryPoints = ownEntryPoints();

/**
 * The resolve hook, run in Node's loader thread (so it is source text, and uses nothing from
 * this file). Registered once per import after tsx's hooks for that import, it runs before
 * them: it sees what tsx resolved and corrects it for the files of one tsx namespace.
 */
const resolveHook = String.raw`
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

let namespace = '';
let entryPoints = {};
export function initialize(data) {
  ({ namespace, entryPoints } = data);
}

const comments = /\/\*[\s\S]*?\*\/|\/\/[^\n]*/g;
const moduleSyntax = /^[ \t]*(import[\s{*'"]|export[\s{*])/m;

export async function resolve(specifier, context, nextResolve) {
  if (Object.hasOwn(entryPoints, specifier) && context.parentURL?.includes(namespace)) {
    try {
      const found = await nextResolve(specifier, context);
      return { ...found, url: found.url.replace(/[?#].*$/, '') };
    } catch (error) {
      if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
      return { url: entryPoints[specifier], format: 'module', shortCircuit: true };
    }
  }
  const found = await nextResolve(specifier, context);
  if (found.format !== 'commonjs' || !found.url.startsWith('file:') || !found.url.includes(namespace)) return found;
  // tsx hands CommonJS files on with its query inside the path ("%3Fnamespace=…"); as a module the file needs it without.
  const url = found.url.replace(/%3F[^?#]*/, '');
  const path = fileURLToPath(url.replace(/[?#].*$/, ''));
  if (!url.includes(namespace) || !/\.(ts|js)$/.test(path) || /[\\/]node_modules[\\/]/.test(path)) return found;
  const source = readFileSync(path, 'utf8').replace(comments, '');
  return moduleSyntax.test(source) ? { ...found, url, format: 'module' } : found;
}
`;
const resolveHookUrl = `data:text/javascript,${encodeURIComponent(resolveHook)}`;

/** Corrects tsx's resolution for the files imported in one tsx namespace (see above). */
export function registerUserModuleHooks(namespace: string): void {
  register(resolveHookUrl, { data: { namespace, entryPoints } });
}

type LoadFunction = (request: string, parent: { filename?: string | null } | undefined, isMain: boolean) => unknown;
let requireRouted = false;

/**
 * Routes CommonJS `require('twin')` (and `twin/testing`) to the twin installed beside the
 * requiring file, else to the running twin, loaded by Node itself (require(esm)). tsx would
 * compile it to CommonJS instead, which fails on twin's ESM-only dependencies. Node 20 has no
 * public hook for require(), so this wraps `Module._load`, for these specifiers only.
 */
export function routeTwinRequires(): void {
  if (requireRouted) return;
  requireRouted = true;
  const loader = Module as unknown as { _load: LoadFunction };
  const load = loader._load;
  const nativeRequire = createRequire(import.meta.url);
  loader._load = function (this: unknown, request, parent, isMain) {
    const own = entryPoints[request];
    if (own === undefined) return load.call(this, request, parent, isMain);
    // tsx leaves its namespace query on the parent's file name.
    const from = parent?.filename?.replace(/\?.*$/, '') ?? join(process.cwd(), 'index.js');
    let target: string;
    try {
      target = createRequire(from).resolve(request);
    } catch {
      target = fileURLToPath(own);
    }
    return nativeRequire(target);
  };
}
