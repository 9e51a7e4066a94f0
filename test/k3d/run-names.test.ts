/**
 * Two k3d runs of the same cluster on one Docker host (two terminals, two CI jobs on one runner)
 * must not touch each other's containers: each run's names carry its own id, and its teardown
 * removes only what carries that id. `twin down` still finds every run's leftovers.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Cluster } from '../../src/model/cluster.js';
import { removeLeftovers, stateFiles, teardown } from '../../src/engines/k3d/cluster.js';
import { renderK3dConfig } from '../../src/engines/k3d/config.js';
import type { K3dRunContext } from '../../src/engines/k3d/context.js';
import { createExec, shellQuote, type Exec, type ExecResult } from '../../src/engines/k3d/exec.js';
import { dockerEventsArgs, probeRunArgs } from '../../src/engines/k3d/probe.js';
import { k3dClusterName, k3dClusterNameMax, newRunId, runNames, type RunNames } from '../../src/engines/k3d/run-names.js';
import { loadClusterFile } from '../../src/load/cluster.js';
import { cluster as testCluster } from '../helpers/sim.js';

const calibration = { singleCoreEvents: null, cores: 4, source: 'test' };
/** k3d's rule for a cluster name (its `CheckName`): an RFC 1123 host name of at most 32 characters. */
const k3dValid = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const pi3 = await loadClusterFile('scenarios/clusters/edgestack-pi3.ts');

/** Every name a run gives the host's objects. */
function allNames(names: RunNames, cluster: Cluster): string[] {
  return [
    names.cluster,
    names.network,
    names.rancher,
    names.probe,
    ...cluster.nodes.filter((n) => n.role === 'server' || n.role === 'agent').map((n) => names.container(n)),
  ];
}

/** An exec seam that records commands and answers from a table (by command prefix); nothing runs. */
function scriptedExec(answers: Record<string, string>): Exec {
  const transcript: string[] = [];
  const run = async (command: string, args: readonly string[]): Promise<ExecResult> => {
    const line = [command, ...args].map(shellQuote).join(' ');
    transcript.push(line);
    const key = Object.keys(answers).find((prefix) => line.startsWith(prefix));
    return { stdout: key ? answers[key]! : '', stderr: '', exitCode: 0 };
  };
  return Object.assign(run, {
    transcript,
    dryRun: false,
    spawn: () => ({ write: () => undefined, stop: async () => undefined, exited: Promise.resolve(null) }),
    note: (text: string) => void transcript.push(`# ${text}`),
  });
}

describe('run names', () => {
  it('a run id is six lower-case letters and digits, drawn afresh for each run', () => {
    expect(newRunId(() => Uint8Array.from([0, 1, 25, 26, 35, 36]))).toBe('abz09a');
    const ids = new Set(Array.from({ length: 50 }, () => newRunId()));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]{6}$/);
  });

  it('two runs of the same cluster share no name on the host', () => {
    const a = allNames(runNames(pi3, 'aaaaaa'), pi3);
    const b = allNames(runNames(pi3, 'bbbbbb'), pi3);
    expect(a.filter((name) => b.includes(name))).toEqual([]);
    expect(a.slice(0, 4)).toEqual([
      'twin-edgestack-pi3-aaaaaa',
      'twin-edgestack-pi3-aaaaaa-net',
      'twin-edgestack-pi3-aaaaaa-rancher',
      'twin-edgestack-pi3-aaaaaa-probe',
    ]);
    expect(runNames(pi3, 'aaaaaa').container(pi3.nodes.find((n) => n.role === 'server')!)).toBe('k3d-twin-edgestack-pi3-aaaaaa-server-0');
  });

  it('every cluster name twin accepts gives a k3d name k3d accepts, the run id whole at its end', () => {
    const clusterName = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    const runId = fc.stringMatching(/^[a-z0-9]{6}$/);
    fc.assert(
      fc.property(clusterName, runId, (name, id) => {
        const k3dName = k3dClusterName({ name } as Cluster, id);
        expect(k3dName.length).toBeLessThanOrEqual(k3dClusterNameMax);
        expect(k3dName).toMatch(k3dValid);
        expect(k3dName.endsWith(`-${id}`)).toBe(true);
        expect(k3dName.startsWith('twin-')).toBe(true);
      }),
    );
    // A long name is cut before the id, and no dash is left at the cut.
    expect(k3dClusterName({ name: 'edgestack-pi4-zero1-west' } as Cluster, 'ab12cd')).toBe('twin-edgestack-pi4-zero1-ab12cd');
    expect(k3dClusterName({ name: 'a-very-long-cluster-name---x' } as Cluster, null)).toBe('twin-a-very-long-cluster-name');
  });

  it('a config for use by hand has no run id: twin-<cluster>, as twin export k3d writes it', () => {
    expect(runNames(pi3, null).cluster).toBe('twin-edgestack-pi3');
    const config = renderK3dConfig(pi3, calibration);
    expect(config.metadata.name).toBe('twin-edgestack-pi3');
    expect(config.options.runtime.labels.map((l) => l.label)).not.toContainEqual(expect.stringMatching(/^twin\.dev\/run=/));
  });

  it("a run's config, containers and event stream carry its id", () => {
    const names = runNames(pi3, 'ab12cd');
    const config = renderK3dConfig(pi3, calibration, { names });
    expect(config.metadata.name).toBe('twin-edgestack-pi3-ab12cd');
    expect(config.network).toBe('twin-edgestack-pi3-ab12cd-net');
    expect(config.options.runtime.labels).toContainEqual({ label: 'twin.dev/run=ab12cd', nodeFilters: ['all'] });
    expect(probeRunArgs(pi3, names).join(' ')).toContain('--label twin.dev/run=ab12cd');
    // Another run's containers (same cluster, same host) are not this run's ground truth.
    expect(dockerEventsArgs(names).join(' ')).toBe(
      'events --filter label=twin.dev/managed=true --filter label=twin.dev/run=ab12cd --format {{json .}}',
    );
  });

  it('names a run id that could not be part of a k3d name as a bug, not a container', () => {
    expect(() => runNames(pi3, 'AB_12')).toThrow(/run id "AB_12": expected 1 to 6 lower-case letters or digits/);
  });
});

describe('teardown of one run among two', () => {
  const context = (names: RunNames, stateDir: string, exec: Exec, keep = false): K3dRunContext => ({
    exec,
    calibration,
    names,
    stateDir,
    keep,
  });

  it("removes its own cluster, containers, network and state files, and nothing of the other run's", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'twin-tworuns-'));
    try {
      const mine = runNames(pi3, 'aaaaaa');
      const theirs = runNames(pi3, 'bbbbbb');
      const mineFiles = stateFiles({ stateDir, names: mine });
      const theirFiles = stateFiles({ stateDir, names: theirs });
      for (const file of [...Object.values(mineFiles), ...Object.values(theirFiles)]) writeFileSync(file, 'x');
      const exec = createExec({ dryRun: true });
      // A dry exec runs nothing, so the state files go only through a live context: the commands come from the dry one.
      await teardown(context(mine, stateDir, exec));
      expect(exec.transcript).toEqual([
        'k3d cluster delete twin-edgestack-pi3-aaaaaa',
        'docker ps -aq --filter label=twin.dev/managed=true --filter label=twin.dev/run=aaaaaa',
        'docker network ls -q --filter label=twin.dev/managed=true --filter label=twin.dev/run=aaaaaa',
        'docker network rm twin-edgestack-pi3-aaaaaa-net',
      ]);
      const live = scriptedExec({});
      await teardown(context(mine, stateDir, live));
      const theirNames = allNames(theirs, pi3);
      expect(live.transcript.filter((line) => theirNames.some((name) => line.split(' ').includes(name)))).toEqual([]);
      expect(live.transcript.join('\n')).not.toContain('bbbbbb');
      expect(Object.values(mineFiles).filter(existsSync)).toEqual([]);
      expect(Object.values(theirFiles).filter(existsSync)).toEqual(Object.values(theirFiles));
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it('--keep leaves the run as it is: no command, its kubeconfig still there', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'twin-tworuns-'));
    try {
      const names = runNames(pi3, 'aaaaaa');
      writeFileSync(stateFiles({ stateDir, names }).kubeconfig, 'x');
      const exec = scriptedExec({});
      await teardown(context(names, stateDir, exec, true));
      expect(exec.transcript).toEqual([]);
      expect(existsSync(stateFiles({ stateDir, names }).kubeconfig)).toBe(true);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});

describe('twin down', () => {
  it("finds every run's leftovers: each run's k3d cluster and its k3d network, never another tool's", async () => {
    const small = testCluster([{ name: 's1', role: 'server' }]);
    const [a, b] = [runNames(small, 'aaaaaa'), runNames(small, 'bbbbbb')];
    const exec = scriptedExec({
      'k3d cluster list -o json': JSON.stringify([{ name: a.cluster }, { name: b.cluster }, { name: 'someone-else' }]),
      'docker network ls --filter label=app=k3d': [a.network, b.network, 'k3d-someone-else'].join('\n'),
      'docker network inspect': '0',
    });
    const removed = await removeLeftovers(exec);
    expect(removed.clusters).toEqual(['twin-test-aaaaaa', 'twin-test-bbbbbb']);
    expect(removed.k3dNetworks).toEqual(['twin-test-aaaaaa-net', 'twin-test-bbbbbb-net']);
    expect(exec.transcript).toContain('k3d cluster delete twin-test-aaaaaa');
    expect(exec.transcript).toContain('k3d cluster delete twin-test-bbbbbb');
    expect(exec.transcript.filter((line) => line.includes('someone-else'))).toEqual([]);
  });
});
