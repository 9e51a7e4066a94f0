/**
 * Node maintenance on the k3d engine: the Node object through kubectl (through any API server that
 * answers), an orderly shutdown as `docker stop`, and the refusal of graceful node shutdown, which a
 * node container cannot show. No docker is run: the exec records the commands.
 */
import { describe, expect, it } from 'vitest';
import { applyFault } from '../../src/engines/k3d/apply.js';
import type { K3dRunContext } from '../../src/engines/k3d/context.js';
import type { Exec, ExecResult } from '../../src/engines/k3d/exec.js';
import { runNames } from '../../src/engines/k3d/run-names.js';
import { unsupportedFaults } from '../../src/engines/k3d/supports.js';
import type { PlannedFault } from '../../src/engines/engine.js';
import { loadScenarioFile, planOf } from '../../src/scenario/load.js';

const plan = planOf(await loadScenarioFile('scenarios/ha-quorum-loss.ts'));
const names = runNames(plan.cluster, 'abc123');
const agent = plan.cluster.nodes.find((n) => n.role === 'agent') ?? plan.cluster.nodes[0]!;

function recording(answer: (args: readonly string[]) => ExecResult): { exec: Exec; calls: string[][] } {
  const calls: string[][] = [];
  const run = (async (_command: string, args: readonly string[]) => {
    calls.push([...args]);
    return answer(args);
  }) as Exec;
  return { exec: Object.assign(run, { spawn: () => undefined as never, note: () => undefined, transcript: [], dryRun: false }), calls };
}
const context = (exec: Exec) => ({ exec, names, stateDir: '/nonexistent', calibration: {} }) as unknown as K3dRunContext;
const ok = () => ({ stdout: '', stderr: '', exitCode: 0 });

describe('k3d node maintenance faults', () => {
  it('delete-node and out-of-service are the kubectl commands an operator types', async () => {
    const { exec, calls } = recording(ok);
    expect(await applyFault(context(exec), plan, { kind: 'delete-node', node: agent.name })).toBeUndefined();
    expect(await applyFault(context(exec), plan, { kind: 'out-of-service', node: agent.name })).toBeUndefined();
    expect(await applyFault(context(exec), plan, { kind: 'return-to-service', node: agent.name })).toBeUndefined();
    expect(calls.map((c) => c.slice(-4))).toEqual([
      ['kubectl', 'delete', 'node', agent.name],
      ['taint', 'nodes', agent.name, 'node.kubernetes.io/out-of-service=nodeshutdown:NoExecute'],
      ['taint', 'nodes', agent.name, 'node.kubernetes.io/out-of-service-'],
    ]);
  });

  it('delete-node fails as kubectl does when no API server answers', async () => {
    const { exec } = recording(() => ({ stdout: '', stderr: 'The connection to the server 127.0.0.1:6443 was refused', exitCode: 1 }));
    expect(await applyFault(context(exec), plan, { kind: 'delete-node', node: agent.name })).toMatch(
      /^kubectl delete node failed: The connection to the server .* was refused; nothing was changed$/,
    );
  });

  it('shutdown stops the node container gracefully (docker stop), unlike power-off (docker kill)', async () => {
    const { exec, calls } = recording(ok);
    await applyFault(context(exec), plan, { kind: 'shutdown', node: agent.name });
    expect(calls).toEqual([['stop', '--time', '10', names.container(agent)]]);
  });

  it('refuses shutdown and reboot when the cluster turns graceful node shutdown on, and nothing else', () => {
    const faults: PlannedFault[] = (['shutdown', 'reboot', 'delete-node', 'out-of-service'] as const).map((kind, i) => ({
      id: `f${i + 1}`,
      at: 60,
      fault: { kind, node: agent.name },
    })) as unknown as PlannedFault[];
    expect(unsupportedFaults(faults)).toEqual([]);
    const refused = unsupportedFaults(faults, { gracefulNodeShutdown: true });
    expect(refused).toHaveLength(2);
    expect(refused[0]).toMatch(/fault f1 \(shutdown\): the kubelet's graceful node shutdown .* systemd-logind/);
    expect(refused[1]).toMatch(/fault f2 \(reboot\)/);
  });
});
