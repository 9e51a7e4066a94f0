/**
 * Swap below Kubernetes (seed 000's "Edge-Pulse": zram plus a swap file), as src/sim/swap.ts models it.
 * Sources beside each assertion.
 */
import { describe, expect, it } from 'vitest';
import { broughtUp, cluster, deployment, eventsAfter, manifests, podsOf, type NodeDef } from '../helpers/sim.js';
import { fillMemory, growMemory } from '../../src/engines/sim/faults.js';
import { createSimulation } from '../../src/sim/index.js';
import { readWorkloads } from '../../src/model/workloads.js';
import { podSwapLimit, swapCapacity, swapState } from '../../src/sim/swap.js';
import { zramCompressionRatios } from '../../src/model/node-swap.js';
import { unsupportedCluster } from '../../src/engines/k3d/supports.js';

const Mi = 1024 * 1024;
const lean = { k3s: { serverArgs: ['--disable=traefik,servicelb,metrics-server'] } };

/** A Pi 3B+ worker (1 GiB) with the given swap. */
function worker(swap?: Record<string, unknown>): NodeDef {
  return { name: 'w1', profile: 'pi3bplus', ...(swap ? { swap } : {}) } as NodeDef;
}

const onW1 = { spec: { nodeSelector: { 'kubernetes.io/hostname': 'w1' } } };

/** A pod on w1 with no memory limit, leaking: the node, not a limit, runs out. */
const hog = deployment('hog', 1, { annotations: { 'twin.dev/memory-usage': '20Mi' }, ...onW1 });

/** Seconds from t0 until the kernel OOM killer first acts on w1 while `hog` leaks 1 MiB/s over a 300Mi fill. */
function secondsToKernelOom(swap?: Record<string, unknown>): { seconds: number; sim: ReturnType<typeof broughtUp> } {
  const sim = broughtUp(cluster([{ name: 's1', role: 'server' }, worker(swap)], lean), [hog]);
  fillMemory(sim, sim.node('w1'), 300 * Mi);
  const t0 = sim.now;
  growMemory(sim, 'Deployment/default/hog', 1 * Mi);
  sim.runUntil(t0 + 3600);
  const kill = eventsAfter(sim, t0, 'node.oomKiller', /node\/w1/)[0];
  if (!kill) throw new Error('no kernel OOM kill on w1');
  return { seconds: kill.t - t0, sim };
}

describe('swap', () => {
  it('failSwapOn true: the kubelet refuses a node with swap, which never registers; K3s defaults it to false', () => {
    const swap = { zram: { size: '256Mi' } };
    const nodes = [{ name: 's1', role: 'server' as const }, worker(swap)];
    const refused = createSimulation({
      cluster: cluster(nodes, { ...lean, settings: { failSwapOn: true } }),
      workloads: readWorkloads([]),
      seed: 1,
    });
    refused.runUntil(1200);
    // KK pkg/kubelet/cm/container_manager_linux.go: "running with swap on is not supported … set --fail-swap-on flag to false".
    const step = refused.events.find((e) => e.kind === 'bringup.step' && e.details?.['step'] === 'kubelet-swap-refused');
    expect(step?.subject).toBe('node/w1');
    expect(step?.message).toMatch(/failSwapOn true/);
    expect(refused.events.some((e) => e.kind === 'node.registered' && e.subject === 'node/w1')).toBe(false);
    expect(refused.node('w1').apiReady).not.toBe('True');
    expect(refused.joinRejected.get('w1')).toMatch(/refuses to start/);

    // K3s pkg/daemons/agent/agent.go (defaultKubeletConfig): FailSwapOn false, so the same node joins.
    const k3s = broughtUp(cluster(nodes, lean), []);
    expect(k3s.settings.failSwapOn).toBe(false);
    expect(k3s.node('w1').apiReady).toBe('True');
  });

  it('zram and a swap file delay the kernel OOM killer by size × (1 − 1/ratio) plus the file', () => {
    const none = secondsToKernelOom();
    const zram = secondsToKernelOom({ zram: { size: '256Mi', compressionRatio: 2.5 } });
    const both = secondsToKernelOom({ zram: { size: '256Mi', compressionRatio: 2.5 }, file: { size: '128Mi' } });
    // zram stores swapped pages compressed in RAM (Linux Documentation/admin-guide/blockdev/zram.rst): 256Mi of pages
    // at 2.5:1 take 102.4Mi, freeing 153.6Mi; at 1 MiB/s that is 153.6 s more before the OOM killer acts.
    expect(zram.seconds - none.seconds).toBeCloseTo(256 * (1 - 1 / 2.5), 0);
    // A swap file frees its whole size.
    expect(both.seconds - none.seconds).toBeCloseTo(256 * (1 - 1 / 2.5) + 128, 0);
    // The timeline says when each device started to be used.
    const devices = eventsAfter(both.sim, 0, 'node.swap', /node\/w1/).map((e) => e.details?.['device']);
    expect(devices.slice(0, 2)).toEqual(['zram', 'file']);
  });

  it('without a compression ratio, zram uses the measured figure for its algorithm (lzo-rle by default)', () => {
    const sim = broughtUp(cluster([{ name: 's1', role: 'server' }, worker({ zram: { size: '256Mi', algorithm: 'zstd' } })], lean), []);
    const zram = sim.node('w1').spec.swap?.zram;
    expect(zram?.compressionRatio).toBe(zramCompressionRatios.zstd.value);
    const other = broughtUp(cluster([{ name: 's1', role: 'server' }, worker({ zram: { size: '256Mi' } })], lean), []);
    // Linux drivers/block/zram/zram_drv.c: lzo-rle is the default compressor since 5.1.
    expect(other.node('w1').spec.swap?.zram?.algorithm).toBe('lzo-rle');
  });

  it('LimitedSwap: a Burstable container may swap request / node memory × node swap; Guaranteed and BestEffort none', () => {
    const swap = { zram: { size: '256Mi', compressionRatio: 2.5 }, file: { size: '512Mi' }, swapBehavior: 'LimitedSwap' };
    const sim = broughtUp(cluster([{ name: 's1', role: 'server' }, worker(swap)], lean), [
      deployment('burstable', 1, { requests: { cpu: '50m', memory: '100Mi' }, limits: { memory: '200Mi' }, ...onW1 }),
      deployment('guaranteed', 1, { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '50m', memory: '64Mi' }, ...onW1 }),
      deployment('besteffort', 1, onW1),
    ]);
    const node = sim.node('w1');
    const pod = (name: string) => podsOf(sim, `Deployment/default/${name}`)[0]!;
    // KK kuberuntime_container_linux.go calcSwapForBurstablePods: int64(request / MemoryCapacity × SwapCapacity).
    expect(swapCapacity(node)).toBe(768 * Mi);
    expect(podSwapLimit(pod('burstable'), node, sim.settings)).toBe(Math.floor(((100 * Mi) / node.capacityMemory) * 768 * Mi));
    // GetContainerSwapBehavior: only Burstable pods, and not a container whose request equals its limit.
    expect(podSwapLimit(pod('guaranteed'), node, sim.settings)).toBe(0);
    expect(podSwapLimit(pod('besteffort'), node, sim.settings)).toBe(0);

    // The Burstable container is OOMKilled at its limit plus its swap, not at its limit (its cgroup's memory.swap.max).
    const limit = 200 * Mi + podSwapLimit(pod('burstable'), node, sim.settings);
    const t0 = sim.now;
    const start = pod('burstable').baseMemory;
    growMemory(sim, 'Deployment/default/burstable', 1 * Mi);
    sim.runUntil(t0 + 1200);
    const kill = eventsAfter(sim, t0, 'pod.oomKilled', /burstable/)[0];
    expect(kill!.t - t0).toBeCloseTo((limit - start) / Mi, 0);
  });

  it('NoSwap (the default) and a kubelet without the NodeSwap gate leave pods without swap', () => {
    const devices = { zram: { size: '256Mi', compressionRatio: 2.5 }, file: { size: '512Mi' } };
    const burstable = deployment('burstable', 1, { requests: { cpu: '50m', memory: '100Mi' }, limits: { memory: '200Mi' }, ...onW1 });
    // K8sDocs concepts/cluster-administration/swap-memory-management: NoSwap is the default swapBehavior.
    const noSwap = broughtUp(cluster([{ name: 's1', role: 'server' }, worker(devices)], lean), [burstable]);
    const pod = podsOf(noSwap, 'Deployment/default/burstable')[0]!;
    expect(podSwapLimit(pod, noSwap.node('w1'), noSwap.settings)).toBe(0);
    const t0 = noSwap.now;
    const start = pod.baseMemory;
    growMemory(noSwap, 'Deployment/default/burstable', 1 * Mi);
    noSwap.runUntil(t0 + 600);
    // Killed at its 200Mi limit exactly as without swap.
    expect(eventsAfter(noSwap, t0, 'pod.oomKilled', /burstable/)[0]!.t - t0).toBeCloseTo((200 * Mi - start) / Mi, 0);

    // KK pkg/features/kube_features.go: NodeSwap is off by default before 1.30, so LimitedSwap gives nothing on v1.29.
    const old = broughtUp(
      cluster([{ name: 's1', role: 'server' }, worker({ ...devices, swapBehavior: 'LimitedSwap' })], {
        ...lean,
        k3s: { ...lean.k3s, version: 'v1.29.9+k3s1' },
      }),
      [burstable],
    );
    expect(old.settings.nodeSwapFeatureGate).toBe(false);
    expect(podSwapLimit(podsOf(old, 'Deployment/default/burstable')[0]!, old.node('w1'), old.settings)).toBe(0);
  });

  it('writing to a swap file on a microSD card makes readiness probes time out until the writes catch up', () => {
    const web = manifests(`
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: default }
spec:
  replicas: 1
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web }, annotations: { twin.dev/memory-usage: 12Mi } }
    spec:
      nodeSelector: { kubernetes.io/hostname: w1 }
      containers:
        - name: nginx
          image: nginx:1.27-alpine
          resources: { requests: { cpu: 50m, memory: 32Mi }, limits: { memory: 64Mi } }
          readinessProbe: { httpGet: { path: /, port: 80 }, periodSeconds: 5 }
`);
    const swap = { zram: { size: '128Mi', compressionRatio: 2.5 }, file: { size: '512Mi', storage: 'microsd' } };
    const sim = broughtUp(cluster([{ name: 's1', role: 'server' }, worker(swap)], lean), web);
    const node = sim.node('w1');
    const used = sim.pressure.nodeMemoryUsed(node);
    const t0 = sim.now;
    // Enough outside Kubernetes to push 150Mi past RAM and zram into the file.
    const zramFrees = 128 * Mi * (1 - 1 / 2.5);
    fillMemory(sim, node, node.capacityMemory + zramFrees + 150 * Mi - used);
    sim.runUntil(t0 + 600);
    const state = swapState(node, sim.pressure.nodeMemoryUsed(node), sim.now, sim.settings);
    expect(state.disk / Mi).toBeCloseTo(150, 0);
    // The step is written at the card's 4K random write rate (hardware-profiles/pi3bplus.yaml: 1000 IOPS), so
    // the device is saturated for 150Mi / (1000 × 4 KiB) ≈ 38 s; a probe needing page-ins cannot answer in 1 s.
    const busy = (150 * Mi) / (node.spec.swap!.file!.storage.randomWriteIops.value * 4096);
    const unready = eventsAfter(sim, t0, 'pod.unready', /web/)[0];
    // Unready after failureThreshold (3) × periodSeconds (5) of failed probes (K8sDocs configure-liveness-readiness-startup-probes).
    expect(unready!.t - t0).toBeCloseTo(15, 0);
    const ready = eventsAfter(sim, t0, 'pod.ready', /web/)[0];
    // Ready again at the first probe after the writes caught up.
    expect(ready!.t - t0).toBeGreaterThanOrEqual(busy);
    expect(ready!.t - t0).toBeLessThanOrEqual(busy + 5 + 0.01);
    expect(eventsAfter(sim, t0, 'node.swap', /node\/w1/).some((e) => /caught up/.test(e.message))).toBe(true);
    // The web pods on other nodes, and this one once the writes end, are not killed: the node survived.
    expect(eventsAfter(sim, t0, 'node.oomKiller', /node\/w1/)).toEqual([]);
  });
});

describe('swap in the cluster file', () => {
  it('names the field, the value and the fix for a swap file on storage the board does not have', () => {
    expect(() => cluster([{ name: 's1', role: 'server' }, worker({ file: { size: '1Gi', storage: 'floppy' } })])).toThrow(
      /nodes\[1\]\.swap\.file\.storage: profile "pi3bplus" has no storage option "floppy" \(use one of: microsd, usb-ssd/,
    );
    expect(() => cluster([{ name: 's1', role: 'server' }, worker({})])).toThrow(/swap declares neither zram nor a swap file/);
  });

  it('the k3d engine refuses a node with swap, with the reason (a container shares the host kernel and swap)', () => {
    const c = cluster([{ name: 's1', role: 'server' }, worker({ zram: { size: '256Mi' } })]);
    const refusals = unsupportedCluster(c);
    expect(refusals.map((r) => r.subject)).toEqual(['node w1 (swap)']);
    expect(refusals[0]!.reason).toMatch(/shares the host's kernel and swap/);
    expect(unsupportedCluster(cluster([{ name: 's1', role: 'server' }, worker()]))).toEqual([]);
  });
});
