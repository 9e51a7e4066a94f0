import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const exec = new URL('../dist/engines/k3d/exec.js', import.meta.url);
if (!existsSync(exec)) console.warn('lazy-load.test: dist/ is not built (npm run build); the built-package check is skipped');

describe('packages twin loads on first use (src/load/lazy.ts)', () => {
  // A user's project that runs its tests under tsx has tsx's CommonJS require hook in the process: there `require`
  // of an ES module resolves that module's own imports with require's conditions, and execa's could not be found.
  it.skipIf(!existsSync(exec))("runs a command from a project whose tests run under tsx's require hook", () => {
    const script = `import { createExec } from ${JSON.stringify(exec.href)};
const result = await createExec()(process.execPath, ['-e', 'process.stdout.write("ran")']);
process.stdout.write(result.stdout);`;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('ran');
    expect(run.status).toBe(0);
  });
});
