import { createRequire } from 'node:module';
import type TableConstructor from 'cli-table3';
import pc from 'picocolors';

/** cli-table3 (CommonJS), loaded on the first table: `twin --help` and commands that print none never pay for it. */
let table: typeof TableConstructor | undefined;
const tableClass = () => (table ??= createRequire(import.meta.url)('cli-table3') as typeof TableConstructor);

/**
 * Column widths that fit `columns` characters: the widest columns give way first (cells wrap),
 * none narrower than 8. Undefined when the table fits as it is or the width is unknown.
 */
export function fitColumns(
  head: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<string | number>>,
  columns?: number,
): number[] | undefined {
  if (!columns) return undefined;
  // Each cell has one space of padding on both sides, and each column one border.
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? '').length)) + 2);
  const total = () => widths.reduce((sum, w) => sum + w + 1, 1);
  if (total() <= columns) return undefined;
  while (total() > columns) {
    const widest = widths.indexOf(Math.max(...widths));
    if ((widths[widest] ?? 0) <= 10) break;
    widths[widest] = (widths[widest] ?? 0) - 1;
  }
  return widths;
}

/** A table for terminals, as wide as the terminal at most; plain ASCII borders when output is not a TTY so logs stay readable. */
export function renderTable(head: string[], rows: Array<Array<string | number>>): string {
  const plain = !process.stdout.isTTY;
  const colWidths = plain ? undefined : fitColumns(head, rows, process.stdout.columns);
  const Table = tableClass();
  const table = new Table({
    head: plain ? head : head.map((h) => pc.bold(h)),
    ...(colWidths ? { colWidths, wordWrap: true } : {}),
    style: { head: [], border: [], compact: true },
    ...(plain
      ? {
          chars: {
            top: '',
            'top-mid': '',
            'top-left': '',
            'top-right': '',
            bottom: '',
            'bottom-mid': '',
            'bottom-left': '',
            'bottom-right': '',
            left: '',
            'left-mid': '',
            mid: '',
            'mid-mid': '',
            right: '',
            'right-mid': '',
            middle: '  ',
          },
        }
      : {}),
  });
  for (const row of rows) table.push(row.map(String));
  return table.toString();
}

export function writeOut(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function writeErr(text: string): void {
  process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}
