/**
 * Faults that go through the API on the k3d engine: kubectl as a user types it, through any API
 * server that answers; when none does, the fault fails (`fault.failed`) instead of ending the run.
 */
import { describe, expect, it } from 'vitest';
import { applyFault } from '../../src/engines/k3d/apply.js';
import type { K3dRunContext } from '../../src/engines/k3d/context.js';
import type { Exec, ExecResult } from '../../src/engines/k3d/exec.js';
import { runNames } from '../../src/engines/k3d/run-names.js';
import { loadScenarioFile, planOf } from '../../src/scenario/load.js';

const plan = planOf(await loadScenarioFile('scenarios/ha-quorum-loss.ts'));
const servers = plan.cluster.nodes.filter((n) => n.role === 'server');
const names = runNames(plan.cluster, 'abc123');

/** An exec that records docker commands and answers from `answer`. */
function recording(answer: (args: readonly string[]) => ExecResult): { exec: Exec; calls: string[][] } {
  const calls: string[][] = [];
  const run = (async (_command: string, args: readonly string[]) => {
    calls.push([...args]);
    return answer(args);
  }) as Exec;
  return { exec: Object.assign(run, { spawn: () => undefined as never, note: () => undefined, transcript: [], dryRun: false }), calls };
}

const context = (exec: Exec) => ({ exec, names, stateDir: '/nonexistent', calibration: {} }) as unknown as K3dRunContext;

describe('k3d faults through the API', () => {
  it('passes namespace and name to kubectl as separate arguments, for every way a workload is named', async () => {
    const { exec, calls } = recording(() => ({ stdout: '', stderr: '', exitCode: 0 }));
    const workload = plan.workloads.workloads.find((w) => w.kind === 'Deployment' && !w.system)!;
    const [kind, namespace, name] = workload.key.split('/') as [string, string, string];
    for (const wanted of [workload.key, `${kind.toLowerCase()}/${namespace}/${name}`, `${namespace}/${name}`, name]) {
      expect(await applyFault(context(exec), plan, { kind: 'scale', workload: wanted, replicas: 3 })).toBeUndefined();
    }
    for (const call of calls) expect(call.slice(-5)).toEqual(['scale', '--replicas=3', `deployment/${name}`, '-n', namespace]);
  });

  it('uses the next server when the first API server does not answer, and fails only when none does', async () => {
    const down = new Set([names.container(servers[0]!)]);
    const one = recording((args) =>
      down.has(args[1]!)
        ? { stdout: '', stderr: 'The connection to the server 127.0.0.1:6443 was refused', exitCode: 1 }
        : { stdout: '', stderr: '', exitCode: 0 },
    );
    const workload = plan.workloads.workloads.find((w) => w.kind === 'Deployment' && !w.system)!.key;
    expect(await applyFault(context(one.exec), plan, { kind: 'rollout-restart', workload })).toBeUndefined();
    expect(one.calls.map((c) => c[1])).toEqual([names.container(servers[0]!), names.container(servers[1]!)]);

    const none = recording(() => ({ stdout: '', stderr: 'The connection to the server 127.0.0.1:6443 was refused', exitCode: 1 }));
    const failed = await applyFault(context(none.exec), plan, { kind: 'rollout-restart', workload });
    expect(failed).toMatch(/^kubectl rollout restart failed: The connection to the server .* was refused; nothing was changed$/);
    expect(none.calls).toHaveLength(servers.length);
  });

  it("slow-storage tells the node's twin-slowfs its latency, and is recorded as failed where the node cannot take it", async () => {
    const server = servers[0]!;
    const ok = recording(() => ({ stdout: '', stderr: '', exitCode: 0 }));
    expect(await applyFault(context(ok.exec), plan, { kind: 'slow-storage', node: server.name, latency: 4 })).toBeUndefined();
    expect(await applyFault(context(ok.exec), plan, { kind: 'storage-restore', node: server.name })).toBeUndefined();
    expect(ok.calls).toEqual([
      ['exec', names.container(server), 'sh', '-c', "printf '%s\\n' 4000000us > /etc/twin/storage-latency && pkill -HUP -x twin-slowfs"],
      ['exec', names.container(server), 'sh', '-c', 'rm -f /etc/twin/storage-latency && pkill -HUP -x twin-slowfs'],
    ]);
    // A container that is gone is not a node that is off: the fault fails with Docker's words.
    const gone = recording(() => ({ stdout: '', stderr: 'Error response from daemon: No such container: abc', exitCode: 1 }));
    expect(await applyFault(context(gone.exec), plan, { kind: 'slow-storage', node: server.name, latency: 4 })).toBe(
      `slow-storage on ${server.name} failed: Error response from daemon: No such container: abc; the node's storage is unchanged`,
    );
    const noFuse = recording(() => ({ stdout: '', stderr: '', exitCode: 1 }));
    expect(await applyFault(context(noFuse.exec), plan, { kind: 'storage-restore', node: server.name })).toMatch(
      /^storage-restore on \S+ failed: no twin-slowfs process on the node \(no FUSE there\?\); the node's storage is unchanged$/,
    );
  });
});
