/**
 * Bundles the two pure-JavaScript dependencies every command loads at start, zod and yaml, into one ES
 * module each under dist/vendor (esbuild), and points dist's imports of them there. Node then reads two
 * files where it read about 170 modules, the largest part of `twin validate`'s start-up (issue #21,
 * `npm run bench` cli-startup). Run by `npm run build` after tsc. The types still come from the packages,
 * which stay dependencies at the same versions; each bundle carries its package's name, version and licence.
 * Nothing else of dist moves, so paths built from import.meta.url (worker threads, report assets) hold.
 */
import { build } from 'esbuild';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const require = createRequire(import.meta.url);

/** Each package and its ES module entry (yaml's Node entry is CommonJS; its ES build is the same code). */
const vendored: ReadonlyArray<{ name: string; entry: string }> = [
  { name: 'zod', entry: 'index.js' },
  { name: 'yaml', entry: 'browser/index.js' },
];

for (const { name, entry } of vendored) {
  const root = dirname(require.resolve(`${name}/package.json`));
  const { version, license } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; license: string };
  const notice = readFileSync(join(root, 'LICENSE'), 'utf8').trim().replaceAll('*/', '* /');
  await build({
    entryPoints: [join(root, entry)],
    outfile: join(dist, 'vendor', `${name}.js`),
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minify: true,
    legalComments: 'inline',
    banner: { js: `/* ${name} ${version} (${license}), bundled by twin's scripts/vendor-deps.ts.\n\n${notice}\n*/` },
    logLevel: 'warning',
  });
}

const bare = new RegExp(`(from |import\\()'(${vendored.map((v) => v.name).join('|')})'`, 'g');
let rewritten = 0;
for (const file of readdirSync(dist, { recursive: true, encoding: 'utf8' })) {
  if (!file.endsWith('.js') || file.startsWith('vendor')) continue;
  const path = join(dist, file);
  const text = readFileSync(path, 'utf8');
  const toVendor = relative(dirname(path), join(dist, 'vendor')) || '.';
  const next = text.replace(
    bare,
    (_, keyword: string, name: string) => `${keyword}'${toVendor.startsWith('.') ? '' : './'}${toVendor}/${name}.js'`,
  );
  if (next !== text) {
    writeFileSync(path, next);
    rewritten++;
  }
}
console.log(`vendor-deps: ${vendored.map((v) => v.name).join(' and ')} bundled into dist/vendor, ${rewritten} module(s) pointed at them`);
