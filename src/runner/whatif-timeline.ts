/**
 * A what-if's result as reported: the settling that reproduced the live state is not a
 * prediction, so its events and samples are dropped and every time is rebased so that t = 0 is
 * the moment the live state was read (the fault phase's start). The report opens with the event
 * that says what of the live state the model reproduced.
 */
import type { BringUpSummary, EngineResult } from '../engines/engine.js';
import type { NodeSeries, Timeline, TimelineSeries } from '../model/timeline.js';

const ms = (t: number) => Math.round(t * 1000) / 1000;

function sliceRecord(record: Record<string, number[]>, from: number): Record<string, number[]> {
  return Object.fromEntries(Object.entries(record).map(([key, values]) => [key, values.slice(from)]));
}

function sliceSeries(series: TimelineSeries, start: number): TimelineSeries {
  let from = series.times.findIndex((t) => t >= start - 1e-9);
  if (from < 0) from = series.times.length;
  const nodes: Record<string, NodeSeries> = {};
  for (const [name, node] of Object.entries(series.nodes))
    nodes[name] = {
      ...node,
      cpu: node.cpu.slice(from),
      memory: node.memory.slice(from),
      ready: node.ready.slice(from),
      powered: node.powered.slice(from),
      watts: node.watts.slice(from),
    };
  return {
    ...series,
    times: series.times.slice(from).map((t) => ms(t - start)),
    nodes,
    podsByPhase: sliceRecord(series.podsByPhase, from),
    workloadsReady: sliceRecord(series.workloadsReady, from),
    serviceAvailability: sliceRecord(series.serviceAvailability, from),
    watts: series.watts.slice(from),
  };
}

/** The settle milestones are not the cluster's bring-up: none is reported. */
const noBringUp: BringUpSummary = { apiAvailable: null, clusterReady: null, workloadsReady: null, rancherImported: null, nodeReady: {} };

export function rebaseAtPhaseStart(result: EngineResult): EngineResult {
  const start = result.phaseStart;
  // The report opens with the live-state summary; what settled at the same instant before it is dropped too.
  const opening = result.timeline.events.findIndex((e) => e.details?.['live'] === true);
  const kept = opening >= 0 ? result.timeline.events.slice(opening) : result.timeline.events.filter((e) => e.t >= start - 1e-9);
  const timeline: Timeline = {
    events: kept.map((e) => ({ ...e, t: ms(e.t - start) })),
    series: sliceSeries(result.timeline.series, start),
    duration: ms(result.timeline.duration - start),
  };
  return { ...result, timeline, phaseStart: 0, phaseEnd: ms(result.phaseEnd - start), bringUp: noBringUp };
}
