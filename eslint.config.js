// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/**
 * The layers of src/, from the bottom up (README, "Architecture"): a folder (or top-level file)
 * may import its own layer's files and any layer beneath it, never one above, so no import cycle
 * can form between folders. test/architecture.test.ts checks the same table on the sources.
 */
const layers = [
  ['errors'],
  ['model'],
  ['load', 'import'],
  ['sim'],
  ['scenario'],
  ['engines'],
  ['report'],
  ['runner', 'plan', 'testing', 'validate', 'init', 'export'],
  ['cli', 'index'],
];
const isFile = (name) => ['errors', 'validate', 'index'].includes(name);

/** One config block per folder and depth: imports that climb to src/ and name a higher layer are refused. */
function layerFences() {
  return layers.flatMap((layer, i) => {
    const above = layers.slice(i + 1).flat();
    if (above.length === 0) return [];
    const names = above.join('|');
    return layer.flatMap((name) => {
      const depths = isFile(name)
        ? [{ files: [`src/${name}.ts`], up: 1 }]
        : [1, 2, 3].map((d) => ({ files: [`src/${name}/${'*/'.repeat(d - 1)}*.{ts,tsx}`], up: d }));
      const self = `src/${name}${isFile(name) ? '.ts' : ''}`;
      return depths.map(({ files, up }) => ({
        files,
        rules: {
          'no-restricted-imports': [
            'error',
            {
              patterns: [
                {
                  regex: `^${isFile(name) ? '\\./' : '(\\.\\./)'.repeat(up)}(${names})(/|\\.js$)`,
                  message: `${self} sits below ${above.join(', ')} (README, "Architecture"): imports point down the layers.`,
                },
              ],
            },
          ],
        },
      }));
    });
  });
}

export default tseslint.config(
  {
    // test/.tmp-*: what the CLI tests write (gitignored), e.g. the scenarios `twin check` generates.
    ignores: ['dist/', 'node_modules/', 'reports/', 'coverage/', '.scratch/', 'test/.tmp-*/', 'test/fixtures/scenarios/syntax-error.ts'],
  },
  js.configs.recommended,
  ...tseslint.configs.strict,
  { languageOptions: { globals: { ...globals.node } } },
  {
    // Tests may assert presence with `!` and poke at raw YAML.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
  ...layerFences(),
  {
    // The CLI parses arguments and calls the library: engines are reached through their contract and registry only.
    files: ['src/cli/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '/engines/(k3d|sim)/',
              message: 'src/cli reaches engines through src/engines/registry.ts and the Engine contract, never their internals.',
            },
          ],
        },
      ],
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Prettier's printWidth, also for the strings, template literals, regexes and comments it leaves alone (#15).
      'max-len': ['error', { code: 140, ignoreUrls: true }],
    },
  },
  {
    // Fixtures reproduce files as users write them, long lines included.
    files: ['test/fixtures/**'],
    rules: { 'max-len': 'off' },
  },
  {
    // The simulation core is pure: no I/O, no wall clock, no ambient randomness.
    files: ['src/sim/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'fs', 'path', 'os', 'child_process'], message: 'src/sim is pure: no I/O.' },
            {
              group: ['execa', 'ink', 'react', 'yargs', 'zod', 'yaml', 'tsx', 'tsx/*'],
              message: 'src/sim is pure: no I/O, UI or parsing.',
            },
            // Kubernetes model types are welcome; the client's runtime is not.
            {
              group: ['@kubernetes/client-node'],
              message: 'src/sim may use only the types of @kubernetes/client-node.',
              allowTypeImports: true,
            },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Use the virtual clock.' },
        { object: 'Math', property: 'random', message: 'Use the seeded RNG passed in.' },
        { object: 'performance', property: 'now', message: 'Use the virtual clock.' },
      ],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'setImmediate', 'process'],
      'no-restricted-syntax': ['error', { selector: "NewExpression[callee.name='Date']", message: 'Use the virtual clock.' }],
    },
  },
  {
    // The model is pure values and parsing, like src/sim: no file system, no process, no module
    // loading. Reading files is src/load's job; it imports the model, never the other way.
    files: ['src/model/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'fs/*', 'path', 'os', 'url', 'child_process'],
              message: 'src/model is pure: no I/O (file loading lives in src/load).',
            },
            {
              group: ['tsx', 'tsx/*', 'execa', 'ink', 'react', 'yargs'],
              message: 'src/model is pure: no module loading, processes or UI.',
            },
            // Kubernetes model types are welcome; the client's runtime is not.
            {
              group: ['@kubernetes/client-node'],
              message: 'src/model may use only the types of @kubernetes/client-node.',
              allowTypeImports: true,
            },
            // The bottom layer: errors ← model ← load ← everything else.
            { group: ['../*', '!../errors.js'], message: 'src/model is the bottom layer: it imports only ../errors.js and its own files.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'process', 'setTimeout', 'setInterval', 'setImmediate'],
    },
  },
  {
    // File loading sits just above the model: it may read files, but it knows nothing of
    // scenarios, engines, the simulator, reports or the CLI.
    files: ['src/load/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['../*', '!../errors.js', '!../model'], message: 'src/load imports only ../errors.js, ../model and its own files.' },
            { group: ['execa', 'ink', 'react', 'yargs'], message: 'src/load reads files; it runs no processes and draws no UI.' },
          ],
        },
      ],
    },
  },
);
