import { describe, expect, it } from 'vitest';
import { createSimulation } from '../../src/sim/index.js';
import { readWorkloads } from '../../src/model/workloads.js';
import { broughtUp, cluster, deployment, eventsAfter, first, service } from '../helpers/sim.js';

/**
 * A gateway (role external, haproxy) in front of three servers, given to the agents as K3S_URL.
 * K3s's agent keeps the URL as its default server but learns every server from the `kubernetes`
 * Endpoints and persists them (pkg/agent/loadbalancer, agent/etc/k3s-agent-load-balancer.json), so
 * only a first join needs the gateway; kubectl given the gateway's address needs it always.
 * Checked against real nodes in test/e2e/gateway-down.ts.
 */
describe('a gateway in front of the API servers', () => {
  const nodes = [
    { name: 's1', profile: 'pi5-8gb', role: 'server' as const },
    { name: 's2', profile: 'pi5-8gb', role: 'server' as const },
    { name: 's3', profile: 'pi5-8gb', role: 'server' as const },
    { name: 'w1' },
    { name: 'gw', profile: 'x86-minipc', role: 'external' as const, services: ['haproxy'] },
  ];
  const spec = { k3s: { datastore: 'embedded-etcd', registrationAddress: 'gw' } };
  const app = [deployment('app', 2), service('app')];

  it('off: the API through it goes at once while the API itself stays; a rebooted agent rejoins without it', () => {
    const sim = broughtUp(cluster(nodes, spec), app);
    expect(eventsAfter(sim, 0, 'gateway.available', /node\/gw$/)).toHaveLength(1);
    const t0 = sim.now;
    sim.powerOff(sim.node('gw'), 'test');
    expect(first(sim, t0, 'gateway.unavailable', /node\/gw$/).t).toBeCloseTo(t0, 3);
    sim.powerOff(sim.node('w1'), 'test');
    sim.runUntil(t0 + 120);
    sim.powerOn(sim.node('w1'), 'test');
    sim.runUntil(t0 + 300);
    expect(sim.node('w1').apiReady).toBe('True');
    expect(eventsAfter(sim, t0, 'api.unavailable')).toHaveLength(0);
    expect(eventsAfter(sim, t0, 'gateway.available')).toHaveLength(0);
    sim.powerOn(sim.node('gw'), 'test');
    sim.runUntil(t0 + 400);
    const back = first(sim, t0 + 300, 'gateway.available', /node\/gw$/);
    const booted = first(sim, t0 + 300, 'node.booted', /node\/gw$/);
    expect(back.t).toBeCloseTo(booted.t, 3);
  });

  it('off during bring-up: an agent that never joined waits for it, retrying, and joins once it is back', () => {
    const c = cluster(nodes, spec);
    const sim = createSimulation({ cluster: c, workloads: readWorkloads(app), seed: 1 });
    sim.runUntil(1);
    sim.powerOff(sim.node('gw'), 'test');
    sim.runUntil(600);
    expect(sim.node('w1').registered).toBe(false);
    expect(sim.node('s2').registered).toBe(true);
    sim.powerOn(sim.node('gw'), 'test');
    sim.runUntil(700);
    const booted = first(sim, 600, 'node.booted', /node\/gw$/);
    const running = first(sim, 600, 'node.k3s', /node\/w1$/);
    expect(running.details?.['state']).toBe('running');
    // systemd restarts the agent every 5 s (RestartSec=5s), and its start takes the agent's start time.
    expect(running.t - booted.t).toBeLessThan(5 + 30);
  });

  it('without a registration address the agents join through the first server', () => {
    const c = cluster(nodes, { k3s: { datastore: 'embedded-etcd' } });
    expect(c.k3s.registrationNode).toBe('s1');
  });
});

describe('k3s.registrationAddress', () => {
  const base = [
    { name: 's1', role: 'server' as const, ip: '10.0.0.1' },
    { name: 'w1', ip: '10.0.0.2' },
    { name: 'db', profile: 'pi2b', role: 'external' as const, ip: '10.0.0.3', services: ['mariadb'] },
    { name: 'gw', profile: 'x86-minipc', role: 'external' as const, ip: '10.0.0.9', services: ['haproxy'] },
  ];
  it.each([
    ['gw', 'gw'],
    ['10.0.0.9', 'gw'],
    ['https://10.0.0.9:6443', 'gw'],
    ['https://s1:6443', 's1'],
    ['https://10.0.0.9', 'gw'],
  ])('%s names %s', (written, node) => {
    expect(cluster(base, { k3s: { registrationAddress: written } }).k3s.registrationNode).toBe(node);
  });
  it.each([
    ['w1', 'test-cluster.yaml: spec.k3s.registrationAddress: "w1" is node w1 (role agent), which serves no Kubernetes API'],
    ['db', '"db" is node db (role external), which serves no Kubernetes API (agents join through a server or a gateway'],
    [
      'https://10.0.0.7:6443',
      `"https://10.0.0.7:6443" is no node's name or IP (name a server or a role: external node with services: [haproxy] (s1, gw)`,
    ],
    [
      'http://10.0.0.9:6443',
      `"http://10.0.0.9:6443": K3s serves agents' registration over https on port 6443 (write https://10.0.0.9:6443`,
    ],
    ['https://gw:9345', `"https://gw:9345": K3s serves agents' registration over https on port 6443 (write https://gw:6443`],
  ])('%s is refused with the fix', (written, message) => {
    expect(() => cluster(base, { k3s: { registrationAddress: written } })).toThrow(message);
  });
});
