import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parse, stringify } from 'yaml';
import { ConfigError } from '../src/errors.js';
import { clusterFromDocument } from '../src/load/cluster.js';
import { mappedFlags, parseEvictionHard, parseGoDuration } from '../src/model/k3s-flag-table.js';
import { resolveK3sFlags } from '../src/model/k3s-flags.js';
import { renderHtml } from '../src/report/html.js';
import { renderMarkdown } from '../src/report/markdown.js';
import { runScenario } from '../src/runner/run-scenario.js';
import { bringUpScenario } from '../src/scenario/load.js';
import { twin } from './helpers/cli.js';
import { cluster, profiles } from './helpers/sim.js';

const MiB = 1024 * 1024;
const nodes = [{ name: 's1', role: 'server' as const }, { name: 'w1' }, { name: 'w2' }, { name: 'w3' }];

function flags(serverArgs: string[], agentArgs: string[] = [], explicit: string[] = [], agents = ['w1', 'w2']) {
  return resolveK3sFlags({ serverArgs, agentArgs, minor: 31, servers: ['s1'], agents, explicit: new Set(explicit), fieldPrefix: 'spec' });
}

function scratchFile(name: string, content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'twin-flags-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

function clusterYaml(k3s: Record<string, unknown>, settings: Record<string, unknown> = {}): string {
  return stringify({
    apiVersion: 'twin/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'flagged' },
    spec: {
      k3s: { version: 'v1.31.4+k3s1', ...k3s },
      nodes: nodes.map((n) => ({ profile: 'pi4b-4gb', role: 'agent', ...n })),
      ...(Object.keys(settings).length ? { settings } : {}),
    },
  });
}

describe('K3s component flags: parsing with the upstream syntax', () => {
  it('reads --flag=value, --flag value, a leading -- inside the value, and a bare key as true (K3s GetArgs)', () => {
    const result = flags([
      '--kube-controller-manager-arg=node-monitor-grace-period=1m30s',
      '--kube-apiserver-arg',
      'default-unreachable-toleration-seconds=60',
      '--kubelet-arg=--max-pods=50',
    ]);
    expect(result.problems).toEqual([]);
    expect(result.overrides).toEqual({ nodeMonitorGracePeriod: 90, defaultUnreachableTolerationSeconds: 60 });
    // A kubelet flag from serverArgs reaches only the server's kubelet: 1 of 3 nodes, so the model keeps the default.
    expect(result.notModelled.map((f) => f.field)).toEqual(['spec.k3s.serverArgs[3]']);
    expect(result.applied.map((f) => [f.field, f.setting, f.value])).toEqual([
      ['spec.k3s.serverArgs[0]', 'nodeMonitorGracePeriod', '90s'],
      ['spec.k3s.serverArgs[2]', 'defaultUnreachableTolerationSeconds', '60s'],
    ]);
    expect(flags(['--kubelet-arg=serialize-image-pulls'], [], [], []).overrides).toEqual({ serializeImagePulls: true });
  });

  it('parses Go durations (time.ParseDuration), refusing a unit-less number', () => {
    expect(parseGoDuration('1m30s')).toBe(90);
    expect(parseGoDuration('250ms')).toBeCloseTo(0.25, 9);
    expect(parseGoDuration('1h')).toBe(3600);
    expect(parseGoDuration('0')).toBe(0);
    expect(() => parseGoDuration('40')).toThrow(/not a Go duration/);
    expect(() => parseGoDuration('5d')).toThrow(/not a Go duration/);
  });

  it('parses eviction maps: quantities and percentages per signal (K8sDocs node-pressure-eviction)', () => {
    expect(parseEvictionHard('memory.available<100Mi,nodefs.available<10%')).toEqual([
      { signal: 'memory.available', value: 100 * MiB, percent: false },
      { signal: 'nodefs.available', value: 0.1, percent: true },
    ]);
    expect(() => parseEvictionHard('memory.available>100Mi')).toThrow(/not an eviction threshold/);
  });

  it('eviction-hard sets the memory threshold; a map without memory.available removes it; a percentage is not modelled', () => {
    const both = ['--kubelet-arg=eviction-hard=memory.available<200Mi,nodefs.available<10%'];
    const result = flags(both, both);
    expect(result.overrides).toEqual({ evictionHardMemoryAvailable: 200 * MiB });
    expect(result.applied[0]?.note).toMatch(/nodefs.available not modelled/);
    const noMemory = ['--kubelet-arg=eviction-hard=nodefs.available<5%'];
    expect(flags(noMemory, noMemory).overrides).toEqual({ evictionHardMemoryAvailable: null });
    const percent = ['--kubelet-arg=eviction-hard=memory.available<10%'];
    const share = flags(percent, percent);
    expect(share.overrides).toEqual({});
    expect(share.notModelled[0]?.reason).toMatch(/percentage/);
  });
});

describe('K3s component flags: precedence and scope', () => {
  it('an explicit spec.settings value wins over a flag; the flag is then listed as not modelled', () => {
    const c = cluster(nodes, {
      k3s: { serverArgs: ['--kube-controller-manager-arg=node-monitor-grace-period=20s'] },
      settings: { nodeMonitorGracePeriod: '30s' },
    });
    expect(c.settings.nodeMonitorGracePeriod).toBe(30);
    expect(c.k3sFlags.notModelled[0]?.reason).toMatch(/spec.settings.nodeMonitorGracePeriod is set and wins/);
  });

  it('a flag wins over the default, and the last of a repeated flag wins (K3s GetArgs)', () => {
    const c = cluster(nodes, {
      k3s: {
        serverArgs: [
          '--kube-controller-manager-arg=node-monitor-grace-period=20s',
          '--kube-controller-manager-arg=node-monitor-grace-period=25s',
        ],
      },
    });
    expect(c.settings.nodeMonitorGracePeriod).toBe(25);
    expect(c.k3sFlags.notModelled).toEqual([
      expect.objectContaining({ field: 'spec.k3s.serverArgs[0]', reason: expect.stringMatching(/K3s keeps the last/) }),
    ]);
  });

  it('kubelet flags are cluster-wide in the model: the role with more nodes decides, and the report says which nodes differ', () => {
    const agentOnly = flags([], ['--kubelet-arg=max-pods=50']);
    expect(agentOnly.overrides).toEqual({ maxPods: 50 });
    expect(agentOnly.applied[0]?.note).toMatch(/server s1 keeps the default/);
    const same = flags(['--kubelet-arg=max-pods=50'], ['--kubelet-arg=max-pods=50']);
    expect(same.overrides).toEqual({ maxPods: 50 });
    expect(same.applied.every((f) => f.note === undefined)).toBe(true);
    const serversOnlyCluster = flags(['--kubelet-arg=max-pods=50'], ['--kubelet-arg=max-pods=20'], [], []);
    expect(serversOnlyCluster.overrides).toEqual({ maxPods: 50 });
    expect(serversOnlyCluster.notModelled[0]?.reason).toMatch(/no agent node/);
  });

  it('lists unknown components, unmodelled flags, removed flags and control-plane args given to agents', () => {
    const result = flags(
      [
        '--etcd-arg=heartbeat-interval=500',
        '--kube-apiserver-arg=audit-log-path=/var/log/audit.log',
        '--kube-controller-manager-arg=pod-eviction-timeout=1m',
        '--kube-scheduler-arg=leader-elect-lease-duration=30s',
        '--future-component-arg=x=1',
      ],
      ['--kube-apiserver-arg=default-unreachable-toleration-seconds=30', '--kube-proxy-arg=proxy-mode=ipvs'],
    );
    expect(result.overrides).toEqual({});
    const reasons = Object.fromEntries(result.notModelled.map((f) => [f.field, f.reason]));
    expect(reasons['spec.k3s.serverArgs[0]']).toMatch(/etcd --heartbeat-interval/);
    expect(reasons['spec.k3s.serverArgs[1]']).toMatch(/kube-apiserver --audit-log-path/);
    // kubernetes/kubernetes#113710: deprecated in 1.26, removed in 1.27.
    expect(reasons['spec.k3s.serverArgs[2]']).toMatch(/removed from kube-controller-manager in Kubernetes 1.27/);
    expect(reasons['spec.k3s.serverArgs[3]']).toMatch(/controller-manager's settings/);
    expect(reasons['spec.k3s.serverArgs[4]']).toBe('twin does not model future-component');
    expect(reasons['spec.k3s.agentArgs[0]']).toMatch(/k3s agent has no --kube-apiserver-arg/);
    expect(reasons['spec.k3s.agentArgs[1]']).toMatch(/kube-proxy --proxy-mode/);
  });

  it('a bad value is a ConfigError naming the file, the field, the value and the fix: exit 2, one line', () => {
    const text = clusterYaml({
      serverArgs: ['--write-kubeconfig-mode=644', '--kube-controller-manager-arg=node-monitor-grace-period=abc'],
    });
    const file = scratchFile('bad.yaml', text);
    expect(() => clusterFromDocument(parse(text), file, { profiles })).toThrow(ConfigError);
    const result = twin(['bringup', file]);
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`${file}: spec.k3s.serverArgs[1]`);
    expect(lines[0]).toContain('"abc" is not a Go duration');
    expect(lines[0]).toContain('write e.g. --kube-controller-manager-arg=node-monitor-grace-period=20s');
    expect(flags(['--kubelet-arg']).problems).toEqual([
      {
        field: 'spec.k3s.serverArgs[0]',
        message: '--kubelet-arg needs a kubelet flag and its value',
        hint: expect.stringContaining('--kubelet-arg=<flag>=<value>'),
      },
    ]);
  });
});

describe('K3s component flags in the report and in twin validate', () => {
  const k3s = {
    serverArgs: [
      '--write-kubeconfig-mode=644',
      '--kube-controller-manager-arg=node-monitor-grace-period=20s',
      '--kube-apiserver-arg=audit-log-path=/var/log/audit.log',
      '--etcd-arg=heartbeat-interval=500',
    ],
  };

  it('report.json, report.md and report.html list the flags applied and the ones not modelled', async () => {
    const file = scratchFile('flagged.yaml', clusterYaml(k3s));
    const report = await runScenario(await bringUpScenario(file, []));
    expect(report.appliedFlags).toEqual([
      expect.objectContaining({ field: 'spec.k3s.serverArgs[1]', setting: 'nodeMonitorGracePeriod', value: '20s' }),
    ]);
    expect(report.notModelledFlags?.map((f) => f.flag)).toEqual([
      '--kube-apiserver-arg=audit-log-path=/var/log/audit.log',
      '--etcd-arg=heartbeat-interval=500',
    ]);
    const markdown = renderMarkdown(report);
    expect(markdown).toContain('## K3s flags');
    expect(markdown).toContain(
      '| `--etcd-arg=heartbeat-interval=500` | spec.k3s.serverArgs[3] | twin has no model of etcd --heartbeat-interval |',
    );
    const html = renderHtml(report);
    expect(html).toContain('<h3>K3s flags</h3>');
    expect(html).toContain('<code>--kube-apiserver-arg=audit-log-path=/var/log/audit.log</code>');
  });

  it('a cluster without component flags adds nothing to the report (the existing report format is unchanged)', async () => {
    const file = scratchFile('plain.yaml', clusterYaml({ serverArgs: ['--write-kubeconfig-mode=644'] }));
    const report = await runScenario(await bringUpScenario(file, []));
    expect('appliedFlags' in report).toBe(false);
    expect('notModelledFlags' in report).toBe(false);
    expect(renderMarkdown(report)).not.toContain('K3s flags');
  });

  it('twin validate warns, one line per flag the model does not follow, and still passes (exit 0)', () => {
    const file = scratchFile('flagged.yaml', clusterYaml(k3s));
    const result = twin(['validate', file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('ok   ');
    expect(result.stderr.trim().split('\n')).toEqual([
      `warning: ${file}: spec.k3s.serverArgs[2]: --kube-apiserver-arg=audit-log-path=/var/log/audit.log is not modelled: ` +
        'twin has no model of kube-apiserver --audit-log-path',
      `warning: ${file}: spec.k3s.serverArgs[3]: --etcd-arg=heartbeat-interval=500 is not modelled: ` +
        'twin has no model of etcd --heartbeat-interval',
    ]);
  });
});

describe('README', () => {
  it('lists every mapped flag with its setting', () => {
    const readme = readFileSync('README.md', 'utf8');
    for (const [component, table] of Object.entries(mappedFlags))
      for (const [flag, mapped] of Object.entries(table)) {
        const row = readme.split('\n').find((line) => line.startsWith(`| ${component} (`)) ?? '';
        expect(row, `${component} --${flag}`).toMatch(new RegExp(`\`${flag}\`( \\([^)]*\\))? → ${mapped.setting}\\b`));
      }
  });
});
