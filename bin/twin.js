#!/usr/bin/env node
// The twin command. The TypeScript sources are compiled to dist/ by `npm install` (prepare).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/entry.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('twin: not built yet: run `npm ci` (or `npm run build`) in the twin directory first\n');
  process.exit(2);
}
await import(entry.href);
