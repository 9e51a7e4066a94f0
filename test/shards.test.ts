/**
 * `--workers` and `--shard I/N` + `twin merge` give the output of one unsharded run on one
 * thread, byte for byte: `twin check` with and without a failure (the shrunk minimal schedule and
 * the reproduction file too), and `twin plan --search`. Runs the built CLI (dist/) on a TypeScript
 * cluster file, so worker threads run from dist/ here (test/parallel-check.test.ts runs them from source).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { twin, type CliResult } from './helpers/cli.js';

/** A folder inside the repository (so the cluster file's `import … from 'twin'` resolves), removed after the test. */
function scratchDir(): string {
  const dir = mkdtempSync(join(process.cwd(), 'test', '.tmp-shards-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** test/fixtures/fragile's cluster with six workers, as TypeScript: a fault on w1 (about one schedule in six) breaks the Service. */
function fragileCluster(dir: string): string {
  const file = join(dir, 'cluster.ts');
  const workers = ['w1', 'w2', 'w3', 'w4', 'w5', 'w6'].map((name) => `{ name: '${name}', profile: 'pi4b-4gb', role: 'agent' }`);
  writeFileSync(
    file,
    `import { defineCluster } from 'twin';
export default defineCluster({
  name: 'fragile',
  k3s: { version: 'v1.31.4+k3s1' },
  nodes: [{ name: 's1', profile: 'pi4b-4gb', role: 'server' }, ${workers.join(', ')}],
});
`,
  );
  return file;
}

/** CLI runs on a busy machine: a generous bound, never a timing assertion. */
const slow = 600_000;

const expectSame = (got: CliResult, want: CliResult, what: string) => {
  expect(got.stdout, what).toBe(want.stdout);
  expect(got.code, what).toBe(want.code);
};

/** Runs the N shards of a command, each into its own directory; the directories. */
function shards(dir: string, args: string[], count: number, workers = '1'): string[] {
  return Array.from({ length: count }, (_, i) => {
    const out = join(dir, `shard-${i + 1}`);
    const result = twin([...args, '--shard', `${i + 1}/${count}`, '--out', out, '--workers', i === 0 ? '2' : workers]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(new RegExp(`^shard ${i + 1}/${count}: `));
    return out;
  });
}

describe('twin check --workers / --shard and twin merge', () => {
  it(
    'a failure: 1 worker, 2 workers and 3 shards merged give the same minimal failure and reproduction file',
    () => {
      const dir = scratchDir();
      const cluster = fragileCluster(dir);
      const args = ['check', cluster, '-w', 'test/fixtures/fragile', '--property', 'service-availability', '--service', 'default/frontend'];
      const flags = [...args, '--kinds', 'power-off,reboot', '--max-faults', '1', '--runs', '40', '--seed', '2'];
      // Every run writes into the same --out, so that the printed paths are the same too.
      const out = join(dir, 'out');
      const run = (args: string[]) => {
        rmSync(out, { recursive: true, force: true });
        const result = twin([...args, '--out', out]);
        const written = readdirSync(out);
        expect(written).toHaveLength(1);
        return { result, reproduction: `${written[0]}\n${readFileSync(join(out, written[0]!), 'utf8')}` };
      };
      const one = run([...flags, '--workers', '1']);
      expect(one.result.code).toBe(1);
      expect(one.result.stdout).toMatch(/minimal schedule .* w1 at/);
      expect(one.result.stdout).toMatch(/--path 15:/); // the first failure comes after 15 passing runs
      const two = run([...flags, '--workers', '2']);
      expectSame(two.result, one.result, '2 workers');
      expect(two.reproduction).toBe(one.reproduction);
      const merged = run(['merge', ...shards(join(dir, 'shards'), flags, 3)]);
      expectSame(merged.result, one.result, '3 shards merged');
      expect(merged.reproduction).toBe(one.reproduction);
    },
    slow,
  );

  it(
    'no failure: 3 shards merged print what one run prints',
    () => {
      const dir = scratchDir();
      const flags = ['check', 'scenarios/clusters/edgestack-pi3.ts', '-w', 'scenarios/workloads/edgestack', '--runs', '9', '--seed', '3'];
      const one = twin([...flags, '--workers', '1']);
      expect(one.code).toBe(0);
      const merged = twin(['merge', ...shards(dir, flags, 3)]);
      expectSame(merged, one, '3 shards merged');
    },
    slow,
  );
});

describe('twin plan --search --workers / --shard and twin merge', () => {
  it(
    '2 workers and 3 shards merged print what one thread prints, as text and as JSON',
    () => {
      const dir = scratchDir();
      const flags = ['plan', '--search', '-w', 'scenarios/workloads/taskmaster', '--max-nodes', '3', '--budget', '400'];
      for (const form of [[], ['--json']]) {
        const one = twin([...flags, ...form, '--workers', '1']);
        expect(one.code).toBe(0);
        expect(one.stdout.length).toBeGreaterThan(100);
        expectSame(twin([...flags, ...form, '--workers', '2']), one, `2 workers ${form.join(' ')}`);
        expectSame(
          twin(['merge', ...shards(join(dir, form.join('') || 'text'), [...flags, ...form], 3)]),
          one,
          `3 shards ${form.join(' ')}`,
        );
      }
    },
    slow,
  );
});

describe('bad shards', () => {
  it(
    'refuses shard specs that are not I/N with 1 ≤ I ≤ N',
    () => {
      for (const spec of ['0/3', '4/3', 'a/b']) {
        const result = twin(['plan', '--search', '-w', 'scenarios/workloads/taskmaster', '--shard', spec, '--out', 'x']);
        expect(result.code, spec).toBe(2);
        expect(result.stderr.trim().split('\n'), spec).toEqual([
          `twin: --shard: "${spec}" is not a shard I/N with 1 ≤ I ≤ N ≤ 10000 (e.g. --shard 2/3 runs the second of three slices)`,
        ]);
      }
    },
    slow,
  );

  it(
    'refuses shard files of different runs, a missing shard and a duplicate, naming the file and the fix',
    () => {
      const dir = scratchDir();
      const flags = ['check', 'scenarios/clusters/edgestack-pi3.ts', '-w', 'scenarios/workloads/edgestack', '--runs', '2', '--seed', '3'];
      const [first, second] = shards(dir, flags, 2);
      const other = join(dir, 'other');
      expect(twin([...flags.slice(0, -1), '4', '--shard', '2/2', '--out', other]).code).toBe(0);
      const oneLine = (args: string[], pattern: RegExp) => {
        const result = twin(['merge', ...args]);
        expect(result.code).toBe(2);
        expect(result.stderr.trim().split('\n')).toHaveLength(1);
        expect(result.stderr).toMatch(pattern);
      };
      oneLine([first!, other], /shard-2-of-2\.json: seed: has seed 4, .*shard-1-of-2\.json seed 3 \(rerun it with the same flags/);
      oneLine([first!], /shard-1-of-2\.json: shard: shard 2\/2 is missing \(run it with --shard 2\/2/);
      oneLine([first!, second!, join(second!, 'shard-2-of-2.json')], /shard 2\/2 again \(also in .*\) \(name each shard once\)/);
      const three = join(dir, 'three');
      mkdirSync(three);
      const file = JSON.parse(readFileSync(join(second!, 'shard-2-of-2.json'), 'utf8'));
      writeFileSync(join(three, 'shard-2-of-3.json'), JSON.stringify({ ...file, shard: { index: 2, count: 3 } }));
      oneLine(
        [first!, three],
        /shard-2-of-3\.json: shard: is one of 3 shards, .* one of 2 \(rerun it with the same flags as the others \(--shard I\/2\)/,
      );
      // Files that parse as JSON but are no shard's: one line each, never a crash.
      const broken = join(dir, 'broken');
      mkdirSync(broken);
      writeFileSync(join(broken, 'shard-2-of-2.json'), 'null');
      oneLine([first!, broken], /shard-2-of-2\.json: kind: is not a twin shard file/);
      writeFileSync(join(broken, 'shard-2-of-2.json'), JSON.stringify({ ...file, result: 'none' }));
      oneLine([first!, broken], /shard-2-of-2\.json: kind: is not a twin shard file/);
    },
    slow,
  );
});
