/**
 * The durations and pull rate a calibration measured for a node (model/calibration-apply.ts),
 * taken once when the node is built. They are used as they are, never divided by the node's
 * cpuFactor: they were measured on that hardware. An absent figure leaves the model's own.
 */
import type { ClusterNode } from '../model/cluster.js';

export interface MeasuredTimes {
  /** Power-on until the kubelet starts (s), over the profile's bootTime. */
  readonly bootTime?: number;
  /** K3s start until the API answers or the agent's kubelet starts (s). */
  readonly k3sStart?: number;
  /** Kubelet registration until Ready (s). */
  readonly nodeReady?: number;
  /** Container create and start, without the image pull (s). */
  readonly containerStart?: number;
  /** Image pull and unpack together (bytes/s of compressed image). */
  readonly imagePull?: number;
}

export function measuredTimes(spec: ClusterNode): MeasuredTimes {
  const measured = spec.measured ?? {};
  const out: { -readonly [K in keyof MeasuredTimes]: number } = {};
  for (const name of ['bootTime', 'k3sStart', 'nodeReady', 'containerStart', 'imagePull'] as const) {
    const figure = measured[name];
    if (figure) out[name] = figure.value;
  }
  return out;
}
