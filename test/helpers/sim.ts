import type { KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { clusterFromDocument } from '../../src/load/cluster.js';
import type { Cluster } from '../../src/model/cluster.js';
import { ProfileRegistry } from '../../src/load/profiles.js';
import { createSimulation } from '../../src/sim/index.js';
import type { Simulation } from '../../src/sim/simulation.js';
import type { TimelineEvent } from '../../src/model/timeline.js';
import { readWorkloads } from '../../src/model/workloads.js';

export const profiles = ProfileRegistry.load();

export interface NodeDef {
  name: string;
  profile?: string;
  role?: 'server' | 'agent' | 'rancher' | 'external';
  storage?: string;
  labels?: Record<string, string>;
  taints?: string[];
}

export function cluster(nodes: NodeDef[], spec: Record<string, unknown> = {}): Cluster {
  return clusterFromDocument(
    {
      apiVersion: 'twin/v1alpha1',
      kind: 'Cluster',
      metadata: { name: 'test' },
      spec: { nodes: nodes.map((n) => ({ profile: 'pi4b-4gb', role: 'agent', ...n })), ...spec },
    },
    'test-cluster.yaml',
    { profiles },
  );
}

export function manifests(text: string): KubernetesObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as KubernetesObject)
    .filter(Boolean);
}

export function deployment(
  name: string,
  replicas: number,
  extra: {
    requests?: Record<string, string>;
    limits?: Record<string, string>;
    annotations?: Record<string, string>;
    spec?: Record<string, unknown>;
    priorityClassName?: string;
  } = {},
): KubernetesObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, annotations: extra.annotations ?? {} },
        spec: {
          ...(extra.priorityClassName ? { priorityClassName: extra.priorityClassName } : {}),
          containers: [
            {
              name,
              image: 'nginx:1.27-alpine',
              resources: { ...(extra.requests ? { requests: extra.requests } : {}), ...(extra.limits ? { limits: extra.limits } : {}) },
            },
          ],
          ...extra.spec,
        },
      },
    },
  } as KubernetesObject;
}

export function service(name: string): KubernetesObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: { selector: { app: name } },
  } as KubernetesObject;
}

/** A cluster brought up until its workloads are ready. */
export function broughtUp(c: Cluster, objects: KubernetesObject[], seed = 1): Simulation {
  const sim = createSimulation({ cluster: c, workloads: readWorkloads(objects), seed });
  const ready = sim.runUntilCondition(() => sim.bringUp.workloadsReady !== null, 3600);
  if (ready === null)
    throw new Error(`bring-up did not complete: ${JSON.stringify({ ...sim.bringUp, nodeReady: [...sim.bringUp.nodeReady] })}`);
  sim.runUntil(sim.now + 60);
  return sim;
}

export function eventsAfter(sim: Simulation, t: number, kind?: string, subject?: RegExp): TimelineEvent[] {
  return sim.events.filter((e) => e.t >= t - 0.001 && (!kind || e.kind === kind) && (!subject || subject.test(e.subject)));
}

export function first(sim: Simulation, t: number, kind: string, subject?: RegExp): TimelineEvent {
  const event = eventsAfter(sim, t, kind, subject)[0];
  if (!event) throw new Error(`no ${kind} ${subject ?? ''} after ${t}`);
  return event;
}

export function podsOf(sim: Simulation, key: string) {
  const workload = sim.workloadByKey.get(key);
  if (!workload) throw new Error(`no workload ${key}`);
  return [...workload.pods];
}
