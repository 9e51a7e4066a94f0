/**
 * Every file twin writes goes through here: a run's reports to `<out>/<scenario>/<run-id>/`
 * and single files (`--junit`, `report -o`, `export -o`, `import --out`, `plan --html`).
 *
 * Writes are atomic: content goes to a temporary beside the target (`<name>.partial-<pid>`)
 * that is renamed into place, so a failed or interrupted write never leaves a half-written
 * report and an earlier run is never overwritten. A temporary left by a process that was
 * killed outright is removed the next time twin writes beside it (its PID is no longer alive).
 *
 * A path twin cannot write is the user's to fix: a {@link ConfigError} (exit 2) names the path
 * and the reason ("not writable", "a parent is a file", …), never a stack trace.
 *
 * Devices and pipes (`/dev/null`, `/dev/stdout`, a FIFO, anything under /dev or /proc) are
 * written straight, not renamed over: a rename would replace the device node itself.
 */
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  type Stats,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { displayPath } from '../load/files.js';
import { renderHtml } from './html.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import { reportJson, type RunReport } from './report.js';

export const reportFormats = ['json', 'md', 'html', 'junit'] as const;
export type ReportFormat = (typeof reportFormats)[number];

export function renderReport(report: RunReport, format: ReportFormat): string {
  switch (format) {
    case 'json':
      return reportJson(report);
    case 'md':
      return renderMarkdown(report);
    case 'html':
      return renderHtml(report);
    case 'junit':
      return renderJunit([report]);
  }
}

/** Where a write was asked for, to name it in the error: the flag (`--junit`) or a command. */
export interface WriteOptions {
  readonly flag?: string;
}

const reasons: Readonly<Record<string, string>> = {
  EACCES: 'not writable (permission denied)',
  EPERM: 'not writable (operation not permitted)',
  EROFS: 'not writable (read-only file system)',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EISDIR: 'is a directory, expected a file',
  ENOENT: 'no file can be created there',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
  EIO: 'input/output error',
  EPIPE: 'the reader closed the pipe',
};

/** The line a user reads for a failed write: the path, the reason and what to do. */
export function outputPathError(path: string, error: unknown, options: WriteOptions = {}): ConfigError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  let reason: string;
  if (code === 'ENOTDIR') {
    const blocker = fileInTheWay(path);
    reason =
      blocker === undefined || resolve(blocker) === resolve(path)
        ? 'is not a directory'
        : `a parent is a file, not a directory (${displayPath(blocker)})`;
  } else reason = reasons[code] ?? (code || (error instanceof Error ? error.message : String(error)));
  const hint = options.flag ? `choose another path for ${options.flag}` : 'choose another path';
  return ConfigError.single(displayPath(path), '', `cannot write: ${reason}`, hint);
}

/** The path itself or the nearest parent that exists and is not a directory (what ENOTDIR was about). */
function fileInTheWay(path: string): string | undefined {
  const chain: string[] = [];
  for (let p = resolve(path); ; p = dirname(p)) {
    chain.unshift(p);
    if (dirname(p) === p) break;
  }
  for (const p of chain) {
    try {
      if (!statSync(p).isDirectory()) return p;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function errno(code: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${path}`), { code, path });
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * mkdir -p, one level at a time: Node's own recursive mkdir loops forever where a parent
 * exists but refuses new entries with ENOENT (/proc).
 */
function makeDirectory(dir: string): void {
  const found = statOrUndefined(dir);
  if (found) {
    if (found.isDirectory()) return;
    throw errno('ENOTDIR', dir);
  }
  const parent = dirname(dir);
  if (parent !== dir) makeDirectory(parent);
  try {
    mkdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST' && statOrUndefined(dir)?.isDirectory()) return;
    throw error;
  }
}

/** Creates a directory and its parents, or says in one line why it cannot. */
export function ensureDirectory(dir: string, options: WriteOptions = {}): void {
  try {
    makeDirectory(resolve(dir));
  } catch (error) {
    throw outputPathError(dir, error, options);
  }
}

/** Temporaries this process is writing now; removed on an interrupt ({@link removePartialOutputs}). */
const inProgress = new Set<string>();

/** Creates and removes a temporary beside the target: the one sure test that a write would work. */
function probe(dir: string, name: string): void {
  const temporary = join(dir, `${name}.partial-${process.pid}`);
  inProgress.add(temporary);
  try {
    writeFileSync(temporary, '');
  } finally {
    rmSync(temporary, { force: true });
    inProgress.delete(temporary);
  }
}

/** Fails now, before a run, when reports could not be written to this directory afterwards. */
export function checkOutputDirectory(dir: string, options: WriteOptions = {}): void {
  ensureDirectory(dir, options);
  try {
    probe(dir, '.twin-probe');
  } catch (error) {
    throw outputPathError(dir, error, options);
  }
}

/** Fails now, before a run, when this file could not be written afterwards. */
export function checkOutputFile(path: string, options: WriteOptions = {}): void {
  try {
    const found = statOrUndefined(path);
    if (found?.isDirectory()) throw errno('EISDIR', path);
    if (isStream(path, found)) return;
    makeDirectory(resolve(dirname(path)));
    probe(dirname(path), basename(path));
  } catch (error) {
    throw outputPathError(path, error, options);
  }
}

const partialName = /\.partial-(\d+)$/;

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Older than ten minutes: another container or host sharing the folder has its own PIDs, so a
 * PID not alive here may still be writing there; no twin write takes that long.
 */
function stale(path: string): boolean {
  try {
    return Date.now() - lstatSync(path).mtimeMs > 10 * 60 * 1000;
  } catch {
    return false;
  }
}

/** Removes temporaries (`….partial-<pid>`) in `dir` that a process no longer alive left behind. */
export function sweepStalePartials(dir: string, prefix = ''): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const entry of entries) {
    const pid = partialName.exec(entry)?.[1];
    if (pid === undefined || !entry.startsWith(prefix) || alive(Number(pid)) || !stale(join(dir, entry))) continue;
    rmSync(join(dir, entry), { recursive: true, force: true });
    removed.push(join(dir, entry));
  }
  return removed;
}

/** Removes what this process had half-written; for the CLI's SIGINT/SIGTERM handling. */
export function removePartialOutputs(): void {
  for (const path of inProgress) rmSync(path, { recursive: true, force: true });
  inProgress.clear();
}

function writeThrough<T>(temporary: string, target: string, options: WriteOptions, write: () => T): T {
  inProgress.add(temporary);
  try {
    return write();
  } catch (error) {
    rmSync(temporary, { recursive: true, force: true });
    throw outputPathError(target, error, options);
  } finally {
    inProgress.delete(temporary);
  }
}

function stamp(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const day = `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}`;
  return `${day}-${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}`;
}

/** Writes report.json, report.md and report.html; returns the run directory. */
export function writeRunDirectory(report: RunReport, outDir: string, startedAt: Date, options: WriteOptions = {}): string {
  const scenarioDir = join(outDir, report.scenario.name);
  ensureDirectory(scenarioDir, options);
  sweepStalePartials(scenarioDir, '.');
  const base = `${stamp(startedAt)}-${report.engine}-seed${report.seed}`;
  const temporary = join(scenarioDir, `.${base}.partial-${process.pid}`);
  return writeThrough(temporary, scenarioDir, options, () => {
    mkdirSync(temporary);
    writeFileSync(join(temporary, 'report.json'), renderReport(report, 'json'));
    writeFileSync(join(temporary, 'report.md'), renderReport(report, 'md'));
    writeFileSync(join(temporary, 'report.html'), renderReport(report, 'html'));
    // Never over an earlier run: the next free `-N`, also when another run took the name meanwhile.
    for (let n = 1; ; n++) {
      const target = join(scenarioDir, n === 1 ? base : `${base}-${n}`);
      if (statOrUndefined(target)) continue;
      try {
        renameSync(temporary, target);
        return target;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
      }
    }
  });
}

/** Paths that name a device or a process's stream: written straight, never renamed over. */
function isStream(path: string, found: Stats | undefined): boolean {
  if (found && !found.isFile()) return true;
  const absolute = resolve(path);
  return found !== undefined && (absolute.startsWith('/dev/') || absolute.startsWith('/proc/'));
}

/**
 * Writes a file atomically (temporary file + rename), creating its parent folders; a device
 * such as /dev/null or /dev/stdout is written straight.
 */
export function writeFileAtomic(path: string, content: string, options: WriteOptions = {}): void {
  let found: Stats | undefined;
  try {
    found = statOrUndefined(path);
    if (found?.isDirectory()) throw errno('EISDIR', path);
    if (isStream(path, found)) {
      // Append: /dev/stdout redirected to a file reopens that file; truncating would lose what is there.
      writeFileSync(path, content, { flag: 'a' });
      return;
    }
  } catch (error) {
    throw outputPathError(path, error, options);
  }
  // A symlink keeps pointing where it did: the file it points at is the one replaced.
  const target = found !== undefined && lstatSync(path).isSymbolicLink() ? realpathSync(path) : path;
  const parent = dirname(target);
  ensureDirectory(parent, options);
  sweepStalePartials(parent, `${basename(target)}.partial-`);
  const temporary = `${target}.partial-${process.pid}`;
  writeThrough(temporary, path, options, () => {
    writeFileSync(temporary, content);
    renameSync(temporary, target);
  });
}

/**
 * Several files written as one: `work` writes them (each atomically); if it throws, every file
 * it had written is put back as it was (restored, or removed when it did not exist), so a failure
 * half-way leaves no file of the set behind. Only regular files are snapshotted.
 */
export async function writeAllOrNothing<T>(paths: readonly string[], work: () => Promise<T> | T): Promise<T> {
  const isFile = (path: string): boolean => {
    try {
      return statSync(path).isFile();
    } catch {
      return false;
    }
  };
  const before = paths.map((path) => ({ path, content: isFile(path) ? readFileSync(path) : null }));
  try {
    return await work();
  } catch (error) {
    for (const { path, content } of before) {
      try {
        if (content !== null) writeFileSync(path, content);
        else if (isFile(path)) rmSync(path);
      } catch {
        // Putting a file back is best effort: the error that stopped the writing is the one to report.
      }
    }
    throw error;
  }
}
