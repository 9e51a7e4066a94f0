/** JUnit XML for CI systems: one test case per expectation of a run, or per checked property. */
import type { RunReport } from './types.js';
import { escapeXml as escape } from './xml.js';

interface JunitCase {
  readonly name: string;
  readonly failure?: { readonly message: string; readonly body: string };
}

interface JunitSuite {
  readonly name: string;
  /** JUnit's optional `errors` attribute, written when given. */
  readonly errors?: number;
  readonly properties?: ReadonlyArray<readonly [string, string | number]>;
  readonly cases: readonly JunitCase[];
}

function renderSuites(suites: readonly JunitSuite[]): string {
  const failed = (suite: JunitSuite) => suite.cases.filter((c) => c.failure).length;
  const total = suites.reduce((n, s) => n + s.cases.length, 0);
  const failures = suites.reduce((n, s) => n + failed(s), 0);
  const out = [`<?xml version="1.0" encoding="UTF-8"?>`, `<testsuites name="twin" tests="${total}" failures="${failures}">`];
  for (const suite of suites) {
    const errors = suite.errors !== undefined ? ` errors="${suite.errors}"` : '';
    out.push(`  <testsuite name="${escape(suite.name)}" tests="${suite.cases.length}" failures="${failed(suite)}"${errors}>`);
    if (suite.properties) {
      const properties = suite.properties.map(([name, value]) => `<property name="${escape(name)}" value="${escape(String(value))}"/>`);
      out.push(`    <properties>${properties.join('')}</properties>`);
    }
    for (const c of suite.cases) {
      out.push(`    <testcase classname="${escape(suite.name)}" name="${escape(c.name)}">`);
      if (c.failure) out.push(`      <failure message="${escape(c.failure.message)}">${escape(c.failure.body)}</failure>`);
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}

/** Run reports: a suite per scenario run, a case per expectation. */
export function renderJunit(reports: readonly RunReport[]): string {
  return renderSuites(
    reports.map((report) => ({
      name: `twin.${report.scenario.name}`,
      errors: 0,
      properties: [
        ['engine', report.engine],
        ['seed', report.seed],
        ['scenario', report.scenario.file],
      ],
      cases: report.expectations.map((v) => ({
        name: `${v.id}: ${v.description}`,
        ...(v.status === 'fail'
          ? { failure: { message: v.explanation, body: `expected: ${v.expected}\nobserved: ${v.observed}\n${v.explanation}` } }
          : {}),
      })),
    })),
  );
}

/** The outcome of `twin check`, as much of it as JUnit shows. */
export interface CheckOutcome {
  readonly property: string;
  readonly seed: number;
  readonly failure?: { readonly path: string; readonly explanation: string } | null;
}

/** A property check (`twin check --junit`): one suite, one case; a failure carries its seed and path for replay. */
export function renderCheckJunit(outcome: CheckOutcome, description: string): string {
  const { failure } = outcome;
  return renderSuites([
    {
      name: 'twin.check',
      cases: [
        {
          name: `${outcome.property}: ${description}`,
          ...(failure
            ? { failure: { message: failure.explanation, body: `seed ${outcome.seed}, path ${failure.path}\n${failure.explanation}` } }
            : {}),
        },
      ],
    },
  ]);
}
