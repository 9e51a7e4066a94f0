/**
 * The architecture fences of the README's development section, checked on the sources: folders
 * import only the layers beneath them (so no folder cycle can form), the simulation core has no
 * import cycle except through type-only imports of its context type, src/model is pure, and no
 * source file reaches 350 lines.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../src/', import.meta.url));

/** Layers from the bottom up (README, "Architecture"; eslint.config.js fences the same table). */
const layers: readonly (readonly string[])[] = [
  ['errors.ts'],
  ['model'],
  ['load', 'import'],
  ['sim'],
  ['scenario'],
  ['engines'],
  ['report'],
  ['runner', 'plan', 'testing', 'validate.ts', 'init', 'export'],
  ['cli', 'index.ts'],
];

interface SourceFile {
  readonly path: string;
  readonly lines: number;
  /** Resolved paths of value imports and of type-only imports. */
  readonly imports: ReadonlyArray<{ readonly target: string; readonly typeOnly: boolean }>;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : path.endsWith('.ts') || path.endsWith('.tsx') ? [path] : [];
  });
}

const importPattern = /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?'(\.[^']+)'|import\('(\.[^']+)'\)/g;

function read(path: string): SourceFile {
  const text = readFileSync(path, 'utf8');
  const imports: Array<{ target: string; typeOnly: boolean }> = [];
  for (const match of text.matchAll(importPattern)) {
    const specifier = match[3] ?? match[4];
    if (!specifier) continue;
    const target = resolve(dirname(path), specifier)
      .replace(/\.js$/, '.ts')
      .replace(/\.jsx$/, '.tsx');
    imports.push({ target, typeOnly: match[2] !== undefined });
  }
  return { path, lines: text.split('\n').length - (text.endsWith('\n') ? 1 : 0), imports };
}

const files = walk(root).map(read);
const folderOf = (path: string) => relative(root, path).split('/')[0] ?? '';
const layerOf = (folder: string) => layers.findIndex((layer) => layer.includes(folder));

function cycles(graph: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  // Tarjan's strongly connected components; every component of more than one node is a cycle.
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    indices.set(node, index);
    low.set(node, index++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indices.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, indices.get(next)!));
    }
    if (low.get(node) === indices.get(node)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!indices.has(node)) visit(node);
  return found;
}

describe('architecture', () => {
  it('every folder and top-level file of src/ has a layer', () => {
    const unplaced = [...new Set(files.map((f) => folderOf(f.path)))].filter((folder) => layerOf(folder) < 0);
    expect(unplaced).toEqual([]);
  });

  it('imports point down the layers: no folder imports a layer above it', () => {
    const upward = files.flatMap((file) =>
      file.imports
        .filter((i) => layerOf(folderOf(i.target)) > layerOf(folderOf(file.path)))
        .map((i) => `${relative(root, file.path)} imports ${relative(root, i.target)}`),
    );
    expect(upward).toEqual([]);
  });

  it('no import cycle between folders', () => {
    const graph = new Map<string, Set<string>>();
    for (const file of files) {
      const from = folderOf(file.path);
      const edges = graph.get(from) ?? new Set<string>();
      for (const i of file.imports) if (folderOf(i.target) !== from) edges.add(folderOf(i.target));
      graph.set(from, edges);
    }
    expect(cycles(graph)).toEqual([]);
  });

  it('src/sim has no import cycle other than through type-only imports (its context type)', () => {
    const sim = files.filter((f) => folderOf(f.path) === 'sim');
    const graph = new Map(
      sim.map((f) => [f.path, new Set(f.imports.filter((i) => !i.typeOnly && folderOf(i.target) === 'sim').map((i) => i.target))]),
    );
    expect(cycles(graph).map((c) => c.map((p) => relative(root, p)))).toEqual([]);
  });

  it('src/model and src/sim import no Node module (pure: file loading lives in src/load)', () => {
    const impure = files
      .filter((f) => ['model', 'sim'].includes(folderOf(f.path)))
      .filter((f) => /from '(node:|fs|path|os|child_process)/.test(readFileSync(f.path, 'utf8')))
      .map((f) => relative(root, f.path));
    expect(impure).toEqual([]);
  });

  it('no source file in src/ reaches 350 lines', () => {
    const large = files.filter((f) => f.lines >= 350).map((f) => `${relative(root, f.path)}: ${f.lines} lines`);
    expect(large).toEqual([]);
  });
});
