import type { KubernetesObject, V1Deployment, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { loadManifests } from '../../src/load/manifests.js';
import { appMemoryEnv, withModelMemory } from '../../src/engines/k3d/memory.js';
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
});
