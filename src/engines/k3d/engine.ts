/**
 * The k3d engine runs scenarios on real K3s in Docker. This release ships only its entry in
 * the registry: `--engine k3d` is refused with exit code 3 and this reason, rather than
 * pretending to run.
 */
import { EngineUnavailableError } from '../../errors.js';
import type { Engine } from '../engine.js';

const reason = 'the k3d engine (real K3s in Docker, throttled to each Pi profile) is not part of this release yet; use --engine sim';

export const k3dEngine: Engine = {
  name: 'k3d',
  description: 'real K3s in Docker via k3d, each node throttled to its Pi profile (wall clock)',
  check: () => Promise.resolve({ available: false, reason }),
  run: () => Promise.reject(new EngineUnavailableError(reason)),
};
