import type { CommandModule } from 'yargs';
import { createExec } from '../../engines/k3d/exec.js';
import { diagnose } from '../../engines/k3d/doctor.js';
import { renderTable, writeOut } from '../output.js';

export const doctorCommand: CommandModule<object, object> = {
  command: 'doctor',
  describe: 'What this host can and cannot emulate for the k3d engine (Docker, k3d, K3s image, CPU, memory, network, storage)',
  handler: async () => {
    const { capabilities } = await diagnose(createExec());
    writeOut(renderTable(['capability', 'status', 'detail'], capabilities.map((c) => [c.name, c.ok ? 'ok' : 'missing', c.detail])));
    const engine = capabilities.filter((c) => ['docker daemon', 'k3d CLI', 'K3s image'].includes(c.name)).every((c) => c.ok);
    writeOut(engine ? 'k3d engine: available' : 'k3d engine: not available on this host (see above); the sim engine always is');
  },
};
