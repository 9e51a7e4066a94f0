/**
 * Samples the series of a run at a fixed virtual interval. A long run keeps at most
 * {@link maxSamples} points per series: when the series are full, every other sample is dropped
 * and the interval doubles, so the series stay evenly spaced, the report stays small (a 30-day run
 * at 10 s would be 260 000 points a series) and the same run always gives the same series.
 */
import type { NodeSeries, TimelineSeries } from '../model/timeline.js';
import type { SamplerContext } from './context.js';
import { Priority } from './priority.js';
import { watts } from './state.js';

/** Points per series at most (even, so halving keeps the samples at multiples of the doubled interval). */
export const maxSamples = 2000;

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
    }
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
    this.times.push(ctx.env.now);
    let total = 0;
    for (const node of ctx.world.nodes) {
      const series = this.nodeSeries[node.name] as NodeSeries;
      const cpu = ctx.pressure.nodeCpuUsed(node);
      const w = watts(node, cpu);
      total += w;
      series.cpu.push(Math.round(cpu));
      series.memory.push(node.powered ? ctx.pressure.nodeMemoryUsed(node) : 0);
      series.ready.push(node.apiReady === 'True' ? 1 : 0);
      series.powered.push(node.powered ? 1 : 0);
      series.watts.push(Math.round(w * 100) / 100);
    }
    this.totalWatts.push(Math.round(total * 100) / 100);
    const counts: Record<string, number> = { Pending: 0, Running: 0, Succeeded: 0, Failed: 0, Terminating: 0 };
    for (const workload of ctx.world.workloads) {
      let ready = 0;
      for (const pod of workload.pods) {
        const phase = pod.deletionRequestedAt !== null ? 'Terminating' : pod.apiPhase;
        counts[phase] = (counts[phase] ?? 0) + 1;
        if (pod.apiReady && pod.deletionRequestedAt === null) ready++;
      }
      // A CronJob has no pods of its own, and a column per Job it creates would grow without end (one per run).
      if (workload.spec.kind !== 'CronJob' && workload.spec.createdBy === null)
        this.column(this.workloadsReady, workload.spec.key).push(ready);
    }
    for (const [phase, count] of Object.entries(counts)) (this.phases[phase] as number[]).push(count);
    for (const { key, value } of ctx.serviceMonitor.availability())
      this.column(this.serviceAvailability, key).push(Math.round(value * 1000) / 1000);
  }

  series(): TimelineSeries {
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
