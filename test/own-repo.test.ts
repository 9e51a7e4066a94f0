/**
 * twin in the user's own repository: the packed package (`npm pack`) installed into fresh
 * projects of each common layout, run the ways the README shows (npx, npm exec, a package.json
 * script, a global install). One pack, one local install shared by the project layouts (they
 * differ only in their package.json), one global install into a temporary prefix.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/cli.js';

const scratch = mkdtempSync(join(tmpdir(), 'twin-own-repo-'));
const globalPrefix = join(scratch, 'global');
const fragile = join(repoRoot, 'test/fixtures/fragile');

function sh(command: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true', NO_COLOR: '1', npm_config_update_notifier: 'false', npm_config_fund: 'false', ...env },
    timeout: 180_000,
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr, output: `${result.stdout}\n${result.stderr}` };
}

function npm(args: string[], cwd: string) {
  const result = sh('npm', args, cwd);
  if (result.code !== 0) throw new Error(`npm ${args.join(' ')} failed (${result.code}):\n${result.output}`);
  return result.stdout;
}

const nodes = `[
    { name: 's1', profile: 'pi4b-4gb', role: 'server' },
    { name: 'w1', profile: 'pi4b-4gb', role: 'agent' },
    { name: 'w2', profile: 'pi4b-4gb', role: 'agent' },
  ]`;
/** The scenario body: w1 loses power and is marked NotReady after the 40 s grace period. */
const body = (cluster: string) => `{
  description: 'w1 loses power',
  cluster: ${cluster},
  workloads: ['./k8s'],
  duration: '3m',
  faults: [{ id: 'power', at: '1m', kind: 'power-off', node: 'w1' }],
  expect: [{ kind: 'node-condition', node: 'w1', status: 'NotReady', after: 'fault:power', notBefore: '30s', within: '50s' }],
}`;

const importing = (name: string) => `import { ${name} } from 'twin';\n`;
const requiring = (name: string) => `const { ${name} } = require('twin');\n`;
const clusterSpec = (name: string) => `{ name: '${name}', k3s: { version: 'v1.31.4+k3s1' }, nodes: ${nodes} }`;

/** Files written with import/export, as the README shows them: valid in every layout. */
const moduleFiles: Record<string, string> = {
  'cluster.ts': `${importing('defineCluster')}const spec: object = ${clusterSpec('mine')};\nexport default defineCluster(spec);\n`,
  'scenario-ts.ts': `${importing('defineScenario')}import c from './cluster.js';\nexport default defineScenario(${body('c')});\n`,
  'scenario-mts.mts': `${importing('defineScenario')}export default defineScenario(${body("'./cluster.yaml'")});\n`,
  'scenario-cts.cts': `${importing('defineScenario')}export default defineScenario(${body("'./cluster.ts'")});\n`,
  'scenario-js.js': `// A comment first.\n${importing('defineScenario')}export default defineScenario(${body("'./cluster.ts'")});\n`,
  'scenario-mjs.mjs': `${importing('defineScenario')}export default defineScenario(${body("'./cluster.yaml'")});\n`,
};
/** CommonJS files (require/module.exports): valid where the package is not "type": "module". */
const commonJsFiles: Record<string, string> = {
  'cluster-cjs.cts': `${requiring('defineCluster')}module.exports = defineCluster(${clusterSpec('cjs')});\n`,
  'scenario-cjs.ts': `${requiring('defineScenario')}module.exports = defineScenario(${body("'./cluster-cjs.cts'")});\n`,
};

/** A project directory with the fixture cluster and workloads, and the given files. */
function project(name: string, packageJson: object | undefined, files: Record<string, string>): string {
  const dir = join(scratch, name);
  mkdirSync(join(dir, 'k8s'), { recursive: true });
  copyFileSync(join(fragile, 'cluster.yaml'), join(dir, 'cluster.yaml'));
  copyFileSync(join(fragile, 'frontend.yaml'), join(dir, 'k8s/frontend.yaml'));
  if (packageJson) writeFileSync(join(dir, 'package.json'), JSON.stringify(packageJson, null, 2));
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

const scenarioNames = (files: Record<string, string>) => Object.keys(files).filter((f) => f.startsWith('scenario-'));

function expectAllPass(result: ReturnType<typeof sh>, files: string[]) {
  expect(result.output).not.toMatch(/cannot load|Error/);
  expect(result.code).toBe(0);
  for (const file of files) expect(result.stdout).toMatch(new RegExp(`PASS ${file.replace(/\.[cm]?[jt]s$/, '')}: 1/1 expectations hold`));
}

let commonJs: string;
let globalTwin: string;

beforeAll(() => {
  if (!existsSync(join(repoRoot, 'dist/index.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  // The dist/ the rest of the suite runs; packing without `prepare` keeps other tests' dist/ intact.
  const [packed] = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], repoRoot)) as Array<{
    filename: string;
  }>;
  const tarball = join(scratch, packed!.filename);
  const install = ['install', '--no-audit', '--no-fund', '--prefer-offline'];
  // `npm init -y` writes "type": "commonjs": the layout of the original report.
  commonJs = project('commonjs', undefined, { ...moduleFiles, ...commonJsFiles });
  npm(['init', '-y'], commonJs);
  npm([...install, tarball], commonJs);
  npm([...install, '--global', '--prefix', globalPrefix, tarball], scratch);
  globalTwin = join(globalPrefix, 'bin/twin');
}, 300_000);

// Two installs of twin and its dependencies: a slow delete on a busy machine.
afterAll(() => rmSync(scratch, { recursive: true, force: true }), 180_000);

describe('twin installed in the user’s own project', () => {
  it('a CommonJS project (npm init -y): npx twin runs .ts, .mts, .cts, .js and .mjs scenarios, ES module or CommonJS', () => {
    // Recent npm writes "type": "commonjs", older npm no type, which means the same.
    expect(['commonjs', undefined]).toContain((JSON.parse(readFileSync(join(commonJs, 'package.json'), 'utf8')) as { type?: string }).type);
    const files = scenarioNames({ ...moduleFiles, ...commonJsFiles });
    expectAllPass(sh('npx', ['twin', 'run', ...files, '--quiet'], commonJs), files);
  });

  it('an ES module project ("type": "module"), through npm exec and a package.json script', () => {
    const dir = project(
      'esm',
      { name: 'esm', private: true, type: 'module', scripts: { sim: 'twin run scenario-ts.ts --quiet' } },
      moduleFiles,
    );
    symlinkSync(join(commonJs, 'node_modules'), join(dir, 'node_modules'));
    const files = scenarioNames(moduleFiles);
    expectAllPass(sh('npm', ['exec', '--', 'twin', 'run', ...files, '--quiet'], dir), files);
    expectAllPass(sh('npm', ['run', '--silent', 'sim'], dir), ['scenario-ts.ts']);
  });

  it('no package.json and no twin installed: a global twin resolves `twin` and `twin/testing` to itself', () => {
    const testing = "import { deploymentsRecover } from 'twin/testing';\nif (!deploymentsRecover) throw new Error('no testing');\n";
    const dir = project('bare', undefined, {
      ...moduleFiles,
      ...commonJsFiles,
      'scenario-testing.ts': testing + moduleFiles['scenario-ts.ts']!,
    });
    expect(existsSync(join(dir, 'node_modules'))).toBe(false);
    const files = scenarioNames({ ...moduleFiles, ...commonJsFiles, 'scenario-testing.ts': '' });
    expectAllPass(sh(globalTwin, ['run', ...files, '--quiet'], dir), files);
  });

  it('the scenario `twin check` writes runs again with `twin run` from where it was written', () => {
    const check = sh(
      'npx',
      ['twin', 'check', 'cluster.yaml', '-w', 'k8s', '--property', 'service-availability', '--service', 'default/frontend', '--seed', '42'],
      commonJs,
    );
    expect(check.code).toBe(1);
    const file = /scenario: (\S+\.ts)/.exec(check.stdout)?.[1];
    expect(file).toBeDefined();
    const rerun = sh('npx', ['twin', 'run', file!, '--quiet'], commonJs);
    expect(rerun.output).not.toMatch(/cannot load/);
    // It reproduces the failure: the run works, the expectation fails (exit 1, not 2).
    expect(rerun.code).toBe(1);
    expect(rerun.stdout).toMatch(/FAIL check-service-availability-\d+/);
  });

  it('a file that calls process.exit while loading is an error naming the file (exit 2), not a silent end', () => {
    const dir = project('exits', undefined, {
      'exits.ts': `import { defineScenario } from 'twin';\nprocess.exit(0);\nexport default defineScenario;\n`,
    });
    const result = sh(globalTwin, ['run', 'exits.ts', '--quiet'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/exits\.ts: the file called process\.exit\(0\) while loading/);
  });
});
