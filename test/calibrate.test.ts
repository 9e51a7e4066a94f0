import { readFileSync } from 'node:fs';
import type { CoreV1Event, V1Node, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { buildCalibration, type CalibrationReadings } from '../src/import/calibrate.js';
import {
  containerStartSamples,
  imagePullSamples,
  bootSamples,
  nodeReadySamples,
  parsePulledMessage,
  serverStartSamples,
} from '../src/import/calibrate-events.js';
import { settingsFromConfigz, summaryFigures, type StatsSummary } from '../src/import/calibrate-node.js';
import { eventTimes, median } from '../src/import/calibrate-samples.js';
import { calibrationDocumentSchema } from '../src/model/calibration.js';

// Objects recorded from a real k3d cluster (test/fixtures/calibrate/README.md): times are RFC 3339 text there,
// Dates through client-node; the analysis takes both.
const dir = 'test/fixtures/calibrate/';
const list = <T>(file: string) => (JSON.parse(readFileSync(dir + file, 'utf8')) as { items: T[] }).items;
const events = list<CoreV1Event>('events.json');
const pulls = list<CoreV1Event>('events-pulls.json');
const nodes = list<V1Node>('nodes.json');
const pods = list<V1Pod>('pods.json');
const json = (file: string) => JSON.parse(readFileSync(dir + file, 'utf8')) as unknown;
const at = (iso: string) => Date.parse(iso) / 1000;
const readAt = at('2026-12-01T10:53:56Z');
const day = readAt - 86400;
const created = (name: string) => at(nodes.find((n) => n.metadata?.name === name)?.metadata?.creationTimestamp as unknown as string);

function readings(overrides: Partial<CalibrationReadings> = {}): CalibrationReadings {
  const perNode = Object.fromEntries(
    ['dcn1', 'dcn2', 'dcn3'].map((n) => [
      n,
      {
        summary: json(`summary-${n}.json`) as StatsSummary,
        configz: json(`configz-${n}.json`),
        metrics: readFileSync(`${dir}metrics-${n}.txt`, 'utf8'),
      },
    ]),
  );
  return {
    server: 'https://127.0.0.1:6443',
    context: 'lab',
    readAt,
    nodes,
    events,
    pods,
    perNode,
    apiserverMetrics: readFileSync(`${dir}apiserver-metrics.txt`, 'utf8'),
    sources: [{ name: 'nodes', status: 'read' }],
    ...overrides,
  };
}
const options = { name: 'lab', since: 86400, nodeMonitorGracePeriod: 40 };

describe('event timing', () => {
  it('reads legacy stamps (whole seconds) and events.k8s.io eventTime (µs)', () => {
    const starting = events.find((e) => e.reason === 'Starting' && e.message === 'Starting kubelet.');
    const scheduled = events.find((e) => e.reason === 'Scheduled');
    expect(eventTimes(starting as CoreV1Event)).toMatchObject({ count: 1, moment: at('2026-12-01T10:48:43Z') + 0.5 });
    const t = eventTimes(scheduled as CoreV1Event);
    expect(t?.first).toBe(t?.moment);
    expect((t?.first ?? 0) % 1).not.toBe(0);
  });

  it('keeps the first stamp of an event the correlator folded (count > 1)', () => {
    const folded = { ...events[0], count: 3, firstTimestamp: '2026-12-01T10:00:00Z', lastTimestamp: '2026-12-01T10:05:00Z' };
    expect(eventTimes(folded as unknown as CoreV1Event)).toMatchObject({ first: at('2026-12-01T10:00:00Z'), count: 3 });
  });
});

describe('figures from recorded events', () => {
  it('nodeReady counts only the kubelet start that registered the node', () => {
    expect(nodeReadySamples(events, 'dcn1', created('dcn1'), day, readAt).samples.map((s) => s.value)).toEqual([4]);
    // dcn3 also restarted at 10:50:15 (power cycle): Ready at once, a K3s start, not a registration.
    expect(nodeReadySamples(events, 'dcn3', created('dcn3'), day, readAt).samples.map((s) => s.value)).toEqual([5]);
  });

  it('containerStart is scheduled → first Started, less the pulls between', () => {
    const dcn1 = containerStartSamples(events, 'dcn1', day, readAt).samples;
    expect(dcn1.length).toBe(3);
    // web-666455fbd9-c9kj6: Scheduled 10:51:59.536267 (a Date keeps ms), Started 10:52:00 (→ 10:52:00.5).
    expect(dcn1.some((s) => Math.abs(s.value - 0.964) < 1e-6)).toBe(true);
    const pull = { ...pulls[2], firstTimestamp: '2026-12-01T10:52:00Z', lastTimestamp: '2026-12-01T10:52:00Z' } as unknown as CoreV1Event;
    const less = containerStartSamples([...events, pull], 'dcn1', day, readAt).samples;
    expect(less.some((s) => Math.abs(s.value - (0.964 - 0.85)) < 1e-6)).toBe(true);
  });

  it('parses the kubelet pull messages of v1.31 and skips the older forms without a size', () => {
    expect(parsePulledMessage(pulls[1]?.message ?? '')).toEqual({ image: 'postgres:16-alpine', pull: 62.5, total: 63.8, size: 109772800 });
    expect(parsePulledMessage(pulls[2]?.message ?? '')?.size).toBeUndefined();
    expect(parsePulledMessage('Container image "nginx:1.27-alpine" already present on machine')).toBeUndefined();
    expect(parsePulledMessage(`(combined from similar events): ${pulls[0]?.message ?? ''}`)?.size).toBe(20468582);
    const rates = imagePullSamples(pulls, 'dcn1', day, readAt).samples.map((s) => s.value);
    expect(rates).toEqual([20468582 / 3.2, 109772800 / 62.5]);
  });

  it('bootTime is measured only after a Rebooted event, as an upper bound from NodeNotReady − grace', () => {
    const start = 1796122215.12; // dcn3's process_start_time_seconds
    expect(bootSamples(events, 'dcn3', start, 40, day, readAt).reason).toBe('no reboot in the window (no Rebooted event)');
    // The recording has no Rebooted event (a k3d node keeps the host's boot id): the kubelet's Starting event of dcn3's
    // power-on, as the kubelet writes Rebooted beside it (reason and message of KK pkg/kubelet/nodestatus/setters.go).
    const starting = events.find(
      (e) => e.reason === 'Starting' && e.source?.host === 'dcn3' && e.firstTimestamp?.toString().includes('10:50'),
    );
    const rebooted = {
      ...starting,
      reason: 'Rebooted',
      type: 'Warning',
      message: 'Node dcn3 has been rebooted, boot id: 1',
    } as CoreV1Event;
    const boot = bootSamples([...events, rebooted], 'dcn3', start, 40, day, readAt);
    // NodeNotReady 10:49:56 − 40 s = last heartbeat 10:49:16 → k3s start 10:50:15.12.
    expect(boot.samples[0]?.value).toBeCloseTo(59.12, 2);
    // The gap holds the time the power was off too: longer than the board can take to boot, it dates no boot.
    const withReboot = readings({ events: [...events, rebooted] });
    const figureOf = (longest: number | undefined) => {
      const doc = calibrationDocumentSchema.parse(buildCalibration(withReboot, { ...options, longestBoot: () => longest }));
      return doc.spec.nodes.find((n) => n.name === 'dcn3');
    };
    expect(figureOf(60)?.figures.bootTime?.value).toBeCloseTo(59.12, 2);
    expect(figureOf(30)?.figures.bootTime).toBeUndefined();
    expect(figureOf(30)?.notMeasured.find((m) => m.figure === 'bootTime')?.reason).toMatch(/more than a boot of its board takes \(30 s\)/);
    expect(figureOf(undefined)?.notMeasured.find((m) => m.figure === 'bootTime')?.reason).toMatch(/longest boot is unknown/);
  });
});

describe('node readings', () => {
  it('memory outside the pods, and no K3s figures without a kubelet system container', () => {
    const summary = json('summary-dcn2.json') as StatsSummary;
    const result = summaryFigures(summary, readAt);
    expect(result.figures.memoryOutsidePods?.samples[0]?.value).toBe(367296512 - (95191040 + 126894080 + 13262848));
    expect(result.missing.k3sMemory).toMatch(/no "kubelet" system container/);
    // The recorded "pods" system container, renamed: the summary API gives the kubelet's in that shape.
    const pods = summary.node?.systemContainers?.[0];
    const withKubelet = { ...summary, node: { ...summary.node, systemContainers: [{ ...pods, name: 'kubelet' }] } };
    const k3s = summaryFigures(withKubelet, readAt).figures;
    expect(k3s.k3sMemory?.samples[0]?.value).toBe(235474944);
    expect(k3s.k3sCpu?.samples[0]?.value).toBeCloseTo(1.044893, 6);
  });

  it('reads the model settings out of configz through the K3s flag table', () => {
    expect(settingsFromConfigz(json('configz-dcn1.json'))).toEqual({
      nodeStatusUpdateFrequency: 10,
      nodeLeaseDuration: 40,
      maxPods: 110,
      serializeImagePulls: false,
      evictionHardMemoryAvailable: null,
      evictionPressureTransitionPeriod: 300,
      failSwapOn: false,
      shutdownGracePeriod: 0,
      shutdownGracePeriodCriticalPods: 0,
    });
    const upstream = { kubeletconfig: { evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '10%' } } };
    expect(settingsFromConfigz(upstream)).toEqual({ evictionHardMemoryAvailable: 100 * 1024 ** 2 });
    // A share of each node's memory has no one size for the cluster: the model keeps its own, rather than "none".
    expect(settingsFromConfigz({ kubeletconfig: { evictionHard: { 'memory.available': '10%' } } })).toEqual({});
    // Signals the model does not read, whatever their syntax, change nothing and stop nothing.
    const other = { kubeletconfig: { evictionHard: { 'allocatableMemory.available': '5%', 'memory.available': '200Mi' } } };
    expect(settingsFromConfigz(other)).toEqual({ evictionHardMemoryAvailable: 200 * 1024 ** 2 });
  });
});

describe('the Calibration document', () => {
  it('is valid, per node and pooled per profile and role, and reads back to the same numbers', () => {
    const doc = calibrationDocumentSchema.parse(buildCalibration(readings(), options));
    const dcn1 = doc.spec.nodes.find((n) => n.name === 'dcn1');
    expect(dcn1?.role).toBe('server');
    // API server process start 10:51:09.45 → RegisteredNode 10:51:15 (→ .5).
    expect(dcn1?.figures.k3sStart?.value).toBeCloseTo(6.05, 3);
    expect(doc.spec.nodes.find((n) => n.name === 'dcn3')?.figures.k3sStart?.value).toBeCloseTo(0.38, 3);
    // At the bring-up every node is registered as it joins: those RegisteredNode events date no server start.
    const created = new Map([
      ['dcn1', at('2026-12-01T10:48:43Z')],
      ['dcn2', at('2026-12-01T10:48:44Z')],
      ['dcn3', at('2026-12-01T10:48:44Z')],
    ]);
    expect(serverStartSamples(events, at('2026-12-01T10:48:30Z'), readAt, created).samples).toEqual([]);
    expect(serverStartSamples(events, 1796122269.45, readAt, created).samples[0]?.value).toBeCloseTo(6.05, 3);
    // Without the EndpointSlice's write: between the server's own kubelet starting and the RegisteredNode, their middle.
    const template = events.find((e) => e.reason === 'Starting' && e.message === 'Starting kubelet.') as CoreV1Event;
    const restarted: CoreV1Event = {
      ...template,
      involvedObject: { ...template.involvedObject, name: 'dcn1' },
      source: { ...template.source, host: 'dcn1' },
      firstTimestamp: new Date('2026-12-01T10:51:11Z'),
      lastTimestamp: new Date('2026-12-01T10:51:11Z'),
    };
    const samples = (written?: string) =>
      serverStartSamples([...events, restarted], 1796122269.45, readAt, created, 'dcn1', written ? at(written) : undefined).samples.map(
        (x) => x.value,
      );
    const bounded = samples();
    expect(bounded[0]).toBeCloseTo(6.05, 3);
    expect(bounded[1]).toBeCloseTo(2.05, 3);
    expect(median(bounded)).toBeCloseTo(4.05, 3);
    // The API server's write of the kubernetes EndpointSlice after that start, once its /readyz answers (whole seconds: + 0.5 s),
    // is the moment itself, whichever side of the kubelet's start it falls.
    for (const [written, value] of [
      ['2026-12-01T10:51:10Z', 1.05],
      ['2026-12-01T10:51:14Z', 5.05],
    ] as const) {
      expect(samples(written)).toHaveLength(1);
      expect(samples(written)[0]).toBeCloseTo(value, 3);
    }
    // A write before this start (the bring-up's), in its first second (the old process's), or after the controller-manager
    // registered the nodes (which needs the API: someone else's) dates nothing.
    for (const written of ['2026-12-01T10:48:35Z', '2026-12-01T10:51:09Z', '2026-12-01T10:51:16Z'])
      expect(samples(written)).toEqual(bounded);
    // Read by calibrate (the recorded slice, written 10:51:14Z).
    const read = calibrationDocumentSchema
      .parse(buildCalibration(readings({ apiEndpointsWritten: at('2026-12-01T10:51:14Z') }), options))
      .spec.nodes.find((n) => n.name === 'dcn1')?.figures.k3sStart;
    expect(read).toMatchObject({ samples: 1 });
    expect(read?.value).toBeCloseTo(5.05, 3);
    expect(dcn1?.notMeasured.map((m) => m.figure)).toEqual(['k3sMemory', 'k3sCpu', 'bootTime', 'imagePull']);
    expect(doc.spec.profiles.map((p) => [p.profile, p.role, p.nodes])).toEqual([
      ['pi3bplus', 'server', ['dcn1']],
      ['pi3bplus', 'agent', ['dcn2', 'dcn3']],
    ]);
    expect(doc.spec.profiles[1]?.figures.nodeReady).toMatchObject({ value: 5, samples: 2 });
    expect(doc.spec.settings).toMatchObject({ nodeStatusUpdateFrequency: 10, evictionHardMemoryAvailable: null, maxPods: 110 });
  });

  it('leaves out a setting the nodes disagree on and says so in the configz source', () => {
    const base = readings();
    const changed = json('configz-dcn2.json') as { kubeletconfig: Record<string, unknown> };
    changed.kubeletconfig['maxPods'] = 50;
    const doc = buildCalibration(
      {
        ...base,
        perNode: { ...base.perNode, dcn2: { ...base.perNode['dcn2'], configz: changed } },
        sources: [{ name: 'nodes/proxy configz', status: 'read' }],
      },
      options,
    );
    expect(doc.spec.settings).not.toHaveProperty('maxPods');
    expect(doc.spec.sources?.[0]?.detail).toMatch(/maxPods differs \(dcn1 110, dcn2 50, dcn3 110\)/);
  });

  it('lists the event figures as not measured when the events were refused', () => {
    const sources = [{ name: 'events', status: 'refused' as const, detail: '403 Forbidden (needs list events in all namespaces)' }];
    const { events: _dropped, ...rest } = readings();
    const doc = calibrationDocumentSchema.parse(buildCalibration({ ...rest, sources }, options));
    const dcn2 = doc.spec.nodes.find((n) => n.name === 'dcn2');
    expect(Object.keys(dcn2?.figures ?? {})).toEqual(['memoryCapacity', 'memoryReserved', 'memoryOutsidePods']);
    expect(dcn2?.notMeasured.find((m) => m.figure === 'nodeReady')?.reason).toBe(
      'events refused: 403 Forbidden (needs list events in all namespaces)',
    );
  });

  it('lists the proxy figures as not measured on a node whose proxy was refused', () => {
    const base = readings();
    const detail = 'dcn2: 403 Forbidden (needs get nodes/proxy) (read on dcn1, dcn3)';
    const sources = ['nodes/proxy stats/summary', 'nodes/proxy metrics'].map((name) => ({ name, status: 'refused' as const, detail }));
    const doc = calibrationDocumentSchema.parse(buildCalibration({ ...base, perNode: { ...base.perNode, dcn2: {} }, sources }, options));
    const dcn2 = doc.spec.nodes.find((n) => n.name === 'dcn2');
    expect(dcn2?.notMeasured.find((m) => m.figure === 'k3sStart')?.reason).toBe(`nodes/proxy metrics of dcn2 refused: ${detail}`);
    expect(dcn2?.notMeasured.map((m) => m.figure)).toEqual([
      'memoryOutsidePods',
      'k3sMemory',
      'k3sCpu',
      'k3sStart',
      'bootTime',
      'imagePull',
    ]);
    expect(doc.spec.nodes.find((n) => n.name === 'dcn3')?.figures.k3sStart).toBeDefined();
  });

  it('ignores events before the window', () => {
    const doc = calibrationDocumentSchema.parse(buildCalibration(readings(), { ...options, since: 60 }));
    expect(doc.spec.nodes.every((n) => n.figures.nodeReady === undefined)).toBe(true);
  });
});
