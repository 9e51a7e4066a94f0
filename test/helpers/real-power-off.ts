/**
 * A real power cut on a kept k3d cluster, watched the way the k3d engine watches its runs: the
 * node's container is killed (`docker kill`, as the engine's power-off does), and the cluster's
 * Nodes and Pods are observed through the engine's own informers and translator, so the moments
 * come out as the same timeline events `twin whatif` predicts. Only containers twin created are
 * touched: the container is found by twin's run labels.
 */
import type { KubernetesObject, V1EndpointSlice, V1Node, V1Pod, Informer } from '@kubernetes/client-node';
import { execa } from 'execa';
import { loadKubeConfig, startInformers } from '../../src/engines/k3d/kube-watch.js';
import { WatchTranslator } from '../../src/engines/k3d/observe.js';
import type { TimelineEvent } from '../../src/model/timeline.js';

export interface RealPowerOff {
  /** The observed events, t = 0 at the kill, with the fault's own `fault.injected` event first. */
  readonly events: TimelineEvent[];
}

/**
 * Kills `container` at wall-clock `killAt` (ms) and observes the cluster until `until(events)` holds
 * or `limitMs` passes. `injected` is the prediction's own fault event: the same id, kind and message,
 * at t = 0.
 */
export async function realPowerOff(
  kubeconfig: string,
  container: string,
  killAt: number,
  injected: TimelineEvent,
  until: (events: readonly TimelineEvent[]) => boolean,
  limitMs: number,
): Promise<RealPowerOff> {
  const config = loadKubeConfig(kubeconfig);
  const translator = new WatchTranslator(killAt, { serviceOutages: 'probe' });
  translator.replacementsAfter = killAt;
  let stopped = false;
  const host = {
    nodeObjects: new Map<string, V1Node>(),
    podObjects: new Map<string, V1Pod>(),
    slices: new Map<string, V1EndpointSlice>(),
    informers: [] as Array<Informer<KubernetesObject>>,
    timers: [] as NodeJS.Timeout[],
    translator,
    clock: { now: () => Date.now() },
    stopped: () => stopped,
  };
  try {
    // The informers list what is there first; their initial ADDED events fall before t = 0.
    await startInformers(config, host);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, killAt - Date.now())));
    await execa('docker', ['kill', '--signal', 'KILL', container]);
    translator.emit(killAt, injected.kind, injected.subject, injected.view, injected.message, injected.details);
    const deadline = killAt + limitMs;
    while (Date.now() < deadline && !until(translator.events)) await new Promise((resolve) => setTimeout(resolve, 1000));
  } finally {
    stopped = true;
    for (const timer of host.timers) clearTimeout(timer);
    for (const informer of host.informers) await informer.stop().catch(() => undefined);
  }
  // Keep what happened from the kill on; the informers' first listing is the state before it.
  const events = translator.events.filter((e) => e.t > 0 || e.kind === 'fault.injected');
  return { events: events.sort((a, b) => a.t - b.t) };
}
