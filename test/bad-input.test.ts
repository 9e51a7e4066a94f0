/**
 * Generated bad input for every command: malformed cluster files, malformed scenarios and garbage
 * flag values. Whatever a user types must end in a result or in one clear line: an exit code from
 * the documented set (README "Exit codes"), never 70, no stack trace, nothing written outside the
 * output folder, and every case finished within a bound.
 *
 * The seed is fixed so CI is repeatable; TWIN_FUZZ_SEED=<n> explores other inputs, and a failure
 * prints the seed and path fast-check needs to replay it.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, twin } from './helpers/cli.js';

const seed = Number(process.env['TWIN_FUZZ_SEED'] ?? 20261201);
const documented = new Set([0, 1, 2, 3, 4]);

const root = mkdtempSync(join(tmpdir(), 'twin-bad-input-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const clusterYaml = readFileSync(join(repoRoot, 'scenarios/clusters/pi4-zero-fleet.yaml'), 'utf8');
const workloadYaml = `apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: default }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - name: web
          image: nginx:1.27
          resources: { requests: { cpu: 50m, memory: 32Mi } }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec:
  selector: { app: web }
  ports: [{ port: 80 }]
`;
const baseScenario = {
  description: 'generated bad input',
  cluster: './cluster.yaml',
  workloads: ['./workloads'],
  duration: '10m',
  seed: 1,
  faults: [{ id: 'p', at: '1m', kind: 'power-off', node: 'zero-1', for: '3m' }],
  expect: [{ kind: 'node-condition', node: 'zero-1', status: 'NotReady', after: 'fault:p', within: '60s' }],
};

let cases = 0;
/** A fresh folder holding a valid cluster, workloads and scenario; tests overwrite one of them. */
function caseDir(): string {
  const dir = join(root, `case-${++cases}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'cluster.yaml'), clusterYaml);
  cpSync(join(repoRoot, 'scenarios/workloads/zero-fleet'), join(dir, 'workloads'), { recursive: true });
  writeFileSync(join(dir, 'workloads', 'web.yaml'), workloadYaml);
  writeFileSync(join(dir, 'scenario.ts'), `export default ${JSON.stringify(baseScenario, null, 2)};\n`);
  return dir;
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...listFiles(path));
    else out.push(path);
  }
  return out;
}

const outputFlags = new Set(['--out', '--junit', '--html', '-o', '--output']);

/** Runs twin in `dir` and checks the outcome is one a user can act on. */
function expectClearOutcome(dir: string, args: string[]): void {
  const before = new Set(listFiles(dir));
  const result = twin(args, { cwd: dir, timeout: 45_000 });
  const what = `twin ${args.join(' ')} (in ${dir})`;
  expect(result.code, `${what} did not finish in time or was killed\n${result.stderr}`).not.toBe(-1);
  expect(documented.has(result.code), `${what} exited ${result.code}\n${result.stderr}`).toBe(true);
  expect(result.stderr, `${what} printed a stack trace`).not.toMatch(/\n\s+at .+:\d+:\d+\)?/);
  expect(result.stderr, `${what} reported an internal error`).not.toMatch(/internal error/);
  if (result.code === 2) {
    const lines = result.stderr.trim().split('\n');
    expect(lines.length, `${what}: a bad-input error is a few clear lines, got:\n${result.stderr}`).toBeLessThanOrEqual(20);
    // `twin: …` or validate's `FILE: field: …`: it names what is wrong before anything else.
    expect(lines[0], `${what}: the error names no file, field or flag`).toMatch(/^(twin: )?[^\s:][^:]*: \S/);
  }
  // A flag that names an output file may write exactly there (`--junit -0.5` is a file named -0.5).
  const named = new Set(args.filter((a, i) => outputFlags.has(args[i - 1] ?? '')).map((a) => join(dir, a)));
  const written = listFiles(dir).filter((path) => !before.has(path) && !named.has(path) && !relative(dir, path).startsWith('out'));
  expect(written, `${what} wrote outside its output folder`).toEqual([]);
  const partial = listFiles(dir).filter((path) => /partial/.test(path));
  expect(partial, `${what} left partial files`).toEqual([]);
}

// ------------------------------------------------------------------ hostile values and mutations

const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    -1,
    0,
    1e9,
    1e300,
    -1e300,
    '',
    'abc',
    '720h',
    '1e300s',
    '-5m',
    '{{ .Values.replicas }}',
    'NaN',
    true,
    [],
    {},
    'x'.repeat(5000),
    'pi-9',
    '../../../etc/passwd',
  ),
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
);

type Path = Array<string | number>;
function paths(value: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [prefix];
  if (Array.isArray(value)) value.forEach((item, i) => out.push(...paths(item, [...prefix, i])));
  else if (value && typeof value === 'object')
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) out.push(...paths(item, [...prefix, key]));
  return out;
}
function setAt(value: unknown, path: Path, replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy = (Array.isArray(value) ? [...(value as unknown[])] : { ...(value as Record<string, unknown>) }) as Record<
    string | number,
    unknown
  >;
  const [head, ...rest] = path as [string | number, ...Path];
  copy[head] = setAt(copy[head], rest, replacement);
  return copy;
}
/** Replaces one place in a document (any depth, or a new key beside an existing one) with a hostile value. */
const mutation = (doc: unknown): fc.Arbitrary<unknown> => {
  const all = paths(doc).filter((p) => p.length > 0);
  return fc
    .tuple(fc.nat({ max: all.length - 1 }), hostile, fc.boolean(), fc.constantFrom('extra', 'nodes', 'spec', 'kind'))
    .map(([index, value, addKey, key]) => {
      const path = all[index]!;
      return addKey ? setAt(doc, [...path.slice(0, -1), key], value) : setAt(doc, path, value);
    });
};
/** Text damage: a cut at any point, or characters YAML treats specially inserted at any point. */
const textDamage = (text: string): fc.Arbitrary<string> =>
  fc.oneof(
    fc.nat({ max: text.length }).map((at) => text.slice(0, at)),
    fc
      .tuple(fc.nat({ max: text.length }), fc.constantFrom('{', ': ', '- ', '&a ', '*a', '\t', '"', '[', '%', '!!binary ', '? '))
      .map(([at, insert]) => text.slice(0, at) + insert + text.slice(at)),
  );

const runs = (n: number): fc.Parameters<unknown> => ({ seed, numRuns: Number(process.env['TWIN_FUZZ_RUNS'] ?? n), endOnFailure: true });

describe('generated bad input', () => {
  it('malformed cluster files: validate, plan and bringup end in a result or one clear line', () => {
    const doc = parse(clusterYaml) as unknown;
    const damaged = fc.oneof(
      mutation(doc).map((d) => stringify(d)),
      textDamage(clusterYaml),
    );
    fc.assert(
      fc.property(damaged, fc.constantFrom('validate', 'plan', 'bringup'), (text, command) => {
        const dir = caseDir();
        writeFileSync(join(dir, 'cluster.yaml'), text);
        const extra = command === 'validate' ? [] : command === 'plan' ? ['-w', 'workloads'] : ['--out', 'out'];
        expectClearOutcome(dir, [command, 'cluster.yaml', ...extra]);
      }),
      runs(24),
    );
  }, 600_000);

  it('malformed scenarios: validate and run end in a result or one clear line', () => {
    fc.assert(
      fc.property(mutation(baseScenario), fc.constantFrom('validate', 'run'), (scenario, command) => {
        const dir = caseDir();
        writeFileSync(join(dir, 'scenario.ts'), `export default ${JSON.stringify(scenario, null, 2)};\n`);
        expectClearOutcome(dir, command === 'run' ? ['run', 'scenario.ts', '--quiet', '--out', 'out'] : ['validate', 'scenario.ts']);
      }),
      runs(24),
    );
  }, 600_000);

  it('malformed manifests: validate and plan end in a result or one clear line', () => {
    const docs = workloadYaml.split('---\n').map((d) => parse(d) as unknown);
    const damaged = fc.oneof(
      mutation(docs[0]).map((d) => `${stringify(d)}---\n${stringify(docs[1])}`),
      textDamage(workloadYaml),
    );
    fc.assert(
      fc.property(damaged, (text) => {
        const dir = caseDir();
        writeFileSync(join(dir, 'workloads', 'web.yaml'), text);
        expectClearOutcome(dir, ['plan', 'cluster.yaml', '-w', 'workloads']);
      }),
      runs(12),
    );
  }, 300_000);

  const garbage = fc.constantFrom('abc', '-1', '0', '', '1e309', 'NaN', '1.5', '-0.5', '%s', 'x'.repeat(300), '10q', '/proc/nope/x');
  const commands: Array<{ base: string[]; flags: string[] }> = [
    { base: ['run', 'scenario.ts', '--quiet', '--out', 'out'], flags: ['--seed', '--engine', '--junit', '--profiles-dir'] },
    {
      base: ['plan', 'cluster.yaml', '-w', 'workloads'],
      flags: ['--tolerate', '--kwh-price', '--compare', '--html', '--profiles', '--max-nodes', '--budget', '--max-watts'],
    },
    { base: ['plan', 'cluster.yaml', '-w', 'workloads', '--search', '--max-nodes', '3'], flags: ['--profiles', '--budget', '--max-watts'] },
    { base: ['bringup', 'cluster.yaml', '--out', 'out'], flags: ['--seed', '--engine', '-w'] },
    {
      base: ['check', 'cluster.yaml', '-w', 'workloads', '--runs', '3', '--out', 'out'],
      flags: ['--property', '--service', '--at-least', '--within', '--runs', '--seed', '--path', '--max-faults', '--kinds', '--junit'],
    },
    { base: ['export', 'cluster.yaml'], flags: ['--image', '--profiles-dir'] },
    { base: ['report', 'out'], flags: ['--format'] },
    {
      base: ['import', '--out', 'out/imported'],
      flags: ['--inventory', '--from', '--kubeconfig', '--profiles', '--default-profile', '--name'],
    },
    { base: ['profiles'], flags: ['--profiles-dir'] },
    { base: ['validate', 'cluster.yaml'], flags: ['--profiles-dir'] },
  ];

  it('garbage flag values for every command end in a result or one clear line', () => {
    const flagCase = fc
      .constantFrom(...commands)
      .chain((command) => fc.tuple(fc.constant(command), fc.constantFrom(...command.flags), garbage));
    fc.assert(
      fc.property(flagCase, ([command, flag, value]) => {
        const dir = caseDir();
        const result = [...command.base, flag, value];
        expectClearOutcome(dir, result);
      }),
      runs(40),
    );
  }, 900_000);
});
