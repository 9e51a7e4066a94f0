/** The simulated machines and the API objects created so far: the state every component reads. */
import type { Cluster } from '../model/cluster.js';
import type { DisruptionBudgetSpec } from '../model/disruption-budgets.js';
import type { ModelSettings } from '../model/settings.js';
import type { ClaimSpec, ServiceSpec, StorageClassSpec, Workload, WorkloadSet } from '../model/workloads.js';
import type { WorldView } from './context.js';
import { createNode, newWorkloadState, type SimNode, type WorkloadState } from './state.js';

export class World implements WorldView {
  readonly cluster: Cluster;
  readonly settings: ModelSettings;
  readonly nodes: SimNode[];
  readonly nodeByName = new Map<string, SimNode>();
  readonly clusterNodes: SimNode[];
  readonly servers: SimNode[];
  readonly workloads: WorkloadState[] = [];
  readonly workloadByKey = new Map<string, WorkloadState>();
  readonly services: ServiceSpec[] = [];
  readonly claims: ClaimSpec[];
  readonly storageClasses: StorageClassSpec[];
  /** PodDisruptionBudgets (K3s ships none), for the Eviction API. */
  readonly disruptionBudgets: readonly DisruptionBudgetSpec[];
  readonly memoryGrowth = new Map<string, number>();
  private nextPodId = 1;

  constructor(cluster: Cluster, user: WorkloadSet, system: WorkloadSet) {
    this.cluster = cluster;
    this.settings = cluster.settings;
    const etcd = cluster.k3s.datastore === 'embedded-etcd';
    this.nodes = cluster.nodes.map((spec, index) => createNode(spec, index, this.settings, etcd));
    for (const node of this.nodes) this.nodeByName.set(node.name, node);
    this.clusterNodes = this.nodes.filter((n) => n.inCluster);
    this.servers = this.nodes.filter((n) => n.isServer);
    this.claims = [...system.claims, ...user.claims];
    this.storageClasses = [...system.storageClasses, ...user.storageClasses];
    this.disruptionBudgets = [...system.disruptionBudgets, ...user.disruptionBudgets];
  }

  node(name: string): SimNode {
    const node = this.nodeByName.get(name);
    if (!node) throw new Error(`no node named ${name}`);
    return node;
  }

  newPodId(): number {
    return this.nextPodId++;
  }

  /** The workload's state, created if it is new (then `created` is true). */
  addWorkload(spec: Workload): { state: WorkloadState; created: boolean } {
    const existing = this.workloadByKey.get(spec.key);
    if (existing) return { state: existing, created: false };
    const state = newWorkloadState(spec);
    this.workloads.push(state);
    this.workloadByKey.set(spec.key, state);
    return { state, created: true };
  }
}
