/**
 * What this host can and cannot emulate for the k3d engine, found by trying it on a
 * container of twin's own (tc qdiscs, block-IO files) rather than guessed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import type { Exec } from './exec.js';
import { ensureStandInImage, pid, probeDocker, standInImage, type DockerState } from './docker.js';
import { managedLabel } from './config.js';
import { resolveExternalImage, resolveNodeImage } from './node-image.js';
import { describeCapabilities } from './capabilities.js';
import { packagedComponents } from '../../model/k3s-components.js';
import { nodeImageKubernetes } from './offline-build.js';
import type { HostCalibration } from './throttle.js';
import { defaultK3sVersion } from '../../model/cluster.js';

import type { Capability } from '../engine.js';

export type { Capability } from '../engine.js';

/** Measures one host core with sysbench, as the Pi figures were measured (calibration.md 4.2). */
export async function calibrateHost(exec: Exec): Promise<HostCalibration> {
  const cores = cpus().length;
  const result = await exec('sysbench', ['cpu', '--threads=1', '--time=2', 'run'], { allowFailure: true }).catch(() => null);
  const events = result && result.exitCode === 0 ? /events per second:\s*([\d.]+)/.exec(result.stdout)?.[1] : undefined;
  return events
    ? { singleCoreEvents: Number(events), cores, source: 'sysbench 1.0 cpu --threads=1 on this host' }
    : { singleCoreEvents: null, cores, source: 'not measured (sysbench not installed)' };
}

/** The doctor's "docker daemon" row when there is none to use: no Docker at all, or why its daemon does not answer. */
export function dockerDaemonDetail(state: DockerState): string {
  if (state.kind === 'no-client') return 'no Docker installed (apt-get install docker.io)';
  if (state.kind === 'ready') return 'running';
  if (state.why === 'not running') return 'client present, daemon not running (start it: sudo systemctl start docker, or dockerd)';
  if (state.why === 'permission denied')
    return 'client present, daemon refuses this user (permission denied: add the user to the docker group)';
  return `client present, daemon does not answer: ${state.why}`;
}

export async function diagnose(exec: Exec): Promise<{ capabilities: Capability[]; calibration: HostCalibration }> {
  const out: Capability[] = [];
  const docker = await probeDocker(exec, '{{.ServerVersion}} {{.CgroupVersion}} {{.CgroupDriver}}');
  const daemon = docker.kind === 'ready';
  out.push({
    name: 'docker client',
    ok: docker.kind !== 'no-client',
    detail: docker.kind === 'no-client' ? 'not installed (apt-get install docker.io)' : docker.client,
  });
  const [server, cgroup, driver] = docker.kind === 'ready' ? docker.server.split(' ') : [];
  out.push({
    name: 'docker daemon',
    ok: daemon,
    detail: daemon ? `server ${server}, cgroup v${cgroup} (${driver})` : dockerDaemonDetail(docker),
  });
  const k3d = await exec('k3d', ['version'], { allowFailure: true }).catch(() => null);
  out.push({
    name: 'k3d CLI',
    ok: k3d?.exitCode === 0,
    detail:
      k3d?.exitCode === 0
        ? (k3d.stdout.split('\n')[0] ?? 'present')
        : 'not found: no registry serves it here (build it offline: scripts/build-k3s-image.sh)',
  });
  const image = daemon ? await resolveNodeImage(exec, defaultK3sVersion) : { missing: 'needs a running Docker daemon' };
  out.push({
    name: 'node image',
    ok: !('missing' in image),
    detail:
      'missing' in image
        ? image.missing
        : image.kind === 'k3s'
          ? `${image.image} (K3s)`
          : `${image.image} (upstream Kubernetes ${nodeImageKubernetes} components with K3s's defaults, built offline)`,
  });
  if (!('missing' in image)) {
    // What the image declares it runs: a scenario needing more is refused before it starts (supports.ts).
    const c = image.capabilities;
    const all = c.maxServers === 0 && c.datastores.includes('embedded-etcd') && c.components.length === packagedComponents.length;
    out.push({ name: 'node image runs', ok: all, detail: `${describeCapabilities(c)}; from ${c.source}` });
  }
  // Machines outside Kubernetes (role external: an NFS or database box, a gateway) run as containers of their own.
  const external = daemon ? await resolveExternalImage(exec) : { missing: 'needs a running Docker daemon' };
  out.push({
    name: 'external hosts',
    ok: typeof external === 'string',
    detail:
      typeof external === 'string'
        ? `${external} (Debian's mariadb-server, haproxy, nfs-ganesha): reached from the nodes at their spec IPs`
        : `${external.missing}: a cluster with a role-external machine is refused`,
  });
  out.push(nfsClientRow());
  out.push(storageLatencyRow('missing' in image ? false : image.capabilities.storageLatency));
  out.push(diskFillRow('missing' in image ? false : image.capabilities.diskFill));
  if (daemon) {
    // k3d runs every node privileged; a host whose capability set is short (sandboxes withhold
    // CAP_SYS_RESOURCE) refuses that unless dockerd uses node-image/runtime's wrapper.
    await ensureStandInImage(exec);
    const privileged = await exec('docker', ['run', '--rm', '--privileged', '--label', `${managedLabel}=true`, standInImage, 'true'], {
      allowFailure: true,
    }).catch(() => null);
    out.push({
      name: 'privileged containers',
      ok: privileged?.exitCode === 0,
      detail:
        privileged?.exitCode === 0
          ? 'k3d can run its node containers'
          : `refused: ${(privileged?.stderr ?? '').split('\n')[0]?.slice(0, 160)} ` +
            '(start dockerd with --add-runtime twin-runc=$TWIN_CACHE/bin/twin-runc --default-runtime twin-runc)',
    });
  }
  const calibration = await calibrateHost(exec);
  out.push({
    name: 'CPU calibration',
    ok: calibration.singleCoreEvents !== null,
    detail:
      calibration.singleCoreEvents !== null
        ? `${calibration.singleCoreEvents} sysbench events/s per host core × ${calibration.cores} cores (Pi 3B+: 687 per core)`
        : 'sysbench missing: CPU quota equals board cores, speed not emulated (apt-get install sysbench)',
  });
  if (daemon) {
    const probe = 'twin-doctor-probe';
    try {
      await ensureStandInImage(exec);
      await exec('docker', [
        'run',
        '-d',
        '--name',
        probe,
        '--label',
        `${managedLabel}=true`,
        '--cap-add',
        'NET_ADMIN',
        '--memory',
        '256m',
        '--cpus',
        '0.5',
        'twin/node-standin:busybox',
        'sleep',
        '60',
      ]);
      const containerPid = await pid(exec, probe);
      const tbf = await exec(
        'nsenter',
        [
          '-t',
          containerPid,
          '-n',
          'tc',
          'qdisc',
          'replace',
          'dev',
          'eth0',
          'root',
          'tbf',
          'rate',
          '10mbit',
          'burst',
          '32kb',
          'latency',
          '50ms',
        ],
        { allowFailure: true },
      );
      out.push({
        name: 'bandwidth shaping (tc tbf)',
        ok: tbf.exitCode === 0,
        detail: tbf.exitCode === 0 ? 'each node link limited to its measured throughput' : `not available: ${tbf.stderr.trim()}`,
      });
      const netem = await exec(
        'nsenter',
        ['-t', containerPid, '-n', 'tc', 'qdisc', 'replace', 'dev', 'eth0', 'root', 'netem', 'delay', '10ms'],
        { allowFailure: true },
      );
      // twin-netq's path: an NFQUEUE rule in the node's namespace (the probe's, here) and the kernel's queue to user space.
      const nfqueue = await exec(
        'nsenter',
        ['-t', containerPid, '-n', 'iptables', '-t', 'mangle', '-A', 'POSTROUTING', '-o', 'eth0', '-j', 'NFQUEUE', ...nfqueueArgs],
        { allowFailure: true },
      ).catch(() => null);
      out.push(
        delayLossRow('missing' in image ? false : image.capabilities.linkImpairment, {
          netem: netem.exitCode === 0 ? null : netem.stderr.trim() || 'sch_netem missing in this kernel',
          nfqueue: nfqueue?.exitCode === 0 ? null : (nfqueue?.stderr.trim().split('\n')[0] ?? 'iptables not found on this host'),
          queueToUserSpace: hasQueueToUserSpace(),
        }),
      );
      const memory = await exec('docker', ['exec', probe, 'cat', '/sys/fs/cgroup/memory/memory.limit_in_bytes'], { allowFailure: true });
      const memoryV2 =
        memory.exitCode === 0 ? memory : await exec('docker', ['exec', probe, 'cat', '/sys/fs/cgroup/memory.max'], { allowFailure: true });
      out.push({
        name: 'memory limits',
        ok: memoryV2.exitCode === 0 && memoryV2.stdout.trim() === String(256 * 1048576),
        detail:
          memoryV2.exitCode === 0 ? `cgroup limit ${memoryV2.stdout.trim()} bytes for a 256m container` : 'cgroup memory file not readable',
      });
      const blkio = existsSync('/sys/fs/cgroup/blkio/blkio.throttle.write_bps_device') || existsSync('/sys/fs/cgroup/io.max');
      out.push({
        name: 'storage throughput (block IO)',
        ok: blkio,
        detail: blkio
          ? 'docker --device-write-bps/--device-read-bps apply where the node stores data on a block device'
          : 'block-IO throttling not available: storage speed not emulated',
      });
    } finally {
      await exec('docker', ['rm', '-f', probe], { allowFailure: true });
    }
  }
  return { capabilities: out, calibration };
}

/**
 * Whether pods can mount an external host's NFS export. The node image's `/sbin/mount.nfs` is twin's
 * userspace NFSv3 client over FUSE (node-image/nfs-mount), which util-linux `mount -t nfs` runs whatever
 * the kernel has, so what a pod's mount needs is FUSE: `/dev/fuse` and `fuse` in /proc/filesystems.
 */
export function nfsClientRow(filesystems: string | null = readFilesystems(), fuseDevice: boolean = existsSync('/dev/fuse')): Capability {
  const kernel = filesystems !== null && /\tnfs4?$/m.test(filesystems);
  const fuse = fuseDevice && filesystems !== null && /\tfuse$/m.test(filesystems);
  const kernelText = kernel ? 'the host kernel has an NFS client, but' : 'the host kernel has no NFS client (no nfs in /proc/filesystems);';
  return {
    name: 'NFS mounts in pods',
    ok: fuse,
    detail: fuse
      ? `${kernelText} pods mount external hosts' exports through twin's userspace NFSv3 client over FUSE ` +
        '(mount.nfs in the node image; hard/soft, timeo, retrans as nfs(5); no NFSv4, no NLM locks)'
      : `${kernelText} no FUSE (/dev/fuse) for twin's userspace NFS client, which the node image's mount.nfs is: ` +
        'an external host serves NFS, but a pod with an nfs volume stays ContainerCreating',
  };
}

/**
 * Whether nodes get their board's write latency: twin's node image mounts its datastore and local-path
 * volumes through twin-slowfs (node-image/slowfs), which needs FUSE on the host.
 */
export function storageLatencyRow(
  image: boolean,
  filesystems: string | null = readFilesystems(),
  fuseDevice: boolean = existsSync('/dev/fuse'),
): Capability {
  const fuse = fuseDevice && filesystems !== null && /\tfuse$/m.test(filesystems);
  const detail = !image
    ? 'the node image has no twin-slowfs (rebuild it with scripts/build-k3s-image.sh): storage as fast as the host, slow-storage refused'
    : fuse
      ? "each synchronous write on a node's datastore and local-path volumes takes its storage's latency (1 / 4K write IOPS), " +
        'one at a time, through twin-slowfs over FUSE; slow-storage changes it live'
      : "no FUSE (/dev/fuse) on this host: nodes write at the host's speed, and a slow-storage fault fails";
  return { name: 'storage latency (twin-slowfs)', ok: image && fuse, detail };
}

/**
 * Whether a disk-full fault can fill a node's disk: twin's node image puts the kubelet's directory of
 * the nodes it names on an ext4 image through a loop device (node-image/README.md, "A disk that fills").
 */
export function diskFillRow(image: boolean, loopDevices: boolean = existsSync('/dev/loop-control')): Capability {
  const detail = !image
    ? "the node image keeps the kubelet's directory on the host's disk (rebuild it with scripts/build-k3s-image.sh): disk-full refused"
    : loopDevices
      ? "a node a disk-full fault names gets its kubelet's directory on an ext4 disk of its own (a sparse image through a loop " +
        'device that clears itself), which the fault fills with fallocate'
      : "no loop devices on this host (/dev/loop-control): a disk-full fault's node stays on the host's disk and the fault fails";
  return { name: 'disk full (loop device)', ok: image && loopDevices, detail };
}

const nfqueueArgs = ['--queue-num', '7', '--queue-bypass'];

/**
 * Whether a link-degrade's delay and loss reach real nodes: twin-netq (node-image/netq) in twin's node image,
 * fed by an NFQUEUE rule in the node's network namespace and the kernel's nfnetlink_queue. tc netem is
 * reported as well, though twin does not need it. `found` holds each probe's failure, or null when it passed.
 */
export function delayLossRow(
  image: boolean,
  found: { readonly netem: string | null; readonly nfqueue: string | null; readonly queueToUserSpace: boolean },
): Capability {
  const netem = found.netem === null ? 'tc netem works here too' : `tc netem is not here (${found.netem})`;
  const detail = !image
    ? `the node image has no twin-netq (rebuild it with scripts/build-k3s-image.sh): link-degrade with delay or loss refused; ${netem}`
    : found.nfqueue !== null
      ? `the kernel refuses an NFQUEUE rule (${found.nfqueue}): link-degrade with delay or loss fails; ${netem}`
      : !found.queueToUserSpace
        ? `no nfnetlink_queue in this kernel (/proc/net/netfilter/nfnetlink_queue): link-degrade with delay or loss fails; ${netem}`
        : `twin-netq delays and drops the packets a node sends (NFQUEUE in its own network namespace); ${netem}`;
  return { name: 'delay and loss (twin-netq)', ok: image && found.nfqueue === null && found.queueToUserSpace, detail };
}

/**
 * Whether the kernel can hand queued packets to user space: nfnetlink_queue loaded or built in (its /proc
 * file), or a module the kernel loads on twin-netq's first bind.
 */
function hasQueueToUserSpace(): boolean {
  return (
    existsSync('/proc/net/netfilter/nfnetlink_queue') ||
    ['ko', 'ko.xz', 'ko.zst', 'ko.gz'].some((ext) => existsSync(`/lib/modules/${release()}/kernel/net/netfilter/nfnetlink_queue.${ext}`))
  );
}

function readFilesystems(): string | null {
  try {
    return readFileSync('/proc/filesystems', 'utf8');
  } catch {
    return null;
  }
}
