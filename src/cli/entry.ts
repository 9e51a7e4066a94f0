import { createRequire } from 'node:module';
import { main } from './main.js';

// yargs' hideBin, from the same CommonJS build main.ts uses (main.ts says why).
const { hideBin } = createRequire(import.meta.url)('yargs/helpers') as typeof import('yargs/helpers');
const code = await main(hideBin(process.argv));
// Leave once everything written has been flushed, without waiting for idle handles a run may
// leave behind (keep-alive sockets to a cluster that is gone, a watch being torn down).
process.exitCode = code;
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
