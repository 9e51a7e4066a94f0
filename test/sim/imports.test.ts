import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = join(import.meta.dirname, '../../src/sim');
const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
/** Each file → the src/sim files it imports (type-only imports included: they tie the types together too). */
const graph = new Map(
  files.map((file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    const local = [...text.matchAll(/from '\.\/([\w-]+)\.js'/g)].map((m) => `${m[1]}.ts`);
    return [file, local] as const;
  }),
);

/** The composition root and the public surface may import the components; nothing else may. */
const assemblers = new Set(['wiring.ts', 'simulation.ts', 'index.ts']);

describe('src/sim imports', () => {
  it('have no cycle', () => {
    const done = new Set<string>();
    const visit = (file: string, path: string[]): void => {
      if (path.includes(file)) throw new Error(`import cycle: ${[...path, file].join(' → ')}`);
      if (done.has(file)) return;
      for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
      done.add(file);
    };
    for (const file of files) visit(file, []);
  });

  it('keep components apart: they import the context types and pure helpers, not each other or the simulation', () => {
    const components = files.filter(
      (f) => [...readFileSync(join(dir, f), 'utf8').matchAll(/constructor\(\s*(private )?readonly ctx: /g)].length > 0,
    );
    expect(components.length).toBeGreaterThan(8);
    for (const file of files) {
      if (assemblers.has(file)) continue;
      const wrong = (graph.get(file) ?? []).filter((f) => components.includes(f) || assemblers.has(f));
      expect(wrong, `${file} imports ${wrong.join(', ')}`).toEqual([]);
    }
  });
});
