/**
 * Maintenance faults on the k3d engine, without Docker: cordon, uncordon and drain are the kubectl
 * commands a user types (with the fault's flags), through any API server that answers; k3s-upgrade
 * is refused before anything runs.
 */
import { describe, expect, it } from 'vitest';
import { applyFault, drainArgs } from '../../src/engines/k3d/apply.js';
import type { K3dRunContext } from '../../src/engines/k3d/context.js';
import type { Exec, ExecResult } from '../../src/engines/k3d/exec.js';
import { runNames } from '../../src/engines/k3d/run-names.js';
import { unsupportedFaults } from '../../src/engines/k3d/supports.js';
import type { PlannedFault } from '../../src/engines/engine.js';
import { loadScenarioFile, planOf } from '../../src/scenario/load.js';

const plan = planOf(await loadScenarioFile('scenarios/worker-power-loss.ts'));
const names = runNames(plan.cluster, 'abc123');

function recording(answer: () => ExecResult): { exec: Exec; calls: string[][] } {
  const calls: string[][] = [];
  const run = (async (_command: string, args: readonly string[]) => {
    calls.push([...args]);
    return answer();
  }) as Exec;
  return { exec: Object.assign(run, { spawn: () => undefined as never, note: () => undefined, transcript: [], dryRun: false }), calls };
}
const context = (exec: Exec) => ({ exec, names, stateDir: '/nonexistent', calibration: {} }) as unknown as K3dRunContext;
const drain = { kind: 'drain', node: 'dcn2', ignoreDaemonSets: true, deleteEmptyDirData: false, force: false } as const;

describe('maintenance on k3d', () => {
  it('passes the drain flags as kubectl spells them; no timeout is --timeout=0s (wait for ever)', () => {
    expect(drainArgs({ ...drain, gracePeriod: null, timeout: null })).toEqual(['drain', 'dcn2', '--ignore-daemonsets', '--timeout=0s']);
    expect(drainArgs({ ...drain, ignoreDaemonSets: false, deleteEmptyDirData: true, force: true, gracePeriod: 30, timeout: 300 })).toEqual([
      'drain',
      'dcn2',
      '--delete-emptydir-data',
      '--force',
      '--grace-period=30',
      '--timeout=300s',
    ]);
  });

  it('runs kubectl cordon / drain and reports kubectl failing (a PDB that never allows) as the fault failing', async () => {
    const ok = recording(() => ({ stdout: '', stderr: '', exitCode: 0 }));
    expect(await applyFault(context(ok.exec), plan, { kind: 'cordon', node: 'dcn2' })).toBeUndefined();
    expect(ok.calls[0]!.slice(-2)).toEqual(['cordon', 'dcn2']);
    const timedOut = recording(() => ({
      stdout: '',
      stderr: 'error: error when evicting pods/"web-1" -n "default": global timeout reached: 1m0s',
      exitCode: 1,
    }));
    const failed = await applyFault(context(timedOut.exec), plan, { ...drain, gracePeriod: null, timeout: 60 });
    expect(failed).toMatch(/^kubectl drain dcn2 failed: error: error when evicting .*global timeout reached/);
    expect(timedOut.calls[0]!.slice(-4)).toEqual(['drain', 'dcn2', '--ignore-daemonsets', '--timeout=60s']);
  });

  it('refuses k3s-upgrade before anything runs, and accepts cordon, uncordon and drain', () => {
    const planned = (fault: PlannedFault['fault']): PlannedFault => ({ id: 'u', fault, at: 60 }) as unknown as PlannedFault;
    const refusals = unsupportedFaults([
      planned({ kind: 'k3s-upgrade', version: 'v1.32.3+k3s1', concurrency: 1, drain: true }),
      planned({ kind: 'cordon', node: 'dcn2' }),
      planned({ kind: 'uncordon', node: 'dcn2' }),
      planned({ ...drain, gracePeriod: null, timeout: null }),
    ]);
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatch(/^fault u \(k3s-upgrade\): .*one offline image/);
  });
});
