import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExec } from '../../src/engines/k3d/exec.js';
import {
  containerFaults,
  ensureNetwork,
  ensureStandInImage,
  removeManaged,
  runNodeContainer,
  shapeLink,
  standInImage,
} from '../../src/engines/k3d/docker.js';
import { newRunId, runLabel } from '../../src/engines/k3d/run-names.js';
import { setDiskFull } from '../../src/engines/k3d/disk-fill.js';
import { twinNodeImage } from '../../src/engines/k3d/offline-build.js';
import { setStorageLatency } from '../../src/engines/k3d/storage-latency.js';
import { setLinkImpairment } from '../../src/engines/k3d/link-impairment.js';
import { nodeThrottle } from '../../src/engines/k3d/throttle.js';
import { dockerEventsToTimeline } from '../../src/engines/k3d/docker-events.js';
import { cluster } from '../helpers/sim.js';
import { twin } from '../helpers/cli.js';

const docker = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8' });
const available = docker.status === 0;
if (!available) {
  const why = (docker.stderr || docker.error?.message || '').trim().split('\n')[0];
  console.warn(`k3d/docker.test: skipped because no Docker daemon answers here (${why}); .ci/run installs docker.io and starts dockerd`);
}

const nodeImage = available && spawnSync('docker', ['image', 'inspect', twinNodeImage], { stdio: 'ignore' }).status === 0;
if (available && !nodeImage)
  console.warn(`k3d/docker.test: the node-image disk test is skipped because ${twinNodeImage} is not built (scripts/build-k3s-image.sh)`);

// twin-slowfs needs FUSE: without /dev/fuse here a storage fault fails on an off node as on a running one.
const fuse = existsSync('/dev/fuse');
if (available && !fuse) console.warn('k3d/docker.test: the powered-off storage test is skipped because this host has no /dev/fuse');

// This file's own id in its names and labels, as a run's: another job's tests or runs on the same Docker host are left alone.
const testRun = newRunId();
const prefix = `twin-test-${testRun}`;
const network = prefix;
const own = { [runLabel]: testRun };
const exec = createExec();
const c = cluster([
  { name: 's1', role: 'server', profile: 'pi3bplus' },
  { name: 'zero', profile: 'pizero2w' },
  { name: 'old', profile: 'pi2b' },
]);
const calibration = { singleCoreEvents: 3000, cores: 2, source: 'test' };
const throttleOf = (name: string) =>
  nodeThrottle(
    c.nodes.find((n) => n.name === name)!,
    c,
    calibration,
  );

// Every test that touches Docker lives in this file, so they run one after another (twin down removes all of twin's containers).
describe('twin doctor', () => {
  it('reports what this host can emulate, and always answers', () => {
    const result = twin(['doctor']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/docker daemon\s+(ok|missing)/);
    expect(result.stdout).toMatch(/k3d CLI\s+(ok|missing)/);
    expect(result.stdout).toMatch(/k3d engine: (available|not available on this host)/);
  }, 60_000);
});

describe.skipIf(!available)('stand-in node containers on a real Docker engine', () => {
  beforeAll(async () => {
    await ensureStandInImage(exec);
    await ensureNetwork(exec, network);
  }, 120_000);
  afterAll(async () => {
    await removeManaged(exec, { run: testRun });
    await exec('docker', ['network', 'rm', network], { allowFailure: true });
  });

  /** `docker run -d` of a container of this file's run (twin's labels, so afterAll and twin down remove it). */
  const runOwn = (name: string, rest: string[]) =>
    exec('docker', ['run', '-d', '--name', name, '--label', 'twin.dev/managed=true', '--label', `${runLabel}=${testRun}`, ...rest]);

  it('memory and CPU limits follow the profile (cgroup files inside the container)', async () => {
    const pi3 = throttleOf('s1');
    await runNodeContainer(exec, { name: `${prefix}-s1`, network, throttle: pi3, labels: { ...own, 'twin.dev/node': 's1' } });
    const memory = await exec('docker', [
      'exec',
      `${prefix}-s1`,
      'sh',
      '-c',
      'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max',
    ]);
    expect(Number(memory.stdout.trim())).toBe(pi3.memoryBytes);
    expect(pi3.memoryBytes).toBe(1024 ** 3 - c.settings.firmwareMemoryReserve);
    const cpu = await exec('docker', [
      'exec',
      `${prefix}-s1`,
      'sh',
      '-c',
      'cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us 2>/dev/null || cat /sys/fs/cgroup/cpu.max',
    ]);
    const [quota, period] = cpu.stdout.trim().split(/\s+/).map(Number);
    expect(quota! / period!).toBeCloseTo(pi3.cpus, 2);
  });

  it.each([
    ['pi3bplus Ethernet (USB 2.0 bound)', 's1', 48],
    ['pi2b 10/100 Ethernet', 'old', 24],
  ])(
    'shaped bandwidth between two containers is within 15 %% of the profile (%s)',
    async (_label, node, megabytes) => {
      const throttle = throttleOf(node);
      const server = `${prefix}-serve-${node}`;
      await runNodeContainer(exec, {
        name: server,
        network,
        throttle,
        labels: own,
        command: ['sh', '-c', `dd if=/dev/zero of=/tmp/blob bs=1M count=${megabytes} 2>/dev/null; httpd -f -p 8080 -h /tmp`],
      });
      await runNodeContainer(exec, { name: `${prefix}-client-${node}`, network, throttle: throttleOf('s1'), labels: own });
      await new Promise((r) => setTimeout(r, 1500));
      await shapeLink(exec, server, throttle.rateBits);
      // The shaper sets a ceiling; other test files running in parallel can only lower what one
      // transfer reaches, so the best of three is the measurement. The exec overhead is measured too.
      let measured = 0;
      for (let attempt = 0; attempt < 3; attempt++) {
        const t0 = performance.now();
        await exec('docker', ['exec', `${prefix}-client-${node}`, 'wget', '-q', '-O', '/dev/null', `http://${server}:8080/`], {
          allowFailure: true,
        });
        const overhead = performance.now() - t0;
        const start = performance.now();
        await exec('docker', ['exec', `${prefix}-client-${node}`, 'wget', '-q', '-O', '/dev/null', `http://${server}:8080/blob`]);
        const seconds = (performance.now() - start - overhead) / 1000;
        measured = Math.max(measured, (megabytes * 1048576 * 8) / seconds);
      }
      expect(Math.abs(measured - throttle.rateBits) / throttle.rateBits).toBeLessThan(0.15);
    },
    120_000,
  );

  it('faults on containers are observed as ground-truth events', async () => {
    const name = `${prefix}-zero`;
    await runNodeContainer(exec, { name, network, throttle: throttleOf('zero'), labels: { ...own, 'twin.dev/node': 'zero' } });
    const id = (await exec('docker', ['inspect', '-f', '{{.Id}}', name])).stdout.trim();
    await new Promise((r) => setTimeout(r, 1500));
    const since = (Date.now() / 1000).toFixed(3);
    await containerFaults.powerOff(exec, name);
    await containerFaults.powerOn(exec, name);
    await new Promise((r) => setTimeout(r, 1000));
    await containerFaults.disconnect(exec, network, name);
    await containerFaults.connect(exec, network, name);
    const until = (Date.now() / 1000 + 1).toFixed(3);
    const lines = (await exec('docker', ['events', '--since', since, '--until', until, '--format', '{{json .}}'])).stdout.split('\n');
    const events = dockerEventsToTimeline(lines, (c) => (c === name || c === id ? 'zero' : undefined), Number(since) * 1000);
    expect(events.map((e) => `${e.kind} ${JSON.stringify(e.details)}`)).toEqual([
      'node.power {"on":false,"exitCode":137}',
      'node.power {"on":true}',
      'node.network {"partition":1}',
      'node.network {"partition":0}',
    ]);
    expect(events.every((e, i) => i === 0 || e.t >= events[i - 1]!.t)).toBe(true);
  });

  it.skipIf(!fuse)(
    'a storage fault on a powered-off node waits in the stopped container for its next power-on (a board keeps its card)',
    async () => {
      const name = `${prefix}-card`;
      await runOwn(name, ['-e', 'TWIN_STORAGE_LATENCY=1ms', standInImage, 'sh', '-c', 'sleep 86400']);
      const latencyFile = async () => (await exec('docker', ['exec', name, 'cat', '/etc/twin/storage-latency'])).stdout.trim();
      await exec('docker', ['exec', name, 'mkdir', '-p', '/etc/twin']);
      await containerFaults.powerOff(exec, name);
      expect(await setStorageLatency(exec, name, '4s', 'slow-storage on card')).toBeUndefined();
      await containerFaults.powerOn(exec, name);
      expect(await latencyFile()).toBe('4s');
      // Running, without twin-slowfs (the stand-in has none, nor pkill): the fault fails and says why.
      expect(await setStorageLatency(exec, name, null, 'storage-restore on card')).toMatch(
        /^storage-restore on card failed: .+; the node's storage is unchanged$/,
      );
      await containerFaults.powerOff(exec, name);
      expect(await setStorageLatency(exec, name, null, 'storage-restore on card')).toBeUndefined();
      await containerFaults.powerOn(exec, name);
      expect(await latencyFile()).toBe('1ms');
      // A container that is gone is not "off": the fault fails.
      await exec('docker', ['rm', '-f', name]);
      expect(await setStorageLatency(exec, name, '4s', 'slow-storage on card')).toMatch(
        /^slow-storage on card failed: .*No such container/,
      );
    },
    60_000,
  );

  it.skipIf(!nodeImage)(
    "a disk-full fault on a powered-off node fills the node's own disk at its next power-on, before K3s",
    async () => {
      const name = `${prefix}-nodefs`;
      // twin's node image with only its disk entrypoint (no K3s): privileged for the loop device, as k3d's nodes are.
      await runOwn(name, [
        '--privileged',
        '-e',
        'TWIN_NODEFS=1',
        '--entrypoint',
        'sh',
        twinNodeImage,
        '-c',
        '/bin/k3d-entrypoint-twin-nodefs.sh; echo entrypoint done; sleep 86400',
      ]);
      // The disk's use once the entrypoint has finished its `start`-th start (it prints a line when done; logs add up).
      const used = async (start: number) => {
        for (let i = 0; i < 100; i++) {
          const logs = await exec('docker', ['logs', name], { allowFailure: true });
          if (logs.stdout.split('\n').filter((l) => l === 'entrypoint done').length >= start) {
            const df = await exec('docker', ['exec', name, 'df', '-P', '/var/lib/kubelet']);
            expect(df.stdout).toMatch(/^\/dev\/loop/m);
            return Number(/(\d+)% \/var\/lib\/kubelet/.exec(df.stdout)?.[1]);
          }
          await new Promise((r) => setTimeout(r, 200));
        }
        throw new Error(`${name}: the disk entrypoint did not finish start ${start}`);
      };
      expect(await used(1)).toBeLessThan(5);
      await containerFaults.powerOff(exec, name);
      expect(await setDiskFull(exec, name, true, 'disk-full on nodefs')).toBeUndefined();
      await containerFaults.powerOn(exec, name);
      expect(await used(2)).toBeGreaterThanOrEqual(99);
      await containerFaults.powerOff(exec, name);
      expect(await setDiskFull(exec, name, false, 'disk-free on nodefs')).toBeUndefined();
      await containerFaults.powerOn(exec, name);
      expect(await used(3)).toBeLessThan(5);
      await exec('docker', ['rm', '-f', name]);
    },
    120_000,
  );

  it.skipIf(!nodeImage)(
    "a link-degrade's delay and loss reach the packets a real node sends (twin-netq), survive a power cycle and go on restore",
    async () => {
      // Two containers of twin's node image with only the link entrypoint (no K3s), privileged as k3d's nodes are.
      const [a, b] = [`${prefix}-link-a`, `${prefix}-link-b`];
      for (const name of [a, b])
        await runOwn(name, [
          '--privileged',
          '--network',
          network,
          '--entrypoint',
          'sh',
          twinNodeImage,
          '-c',
          '/bin/k3d-entrypoint-twin-link.sh; echo entrypoint done; sleep 86400',
        ]);
      const bAddress = (
        await exec('docker', ['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', b])
      ).stdout.trim();
      /** Pings b from a: how many of `count` came back, and the mean round trip in ms. */
      // Sent further apart than the delay: packets of a new flow sent while its first is still queued are dropped by
      // conntrack when they leave (insert_failed), a limit of queuing before conntrack confirms (node-image/README.md).
      const ping = async (count: number, interval = 0.4) => {
        const out = (
          await exec('docker', ['exec', a, 'busybox', 'ping', '-c', String(count), '-i', String(interval), '-W', '2', '-q', bAddress], {
            allowFailure: true,
          })
        ).stdout;
        const received = Number(/(\d+) packets received/.exec(out)?.[1]);
        const mean = Number(/= [\d.]+\/([\d.]+)\//.exec(out)?.[1] ?? NaN);
        return { received, mean };
      };
      expect((await ping(5)).mean).toBeLessThan(20);
      expect(await setLinkImpairment(exec, a, 0.2, 0, 'link-degrade on a')).toBeUndefined();
      const delayed = await ping(5);
      expect(delayed.received).toBe(5);
      expect(delayed.mean).toBeGreaterThanOrEqual(200);
      expect(delayed.mean).toBeLessThan(260);
      // Half the packets a sends are dropped: of 60 echo requests, far from none and far from all come back (binomial, p = 0.5).
      expect(await setLinkImpairment(exec, a, 0, 0.5, 'link-degrade on a')).toBeUndefined();
      const lossy = await ping(60, 0.1);
      expect(lossy.received).toBeGreaterThan(12);
      expect(lossy.received).toBeLessThan(48);
      expect(lossy.mean).toBeLessThan(20);
      // A board that was off keeps its link: set while off, in force from the next power-on (a new network namespace).
      await containerFaults.powerOff(exec, a);
      expect(await setLinkImpairment(exec, a, 0.3, 0, 'link-degrade on a')).toBeUndefined();
      await containerFaults.powerOn(exec, a);
      const started = async () => (await exec('docker', ['logs', a])).stdout.split('entrypoint done').length - 1;
      for (let i = 0; i < 100 && (await started()) < 2; i++) await new Promise((r) => setTimeout(r, 100));
      expect(await started()).toBe(2);
      expect((await ping(3)).mean).toBeGreaterThanOrEqual(300);
      expect(await setLinkImpairment(exec, a, 0, 0, 'link-restore on a')).toBeUndefined();
      expect((await ping(5)).mean).toBeLessThan(20);
      expect(
        (
          await exec('docker', [
            'exec',
            a,
            'sh',
            '-c',
            // A twin-netq that exited stays a zombie here: this container's PID 1 is a shell that does not reap it.
            'for p in $(pgrep -x twin-netq); do grep ^State /proc/$p/status | grep -v zombie; done; iptables -t mangle -S POSTROUTING',
          ])
        ).stdout,
      ).not.toMatch(/NFQUEUE|^State/m);
      await exec('docker', ['rm', '-f', a, b]);
    },
    120_000,
  );

  it('twin down removes everything twin created, and only that', async () => {
    await exec('docker', ['run', '-d', '--name', `not-twins-${testRun}`, 'twin/node-standin:busybox', 'sleep', '60']);
    const down = twin(['down']);
    expect(down.code).toBe(0);
    expect(down.stdout).toMatch(/removed \d+ container\(s\) and \d+ network\(s\) labelled twin.dev\/managed=true/);
    const left = (await exec('docker', ['ps', '-aq', '--filter', 'label=twin.dev/managed=true'])).stdout.trim();
    expect(left).toBe('');
    const other = (await exec('docker', ['ps', '-aq', '--filter', `name=not-twins-${testRun}`])).stdout.trim();
    expect(other).not.toBe('');
    await exec('docker', ['rm', '-f', `not-twins-${testRun}`]);
  });
});
