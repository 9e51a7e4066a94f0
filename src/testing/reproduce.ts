/**
 * Writes a failing schedule out as a ready-to-run scenario file, so `twin run` reproduces
 * the exact failure (same cluster, workloads, faults, seed and expectations).
 */
import { dirname, join, relative } from 'node:path';
import { writeFileAtomic } from '../report/write.js';
import type { CheckFailure } from './check.js';

export interface ReproductionSources {
  /** Path of the cluster file. */
  readonly cluster: string;
  /** Manifest files or directories. */
  readonly workloads: readonly string[];
}

const rel = (from: string, to: string) => {
  const path = relative(from, to);
  return path.startsWith('.') ? path : `./${path}`;
};

/** Returns the written file's path. */
export function writeReproduction(failure: CheckFailure, property: string, sources: ReproductionSources, dir: string): string {
  const name = `check-${property}-${failure.seed >>> 0}`;
  const file = join(dir, `${name}.ts`);
  const base = dirname(file);
  const faults = failure.faults.map((f) => JSON.stringify(f));
  const expectations = failure.expectations.map((e) => JSON.stringify(e));
  const origin = `fast-check seed ${failure.seed}, path "${failure.path}", ${failure.shrinks} shrink(s)`;
  const text = `// Written by \`twin check\`: property ${property} failed (${origin}).
// ${failure.explanation.replace(/\n/g, ' ')}
// Reproduce with: twin run ${file}
import { defineScenario } from 'twin';

export default defineScenario({
  name: ${JSON.stringify(name)},
  description: ${JSON.stringify(`Minimal schedule that breaks ${property}`)},
  cluster: ${JSON.stringify(rel(base, sources.cluster))},
  workloads: ${JSON.stringify(sources.workloads.map((w) => rel(base, w)))},
  duration: ${failure.duration},
  seed: ${failure.simSeed},
  faults: [
${faults.map((f) => `    ${f},`).join('\n')}
  ],
  expect: [
${expectations.map((e) => `    ${e},`).join('\n')}
  ],
});
`;
  writeFileAtomic(file, text);
  return file;
}
