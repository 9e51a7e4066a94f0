/** JUnit XML: one test case per expectation, for CI systems. */
import type { RunReport } from './report.js';

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function renderJunit(reports: readonly RunReport[]): string {
  const total = reports.reduce((n, r) => n + r.summary.total, 0);
  const failures = reports.reduce((n, r) => n + r.summary.failed, 0);
  const out = [`<?xml version="1.0" encoding="UTF-8"?>`, `<testsuites name="twin" tests="${total}" failures="${failures}">`];
  for (const report of reports) {
    const suite = `twin.${report.scenario.name}`;
    out.push(`  <testsuite name="${escape(suite)}" tests="${report.summary.total}" failures="${report.summary.failed}" errors="0">`);
    out.push(`    <properties><property name="engine" value="${escape(report.engine)}"/><property name="seed" value="${report.seed}"/><property name="scenario" value="${escape(report.scenario.file)}"/></properties>`);
    for (const v of report.expectations) {
      out.push(`    <testcase classname="${escape(suite)}" name="${escape(`${v.id}: ${v.description}`)}">`);
      if (v.status === 'fail') out.push(`      <failure message="${escape(v.explanation)}">${escape(`expected: ${v.expected}\nobserved: ${v.observed}\n${v.explanation}`)}</failure>`);
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}
