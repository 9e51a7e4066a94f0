import { hideBin } from 'yargs/helpers';
import { main } from './main.js';

const code = await main(hideBin(process.argv));
// Leave once everything written has been flushed, without waiting for idle handles a run may
// leave behind (keep-alive sockets to a cluster that is gone, a watch being torn down).
process.exitCode = code;
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
