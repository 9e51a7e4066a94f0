import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, twin } from './helpers/cli.js';

const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
if (!chromium)
  console.warn('html-chromium.test: skipped because Debian chromium is not installed (.ci/run installs it: apt-get install chromium)');

const flags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe.skipIf(!chromium)('report.html in headless Chromium', () => {
  it('renders the timeline: node lanes, fault markers, verdicts; and a screenshot is taken', () => {
    const dir = mkdtempSync(join(tmpdir(), 'twin-html-'));
    expect(twin(['run', 'scenarios/worker-power-loss.ts', '--out', dir, '--quiet']).code).toBe(0);
    const run = readdirSync(join(dir, 'worker-power-loss'))[0]!;
    const page = `file://${join(dir, 'worker-power-loss', run, 'report.html')}`;
    const profile = mkdtempSync(join(tmpdir(), 'twin-chromium-'));
    const dom = spawnSync(chromium!, [...flags, `--user-data-dir=${profile}`, '--dump-dom', page], { encoding: 'utf8', timeout: 60_000 });
    expect(dom.stdout).toMatch(/<svg[^>]*aria-label="timeline of the run"/);
    expect(dom.stdout).toContain('dcn2 (agent)');
    expect(dom.stdout).toContain('⚡ power');
    expect(dom.stdout.match(/<rect /g)?.length).toBeGreaterThan(20);
    expect(dom.stdout).toMatch(/✔ pass/);
    const screenshot = join(repoRoot, 'reports', 'worker-power-loss-report.png');
    const shot = spawnSync(
      chromium!,
      [...flags, `--user-data-dir=${profile}`, '--window-size=1200,1400', `--screenshot=${screenshot}`, page],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(shot.status).toBe(0);
    expect(statSync(screenshot).size).toBeGreaterThan(20_000);
  });
});
