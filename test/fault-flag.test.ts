import { describe, expect, it } from 'vitest';
import { parseFaultFlag } from '../src/cli/fault-flag.js';

const nodes = ['cp1', 'cp2', 'node2', 'node3'];
const servers = ['cp1', 'cp2'];

describe('--fault KIND[:TARGET][,at=…][,for=…]', () => {
  it.each([
    ['power-off:node3', { kind: 'power-off', node: 'node3', at: '0s' }],
    ['power-off:node3,at=30s,for=5m', { kind: 'power-off', node: 'node3', at: '30s', for: '5m' }],
    ['control-plane-down', { kind: 'control-plane-down', at: '0s' }],
    ['control-plane-down:cp1+cp2,for=2m', { kind: 'control-plane-down', servers: ['cp1', 'cp2'], at: '0s', for: '2m' }],
    ['partition:cp1+node2/node3', { kind: 'partition', groups: [['cp1', 'node2'], ['node3']], at: '0s' }],
    ['memory-leak:default/web,rate=2Mi/s', { kind: 'memory-leak', workload: 'default/web', rate: '2Mi/s', at: '0s' }],
    ['scale:default/web,replicas=0', { kind: 'scale', workload: 'default/web', replicas: 0, at: '0s' }],
    ['drain:node2,force=true', { kind: 'drain', node: 'node2', force: true, at: '0s' }],
  ])('%s', (text, fault) => {
    expect(parseFaultFlag(text, nodes, servers)).toEqual(fault);
  });

  it.each([
    ['rancher-down:cp1', /rancher-down takes no target/],
    ['memory-leak:default/web', /rate/],
    ['partition:cp1/node9', /no node named "node9"/],
    ['scale:default/web,replicas=many', /replicas/],
    ['power-off:node3,at=soon', /at/],
  ])('refuses %s', (text, message) => {
    expect(() => parseFaultFlag(text, nodes, servers)).toThrow(message);
  });
});
