/**
 * No check may pass that cannot hold: an expectation, a fault or `twin check --service` naming a
 * node, workload or Service that the cluster and its manifests do not have is a load error (exit
 * 2, the file, the field, the value and the names that do exist), never a quiet PASS.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ConfigError } from '../src/errors.js';
import { resolveScenario } from '../src/scenario/load.js';
import { runScenario } from '../src/runner/run-scenario.js';
import type { ScenarioInput } from '../src/scenario/scenario.js';
import { checkResilience, deploymentsRecover, serviceAvailability } from '../src/testing/index.js';
import { twin } from './helpers/cli.js';
import { cluster, deployment, service } from './helpers/sim.js';

const base = { cluster: 'clusters/edgestack-pi3.ts', workloads: ['workloads/edgestack'], duration: '10m' } as const;
const load = (input: Partial<ScenarioInput>) =>
  resolveScenario({ ...base, expect: [{ kind: 'no-oom-kills' }], ...input } as ScenarioInput, 'edge.ts', 'scenarios');

/** The one-line message a load rejects with. */
async function rejection(input: Partial<ScenarioInput>): Promise<string> {
  try {
    await load(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('the scenario loaded');
}

const edgeWorkloads = 'use one of: Deployment/default/api, StatefulSet/default/postgres, Deployment/default/web';

describe('expectations naming what does not exist are load errors', () => {
  it.each([
    [
      'a Service with a typo',
      { kind: 'service-availability', service: 'default/wbe', atLeast: 0.9 },
      'edge.ts: expect[0].service: service-availability: no Service "default/wbe" in the scenario\'s manifests ' +
        '(did you mean default/web? use one of: default/api, default/postgres, default/web, kube-system/kube-dns, kube-system/traefik)',
    ],
    [
      'a Service in another namespace than the one written',
      { kind: 'service-availability', service: 'edge/web', atLeast: 0.9 },
      'edge.ts: expect[0].service: service-availability: no Service "edge/web"',
    ],
    [
      'a workload with a typo',
      { kind: 'pods-ready', workload: 'Deployment/default/wbe', atLeast: 1 },
      'edge.ts: expect[0].workload: pods-ready: no workload "Deployment/default/wbe" in the scenario\'s manifests or the ' +
        "cluster's K3s components (did you mean Deployment/default/web? use one of: Deployment/default/api",
    ],
    [
      'a bare workload name',
      { kind: 'not-replaced', workload: 'postgress' },
      'edge.ts: expect[0].workload: not-replaced: no workload "postgress" in the scenario\'s manifests or the ' +
        "cluster's K3s components (did you mean StatefulSet/default/postgres?",
    ],
    [
      'one of the workloads a workloads-unaffected check lists',
      { kind: 'workloads-unaffected', workloads: ['web', 'cache'] },
      'edge.ts: expect[0].workloads[1]: workloads-unaffected: no workload "cache"',
    ],
    [
      'an empty workloads list',
      { kind: 'workloads-unaffected', workloads: [] },
      'edge.ts: expect[0].workloads: workloads-unaffected: an empty list holds whatever happens',
    ],
    [
      'pods-ready with atLeast 0',
      { kind: 'pods-ready', workload: 'web', atLeast: 0 },
      'edge.ts: expect[0].atLeast: pods-ready: 0 ready pods holds whatever happens (give the ready count you expect, at least 1)',
    ],
    [
      'a node',
      { kind: 'node-condition', node: 'dcn19', status: 'NotReady', within: '1m' },
      'edge.ts: expect[0].node: node-condition: no node named "dcn19" in cluster edgestack-pi3 ' +
        '(did you mean dcn1? use one of: dcn0, dcn1, dcn2, dcn3, dcn4, dcn5, dcn6, dcn7)',
    ],
    [
      'a node a shown-running check watches',
      { kind: 'shown-running', node: 'DCN2x', forAtLeast: '1m' },
      'edge.ts: expect[0].node: shown-running: no node named "DCN2x"',
    ],
    [
      'a gateway the API is reached through, in a cluster without one',
      { kind: 'api-unavailable', via: 'dcn1', within: '1s' },
      'edge.ts: expect[0].via: api-unavailable: node "dcn1" is no gateway to the API ' +
        '(a gateway is a node with role: external and services: [haproxy]',
    ],
    [
      'a gateway that is no node',
      { kind: 'api-stays-available', via: 'gallade' },
      'edge.ts: expect[0].via: api-stays-available: no node named "gallade"',
    ],
  ])('%s', async (_, expectation, message) => {
    expect(await rejection({ expect: [expectation] as ScenarioInput['expect'] })).toContain(message);
  });

  it('names every missing target at once, and the workloads that exist', async () => {
    const message = await rejection({
      expect: [
        { kind: 'oom-killed', workload: 'apii' },
        { kind: 'replacement-ready', workload: 'Deployment/other/web', within: '5m' },
      ],
    });
    expect(message.split('\n')).toHaveLength(2);
    expect(message).toContain('expect[0].workload: oom-killed: no workload "apii"');
    expect(message).toContain('expect[1].workload: replacement-ready: no workload "Deployment/other/web"');
    expect(message).toContain(edgeWorkloads);
  });

  it('the K3s components the cluster runs, and a bare Service name in default, are valid names', async () => {
    const scenario = await load({
      expect: [
        { kind: 'service-availability', service: 'web', atLeast: 0.5 },
        { kind: 'service-availability', service: 'kube-system/kube-dns', atLeast: 0.5 },
        { kind: 'pods-ready', workload: 'kube-system/coredns', atLeast: 1 },
        { kind: 'workloads-unaffected', workloads: ['api', 'default/web'] },
      ],
    });
    expect(scenario.expectations).toHaveLength(4);
  });
});

describe('faults naming what does not exist are load errors', () => {
  it('nodes, servers, partition groups, power-on order and workloads', async () => {
    const message = await rejection({
      faults: [
        { kind: 'power-off', node: 'dcn19', at: '1m' },
        { kind: 'control-plane-down', servers: ['dcn2'], at: '1m' },
        { kind: 'partition', groups: [['dcn1', 'gpu1']], at: '1m' },
        { kind: 'site-power-cut', order: ['dcn1', 'nope'], at: '1m' },
        { kind: 'memory-leak', workload: 'apii', rate: '1Mi/s', at: '1m' },
      ],
    });
    expect(message.split('\n')).toEqual([
      expect.stringContaining('edge.ts: faults[0].node: no node named "dcn19" in cluster edgestack-pi3 (did you mean dcn1?'),
      'edge.ts: faults[1].servers[0]: node "dcn2" is not a server (servers: dcn1)',
      expect.stringContaining('edge.ts: faults[2].groups[0][1]: no node named "gpu1"'),
      expect.stringContaining('edge.ts: faults[3].order[1]: no node named "nope"'),
      expect.stringContaining('edge.ts: faults[4].workload: no workload "apii"'),
    ]);
  });
});

describe('times beyond what twin simulates are load errors', () => {
  it.each([
    [
      'duration: 1e300',
      { duration: 1e300 },
      'edge.ts: duration: 1e+300 s is longer than the 720h (30 days) twin simulates (use at most 720h)',
    ],
    ['duration: 721h', { duration: '721h' }, 'edge.ts: duration: "721h" is longer than the 720h (30 days) twin simulates'],
    ['bring-up timeout', { bringUp: { timeout: '1000h' } }, 'edge.ts: bringUp.timeout: "1000h" is longer than'],
    ['sample interval 0', { engine: { sim: { sampleInterval: 0 } } }, 'edge.ts: engine.sim.sampleInterval: 0 s must be longer than 0'],
    [
      'a fault after the end',
      { faults: [{ kind: 'reboot', node: 'dcn2', at: '2h' }] },
      'edge.ts: faults[0].at: 2h is after the end of the run (duration 10m)',
    ],
    [
      'a fault lasting 1e300 s',
      { faults: [{ kind: 'power-off', node: 'dcn2', at: 0, for: 1e300 }] },
      'edge.ts: faults[0].for: 1e+300 s is longer',
    ],
    [
      'an expectation window of 1e300 s',
      { expect: [{ kind: 'api-available', within: 1e300 }] },
      'edge.ts: expect[0].within: 1e+300 s is longer than',
    ],
  ])('%s', async (_, input, message) => {
    expect(await rejection(input as Partial<ScenarioInput>)).toContain(message);
  });

  it('720h, the limit, loads', async () => {
    expect((await load({ duration: '720h' })).duration).toBe(720 * 3600);
  });
});

describe('on the command line', () => {
  function scratchDir(): string {
    const dir = mkdtempSync(join(process.cwd(), 'test', '.tmp-nofalse-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }
  const scenario = (service: string) => `import { defineScenario } from 'twin';
export default defineScenario({
  cluster: '../../scenarios/clusters/edgestack-pi3.ts',
  workloads: ['../../scenarios/workloads/edgestack'],
  duration: '5m',
  faults: [{ kind: 'power-off', node: 'dcn3', at: '1m' }],
  expect: [{ kind: 'service-availability', service: '${service}', atLeast: 0.9 }],
});
`;

  it('twin run: a Service typo exits 2 naming the file, the field and the Services; the right name runs and passes', () => {
    const dir = scratchDir();
    writeFileSync(join(dir, 'typo.ts'), scenario('default/webb'));
    writeFileSync(join(dir, 'right.ts'), scenario('default/web'));
    const typo = twin(['run', join(dir, 'typo.ts'), '--out', join(dir, 'reports'), '--quiet']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(
      /typo\.ts: expect\[0\]\.service: service-availability: no Service "default\/webb" .*did you mean default\/web\?/,
    );
    expect(typo.stderr).not.toMatch(/\n\s+at /);
    const right = twin(['run', join(dir, 'right.ts'), '--out', join(dir, 'reports'), '--quiet']);
    expect(right.stderr).toBe('');
    expect(right.code).toBe(0);
  });

  it('twin check --service naming no Service of the manifests exits 2 with the Services there are', () => {
    const result = twin([
      'check',
      'test/fixtures/fragile/cluster.yaml',
      '-w',
      'test/fixtures/fragile',
      '--property',
      'service-availability',
      '--service',
      'default/frontent',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      'twin: --service: no Service "default/frontent" in the manifests given with -w (test/fixtures/fragile) ' +
        '(did you mean default/frontend? use one of: default/frontend, kube-system/kube-dns, kube-system/traefik)',
    );
  });
});

describe('twin/testing', () => {
  const nodes = [{ name: 's1', role: 'server' as const }, { name: 'w1' }, { name: 'w2' }];
  const objects = [deployment('frontend', 2), service('frontend')];

  it('a property about a Service that does not exist is refused before any run', () => {
    expect(() => checkResilience(cluster(nodes), objects, serviceAvailability({ service: 'default/backend' }), { runs: 5 })).toThrow(
      /^property service-availability: expect\[0\]\.service: service-availability: no Service "default\/backend" in the manifests checked/,
    );
  });

  it('a property that judges nothing (no Deployment to recover) is refused, not held', () => {
    expect(() => checkResilience(cluster(nodes), [service('frontend')], deploymentsRecover(), { runs: 5 })).toThrow(
      'property deployments-recover: judges nothing: none of what it checks is in the manifests, so it would hold for any schedule',
    );
  });

  it('bounds naming unknown nodes or workloads are refused', () => {
    const check = () =>
      checkResilience(cluster(nodes), objects, serviceAvailability({ service: 'frontend' }), {
        runs: 5,
        bounds: { nodes: ['w1', 'w9'], workloads: ['Deployment/default/backend'], kinds: ['power-off'] },
      });
    expect(check).toThrow(ConfigError);
    expect(check).toThrow(
      /bounds\.nodes\[1\]: no node named "w9"[\s\S]*bounds\.workloads\[0\]: no workload "Deployment\/default\/backend"/,
    );
  });
});

it('a valid scenario naming only what exists still runs and passes', async () => {
  const report = await runScenario(
    await load({
      duration: '5m',
      faults: [{ kind: 'power-off', node: 'dcn3', at: '1m', for: '2m' }],
      expect: [
        { kind: 'service-availability', service: 'web', atLeast: 0.5 },
        { kind: 'pods-ready', workload: 'web', atLeast: 1 },
      ],
    }),
  );
  expect(report.expectations.map((v) => v.status)).toEqual(['pass', 'pass']);
});
