/**
 * Judging: each resolved expectation is judged on the timeline alone (events and series), so it
 * means the same on every engine, and gets a verdict: expected, observed, pass or fail, and a
 * one-line explanation.
 */
import type { Timeline, TimelineEvent } from '../model/timeline.js';
import type { ResolvedExpectation, Verdict } from './expectations.js';
import { judgeJob } from './judge-jobs.js';
import { TimelineIndex, type JudgeContext } from './timeline-index.js';
import { count, fmt, seconds, verdict, windowText, within } from './verdicts.js';

export type { JudgeContext } from './timeline-index.js';

/** Judges every expectation of a run on its timeline, with one index over it. */
export function judgeAll(expectations: readonly ResolvedExpectation[], timeline: Timeline, context: JudgeContext): Verdict[] {
  const index = new TimelineIndex(timeline, context);
  return expectations.map((e) => judge(e, index));
}

/** Judges one expectation on an indexed timeline. */
function judge(e: ResolvedExpectation, index: TimelineIndex): Verdict {
  const context = index.context;
  switch (e.kind) {
    case 'node-condition': {
      const anchor = index.at(e.after);
      const wanted = e.status === 'Ready' ? ['True'] : ['Unknown', 'False'];
      const match = index.firstAfter(
        anchor,
        (ev) =>
          ev.kind === 'node.condition' &&
          ev.subject === `node/${e.node}` &&
          ev.details?.['type'] === 'Ready' &&
          wanted.includes(String(ev.details?.['status'])),
      );
      return within(e, anchor, e.within, match, `${e.node} ${e.status}`, e.notBefore ?? 0);
    }
    case 'pods-ready': {
      const from = index.at(e.from);
      const to = index.at(e.to);
      const steps = index.readySteps(e.workload);
      let atFrom = 0;
      for (const [t, n] of steps) if (t <= from + 1e-6) atFrom = n;
      let minimum = atFrom;
      let minimumAt = from;
      for (const [t, n] of steps) if (t > from && t <= to && n < minimum) [minimum, minimumAt] = [n, t];
      const pass = minimum >= e.atLeast;
      const expected = `${e.workload}: at least ${e.atLeast} pod(s) Ready ${windowText(index, from, to)}`;
      return verdict(
        e,
        pass,
        expected,
        `minimum ${minimum} Ready${pass ? '' : ` at ${fmt(minimumAt - context.phaseStart)}`}`,
        pass
          ? `never fewer than ${minimum} Ready`
          : `dropped to ${minimum} Ready at ${fmt(minimumAt - context.phaseStart)} after faults start`,
        count(minimum),
      );
    }
    case 'no-scheduling': {
      const from = index.at(e.from);
      const to = index.at(e.to);
      const scheduled = index.between(from, to, (ev) => ev.kind === 'pod.scheduled');
      const expected = `no pod scheduled ${windowText(index, from, to)}`;
      return verdict(
        e,
        scheduled.length === 0,
        expected,
        scheduled.length === 0 ? 'none scheduled' : `${scheduled.length} scheduled`,
        scheduled.length === 0
          ? 'the scheduler bound nothing in the window'
          : `first: ${scheduled[0]?.message} at ${fmt((scheduled[0]?.t ?? 0) - context.phaseStart)}`,
        count(scheduled.length),
      );
    }
    case 'service-availability': {
      const from = index.at(e.from);
      const to = Math.min(index.at(e.to), context.phaseEnd);
      const outages = index.outages(e.service, from, to);
      const down = outages.reduce((sum, [a, b]) => sum + (Math.min(b, to) - a), 0);
      const ratio = to > from ? 1 - down / (to - from) : 1;
      const atLeast = e.atLeast ?? 0;
      const atMost = e.atMost ?? 1;
      const pass = ratio >= atLeast - 1e-9 && ratio <= atMost + 1e-9;
      const bound =
        e.atMost !== undefined && e.atLeast === undefined
          ? `≤ ${(atMost * 100).toFixed(2)} %`
          : e.atMost !== undefined
            ? `between ${(atLeast * 100).toFixed(2)} % and ${(atMost * 100).toFixed(2)} %`
            : `≥ ${(atLeast * 100).toFixed(2)} %`;
      const expected = `service ${e.service} available ${bound} ${windowText(index, from, to)}`;
      const longest = outages.reduce((most, [a, b]) => Math.max(most, Math.min(b, to) - a), -Infinity);
      const outageText = outages.length ? `, ${outages.length} outage(s), longest ${fmt(longest)}` : ', no outage';
      return verdict(
        e,
        pass,
        expected,
        `${(ratio * 100).toFixed(2)} %${outageText}`,
        outages.length === 0
          ? 'at least one endpoint answered throughout'
          : `down ${fmt(down)} in total, first at ${fmt((outages[0]?.[0] ?? 0) - context.phaseStart)}`,
        { value: Math.round(ratio * 1e6) / 1e4, unit: 'percent' },
      );
    }
    case 'oom-killed': {
      const anchor = index.at(e.after);
      const limit = e.within !== undefined ? e.within : context.phaseEnd - anchor;
      const pods = index.podsOf(e.workload);
      const kills = index.between(anchor, anchor + limit, (ev) => ev.kind === 'pod.oomKilled' && pods.has(ev.subject));
      const backoffEvents = index.between(
        anchor,
        context.phaseEnd,
        (ev) => ev.kind === 'pod.backOff' && pods.has(ev.subject) && ev.details?.['reason'] === 'CrashLoopBackOff',
      );
      const perPod = new Map<string, number[]>();
      for (const ev of backoffEvents) perPod.set(ev.subject, [...(perPod.get(ev.subject) ?? []), Number(ev.details?.['backoff'])]);
      // Each container doubles its own back-off up to 300 s (a reset to 10 s after a long healthy run is allowed).
      const doubling = [...perPod.values()].every((list) =>
        list.every((b, i) => i === 0 || b === Math.min((list[i - 1] ?? b) * 2, 300) || b === 10),
      );
      const backoffs = [...perPod.values()][0] ?? [];
      const pass = kills.length > 0 && (!e.backoff || (backoffs.length > 0 && doubling));
      const backoffExpected = e.backoff ? ', restarted with CrashLoopBackOff back-off' : '';
      const expected = `${e.workload} OOMKilled within ${fmt(limit)} of ${e.after.label}${backoffExpected}`;
      const backoffText = backoffs.length ? `; back-off ${backoffs.slice(0, 6).join(', ')}${backoffs.length > 6 ? '…' : ''} s` : '';
      const observed = kills.length
        ? `${kills.length} OOM kill(s), first after ${fmt((kills[0]?.t ?? 0) - anchor)}${backoffText}`
        : 'no OOM kill';
      const why = !pass
        ? kills.length === 0
          ? 'memory never reached the limit in the window'
          : backoffs.length === 0
            ? 'never held in CrashLoopBackOff (the kubelet restarts a first exit at once)'
            : 'back-off did not double as expected'
        : e.backoff
          ? 'OOMKilled and restarted with doubling back-off'
          : 'OOMKilled in the window';
      return verdict(e, pass, expected, observed, why, kills[0] ? seconds(kills[0].t - anchor) : undefined);
    }
    case 'no-oom-kills': {
      const from = index.at(e.from);
      const to = index.at(e.to);
      const kills = index.between(from, to, (ev) => ev.kind === 'pod.oomKilled');
      return verdict(
        e,
        kills.length === 0,
        `no container OOMKilled ${windowText(index, from, to)}`,
        kills.length ? `${kills.length} OOM kill(s)` : 'none',
        kills.length ? `first: ${kills[0]?.message}` : 'memory stayed within limits and capacity',
        count(kills.length),
      );
    }
    case 'workloads-unaffected': {
      const from = index.at(e.from);
      const to = index.at(e.to);
      const disruptive = new Set([
        'pod.terminating',
        'pod.stopped',
        'pod.oomKilled',
        'pod.unready',
        'pod.evicted',
        'pod.backOff',
        'pod.failed',
      ]);
      const selected = (pod: string) =>
        e.workloads ? e.workloads.some((w) => index.workloadMatches(index.podWorkload.get(pod), w)) : index.isUserPod(pod);
      // Service outages count only when the check is about all user workloads (a service's pods are not named in the timeline).
      const hits = index.between(
        from,
        to,
        (ev) =>
          (disruptive.has(ev.kind) && selected(ev.subject)) ||
          (!e.workloads && ev.kind === 'service.outageStarted' && index.isUserPod(ev.subject.replace(/^service/, 'pod'))),
      );
      const expected = `${e.workloads ? e.workloads.join(', ') : 'user workloads'} unaffected ${windowText(index, from, to)}`;
      return verdict(
        e,
        hits.length === 0,
        expected,
        hits.length ? `${hits.length} disruption(s)` : 'no pod disrupted, no service outage',
        hits.length ? `first: ${hits[0]?.message} at ${fmt((hits[0]?.t ?? 0) - context.phaseStart)}` : 'every pod kept running and ready',
        count(hits.length),
      );
    }
    case 'api-unavailable':
    case 'api-available': {
      const anchor = index.at(e.after);
      const down = e.kind === 'api-unavailable';
      const through = e.via ? ` through ${e.via}` : '';
      const match = e.via
        ? (ev: TimelineEvent) => ev.kind === (down ? 'gateway.unavailable' : 'gateway.available') && ev.subject === `node/${e.via}`
        : (ev: TimelineEvent) => ev.kind === (down ? 'api.unavailable' : 'api.available');
      return within(
        e,
        anchor,
        e.within,
        index.firstAfter(anchor, match),
        down ? `Kubernetes API unavailable${through}` : `Kubernetes API available again${through}`,
      );
    }
    case 'api-stays-available': {
      const from = index.at(e.from);
      const to = index.at(e.to);
      const gateway = (ev: TimelineEvent) => ev.subject === `node/${e.via}` && ev.kind.startsWith('gateway.');
      // Through a gateway, the window must also start with the API reachable there: a gateway that never
      // forwarded records no outage, and that is no pass.
      const atStart = e.via ? index.events.filter((ev) => ev.t < from + 0.0005 && gateway(ev)).at(-1) : undefined;
      const downAtStart =
        e.via && atStart?.kind !== 'gateway.available'
          ? [{ t: from, message: atStart?.message ?? `the API was not reachable through ${e.via} when the window began` }]
          : [];
      const outages = [
        ...downAtStart,
        ...index.between(from, to, (ev) => (e.via ? ev.kind === 'gateway.unavailable' && gateway(ev) : ev.kind === 'api.unavailable')),
      ];
      return verdict(
        e,
        outages.length === 0,
        `Kubernetes API available${e.via ? ` through ${e.via}` : ''} ${windowText(index, from, to)}`,
        outages.length ? `unavailable at ${fmt((outages[0]?.t ?? 0) - context.phaseStart)}` : 'always available',
        outages.length ? (outages[0]?.message ?? '') : e.via ? `${e.via} forwarded to a serving API throughout` : 'quorum held throughout',
        count(outages.length),
      );
    }
    case 'bring-up-within': {
      const ready = index.events.find((ev) => ev.kind === 'bringup.step' && ev.details?.['step'] === 'workloads-ready');
      const limit = e.within;
      const pass = !!ready && ready.t <= limit;
      return verdict(
        e,
        pass,
        `bring-up complete (workloads ready) within ${fmt(limit)}`,
        ready ? `${fmt(ready.t)}` : 'never completed',
        ready ? `workloads ready at ${fmt(ready.t)} after power-on` : 'some workload never reached its desired state',
        ready ? seconds(ready.t) : undefined,
      );
    }
    case 'replacement-ready': {
      const anchor = index.at(e.after);
      const limit = e.within;
      const pods = () => index.podsOf(e.workload);
      const created = index.firstAfter(
        anchor,
        (ev) =>
          ev.kind === 'pod.created' &&
          ev.details?.['replacement'] === true &&
          index.workloadMatches(String(ev.details?.['workload']), e.workload),
      );
      const ready = created ? index.firstAfter(created.t, (ev) => ev.kind === 'pod.ready' && ev.subject === created.subject) : undefined;
      const expected = `a replacement ${e.workload} pod Ready within ${fmt(limit)} of ${e.after.label}`;
      if (!created)
        return verdict(
          e,
          false,
          expected,
          'no replacement created',
          `no replacement pod for ${e.workload} (${pods().size} pod(s) seen) after ${e.after.label}`,
        );
      if (!ready)
        return verdict(
          e,
          false,
          expected,
          `replacement created after ${fmt(created.t - anchor)}, never Ready`,
          'the replacement never became Ready',
        );
      const delay = ready.t - anchor;
      const whyLate = "the node must first be NotReady (grace period) and the pod's toleration (300 s) expire";
      return verdict(
        e,
        delay <= limit,
        expected,
        `Ready after ${fmt(delay)} (created after ${fmt(created.t - anchor)})`,
        delay <= limit ? 'replaced in time' : `created only after ${fmt(created.t - anchor)}: ${whyLate}`,
        seconds(delay),
      );
    }
    case 'not-replaced': {
      const from = index.at(e.from);
      const to = index.at(e.to);
      const created = index.between(
        from,
        to,
        (ev) => ev.kind === 'pod.created' && index.workloadMatches(String(ev.details?.['workload']), e.workload),
      );
      return verdict(
        e,
        created.length === 0,
        `no replacement for ${e.workload} ${windowText(index, from, to)}`,
        created.length
          ? `replacement created at ${fmt((created[0]?.t ?? 0) - context.phaseStart)}`
          : 'no replacement (old pod still Terminating)',
        created.length ? (created[0]?.message ?? '') : 'the controller waits for the old pod object to be gone',
        count(created.length),
      );
    }
    case 'shown-running': {
      const anchor = index.at(e.after);
      const limit = e.forAtLeast;
      const onNode = [...index.podNode].filter(([pod, node]) => node === e.node && index.isUserPod(pod)).map(([pod]) => pod);
      const gone = index.firstAfter(anchor, (ev) => (ev.kind === 'pod.deleted' || ev.kind === 'pod.failed') && onNode.includes(ev.subject));
      const shownFor = (gone?.t ?? context.phaseEnd) - anchor;
      const pass = onNode.length > 0 && shownFor >= limit;
      return verdict(
        e,
        pass,
        `pods on ${e.node} still listed by the API for at least ${fmt(limit)} after ${e.after.label}`,
        onNode.length ? `listed for ${gone ? fmt(shownFor) : `the rest of the run (${fmt(shownFor)})`}` : 'no user pod on that node',
        pass ? 'kubectl keeps showing the pods (Running, later Terminating) while the node is dead' : 'the pods disappeared sooner',
        onNode.length ? seconds(shownFor) : undefined,
      );
    }
    case 'rancher-unavailable':
    case 'rancher-reconnects': {
      const anchor = index.at(e.after);
      const kind = e.kind === 'rancher-unavailable' ? 'rancher.unavailable' : 'rancher.agentConnected';
      return within(
        e,
        anchor,
        e.within,
        index.firstAfter(anchor, (ev) => ev.kind === kind),
        e.kind === 'rancher-unavailable' ? 'Rancher UI unavailable' : 'cattle-cluster-agent reconnected to Rancher',
      );
    }
    case 'job':
      return judgeJob(e, index);
    case 'rollout-stuck': {
      const anchor = index.at(e.after);
      const match = index.firstAfter(
        anchor,
        (ev) =>
          ev.kind === 'workload.progressDeadlineExceeded' &&
          index.workloadMatches(ev.subject.replace(/^workload\/([^/]+)\/([^/]+)\//, '$2/$1/'), e.workload),
      );
      return within(e, anchor, e.within, match, `${e.workload} Progressing=False (ProgressDeadlineExceeded)`);
    }
  }
}
