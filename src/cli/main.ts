import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type yargsModule from 'yargs';
import { ExitCode, isUserFacing } from '../errors.js';
import {
  bringupCommand,
  calibrateCommand,
  checkCommand,
  doctorCommand,
  downCommand,
  exportCommand,
  importCommand,
  initCommand,
  mergeCommand,
  planCommand,
  profilesCommand,
  reportCommand,
  runCommand,
  validateCommand,
  watchCommand,
  whatifCommand,
} from './registry.js';
import { writeErr } from './output.js';

/**
 * yargs 17 by its CommonJS entry: its ES module build wraps help text in the middle of words (cliui's
 * ESM build has no wrap-ansi), and yargs 18 loads string-width 7 and 8 (an Intl.Segmenter and a
 * `\p{RGI_Emoji}` pattern built at import), which cost every command 40–55 ms of start-up here
 * (issue #21: `twin --help` within 2.5 × `node -e ""`).
 */
const yargs = createRequire(import.meta.url)('yargs') as typeof yargsModule;

const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** Prints an error as one line per problem and returns the exit code for it. */
export function reportError(error: unknown): number {
  if (isUserFacing(error)) {
    writeErr(`twin: ${error.message}`);
    return error.exitCode;
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  writeErr(`twin: internal error (a bug in twin, please report it):\n${message}`);
  return ExitCode.internal;
}

/** Runs the CLI with the given arguments and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  let usageError: string | undefined;
  const cli = yargs(argv)
    .scriptName('twin')
    .usage('$0 <command> [options]\n\nA digital twin for K3s clusters built from Raspberry Pis.')
    .command(runCommand)
    .command(reportCommand)
    .command(bringupCommand)
    .command(importCommand)
    .command(whatifCommand)
    .command(calibrateCommand)
    .command(initCommand)
    .command(planCommand)
    .command(checkCommand)
    .command(exportCommand)
    .command(watchCommand)
    .command(mergeCommand)
    .command(doctorCommand)
    .command(downCommand)
    .command(profilesCommand)
    .command(validateCommand)
    .demandCommand(1, 'name a command; twin --help lists them')
    .recommendCommands()
    .strict()
    .version(packageJson.version)
    .alias('h', 'help')
    .alias('v', 'version')
    .wrap(Math.min(110, process.stdout.columns || 110))
    .epilogue('Exit codes: 0 ok, 1 expectations failed, 2 bad input, 3 engine unavailable, 4 external command failed, 70 bug in twin.')
    .fail((message, error) => {
      // yargs rethrows a coerce function's error (src/cli/flags.ts) as a YError holding only its
      // message: that message is already the one line for the user.
      if (error?.name === 'YError') {
        usageError = error.message;
        throw error;
      }
      if (error) throw error;
      // Throw so that yargs stops here: a command must not run with arguments it refused.
      const line = message.replace(/\s*\n\s*/g, ' ');
      usageError = line.includes('twin --help') ? line : `${line} (twin --help shows usage)`;
      throw new Error(usageError);
    });
  try {
    await cli.parseAsync();
  } catch (error) {
    // A lazily loaded command's builder is async: yargs then rejects with a coerce function's YError
    // (src/cli/flags.ts) without passing it to .fail(). Its message is already the one line for the user.
    if (usageError === undefined && error instanceof Error && error.name === 'YError') usageError = error.message;
    if (usageError === undefined) return reportError(error);
  }
  if (usageError !== undefined) {
    writeErr(`twin: ${usageError}`);
    return ExitCode.badInput;
  }
  return ExitCode.ok;
}
