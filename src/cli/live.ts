/**
 * The live view of `twin run` on a terminal. Ink is loaded only here, lazily, so plain and
 * CI runs never pay for it. It draws on stderr, and is off when stderr is not a TTY, when
 * CI is set, or with --quiet/--json.
 */
import type { RunReport } from '../report/report.js';

export function liveViewWanted(): boolean {
  return Boolean(process.stderr.isTTY) && !process.env['CI'] && process.env['TERM'] !== 'dumb';
}

export async function showLiveView(report: RunReport): Promise<void> {
  const { playRun } = await import('./views/run-view.js');
  await playRun(report);
}
