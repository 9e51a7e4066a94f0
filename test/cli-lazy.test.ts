import { describe, expect, it } from 'vitest';
import * as registry from '../src/cli/registry.js';

describe('lazily registered commands', () => {
  const entries = Object.entries(registry);

  it('registers every command module under src/cli/commands', async () => {
    const { readdirSync } = await import('node:fs');
    // Subcommands are registered by their command's builder: `twin export job` by export.ts.
    const subcommands = new Set(['export-job.ts']);
    const files = readdirSync(new URL('../src/cli/commands/', import.meta.url)).filter((f) => f.endsWith('.ts') && !subcommands.has(f));
    expect(entries.length).toBe(files.length);
  });

  it.each(entries)('%s lists the name and description its module declares', async (_name, entry) => {
    const module = await entry.load();
    expect({ command: entry.command, describe: entry.describe }).toEqual({ command: module.command, describe: module.describe });
  });
});
