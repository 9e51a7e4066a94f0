import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile, planOf, type PlannedFault } from '../../src/scenario/load.js';
import { k3dDryRun, k3dEngine } from '../../src/engines/k3d/engine.js';
import { refusals, unsupportedFaults, unsupportedStack, unsupportedTriggers } from '../../src/engines/k3d/supports.js';
import { capabilitiesFromLabels, k3sCapabilities } from '../../src/engines/k3d/capabilities.js';
import { planFault } from '../../src/scenario/fault-plan.js';
import { Problems } from '../../src/scenario/fields.js';
import type { Fault } from '../../src/scenario/faults.js';
import type { TimelineEventKind } from '../../src/model/timeline.js';
import { twin } from '../helpers/cli.js';

async function transcript(name: string): Promise<string> {
  const s = await loadScenarioFile(`scenarios/${name}.ts`);
  return `${(await k3dDryRun(planOf(s), '.twin', 4)).join('\n')}\n`;
}

describe('k3d engine --dry-run', () => {
  it.each(['worker-power-loss', 'control-plane-down', 'rancher-down'])(
    '%s: the command plan matches its golden transcript',
    async (name) => {
      expect(await transcript(name)).toBe(readFileSync(`test/fixtures/k3d/${name}.dry-run.txt`, 'utf8'));
    },
  );

  it('power loss is a kill without a graceful stop; restore starts the container and shapes it again', async () => {
    const lines = (await transcript('worker-power-loss')).split('\n');
    const kill = lines.indexOf('docker kill --signal KILL k3d-twin-edgestack-pi3-dryrun-agent-0');
    const start = lines.indexOf('docker start k3d-twin-edgestack-pi3-dryrun-agent-0');
    expect(kill).toBeGreaterThan(lines.findIndex((l) => l.includes('kubectl apply')));
    expect(start).toBeGreaterThan(kill);
    expect(lines[start + 1]).toMatch(
      new RegExp(`^docker update --memory ${1024 ** 3 - 118 * 1024 ** 2} .* k3d-twin-edgestack-pi3-dryrun-agent-0$`),
    );
    expect(lines.slice(-5, -1)).toEqual([
      'k3d cluster delete twin-edgestack-pi3-dryrun',
      'docker ps -aq --filter label=twin.dev/managed=true --filter label=twin.dev/run=dryrun',
      'docker network ls -q --filter label=twin.dev/managed=true --filter label=twin.dev/run=dryrun',
      'docker network rm twin-edgestack-pi3-dryrun-net',
    ]);
  });

  it('faults the engine cannot do on this host are refused before anything runs', async () => {
    // slow-storage needs twin-slowfs, which only a node image that declares storageLatency has.
    const s = await loadScenarioFile('scenarios/sd-card-latency.ts');
    expect(unsupportedFaults(s.faults)).toEqual([]);
    const stack = (storageLatency: boolean) =>
      unsupportedStack(planOf(s), { ...k3sCapabilities('twin.local/k3s'), storageLatency }).map((r) => r.reason);
    expect(stack(false)).toEqual([expect.stringMatching(/^fault sd \(slow-storage\): the node image cannot add a write latency/)]);
    expect(stack(true)).toEqual([]);
    expect(
      capabilitiesFromLabels('old', { 'twin.dev/capabilities': '{"datastores":["sqlite"],"maxServers":1,"components":[]}' }),
    ).toMatchObject({ storageLatency: false });
    // disk-full fills a disk of the node's own, which only an image that declares diskFill gives it.
    const disk = await loadScenarioFile('test/e2e/disk-full.ts');
    expect(unsupportedFaults(disk.faults)).toEqual([]);
    const filled = (diskFill: boolean) =>
      unsupportedStack(planOf(disk), { ...k3sCapabilities('rancher/k3s'), diskFill }).map((r) => r.reason);
    expect(filled(false)).toEqual([expect.stringMatching(/^fault full \(disk-full\): .*filling it would fill the host's/)]);
    expect(filled(true)).toEqual([]);
    // A link's delay and loss go through twin-netq, which only an image that declares linkImpairment has; bandwidth alone is tc's.
    const link = await loadScenarioFile('test/e2e/link-loss.ts');
    expect(unsupportedFaults(link.faults)).toEqual([]);
    const linked = (linkImpairment: boolean) =>
      unsupportedStack(planOf(link), { ...k3sCapabilities('rancher/k3s'), linkImpairment }).map((r) => r.reason);
    expect(linked(false)).toEqual([
      expect.stringMatching(/^fault wifi \(link-degrade\): the node image has no twin-netq to delay or drop packets/),
      expect.stringMatching(/^fault stall \(link-degrade\): the node image has no twin-netq/),
    ]);
    expect(linked(true)).toEqual([]);
    expect(
      capabilitiesFromLabels('old', { 'twin.dev/capabilities': '{"datastores":["sqlite"],"maxServers":1,"components":[]}' }),
    ).toMatchObject({
      linkImpairment: false,
    });
    // memory-fill runs memhog inside the node container: only twin's node image has it.
    const fill: PlannedFault[] = [planFault({ id: 'fill', kind: 'memory-fill', at: 0, node: 'dcn2', amount: '500Mi' }, 0, new Problems())];
    expect(unsupportedFaults(fill, { nodeImage: 'k3s' })[0]).toMatch(/fault fill \(memory-fill\): .*only twin's node image has/);
    expect(unsupportedFaults(fill, { nodeImage: 'twin' })).toEqual([]);
  });

  it("the cluster is imported through Rancher's API, then the manifest Rancher serves is applied", async () => {
    const lines = (await transcript('rancher-down')).split('\n');
    const run = lines.findIndex((l) => l.startsWith('docker run -d --init --name twin-edgestack-pi3-dryrun-rancher'));
    expect(lines[run]).toContain("-e 'CATTLE_BOOTSTRAP_PASSWORD=<bootstrap password>'");
    const steps = lines
      .slice(run)
      .filter((l) => l.startsWith('# '))
      .map((l) => l.split(' ').slice(1, 3).join(' '));
    expect(steps).toEqual([
      'POST https://<rancher>/v3-public/localProviders/local?action=login',
      'PUT https://<rancher>/v3/settings/server-url',
      'POST https://<rancher>/v3/cluster',
      'POST https://<rancher>/v3/clusters/<cluster-id>/clusterregistrationtoken',
      'GET https://<rancher>/v3/import/<token>_<cluster-id>.yaml',
    ]);
    const manifest = lines.findIndex((l) => l.startsWith('# GET https://<rancher>/v3/import/'));
    expect(lines[manifest + 1]).toBe('docker exec -i k3d-twin-edgestack-pi3-dryrun-server-0 kubectl apply -f -');
  });

  it("memory-leak asks each running container of the workload to leak, through the node's containerd", async () => {
    const lines = (await transcript('oom-pressure')).split('\n');
    expect(lines).toContain(
      "docker exec '<node container of each running pod>' ctr --address /run/k3s/containerd/containerd.sock --namespace k8s.io " +
        "task exec --exec-id 'twin-leak-<n>' '<container id>' /bin/twin-app leak 2097152",
    );
    // …and stops the growth when the fault heals.
    expect(lines.filter((l) => l.includes('/bin/twin-app leak 0'))).toHaveLength(1);
  });

  it('the CLI prints the plan of the engine chosen, and refuses bad --engine and --keep', () => {
    const result = twin(['run', 'scenarios/rancher-down.ts', '--engine', 'k3d', '--dry-run']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(
        String.raw`^# rancher-down: commands of a k3d run \(dry run, nothing executed\)\n` +
          String.raw`# names carry the run's id, here "dryrun"; a real run draws its own \(k3d cluster twin-edgestack-pi3-dryrun\)\n` +
          String.raw`docker events .*\nk3d cluster create --config \.twin/twin-edgestack-pi3-dryrun\.k3d\.yaml`,
      ),
    );
    expect(result.stdout).toContain('docker stop --time 10 twin-edgestack-pi3-dryrun-rancher');
    const pair = twin(['run', 'scenarios/rancher-down.ts', '--engine', 'sim,sim']);
    expect(pair.code).toBe(2);
    expect(pair.stderr).toMatch(/--engine: "sim,sim" is not an engine or a pair of engines \(use sim, k3d, or sim,k3d/);
    const keep = twin(['run', 'scenarios/rancher-down.ts', '--keep']);
    expect(keep.code).toBe(2);
    expect(keep.stderr).toMatch(/--keep: the sim engine creates nothing to keep \(use --keep with --engine k3d\)/);
    // Every engine answers --dry-run through the engine contract; the sim engine lists its planned steps.
    const sim = twin(['run', 'scenarios/rancher-down.ts', '--dry-run']);
    expect(sim.code).toBe(0);
    expect(sim.stdout).toMatch(
      new RegExp(
        String.raw`^# rancher-down: commands of a sim run \(dry run, nothing executed\)\n` +
          String.raw`# sim: bring up edgestack-pi3 \(\d+ machines\) in virtual time`,
      ),
    );
  });
});

describe('k3d engine: what it refuses, and cancellation', () => {
  const trigger = (kind: string): PlannedFault =>
    planFault(
      { id: 't', at: { after: { kind: kind as TimelineEventKind, subject: 'node/dcn2' }, delay: 10 }, kind: 'power-off', node: 'dcn3' },
      0,
      new Problems(),
    );

  it('a fault waiting for an event this engine never observes is refused before anything runs; one it observes is not', async () => {
    expect(unsupportedTriggers([trigger('node.condition'), trigger('node.power'), trigger('fault.injected')])).toEqual([]);
    expect(unsupportedTriggers([trigger('zone.state')])).toEqual([
      {
        subject: 'fault t trigger (after zone.state)',
        reason:
          'fault t trigger (after zone.state): the k3d engine never observes zone.state events while it runs, ' +
          'so the fault would never fire',
      },
    ]);
    expect(unsupportedTriggers([trigger('rancher.agentConnected')], { rancherStandIn: true })[0]?.reason).toMatch(
      /read from Rancher's log after the run/,
    );
    expect(unsupportedTriggers([trigger('rancher.agentConnected')], { rancherStandIn: false })).toEqual([]);
    const s = await loadScenarioFile('scenarios/worker-power-loss.ts');
    await expect(k3dDryRun({ ...planOf(s), faults: [trigger('datastore.slow')] }, '.twin', 4)).rejects.toThrow(
      /engine k3d cannot run this scenario: fault t trigger \(after datastore\.slow\)/,
    );
  });

  it('every fault kind is decided up front', () => {
    const kinds = ['slow-storage', 'storage-restore', 'disk-full', 'disk-free'];
    const faults = kinds.map((kind, i): PlannedFault => planFault({ kind, at: 0, node: 'dcn2' } as Fault, i, new Problems()));
    expect(refusals(faults)).toEqual([]);
  });

  it('a run whose signal is already aborted rejects with its reason and runs nothing', async () => {
    const s = await loadScenarioFile('scenarios/worker-power-loss.ts');
    const reason = new Error('interrupted');
    await expect(k3dEngine.run(planOf(s), undefined, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });

  it("down also removes k3d's twin-…-net networks no container uses (dry: the commands)", async () => {
    expect(await k3dEngine.down({ dryRun: true })).toEqual([
      'k3d cluster list -o json',
      'docker ps -aq --filter label=twin.dev/managed=true',
      'docker network ls -q --filter label=twin.dev/managed=true',
      "docker network ls --filter label=app=k3d --format '{{.Name}}'",
    ]);
  });
});
