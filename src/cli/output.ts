import Table from 'cli-table3';
import pc from 'picocolors';

/** A table for terminals; plain ASCII borders when output is not a TTY so logs stay readable. */
export function renderTable(head: string[], rows: Array<Array<string | number>>): string {
  const plain = !process.stdout.isTTY;
  const table = new Table({
    head: plain ? head : head.map((h) => pc.bold(h)),
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
