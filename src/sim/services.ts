/**
 * Service availability: would a request from the site's network be served right now?
 * Endpoints follow the API (ready, not terminating); a request only succeeds if the
 * endpoint's pod really runs and answers on a powered node the client can reach. While a
 * dead node's pods are still listed as endpoints, that share of requests fails.
 */
import type { ServiceSpec } from '../model/workloads.js';
import { selectorMatches } from '../model/pod-template.js';
import type { ServicesContext, ServicesPort } from './context.js';
import type { SimPod, WorkloadState } from './state.js';

interface ServiceState {
  readonly spec: ServiceSpec;
  workloads: WorkloadState[];
  served: number;
  endpoints: number;
  inOutage: boolean;
  everServed: boolean;
}

export class Services implements ServicesPort {
  private readonly states: ServiceState[] = [];
  private readonly byWorkload = new Map<WorkloadState, ServiceState[]>();
  private readonly dirty = new Set<ServiceState>();

  constructor(private readonly ctx: ServicesContext) {}

  /** Matches services to workloads by selector (after workloads or services are added). */
  reindex(): void {
    const ctx = this.ctx;
    for (const spec of ctx.world.services) {
      if (!this.states.some((s) => s.spec === spec))
        this.states.push({ spec, workloads: [], served: 0, endpoints: 0, inOutage: false, everServed: false });
    }
    this.byWorkload.clear();
    for (const state of this.states) {
      const selector = { matchLabels: state.spec.selector, matchExpressions: [] };
      state.workloads =
        Object.keys(state.spec.selector).length === 0
          ? []
          : ctx.world.workloads.filter((w) => w.spec.namespace === state.spec.namespace && selectorMatches(selector, w.template.labels));
      for (const w of state.workloads) this.byWorkload.set(w, [...(this.byWorkload.get(w) ?? []), state]);
      this.dirty.add(state);
    }
  }

  markDirty(pod: SimPod): void {
    for (const state of this.byWorkload.get(pod.workload) ?? []) this.dirty.add(state);
  }

  markAllDirty(): void {
    for (const state of this.states) this.dirty.add(state);
  }

  /** Share of requests served (0..1) for one service now. */
  private measure(state: ServiceState): { served: number; endpoints: number } {
    let endpoints = 0;
    let served = 0;
    for (const workload of state.workloads) {
      for (const pod of workload.pods) {
        if (!pod.apiReady || pod.deletionRequestedAt !== null) continue;
        const node = pod.nodeName ? this.ctx.world.nodeByName.get(pod.nodeName) : undefined;
        // EndpointSlices skip a pod whose Node is gone (KK staging/src/k8s.io/endpointslice/reconciler.go "Node not found").
        if (node && !node.registered) continue;
        endpoints++;
        if (pod.running && pod.ready && node && node.powered && node.partition === 0) served++;
      }
    }
    return { served, endpoints };
  }

  update(): void {
    const ctx = this.ctx;
    for (const state of this.dirty) {
      const { served, endpoints } = this.measure(state);
      state.served = served;
      state.endpoints = endpoints;
      const subject = `service/${state.spec.key}`;
      if (served > 0) state.everServed = true;
      if (served === 0 && state.everServed && !state.inOutage) {
        state.inOutage = true;
        const why = endpoints === 0 ? 'no ready endpoints' : `${endpoints} endpoint(s) listed but none answers`;
        ctx.emit('service.outageStarted', subject, 'truth', `service ${state.spec.key} down: ${why}`, { endpoints });
      } else if (served > 0 && state.inOutage) {
        state.inOutage = false;
        ctx.emit(
          'service.outageEnded',
          subject,
          'truth',
          `service ${state.spec.key} serving again (${served}/${endpoints} endpoints answer)`,
          { endpoints, served },
        );
      }
    }
    this.dirty.clear();
  }

  /** Current availability of every service, for sampling. */
  availability(): Array<{ key: string; value: number }> {
    return this.states.map((s) => ({ key: s.spec.key, value: s.endpoints === 0 ? 0 : s.served / s.endpoints }));
  }
}
