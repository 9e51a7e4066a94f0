import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderHtml } from '../src/report/html.js';
import { expectationWindow } from '../src/report/html-lanes.js';
import type { RunReport } from '../src/report/types.js';
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
  // Lets the page's scripts and timers run before the DOM is dumped or the screenshot taken.
  '--virtual-time-budget=5000',
];

const golden = () =>
  JSON.parse(readFileSync(join(repoRoot, 'test/fixtures/golden/scenarios__worker-power-loss.report.json'), 'utf8')) as RunReport;

/**
 * Written into a copy of the page for the test only: records script errors, then, once the charts
 * are drawn, how many of each canvas's pixels are painted, as attributes the dumped DOM shows.
 */
const errorProbe = `<script>window.__errors = [];
window.addEventListener('error', function (e) { window.__errors.push(String(e.message)); });</script>`;
const canvasProbe = `<script>setTimeout(function () {
  var painted = Array.prototype.map.call(document.querySelectorAll('canvas'), function (c) {
    var d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data, n = 0;
    for (var i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return n;
  });
  document.body.setAttribute('data-painted', painted.join(','));
  document.body.setAttribute('data-errors', window.__errors.join(' | ') || 'none');
}, 500);</script>`;

describe('report.html, rendered', () => {
  it('is the same bytes for the same report, self-contained, with every report.md section', () => {
    const report = golden();
    const html = renderHtml(report);
    expect(renderHtml(golden())).toBe(html);
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
    expect(html).toContain('uPlot');
    for (const heading of ['Observed vs expected', 'Bring-up', 'Faults', 'Timeline', 'Resources per node', 'Events'])
      expect(html).toContain(`<h2>${heading}</h2>`);
    expect(html).toContain('Critical path:');
    expect(html).toContain('<td>dcn5</td><td>Raspberry Pi 3 Model B+');
  });

  it('escapes what a scenario writes, also inside the chart data', () => {
    const report = golden();
    const evil = '<script>alert(1)</script>';
    const html = renderHtml({
      ...report,
      scenario: { ...report.scenario, name: evil, description: evil },
      cluster: { ...report.cluster, nodes: report.cluster.nodes.map((n, i) => (i === 0 ? { ...n, name: evil } : n)) },
    });
    expect(html).not.toContain(evil);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('reads expectation windows back from their sentences', () => {
    const report = golden();
    const fault = report.faults[0]!;
    expect(expectationWindow(report, 'dcn2 NotReady between 30s and 50s after fault power')).toEqual([
      fault.injectedAt! + 30,
      fault.injectedAt! + 50,
    ]);
    expect(expectationWindow(report, 'dcn2 Ready within 3m of healing of power')).toEqual([fault.healedAt!, fault.healedAt! + 180]);
    expect(expectationWindow(report, 'x from 1m to 16m after faults start')).toEqual([report.phase.start + 60, report.phase.start + 960]);
    expect(expectationWindow(report, 'something else entirely')).toBeNull();
  });

  it('handles a 720 h series without spreading it into Math.max', () => {
    const report = golden();
    const samples = 720 * 360;
    const times = Array.from({ length: samples }, (_, i) => i * 10);
    const values = times.map((_, i) => i % 7);
    const series = report.timeline.series;
    const long: RunReport = {
      ...report,
      phase: { start: report.phase.start, end: samples * 10 },
      timeline: {
        ...report.timeline,
        series: {
          ...series,
          times,
          nodes: Object.fromEntries(
            Object.entries(series.nodes).map(([k, s]) => [
              k,
              { ...s, cpu: values, memory: values, watts: values, ready: values, powered: values },
            ]),
          ),
          workloadsReady: { 'Deployment/default/web': values },
        },
      },
    };
    const html = renderHtml(long);
    expect(html.length).toBeLessThan(3_000_000);
    expect(html).toContain('720h');
  });
});

describe('twin plan --html', () => {
  it('writes one complete page: headroom and power charts, the node and N-1 tables; --compare adds a section per cluster', () => {
    const dir = mkdtempSync(join(tmpdir(), 'twin-plan-html-'));
    const page = join(dir, 'plan.html');
    const workloads = ['-w', 'scenarios/workloads/edgestack'];
    // Exit 1: a single server fails the N-1 check (README "twin plan"); the page is written all the same.
    expect(twin(['plan', 'scenarios/clusters/edgestack-pi3.ts', ...workloads, '--html', page]).code).toBe(1);
    const html = readFileSync(page, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<h1>Capacity plan: edgestack-pi3');
    for (const chart of ['CPU: requested against allocatable, per node', 'Memory: requested and in use', 'Power per node'])
      expect(html).toMatch(new RegExp(`<svg[^>]*aria-label="${chart}`));
    expect(html).toContain('<th>left pending</th>');
    expect(html).toMatch(/<tr class="fail"><td>dcn1<\/td><td class="verdict">DOWN<\/td>/);
    const compared = join(dir, 'compare.html');
    const clusters = ['scenarios/clusters/edgestack-pi3.ts', 'scenarios/clusters/edgestack-pi4.yaml'];
    expect(twin(['plan', '--compare', ...clusters, ...workloads, '--html', compared]).code).toBe(1);
    const both = readFileSync(compared, 'utf8');
    expect(both.match(/<!doctype html>/g)).toHaveLength(1);
    expect(both.match(/<section class="twin-plan">/g)).toHaveLength(2);
  }, 60_000);
});

describe.skipIf(!chromium)('report.html in headless Chromium', () => {
  it('renders the timeline and the charts without script errors; a screenshot is taken', () => {
    const dir = mkdtempSync(join(tmpdir(), 'twin-html-'));
    expect(twin(['run', 'scenarios/worker-power-loss.ts', '--out', dir, '--quiet']).code).toBe(0);
    const run = readdirSync(join(dir, 'worker-power-loss'))[0]!;
    const report = join(dir, 'worker-power-loss', run, 'report.html');
    const probed = join(dir, 'probed.html');
    writeFileSync(
      probed,
      readFileSync(report, 'utf8').replace('<head>', `<head>\n${errorProbe}`).replace('</body>', `${canvasProbe}\n</body>`),
    );
    const profile = mkdtempSync(join(tmpdir(), 'twin-chromium-'));
    const dom = spawnSync(chromium!, [...flags, `--user-data-dir=${profile}`, '--dump-dom', `file://${probed}`], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(dom.stdout).toMatch(/<svg[^>]*aria-label="timeline of the run"/);
    expect(dom.stdout).toContain('dcn2 (agent)');
    expect(dom.stdout).toContain('⚡ power');
    expect(dom.stdout).toContain('NotReady (Unknown: kubelet silent)');
    expect(dom.stdout.match(/<rect /g)?.length).toBeGreaterThan(20);
    expect(dom.stdout).toMatch(/✔ pass/);
    expect(dom.stdout).toContain('data-charts="3"');
    expect(dom.stdout).toContain('data-errors="none"');
    const painted = /data-painted="([\d,]*)"/.exec(dom.stdout)?.[1]?.split(',').map(Number) ?? [];
    expect(painted).toHaveLength(3);
    for (const pixels of painted) expect(pixels).toBeGreaterThan(5_000);
    const screenshot = join(dir, 'worker-power-loss-report.png');
    const shot = spawnSync(
      chromium!,
      [...flags, `--user-data-dir=${profile}`, '--window-size=1240,3000', `--screenshot=${screenshot}`, `file://${report}`],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(shot.status).toBe(0);
    expect(statSync(screenshot).size).toBeGreaterThan(50_000);
  }, 120_000);
});
