/**
 * A node's network link as faults leave it: its share of the measured throughput, and the delay and
 * loss added to every packet it sends (link-degrade, the semantics of `tc netem` on its interface).
 * What delay and loss do to Kubernetes comes from TCP and from the heartbeat's timeouts:
 * - a request over an established connection is lost only when every transmission of it is, and
 *   Linux retransmits after RTT + 200 ms, doubling each time;
 * - the kubelet's heartbeat client gives up after min(nodeStatusUpdateFrequency, nodeLeaseDuration);
 * - a node is cut off when its heartbeats would all fail for a node-monitor grace period.
 * Pure: no I/O.
 */
import type { ModelSettings } from '../model/settings.js';

export interface Link {
  /** Share of the measured throughput left (1: the profile's). */
  bandwidthFactor: number;
  /** Seconds added to each packet the node sends. */
  delay: number;
  /** Probability each packet the node sends is dropped (0–1). */
  loss: number;
}

export const healthyLink = (): Link => ({ bandwidthFactor: 1, delay: 0, loss: 0 });

/**
 * Linux's floor on the retransmission timeout, added to the smoothed RTT: TCP_RTO_MIN = HZ / 5 (200 ms) in
 * include/net/tcp.h, used as the RTT variance floor by tcp_set_rto (net/ipv4/tcp_input.c); RFC 6298 §5.5
 * doubles the timer after each expiry.
 */
const tcpRtoMin = 0.2;

/** TCP payload per packet on Ethernet: 1500 − 20 (IPv4) − 20 (TCP) − 12 (timestamps option, on by default in Linux). */
const tcpMss = 1448;

/**
 * √(3/2): the constant of the TCP throughput bound rate ≤ MSS / RTT × C / √p (Mathis, Semke, Mahdavi, Ott,
 * "The Macroscopic Behavior of the TCP Congestion Avoidance Algorithm", CCR 27(3), 1997, periodic loss).
 */
const mathisConstant = Math.sqrt(1.5);

/** etcd's --heartbeat-interval default, 100 ms (etcd docs "Tuning"; K3s does not change it). */
const etcdHeartbeatInterval = 0.1;

/** The heartbeat client's timeout: min(nodeStatusUpdateFrequency, nodeLeaseDuration) (KK cmd/kubelet/app/server.go). */
export function heartbeatTimeout(settings: ModelSettings): number {
  return Math.min(settings.nodeStatusUpdateFrequency, settings.nodeLeaseDuration);
}

/**
 * Probability that one request the node sends gets no answer within `timeout`: its round trip gains the
 * link's delay (the LAN's own, under a millisecond, is left out), and every try of it that could still be
 * answered in time is lost.
 */
export function requestFailure(link: Link, timeout: number): number {
  const rtt = link.delay;
  if (rtt >= timeout) return 1;
  if (link.loss <= 0) return 0;
  if (link.loss >= 1) return 1;
  let tries = 0;
  let sentAt = 0;
  let rto = rtt + tcpRtoMin;
  while (sentAt + rtt < timeout) {
    tries++;
    sentAt += rto;
    rto *= 2;
  }
  return link.loss ** tries;
}

/**
 * Probability that none of a node's heartbeats lands in a node-monitor grace period: its Lease renewal and its
 * status update each try again as soon as a try times out, so the grace period holds
 * 2 × ⌊grace / timeout⌋ independent tries.
 */
export function heartbeatMissProbability(link: Link, settings: ModelSettings): number {
  const timeout = heartbeatTimeout(settings);
  const fail = requestFailure(link, timeout);
  if (fail === 1 || fail === 0) return fail;
  return fail ** (2 * Math.max(1, Math.floor(settings.nodeMonitorGracePeriod / timeout)));
}

/** The link no longer carries the node's heartbeats: more likely than not, a whole grace period passes without one. */
export function heartbeatsLost(link: Link, settings: ModelSettings): boolean {
  return heartbeatMissProbability(link, settings) >= 0.5;
}

/**
 * An etcd member whose link drops out of the cluster: its heartbeats (every 100 ms) take longer than the
 * election timeout to arrive, or more likely than not all of those sent in one election timeout are lost
 * (etcd docs "Tuning": heartbeat-interval 100 ms, election-timeout 1000 ms).
 */
export function etcdMemberCut(link: Link, settings: ModelSettings): boolean {
  const heartbeats = Math.max(1, Math.round(settings.etcdElectionTimeout / etcdHeartbeatInterval));
  return link.delay >= settings.etcdElectionTimeout || link.loss ** heartbeats >= 0.5;
}

/**
 * Bytes per second a transfer gets over the link: the measured `rate` times the bandwidth share, less the
 * packets lost, and with loss and delay together no more than the TCP bound MSS / RTT × √(3/2) / √loss.
 */
export function linkRate(link: Link, rate: number): number {
  const shaped = rate * link.bandwidthFactor * (1 - Math.min(1, link.loss));
  if (link.loss <= 0 || link.delay <= 0) return shaped;
  return Math.min(shaped, ((tcpMss / link.delay) * mathisConstant) / Math.sqrt(link.loss));
}
