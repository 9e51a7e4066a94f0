/**
 * Errors by who must act, each with a fixed process exit code (documented in the README).
 *
 * - {@link ConfigError}: the user fixes an input file or an argument.
 * - {@link ExpectationsFailedError}: the run worked, the cluster did not behave as expected.
 * - {@link EngineUnavailableError}: the chosen engine cannot run on this host.
 * - {@link ExternalCommandError}: a command twin ran (docker, k3d, kubectl) failed.
 * - anything else is a bug in twin.
 */

/** Process exit codes. Kept stable: scripts and CI jobs depend on them. */
export const ExitCode = {
  ok: 0,
  /** Reserved for "the run finished but an expectation failed". */
  expectationsFailed: 1,
  /** Bad input: a file, field or argument the user must fix. */
  badInput: 2,
  /** The requested engine is not available on this host. */
  engineUnavailable: 3,
  /** An external command failed (docker, k3d, kubectl). */
  externalCommandFailed: 4,
  /** Interrupted by the user (Ctrl-C), as shells report SIGINT. */
  interrupted: 130,
  /** A bug in twin (EX_SOFTWARE). */
  internal: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A problem in one place of one input, with what to do about it. */
export interface InputProblem {
  /** Dotted path of the field, e.g. `spec.nodes[2].profile`; empty for the whole file. */
  readonly field: string;
  readonly message: string;
  readonly hint?: string;
}

/** The user can fix this: it names the file, the field and the fix. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly exitCode = ExitCode.badInput;

  constructor(
    /** The input file, or a description such as `--seed` for arguments. */
    readonly file: string,
    readonly problems: readonly InputProblem[],
  ) {
    super(problems.map((p) => formatProblem(file, p)).join('\n'));
  }

  static single(file: string, field: string, message: string, hint?: string): ConfigError {
    return new ConfigError(file, [{ field, message, ...(hint ? { hint } : {}) }]);
  }
}

export function formatProblem(file: string, problem: InputProblem): string {
  const where = problem.field ? `${file}: ${problem.field}` : file;
  const fix = problem.hint ? ` (${problem.hint})` : '';
  return `${where}: ${problem.message}${fix}`;
}

/** The run worked; the cluster did not behave as the scenario expected. */
export class ExpectationsFailedError extends Error {
  override readonly name = 'ExpectationsFailedError';
  readonly exitCode = ExitCode.expectationsFailed;
}

export class EngineUnavailableError extends Error {
  override readonly name = 'EngineUnavailableError';
  readonly exitCode = ExitCode.engineUnavailable;
}

export class ExternalCommandError extends Error {
  override readonly name = 'ExternalCommandError';
  readonly exitCode = ExitCode.externalCommandFailed;

  constructor(
    readonly command: string,
    readonly code: number | undefined,
    readonly stderrTail: string,
  ) {
    super(`command failed (exit ${code ?? 'signal'}): ${command}${stderrTail ? ` — ${reasonOf(stderrTail)}` : ''}`);
  }
}

/**
 * The line of a command's stderr that says why: Docker's own reason (`Error response from daemon: …`, which its
 * CLI follows with a summary such as `Error: failed to start containers: x`) when there is one, else the last line.
 */
function reasonOf(stderr: string): string {
  const lines = stderr.trim().split('\n');
  return lines.filter((l) => l.includes('Error response from daemon')).at(-1) ?? lines.at(-1) ?? '';
}

/** A service twin started answered wrongly (the Rancher host's API during the import). */
export class ExternalServiceError extends Error {
  override readonly name = 'ExternalServiceError';
  readonly exitCode = ExitCode.externalCommandFailed;
}

/** The user interrupted a run (Ctrl-C, SIGTERM); raised after what the run created is torn down. */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
  readonly exitCode = ExitCode.interrupted;
}

/** A condition twin's own code promised could not happen. */
export class BugError extends Error {
  override readonly name = 'BugError';
  readonly exitCode = ExitCode.internal;
}

/** Errors the user or the environment must act on; anything else is reported as a bug. */
export type UserFacingError =
  ConfigError | EngineUnavailableError | ExternalCommandError | ExternalServiceError | ExpectationsFailedError | InterruptedError;

export function isUserFacing(error: unknown): error is UserFacingError {
  return (
    error instanceof ConfigError ||
    error instanceof EngineUnavailableError ||
    error instanceof ExternalCommandError ||
    error instanceof ExternalServiceError ||
    error instanceof ExpectationsFailedError ||
    error instanceof InterruptedError
  );
}
