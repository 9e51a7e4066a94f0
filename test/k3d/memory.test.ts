import type { KubernetesObject, V1Deployment, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { loadManifests } from '../../src/load/manifests.js';
import { appMemoryEnv, NodeMemoryFaults, withModelMemory } from '../../src/engines/k3d/memory.js';
import type { Exec, ExecResult } from '../../src/engines/k3d/exec.js';
import type { RunNames } from '../../src/engines/k3d/run-names.js';
import { cluster } from '../helpers/sim.js';
import { backOffSeconds } from '../../src/engines/k3d/observe.js';

describe('k3d memory faults', () => {
  it("stand-in containers are told to hold the model's memory at rest (annotation, else request)", () => {
    const objects = loadManifests(['scenarios/workloads/edgestack']).map((m) => m.object as KubernetesObject);
    const out = withModelMemory(objects);
    const envOf = (name: string) =>
      (out.find((o) => o.metadata?.name === name) as V1Deployment).spec?.template.spec?.containers[0]?.env?.find(
        (e) => e.name === appMemoryEnv,
      )?.value;
    expect(envOf('api')).toBe(String(90 * 1024 ** 2)); // twin.dev/memory-usage: 90Mi
    expect(envOf('postgres')).toBe(String(120 * 1024 ** 2));
    // The user's objects are left as they were.
    expect(JSON.stringify(objects)).not.toContain(appMemoryEnv);
    const pod: V1Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'c', image: 'x', resources: { limits: { memory: '64Mi' } } }] },
    };
    const [bare] = withModelMemory([pod as KubernetesObject]) as V1Pod[];
    // A missing request defaults to the limit (Kubernetes), so the model's usage is the limit.
    expect(bare?.spec?.containers[0]?.env).toEqual([{ name: appMemoryEnv, value: String(64 * 1024 ** 2) }]);
  });

  it("reads the kubelet's back-off from a waiting container's message", () => {
    expect(backOffSeconds('back-off 10s restarting failed container=api pod=api-1_default(uid)')).toBe(10);
    expect(backOffSeconds('back-off 1m20s restarting failed container=api pod=api-1_default(uid)')).toBe(80);
    expect(backOffSeconds('back-off 5m0s restarting failed container=api pod=api-1_default(uid)')).toBe(300);
    expect(backOffSeconds('Back-off pulling image "x"')).toBeNull();
  });

  it('asks every leaking container at once, and one container its asks in the order made', async () => {
    const started: string[] = [];
    const finished: string[] = [];
    const release: Array<() => void> = [];
    const exec = Object.assign(
      (_command: string, args: readonly string[]): Promise<ExecResult> => {
        const ask = `${args[1]}:${args.at(-1)}`; // node container : rate
        started.push(ask);
        return new Promise((resolve) =>
          release.push(() => {
            finished.push(ask);
            resolve({ stdout: '', stderr: '', exitCode: 0 });
          }),
        );
      },
      { dryRun: false, transcript: [], note: () => undefined, spawn: () => ({ write: () => undefined, stop: async () => undefined }) },
    ) as unknown as Exec;
    const pod = (name: string, node: string, id: string): V1Pod => ({
      metadata: {
        name,
        namespace: 'default',
        labels: { 'pod-template-hash': 'abc' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'api-abc', uid: name, controller: true }],
      },
      spec: { nodeName: node, containers: [{ name: 'api', image: 'x' }] },
      status: {
        containerStatuses: [
          { name: 'api', image: 'x', imageID: '', ready: true, restartCount: 0, containerID: `containerd://${id}`, state: { running: {} } },
        ],
      },
    });
    const pods = [pod('api-abc-1', 'w1', 'c1'), pod('api-abc-2', 'w2', 'c2')];
    const names = { container: (node: { name: string }) => `k3d-${node.name}` } as unknown as RunNames;
    const c = cluster([{ name: 's1', role: 'server' }, { name: 'w1' }, { name: 'w2' }]);
    const faults = new NodeMemoryFaults(
      exec,
      c,
      names,
      () => pods,
      () => 0,
      () => undefined,
    );
    const tick = async () => {
      for (let i = 0; i < 5; i++) await Promise.resolve();
    };

    const leaking = faults.leak('default/api', 8 * 1024 ** 2);
    await tick();
    // Both replicas are asked before either ask has come back.
    expect(started).toEqual([`k3d-w1:${8 * 1024 ** 2}`, `k3d-w2:${8 * 1024 ** 2}`]);
    // The heal's asks wait for the rate asks of the same containers.
    const healing = faults.leak('default/api', 0);
    await tick();
    expect(started).toHaveLength(2);
    release.shift()?.();
    release.shift()?.();
    await leaking;
    await tick();
    expect(started.slice(2)).toEqual(['k3d-w1:0', 'k3d-w2:0']);
    release.shift()?.();
    release.shift()?.();
    await healing;
    expect(finished).toEqual([...started]);
  });

  it('a memory fill took effect when its hog started on the node, and was freed when the hog was killed', async () => {
    let now = 0;
    let lineOf: (line: string) => void = () => undefined;
    let exit: (code: number | null) => void = () => undefined;
    const commands: string[] = [];
    const exec = Object.assign(
      (_command: string, args: readonly string[]): Promise<ExecResult> => {
        commands.push(args.join(' '));
        now += 1500; // the kill's docker exec
        exit(137);
        return Promise.resolve({ stdout: '', stderr: '', exitCode: 0 });
      },
      {
        dryRun: false,
        transcript: [],
        note: () => undefined,
        spawn: (_command: string, args: readonly string[], onLine: (line: string) => void) => {
          commands.push(args.join(' '));
          lineOf = onLine;
          return {
            write: () => undefined,
            stop: async () => undefined,
            exited: new Promise<number | null>((resolve) => (exit = resolve)),
          };
        },
      },
    ) as unknown as Exec;
    const names = { container: (node: { name: string }) => `k3d-${node.name}` } as unknown as RunNames;
    const faults = new NodeMemoryFaults(
      exec,
      cluster([{ name: 's1', role: 'server' }, { name: 'w1' }]),
      names,
      () => [],
      () => now,
      () => undefined,
    );
    now = 30_000;
    const filling = faults.fill('w1', 850 * 1024 ** 2);
    // The shell prints its line just before it becomes memhog, 6 s after the ask; memhog's own lines do not count.
    now = 36_000;
    lineOf('twin-memory-fill-start');
    now = 37_000;
    lineOf('memhog: holding 850 MiB');
    await expect((await filling).tookEffect).resolves.toBe(36_000);
    expect(commands[0]).toContain('echo twin-memory-fill-start && exec memhog 850 850');
    now = 90_000;
    await expect((await faults.fill('w1', 0)).tookEffect).resolves.toBe(91_500);
    // A heal that comes while the hog is still starting waits for it, so that its kill finds the hog.
    const early = faults.fill('w1', 850 * 1024 ** 2);
    await early;
    const killsBefore = commands.length;
    let healed = false;
    const healing = faults.fill('w1', 0).then((r) => ((healed = true), r));
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect([healed, commands.length]).toEqual([false, killsBefore]);
    now = 100_000;
    lineOf('twin-memory-fill-start');
    await expect((await healing).tookEffect).resolves.toBe(101_500);
    expect(commands.at(-1)).toContain('kill $pid');
    // A hog whose exec ends before it starts leaves the fill unmeasured.
    const failing = faults.fill('w1', 850 * 1024 ** 2);
    exit(1);
    await expect((await failing).tookEffect).resolves.toBeUndefined();
  });
});
