import type { Argv, CommandModule } from 'yargs';
import { engineNamed } from '../../engines/registry.js';
import { renderTable, writeOut } from '../output.js';

interface DoctorArgs {
  readonly engine: string;
}

export const doctorCommand: CommandModule<object, DoctorArgs> = {
  command: 'doctor',
  describe: 'What this host can and cannot emulate for an engine (k3d: Docker, k3d, K3s image, CPU, memory, network, storage)',
  builder: (yargs: Argv) => yargs.option('engine', { type: 'string', default: 'k3d', describe: 'the engine to diagnose' }),
  handler: async (args) => {
    const engine = engineNamed(args.engine);
    const capabilities = await engine.doctor();
    writeOut(
      renderTable(
        ['capability', 'status', 'detail'],
        capabilities.map((c) => [c.name, c.ok ? 'ok' : 'missing', c.detail]),
      ),
    );
    const { available } = await engine.available();
    writeOut(
      available
        ? `${engine.name} engine: available`
        : `${engine.name} engine: not available on this host (see above); the sim engine always is`,
    );
  },
};
