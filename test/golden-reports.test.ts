/**
 * Golden runs: every shipped scenario (and every CI-length e2e scenario) on the sim engine gives
 * exactly the report.json and report.md kept in test/fixtures/golden/. A refactor must leave them
 * byte-identical; a change to the model updates them on purpose (TWIN_UPDATE_GOLDEN=1 npx vitest
 * run test/golden-reports.test.ts) and says why in its commit.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runScenarioFile } from '../src/index.js';
import { reportJson } from '../src/report/report.js';
import { renderMarkdown } from '../src/report/markdown.js';

const golden = new URL('./fixtures/golden/', import.meta.url);
const update = process.env['TWIN_UPDATE_GOLDEN'] === '1';
const files = [
  ...readdirSync(new URL('../scenarios/', import.meta.url))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `scenarios/${f}`),
  ...readdirSync(new URL('./e2e/', import.meta.url))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => `test/e2e/${f}`),
].sort();

describe('golden sim reports', () => {
  it('covers the thirteen shipped scenarios and the e2e ones', () => {
    expect(files.filter((f) => f.startsWith('scenarios/'))).toHaveLength(13);
    expect(files.filter((f) => f.startsWith('test/e2e/')).length).toBeGreaterThanOrEqual(4);
  });

  it.each(files)('%s: report.json and report.md are byte-identical to the golden ones', async (file) => {
    const report = await runScenarioFile(file);
    const name = file.replace(/\//g, '__').replace(/\.ts$/, '');
    const outputs = { [`${name}.report.json`]: reportJson(report), [`${name}.report.md`]: renderMarkdown(report) };
    for (const [goldenName, text] of Object.entries(outputs)) {
      const path = new URL(goldenName, golden);
      if (update) {
        mkdirSync(golden, { recursive: true });
        writeFileSync(path, text);
      }
      expect(existsSync(path), `${goldenName} missing: run with TWIN_UPDATE_GOLDEN=1 once`).toBe(true);
      const expected = readFileSync(path, 'utf8');
      // Compared as text first (a readable diff), then as bytes.
      expect(text).toBe(expected);
    }
  });
});
