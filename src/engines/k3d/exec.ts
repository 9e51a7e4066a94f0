/**
 * The one seam through which twin runs docker, k3d and kubectl. Every command is recorded
 * in a transcript; with `dryRun` nothing runs and the transcript is the plan (`--dry-run`).
 * A failed command becomes an {@link ExternalCommandError} carrying the command, exit code
 * and the tail of its stderr.
 */
import { ExternalCommandError } from '../../errors.js';
import { execaModule, loadExeca } from '../../load/lazy.js';
import { toolEnv } from './offline-build.js';

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

export interface ExecOptions {
  /** Do not fail on a non-zero exit; return it. */
  readonly allowFailure?: boolean;
  readonly input?: string;
  readonly timeoutMs?: number;
}

/** A long-running command (an event stream, a probe shell): lines out, lines in. */
export interface Spawned {
  /** Writes to its standard input. */
  write(text: string): void;
  /** Stops it (SIGTERM) and resolves once it has exited. */
  stop(): Promise<void>;
  /** Its exit code once it has ended (null in a dry run, where nothing starts, and when killed by a signal). */
  readonly exited: Promise<number | null>;
}

export interface Exec {
  (command: string, args: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** Starts a long-running command; `onLine` gets each line of its standard output. Recorded like the rest; nothing starts in a dry run. */
  spawn(command: string, args: readonly string[], onLine: (line: string) => void): Spawned;
  /** Records a step that is not a command (an API call twin makes itself) as a `# ` line of the transcript. */
  note(text: string): void;
  /** Every command, in order, as a shell would show it. */
  readonly transcript: string[];
  readonly dryRun: boolean;
}

/** Quotes an argument for the transcript only if a shell would need it. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function createExec(options: { dryRun?: boolean; onCommand?: (line: string) => void } = {}): Exec {
  const transcript: string[] = [];
  const run = async (command: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> => {
    const line = [command, ...args].map(shellQuote).join(' ');
    transcript.push(line);
    options.onCommand?.(line);
    if (options.dryRun) return { stdout: '', stderr: '', exitCode: 0 };
    const result = await (
      await loadExeca()
    ).execa(command, [...args], {
      reject: false,
      env: toolEnv(),
      ...(opts.input !== undefined ? { input: opts.input } : {}),
      timeout: opts.timeoutMs ?? 120_000,
      stripFinalNewline: true,
    });
    const exitCode = result.exitCode ?? (result.failed ? 1 : 0);
    if (exitCode !== 0 && !opts.allowFailure) {
      const missing = (result as { code?: string }).code === 'ENOENT';
      throw new ExternalCommandError(
        line,
        missing ? undefined : exitCode,
        missing ? `${command}: command not found` : String(result.stderr ?? '').slice(-2000),
      );
    }
    return { stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? ''), exitCode };
  };
  const spawn = (command: string, args: readonly string[], onLine: (line: string) => void): Spawned => {
    const line = [command, ...args].map(shellQuote).join(' ');
    transcript.push(`${line} &`);
    options.onCommand?.(`${line} &`);
    if (options.dryRun) return { write: () => undefined, stop: () => Promise.resolve(), exited: Promise.resolve(null) };
    // Each caller runs a command (which loads execa with import()) before it starts one to keep running.
    const child = execaModule().execa(command, [...args], {
      reject: false,
      env: toolEnv(),
      buffer: false,
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'ignore',
    });
    let rest = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) onLine(l);
    });
    // A write after the process died must not crash twin.
    child.stdin?.on('error', () => undefined);
    const done = child.then((result) => {
      if (rest) onLine(rest);
      rest = '';
      return result.exitCode ?? null;
    });
    return {
      exited: done,
      write: (text) => {
        if (child.exitCode === null && child.stdin?.writable) child.stdin.write(text);
      },
      stop: async () => {
        child.stdin?.end();
        child.kill('SIGTERM');
        await done;
      },
    };
  };
  const note = (text: string) => {
    transcript.push(`# ${text}`);
    options.onCommand?.(`# ${text}`);
  };
  return Object.assign(run, { transcript, dryRun: options.dryRun ?? false, spawn, note });
}
