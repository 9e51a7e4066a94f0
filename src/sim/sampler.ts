/**
 * Samples the series of a run at a fixed virtual interval. A long run keeps at most
 * {@link maxSamples} points per series: when the series are full, every other sample is dropped
 * and the interval doubles, so the series stay evenly spaced, the report stays small (a 30-day run
 * at 10 s would be 260 000 points a series) and the same run always gives the same series.
 */
import type { NodeSeries, TimelineSeries } from '../model/timeline.js';
import type { SamplerContext } from './context.js';
import { Priority } from './priority.js';
import { podCpuUsage, podMemory, watts, type SimNode, type WorkloadState } from './state.js';

/** Points per series at most (even, so halving keeps the samples at multiples of the doubled interval). */
export const maxSamples = 2000;

interface PodCounts {
  pending: number;
  running: number;
  succeeded: number;
  failed: number;
  terminating: number;
  ready: number;
}

/** The node figures of a sample, in the order of a row of `Sampler.rows`. */
const nodeFigures = 5;
/** Values (8 bytes each) the buffered rows hold at most, whatever the node count; at least one row is buffered. */
const bufferedValues = 1 << 19;

/** Keeps the samples at even indices: the series at twice the interval. */
function halve(values: number[]): void {
  let kept = 0;
  for (let i = 0; i < values.length; i += 2) values[kept++] = values[i] as number;
  values.length = kept;
}

export class Sampler {
  private readonly times: number[] = [];
  private readonly nodeSeries: Record<string, NodeSeries> = {};
  private readonly phases: Record<string, number[]> = { Pending: [], Running: [], Succeeded: [], Failed: [], Terminating: [] };
  private readonly workloadsReady: Record<string, number[]> = {};
  private readonly serviceAvailability: Record<string, number[]> = {};
  private readonly totalWatts: number[] = [];
  /** Each node's series, in node order (the record above keyed by name is what the report reads). */
  private readonly nodeColumns: NodeSeries[] = [];
  /** Each workload's ready column once it has one (halving keeps the arrays, so these stay valid). */
  private readonly readyColumns = new Map<WorkloadState, number[]>();
  /** Each node's usage at the last sample that summed it, in node order (see `SimNode.usageChanged`). */
  private readonly usage: NodeUsage[] = [];
  /** Each workload's pod counts at the last sample that counted them (see `podCounts`). */
  private readonly counts = new Map<WorkloadState, PodCounts>();
  /**
   * The node figures of the last samples, not yet in the node series: row by row, node by node, the figures in
   * `nodeFigures` order. A sample writes one row in place; `flushRows` appends the rows to each node's five
   * series at once, so a run at 10,000 nodes touches each node's series once every few samples, not at each.
   */
  private readonly rows: Float64Array;
  private readonly rowCapacity: number;
  private bufferedRows = 0;

  constructor(
    private readonly ctx: SamplerContext,
    private interval: number,
  ) {
    for (const node of ctx.world.nodes) {
      this.nodeSeries[node.name] = {
        cpu: [],
        memory: [],
        ready: [],
        powered: [],
        watts: [],
        capacityCpu: node.capacityCpu,
        capacityMemory: node.capacityMemory,
        allocatableCpu: node.allocatableCpu,
        allocatableMemory: node.allocatableMemory,
      };
      this.nodeColumns.push(this.nodeSeries[node.name] as NodeSeries);
    }
    const rowLength = ctx.world.nodes.length * nodeFigures;
    this.rowCapacity = Math.max(1, Math.min(64, Math.floor(bufferedValues / Math.max(1, rowLength))));
    this.rows = new Float64Array(rowLength * this.rowCapacity);
  }

  start(): void {
    const tick = () => {
      if (this.times.length >= maxSamples) this.coarsen();
      this.sample();
      this.ctx.env.after(this.interval, Priority.sample, tick);
    };
    this.ctx.env.at(0, Priority.sample, tick);
  }

  /** The interval between samples now (it doubles each time the series are full). */
  get sampleInterval(): number {
    return this.interval;
  }

  /** Every series at twice the interval; the next sample falls on the doubled grid (maxSamples is even). */
  private coarsen(): void {
    this.flushRows();
    const columns = [
      this.times,
      this.totalWatts,
      ...Object.values(this.phases),
      ...Object.values(this.workloadsReady),
      ...Object.values(this.serviceAvailability),
      ...Object.values(this.nodeSeries).flatMap((s) => [s.cpu, s.memory, s.ready, s.powered, s.watts]),
    ];
    for (const column of columns) halve(column);
    this.interval *= 2;
  }

  /** Appends the buffered rows to the node series, in sample order. */
  private flushRows(): void {
    const count = this.bufferedRows;
    if (count === 0) return;
    const rows = this.rows;
    const columns = this.nodeColumns;
    const rowLength = columns.length * nodeFigures;
    for (let i = 0; i < columns.length; i++) {
      const series = columns[i] as NodeSeries;
      const { cpu, memory, ready, powered, watts } = series;
      for (let row = 0, at = i * nodeFigures; row < count; row++, at += rowLength) {
        cpu.push(rows[at] as number);
        memory.push(rows[at + 1] as number);
        ready.push(rows[at + 2] as number);
        powered.push(rows[at + 3] as number);
        watts.push(rows[at + 4] as number);
      }
    }
    this.bufferedRows = 0;
  }

  /** Pads a series that started late so every column has one value per sample time. */
  private column(record: Record<string, number[]>, key: string): number[] {
    let column = record[key];
    if (!column) {
      column = new Array<number>(this.times.length - 1).fill(0);
      record[key] = column;
    }
    return column;
  }

  private sample(): void {
    const ctx = this.ctx;
    const now = ctx.env.now;
    this.times.push(now);
    let total = 0;
    const nodes = ctx.world.nodes;
    if (this.bufferedRows === this.rowCapacity) this.flushRows();
    const rows = this.rows;
    let at = this.bufferedRows++ * nodes.length * nodeFigures;
    for (let i = 0; i < nodes.length; i++, at += nodeFigures) {
      const node = nodes[i] as SimNode;
      if (node.usageChanged || this.usage[i]?.growing !== false) {
        this.usage[i] = nodeUsage(node, now);
        node.usageChanged = false;
      }
      const { cpu, memory } = this.usage[i] as NodeUsage;
      const w = watts(node, cpu);
      total += w;
      rows[at] = Math.round(cpu);
      rows[at + 1] = memory;
      rows[at + 2] = node.apiReady === 'True' ? 1 : 0;
      rows[at + 3] = node.powered ? 1 : 0;
      rows[at + 4] = Math.round(w * 100) / 100;
    }
    this.totalWatts.push(Math.round(total * 100) / 100);
    let pending = 0;
    let running = 0;
    let succeeded = 0;
    let failed = 0;
    let terminating = 0;
    for (const workload of ctx.world.workloads) {
      const counts = this.podCounts(workload);
      pending += counts.pending;
      running += counts.running;
      succeeded += counts.succeeded;
      failed += counts.failed;
      terminating += counts.terminating;
      const ready = counts.ready;
      let column = this.readyColumns.get(workload);
      // A CronJob has no pods of its own, and a column per Job it creates would grow without end (one per run).
      if (!column && workload.spec.kind !== 'CronJob' && workload.spec.createdBy === null) {
        column = this.column(this.workloadsReady, workload.spec.key);
        this.readyColumns.set(workload, column);
      }
      column?.push(ready);
    }
    const phases = this.phases as Record<'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Terminating', number[]>;
    phases.Pending.push(pending);
    phases.Running.push(running);
    phases.Succeeded.push(succeeded);
    phases.Failed.push(failed);
    phases.Terminating.push(terminating);
    for (const { key, value } of ctx.serviceMonitor.availability())
      this.column(this.serviceAvailability, key).push(Math.round(value * 1000) / 1000);
  }

  /**
   * A workload's pods by API phase (terminating apart) and how many are ready: counted again only when the
   * workload has changed since the last sample (`changedSinceSample`), as most have not on a long run.
   */
  private podCounts(workload: WorkloadState): PodCounts {
    let counts = this.counts.get(workload);
    if (counts && !workload.changedSinceSample) return counts;
    counts = { pending: 0, running: 0, succeeded: 0, failed: 0, terminating: 0, ready: 0 };
    for (const pod of workload.pods) {
      if (pod.deletionRequestedAt !== null) {
        counts.terminating++;
        continue;
      }
      const phase = pod.apiPhase;
      if (phase === 'Running') counts.running++;
      else if (phase === 'Pending') counts.pending++;
      else if (phase === 'Succeeded') counts.succeeded++;
      else counts.failed++;
      if (pod.apiReady) counts.ready++;
    }
    this.counts.set(workload, counts);
    workload.changedSinceSample = false;
    return counts;
  }

  series(): TimelineSeries {
    this.flushRows();
    return {
      interval: this.interval,
      times: this.times,
      nodes: this.nodeSeries,
      podsByPhase: this.phases,
      workloadsReady: this.workloadsReady,
      serviceAvailability: this.serviceAvailability,
      watts: this.totalWatts,
    };
  }
}

/** A node's CPU and memory in use; `growing` when a running pod's memory grows, so the figure holds only now. */
interface NodeUsage {
  readonly cpu: number;
  readonly memory: number;
  readonly growing: boolean;
}

/**
 * A node's CPU (millicores, capped at capacity) and memory in use, in one pass over its pods; the same
 * sums, in the same order, as NodePressure's `nodeCpuUsed` and `nodeMemoryUsed`.
 */
function nodeUsage(node: SimNode, now: number): NodeUsage {
  if (!node.powered) return { cpu: 0, memory: 0, growing: false };
  let cpu = node.k3s === 'running' ? node.overheadCpu : 0;
  let memory = node.overheadMemory + node.foreignMemory;
  let growing = false;
  for (const pod of node.pods) {
    if (!pod.running) continue;
    cpu += podCpuUsage(pod);
    memory += podMemory(pod, now);
    if (pod.memoryGrowthRate > 0) growing = true;
  }
  return { cpu: Math.min(cpu, node.capacityCpu), memory, growing };
}
