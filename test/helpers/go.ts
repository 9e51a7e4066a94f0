/**
 * The Go programs of the node image (node-image/*): whether a Go toolchain is here, their Go tests, and
 * how scripts/build-k3s-image.sh builds them.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { delimiter } from 'node:path';
import { expect } from 'vitest';

const PATH = [process.env['PATH'] ?? '', '/usr/local/go/bin'].join(delimiter);

/** Whether `go` runs here (also from /usr/local/go/bin); says once why its tests are skipped when not. */
export function haveGo(program: string): boolean {
  const ok = spawnSync('go', ['version'], { encoding: 'utf8', env: { ...process.env, PATH } }).status === 0;
  if (!ok) console.log(`node-image/${program} Go tests skipped: no Go toolchain (go version failed)`);
  return ok;
}

/**
 * Runs `go test ./...` in node-image/<program> and fails with its output unless it passes. Go's own test timeout
 * comes first, a minute before ours (a hung test then fails with every goroutine's stack, not an empty output).
 */
export function expectGoTestsPass(program: string, timeoutMs: number): void {
  const goTimeout = `${Math.max(30, Math.floor(timeoutMs / 1000) - 60)}s`;
  const run = spawnSync('go', ['test', '-count=1', `-timeout=${goTimeout}`, './...'], {
    cwd: `node-image/${program}`,
    encoding: 'utf8',
    env: { ...process.env, PATH },
    timeout: timeoutMs,
  });
  expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
}

/** Checks that the image build builds node-image/<program> as `${variable}`, keyed by its sources, and stamps the image with it. */
export function expectBuiltIntoImage(program: string, variable: string): void {
  const script = readFileSync('scripts/build-k3s-image.sh', 'utf8');
  expect(script).toContain(`${variable}=$(go_static ${program} `);
  expect(script).toContain('bin="$CACHE/$1-$( (cat "$dir"/*.go "$dir/go.mod" "$dir/go.sum") | sha256sum | cut -c1-16)"');
  expect(script).toMatch(new RegExp(`NODE_STAMP=.*\\$\\(basename "\\$${variable}"\\)`));
}
