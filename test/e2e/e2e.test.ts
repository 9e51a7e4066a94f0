/**
 * End to end on real Kubernetes: each CI-length scenario runs on the model and on real K3s node
 * containers (`--engine sim,k3d`), both must meet the scenario's expectations, and the report
 * carries the model-vs-real comparison. Needs Docker, k3d and a node image (scripts/build-k3s-image.sh);
 * without them the tests say why and are skipped — unless TWIN_E2E=required (as in .ci/run),
 * where a missing piece fails the run.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { k3dEngine } from '../../src/engines/k3d/engine.js';
import { storageLatencyFile } from '../../src/engines/k3d/config.js';
import { fillDisk, freeDisk } from '../../src/engines/k3d/disk-fill.js';
import { twinNodeImage } from '../../src/engines/k3d/offline-build.js';
import { nodeFilter } from '../../src/engines/k3d/run-names.js';
import { nodeThrottle } from '../../src/engines/k3d/throttle.js';
import { loadClusterFile } from '../../src/load/cluster.js';
import { calibrationDocumentSchema } from '../../src/model/calibration.js';
import type { RunReport } from '../../src/report/report.js';
import type { ComparisonMoment } from '../../src/report/types.js';
import { compareRuns, renderComparison } from '../../src/report/compare.js';
import { repoRoot } from '../helpers/cli.js';
import { realPowerOff } from '../helpers/real-power-off.js';
import { runCheckAsJob, twinImage } from '../helpers/shard-job.js';

const availability = await k3dEngine.available();
const required = process.env['TWIN_E2E'] === 'required';
const skipped =
  process.env['TWIN_E2E'] === 'skip' ? 'TWIN_E2E=skip' : availability.available ? null : (availability.reason ?? 'engine k3d unavailable');
if (skipped && !required) console.log(`e2e on real K3s skipped: ${skipped}`);

const out = mkdtempSync(join(tmpdir(), 'twin-e2e-'));
const cluster = await loadClusterFile(join(repoRoot, 'test/e2e/cluster.yaml'));
/** Seed 004's cut: three servers on embedded etcd (test/e2e/ha-quorum-loss.ts). */
const haCluster = await loadClusterFile(join(repoRoot, 'test/e2e/ha-cluster.yaml'));
/** The clusters of the e2e scenarios that do not run on test/e2e/cluster.yaml. */
const clusterOf: Record<string, string> = {
  'ha-quorum-loss': 'test/e2e/ha-cluster.yaml',
  'gateway-down': 'test/e2e/gateway-cluster.yaml',
  'nfs-node-down': 'scenarios/clusters/homelab-nfs.yaml',
  'taskmaster-oom': 'scenarios/clusters/taskmaster-workshop.yaml',
  'sd-card-latency': 'test/e2e/etcd-cluster.yaml',
};
afterAll(() => rmSync(out, { recursive: true, force: true }));
/** What `twin calibrate` measured on the real cluster the calibration test drove; the next runs' model uses it. */
const calibration = join(out, 'calibration.yaml');
/**
 * CI's time budget (60 minutes with the node image cached) holds the most informative real runs;
 * `npm run test:e2e:all` (TWIN_E2E_ALL=1) runs every one.
 */
const everyTest = process.env['TWIN_E2E_ALL'] === '1';
const inCi = new Set(['worker-power-loss', 'control-plane-down', 'ha-quorum-loss']);
/**
 * Scenarios whose model side runs calibrated: every one on the cluster the calibration test drove
 * (test/e2e/cluster.yaml). Every key moment must then agree with the real run, but for those of
 * {@link explained}.
 */
const calibrated = (name: string): boolean => clusterOf[name] === undefined;

/**
 * The key moments where model and real nodes differ for a reason docs/model-vs-real.md gives with its
 * evidence ("What was done about each difference"), by scenario; none of them is K3s on a Pi.
 * - rancher-down: the Rancher host is a stand-in that answers at once (no Rancher image can be had
 *   offline), where the model gives Rancher its start-up time; counted from Rancher's return they agree.
 */
const explained: Record<string, (moment: ComparisonMoment) => boolean> = {
  'rancher-down': (moment) => moment.anchor === 'heal:rancher',
};

/**
 * A key moment the model got right: within 20 % or 5 s of the real one, or inside the model's stated range
 * (its sweep over its estimates), give or take the 1 s resolution of the times the API reports.
 */
function withinModel(moment: ComparisonMoment): boolean {
  const range = moment.modelRange;
  const inRange = range !== undefined && moment.real !== null && moment.real >= range.low - 1 && moment.real <= range.high + 1;
  return moment.agrees || inRange;
}

function describeMoment(moment: ComparisonMoment): string {
  const range = moment.modelRange ? ` (${moment.modelRange.low}–${moment.modelRange.high})` : ' (no range)';
  return `${moment.what} after ${moment.anchor}: model ${moment.model}${range} vs real ${moment.real}`;
}

function reportsOf(name: string): RunReport[] {
  const dir = join(out, name);
  return readdirSync(dir)
    .sort()
    .map((run) => JSON.parse(readFileSync(join(dir, run, 'report.json'), 'utf8')) as RunReport);
}

describe.skipIf(skipped !== null && !required)('the model against real K3s (engine sim,k3d)', () => {
  it('the engine is available', () => {
    expect(skipped, `engine k3d: ${skipped}`).toBeNull();
  });

  it(
    "a node container's datastore takes its storage's write latency from its first start, a fault changes it live, nothing stays mounted",
    async () => {
      const image = twinNodeImage;
      const name = `twin-e2e-slowfs-${process.pid}`;
      const docker = (args: string[]) => execa('docker', args, { reject: false });
      let backing: string | null = null;
      // As k3d starts a node: its entrypoint scripts, then (here) a process in place of K3s.
      const started = await docker([
        'run', '-d', '--name', name, '--privileged', '--label', 'twin.dev/managed=true',
        '-e', 'TWIN_STORAGE_LATENCY=50ms', '-e', 'TWIN_CPU_QUOTA_US=50000', '-e', 'TWIN_NODEFS=1', '--entrypoint', '/bin/sh', image,
        '-c', 'for s in /bin/k3d-entrypoint-twin-*.sh; do "$s" || exit 1; done; exec sleep 600',
      ]); // prettier-ignore
      try {
        expect(started.exitCode, started.stderr).toBe(0);
        let mounts = '';
        for (let i = 0; i < 50 && (mounts.match(/fuse\.twin-slowfs/g) ?? []).length < 2; i++) {
          mounts = (await docker(['exec', name, 'cat', '/proc/mounts'])).stdout;
          await new Promise((r) => setTimeout(r, 200));
        }
        expect(mounts).toMatch(/ \/var\/lib\/rancher\/k3s\/server\/db fuse\.twin-slowfs /);
        expect(mounts).toMatch(/ \/var\/lib\/rancher\/k3s\/storage fuse\.twin-slowfs /);
        const quota = await docker(['exec', name, 'cat', '/sys/fs/cgroup/cpu/cpu.cfs_quota_us']);
        if (quota.exitCode === 0) expect(quota.stdout.trim()).toBe('50000');
        else console.log('CPU quota from the first start not checked: no cgroup v1 cpu controller in the container');
        const syncWrites = async (count: number) => {
          const start = performance.now();
          const dd = await docker([
            'exec',
            name,
            'dd',
            'if=/dev/zero',
            'of=/var/lib/rancher/k3s/server/db/probe',
            'bs=4k',
            `count=${count}`,
            'oflag=dsync',
          ]);
          expect(dd.exitCode, dd.stderr).toBe(0);
          return (performance.now() - start) / 1000;
        };
        // 10 O_DSYNC writes at 50 ms each, one at a time.
        expect(await syncWrites(10)).toBeGreaterThanOrEqual(0.5);
        // The slow-storage fault's command (src/engines/k3d/apply.ts): 400 ms a write from now on.
        const fault = await docker([
          'exec',
          name,
          'sh',
          '-c',
          `printf '%s\\n' 400000us > ${storageLatencyFile} && pkill -HUP -x twin-slowfs`,
        ]);
        expect(fault.exitCode, fault.stderr).toBe(0);
        expect(await syncWrites(3)).toBeGreaterThanOrEqual(1.2);
        await docker(['exec', name, 'sh', '-c', `rm -f ${storageLatencyFile} && pkill -HUP -x twin-slowfs`]);
        expect(await syncWrites(4)).toBeLessThan(1.2);
        // TWIN_NODEFS: the kubelet's directory on an ext4 disk of its own, which disk-full fills to 99 % and disk-free empties.
        const loop = /^(\/dev\/loop\d+) \/var\/lib\/kubelet ext4 /m.exec(mounts)?.[1];
        expect(loop, mounts).toBeDefined();
        // The host's name for its backing file ([device]:inode), to look for once the container is gone.
        backing = /\[\w+\]:\d+/.exec((await execa('losetup', [loop!], { reject: false })).stdout)?.[0] ?? null;
        const free = async () => {
          const df = await docker(['exec', name, 'df', '-P', '-k', '/var/lib/kubelet']);
          const [size = 0, available = 0] = (df.stdout.trim().split('\n')[1] ?? '')
            .split(/\s+/)
            .slice(1, 4)
            .filter((_, i) => i !== 1)
            .map(Number);
          return available / size;
        };
        expect(await free()).toBeGreaterThan(0.9);
        const filled = await docker(['exec', name, 'sh', '-c', fillDisk]);
        expect(filled.exitCode, filled.stderr).toBe(0);
        const full = await free();
        expect(full).toBeLessThan(0.05);
        expect(full).toBeGreaterThan(0.005);
        expect((await docker(['exec', name, 'sh', '-c', freeDisk])).exitCode).toBe(0);
        expect(await free()).toBeGreaterThan(0.9);
      } finally {
        await docker(['rm', '-f', name]);
      }
      // The mounts lived in the container's mount namespace: none is left on the host.
      expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toMatch(/twin-slowfs/);
      // Its loop device cleared itself with the mount (mount -o loop): none is left attached to its disk image.
      const loops = await execa('losetup', ['-a'], { reject: false });
      if (loops.exitCode === 0 && backing !== null) expect(loops.stdout).not.toContain(backing);
      else console.log('loop devices not checked: losetup cannot tell here (not installed, or not root)');
      expect((await docker(['ps', '-aq', '--filter', `name=${name}`])).stdout.trim()).toBe('');
    },
    3 * 60_000,
  );

  describe('a twin of this cluster: calibrated from it, predicting from its live state', () => {
    let kept: { kubeconfig: string; k3dName: string } | null = null;
    afterAll(async () => {
      if (kept) await execa(process.execPath, ['bin/twin.js', 'down'], { cwd: repoRoot, reject: false });
    });

    it(
      'twin calibrate measures a real cluster after a power cycle, a K3s restart and a rollout',
      async () => {
        const drive = await execa(
          process.execPath,
          ['bin/twin.js', 'run', 'test/e2e/calibrate-drive.ts', '--engine', 'k3d', '--keep', '--quiet', '--out', out],
          { cwd: repoRoot, reject: false, env: { NO_COLOR: '1' } },
        );
        const note = reportsOf('calibrate-drive')[0]?.kept ?? '';
        const match = /cluster (\S+) is still running; kubectl --kubeconfig (\S+) /.exec(note);
        expect(match, `kept cluster note: ${note} ${drive.stderr}`).not.toBeNull();
        kept = { k3dName: match?.[1] ?? '', kubeconfig: join(repoRoot, match?.[2] ?? '') };
        expect(drive.exitCode, drive.stderr).toBe(0);
        const run = await execa(process.execPath, ['bin/twin.js', 'calibrate', '--kubeconfig', kept.kubeconfig, '-o', calibration], {
          cwd: repoRoot,
          reject: false,
          env: { NO_COLOR: '1' },
        });
        console.log(`\ntwin calibrate\n${run.stdout}\n${run.stderr}`);
        expect(run.exitCode, run.stderr).toBe(0);
        const measured = calibrationDocumentSchema.parse(parse(readFileSync(calibration, 'utf8')));
        const node = (name: string) => measured.spec.nodes.find((n) => n.name === name);
        expect(measured.spec.nodes.map((n) => n.name).sort()).toEqual(['dcn1', 'dcn2', 'dcn3']);
        // The restarted server's start, the power-cycled worker's start and each node's first registration.
        expect(node('dcn1')?.figures.k3sStart?.samples).toBeGreaterThanOrEqual(1);
        expect(node('dcn3')?.figures.k3sStart?.samples).toBeGreaterThanOrEqual(1);
        for (const name of ['dcn1', 'dcn2', 'dcn3']) expect(node(name)?.figures.nodeReady?.samples, name).toBeGreaterThanOrEqual(1);
        // The kubelet reports the board's usable memory (906 MiB of a Pi 3B+'s 1 GiB).
        expect(node('dcn2')?.figures.memoryCapacity?.value).toBe(906 * 1024 * 1024);
      },
      15 * 60_000,
    );

    it(
      'twin whatif predicts, from the live state, the moments a real power-off then shows',
      async () => {
        expect(kept, 'the calibration test kept its cluster').not.toBeNull();
        if (!kept) return;
        const whatifOut = join(out, 'whatif');
        const cutAfter = 60;
        const run = await execa(
          process.execPath,
          [
            'bin/twin.js',
            'whatif',
            '--kubeconfig',
            kept.kubeconfig,
            '--calibration',
            calibration,
            '--fault',
            // The power cut a minute after the read, when the test cuts the real one: the same heartbeat phase.
            `power-off:dcn2,at=${cutAfter}s`,
            '--duration',
            '8m',
            '--quiet',
            '--out',
            whatifOut,
          ],
          { cwd: repoRoot, reject: false, env: { NO_COLOR: '1' } },
        );
        // Exit 1 is a verdict (a workload kept below its replicas: postgres is not rescheduled), not a failure to predict.
        expect([0, 1], run.stderr).toContain(run.exitCode);
        const [scenarioDir] = readdirSync(whatifOut);
        const [runDir] = readdirSync(join(whatifOut, scenarioDir ?? ''));
        const model = JSON.parse(readFileSync(join(whatifOut, scenarioDir ?? '', runDir ?? '', 'report.json'), 'utf8')) as RunReport;
        expect(model.live?.reproduced, 'every live pod placed where it runs').toBe(model.live?.pods);
        const injected = model.timeline.events.find((e) => e.kind === 'fault.injected');
        expect(injected).toBeDefined();
        if (!injected) return;
        const dcn2 = cluster.nodes.find((n) => n.name === 'dcn2');
        const [role, index] = nodeFilter(cluster, dcn2 ?? cluster.nodes[0]!).split(':');
        const container = `k3d-${kept.k3dName}-${role}-${index}`;
        // Until a pod on dcn2 is evicted and a replacement elsewhere is Ready after it.
        const seen = (events: readonly { t: number; kind: string; details?: Record<string, unknown> }[]) => {
          const evicted = events.find((e) => e.kind === 'pod.terminating' && e.details?.['node'] === 'dcn2');
          return evicted !== undefined && events.some((e) => e.kind === 'pod.ready' && e.t > evicted.t);
        };
        const killAt = Date.parse(model.live?.readAt ?? '') + cutAfter * 1000;
        expect(killAt - Date.now(), 'the prediction took less than its minute').toBeGreaterThan(5000);
        const real = await realPowerOff(kept.kubeconfig, container, killAt, injected, seen, 7 * 60_000);
        if (!seen(real.events)) {
          // What the cluster says when no replacement became Ready in time: the pods, their events, the nodes' conditions.
          const server = `k3d-${kept.k3dName}-server-0`;
          const say = async (...args: string[]) => (await execa('docker', ['exec', server, 'kubectl', ...args], { reject: false })).stdout;
          console.log(
            [
              await say('get', 'pods', '-A', '-o', 'wide'),
              (await say('get', 'events', '-A', '--sort-by=.lastTimestamp')).split('\n').slice(-60).join('\n'),
              await say('describe', 'nodes'),
              (await execa('df', ['-h', '/var/lib/docker'], { reject: false })).stdout,
            ].join('\n'),
          );
        }
        const comparison = compareRuns(model, {
          ...model,
          engine: 'k3d',
          expectations: [],
          timeline: { events: real.events, series: model.timeline.series, duration: real.events.at(-1)?.t ?? 0 },
        });
        console.log(`\nwhatif power-off:dcn2 from the live state, against the real power-off\n${renderComparison(comparison)}`);
        expect(comparison.moments.length).toBeGreaterThan(2);
        // Every moment agrees within 20 % or 5 s, or falls inside the model's stated range: a moment set by the last
        // heartbeat before the cut is as sure as the heartbeat's phase, which drifts in the minute before it (the
        // kubelet renews with 4 % jitter) and which the controller's own pass adds to.
        expect(model.ranges?.moments.filter((m) => m.anchor.startsWith('fault:')).length, 'how sure each moment is').toBeGreaterThan(2);
        for (const moment of comparison.moments) expect(withinModel(moment), describeMoment(moment)).toBe(true);
      },
      15 * 60_000,
    );
    it(
      "K3s's packaged components on real nodes: kubectl top answers, and ServiceLB serves a LoadBalancer Service on each Ready node",
      async () => {
        expect(kept, 'the calibration test kept its cluster').not.toBeNull();
        if (!kept) return;
        const server = `k3d-${kept.k3dName}-server-0`;
        const kubectl = (...args: string[]) => execa('docker', ['exec', '-i', server, 'kubectl', ...args], { reject: false });
        const nodes = JSON.parse((await kubectl('get', 'nodes', '-o', 'json')).stdout) as {
          items: {
            metadata: { name: string };
            status: { conditions: { type: string; status: string }[]; addresses: { type: string; address: string }[] };
          }[];
        };
        const ready = nodes.items.filter((n) => n.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True'));
        expect(ready.length, 'Ready nodes').toBeGreaterThanOrEqual(2);
        // metrics-server: the Metrics API lists every Ready node once it has scraped the kubelets (15 s resolution).
        // The what-if test cut dcn2: metrics-server may just have been rescheduled, so wait for its APIService first.
        const available = await kubectl('wait', '--for=condition=Available', '--timeout=180s', 'apiservice/v1beta1.metrics.k8s.io');
        expect(available.exitCode, `metrics-server's APIService Available: ${available.stderr}`).toBe(0);
        let top = '';
        for (let i = 0; i < 40 && !ready.every((n) => top.includes(`${n.metadata.name} `)); i++) {
          if (i > 0) await new Promise((r) => setTimeout(r, 3000));
          top = (await kubectl('top', 'nodes', '--no-headers')).stdout;
        }
        console.log(`\nkubectl top nodes\n${top}`);
        for (const n of ready) expect(top, `kubectl top nodes lists ${n.metadata.name}`).toContain(`${n.metadata.name} `);
        // ServiceLB: a LoadBalancer Service gets a svclb DaemonSet; its EXTERNAL-IP lists the Ready nodes, each serving the port.
        const service = [
          'apiVersion: v1',
          'kind: Service',
          'metadata: { name: web-lb, namespace: default }',
          'spec: { type: LoadBalancer, selector: { app: web }, ports: [{ name: http, port: 8080, targetPort: 80 }] }',
        ].join('\n');
        const applied = await execa('docker', ['exec', '-i', server, 'kubectl', 'apply', '-f', '-'], { input: service, reject: false });
        expect(applied.exitCode, applied.stderr).toBe(0);
        const internalIps = ready.map((n) => n.status.addresses.find((a) => a.type === 'InternalIP')?.address ?? '').sort();
        let ingress: string[] = [];
        for (let i = 0; i < 40 && ingress.join() !== internalIps.join(); i++) {
          await new Promise((r) => setTimeout(r, 3000));
          const out = await kubectl('get', 'service', 'web-lb', '-o', 'jsonpath={.status.loadBalancer.ingress[*].ip}');
          ingress = out.stdout.split(' ').filter(Boolean).sort();
        }
        expect(ingress, 'the Service lists the Ready nodes').toEqual(internalIps);
        for (const ip of ingress) {
          const got = await execa('docker', ['exec', `${kept.k3dName}-probe`, 'timeout', '5', 'wget', '-qO-', `http://${ip}:8080/`], {
            reject: false,
          });
          expect(got.stdout, `http://${ip}:8080/ through ServiceLB`).toContain('twin stand-in');
        }
        await kubectl('delete', 'service', 'web-lb', '--wait=true');
      },
      10 * 60_000,
    );
    it(
      'twin check as an Indexed Job on these nodes (twin export job, twin merge --from-job): the local run, byte for byte',
      async (context) => {
        expect(kept, 'the calibration test kept its cluster').not.toBeNull();
        if (!kept) return;
        const { image, missing } = await twinImage();
        if (missing !== null) {
          expect(required, `TWIN_E2E=required: ${missing}`).toBe(false);
          console.log(`e2e shard job skipped: ${missing}`);
          context.skip();
        }
        // A failing check (test/fixtures/fragile): the merge must find the same first failure over the shards and shrink it alike.
        const flags = ['test/fixtures/fragile/cluster.yaml', '-w', 'test/fixtures/fragile', '--property', 'service-availability'];
        flags.push('--service', 'default/frontend', '--runs', '300', '--seed', '42');
        const run = await runCheckAsJob({ ...kept, image, out: join(out, 'shard-job'), flags, completions: 3, name: 'twin-e2e-check' });
        console.log(`\ntwin check as an Indexed Job of 3 pods, seconds: ${JSON.stringify(run.seconds)}`);
        expect(run.jobDone, run.diagnosis).toBe(true);
        expect(run.merged.stderr).not.toMatch(/Error|internal/);
        expect(run.local.code).toBe(1);
        expect(run.merged.code).toBe(run.local.code);
        expect(run.merged.stdout).toBe(run.local.stdout);
        expect(run.local.reproduction).not.toBeNull();
        expect(run.merged.reproduction).toBe(run.local.reproduction);
      },
      10 * 60_000,
    );
  });

  it.for([
    'worker-power-loss',
    'control-plane-down',
    'ha-quorum-loss',
    'rancher-down',
    'oom-pressure',
    'nfs-node-down',
    'taskmaster-oom',
    'gateway-down',
    'sd-card-latency',
    'network-partition',
    'site-power-cut',
    'disk-full',
    'link-loss',
  ])('%s: both engines meet the expectations and the report compares them', { timeout: 40 * 60_000 }, async (name, context) => {
    if (!everyTest && !inCi.has(name)) {
      console.log(`e2e ${name} skipped: it runs in npm run test:e2e:all, not in CI's time budget (README "Development")`);
      context.skip();
    }
    const measured = calibrated(name) ? ['--calibration', calibration] : [];
    const run = await execa(
      process.execPath,
      ['bin/twin.js', 'run', `test/e2e/${name}.ts`, '--engine', 'sim,k3d', '--quiet', '--out', out, ...measured],
      { cwd: repoRoot, reject: false, env: { NO_COLOR: '1' } },
    );
    const reports = reportsOf(name);
    const real = reports.find((r) => r.engine === 'k3d');
    if (real?.comparison) console.log(`\n${name}\n${renderComparison(real.comparison)}`);
    expect(run.stderr).not.toMatch(/Error|internal/);
    expect(reports.map((r) => r.engine).sort()).toEqual(['k3d', 'sim']);
    for (const report of reports) {
      const failed = report.expectations
        .filter((v) => v.status === 'fail')
        .map((v) => `${report.engine}: ${v.description}: ${v.observed} (${v.explanation})`);
      expect(failed).toEqual([]);
    }
    expect(run.exitCode).toBe(0);
    // The comparison names every fault's key moments; what the model predicts happened on the real cluster too.
    expect(real?.comparison?.moments.length).toBeGreaterThan(0);
    for (const moment of real?.comparison?.moments ?? [])
      expect(moment.real === null, `${moment.what} after ${moment.anchor}`).toBe(moment.model === null);
    // Calibrated from this cluster's own figures, the model predicts every key moment within 20 % or 5 s, or
    // inside its own stated range (a moment set by the last heartbeat before a power cut moves with that
    // heartbeat's phase, which the range sweeps: heartbeatDueAtLoss, nodeMonitorLag).
    if (calibrated(name))
      for (const moment of real?.comparison?.moments ?? [])
        if (!explained[name]?.(moment)) expect(withinModel(moment), `calibrated ${name}: ${describeMoment(moment)}`).toBe(true);
    // Series are sampled on the real cluster as on the model.
    expect(real?.timeline.series.times.length).toBeGreaterThan(10);
    const file = clusterOf[name];
    const ran = file === undefined ? cluster : name === 'ha-quorum-loss' ? haCluster : await loadClusterFile(join(repoRoot, file));
    const members = ran.nodes.filter((n) => n.role === 'server' || n.role === 'agent');
    expect(Object.keys(real?.timeline.series.nodes ?? {}).sort()).toEqual(members.map((n) => n.name).sort());
    // Each kubelet reports its board's usable memory, as on a Pi (and as the model's capacity).
    for (const node of members) {
      const expected = Math.floor(nodeThrottle(node, ran, { singleCoreEvents: null, cores: 2, source: 'test' }).memoryBytes / 1024) * 1024;
      expect(real?.timeline.series.nodes[node.name]?.capacityMemory, `${node.name} memory capacity`).toBe(expected);
    }
  });
});
