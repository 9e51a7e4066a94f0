/**
 * Commands registered by name and description only, their module imported when the command runs.
 * `twin --help` then lists every command without loading the simulator, the Kubernetes client, Ink
 * or tsx; `twin <command>` loads that command's module alone (its builder may be async in yargs 17+).
 *
 * Register a command in `main.ts` as
 *   `lazyCommand('run <files..>', 'one line', () => import('./commands/run.js').then((m) => m.runCommand))`
 * with the same `command` and `describe` as the module's own (test/cli-lazy.test.ts checks that they agree).
 */
import type { Argv, CommandModule } from 'yargs';

/** A command module as each file under `commands/` exports it (argument types are the module's own). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each command has its own argument type
export type AnyCommand = CommandModule<object, any>;

/** A command whose module is imported only when yargs selects it. */
export interface LazyCommand extends CommandModule<object, object> {
  readonly command: string;
  readonly describe: string;
  /** Imports the command's module (the test compares its `command` and `describe` with these). */
  readonly load: () => Promise<AnyCommand>;
}

export function lazyCommand(command: string, describe: string, load: () => Promise<AnyCommand>): LazyCommand {
  let loaded: Promise<AnyCommand> | undefined;
  const module = () => (loaded ??= load());
  return {
    command,
    describe,
    load: module,
    builder: async (yargs: Argv) => {
      const { builder } = await module();
      if (typeof builder === 'function') return builder(yargs) as Argv;
      return builder ? yargs.options(builder) : yargs;
    },
    handler: async (args) => {
      await (await module()).handler(args);
    },
  };
}
