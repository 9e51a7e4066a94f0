/**
 * Docker operations twin needs for the k3d engine — always through the exec seam, always on
 * containers and networks labelled as twin's own: stand-in node images built without a
 * registry, throttled node containers, and faults done to real containers.
 */
import { mkdtempSync, rmSync, symlinkSync, mkdirSync, copyFileSync, chmodSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { EngineUnavailableError } from '../../errors.js';
import type { Exec } from './exec.js';
import { managedLabel } from './config.js';
import { runLabel } from './run-names.js';
import { tbfArgs, type NodeThrottle } from './throttle.js';

/** A tiny image for stand-in nodes and tests: a busybox-static rootfs, imported (no registry). */
export const standInImage = 'twin/node-standin:busybox';
const busyboxPaths = ['/bin/busybox', '/usr/bin/busybox'];
const applets = [
  'sh',
  'sleep',
  'cat',
  'nc',
  'dd',
  'ip',
  'ifconfig',
  'date',
  'head',
  'wc',
  'seq',
  'true',
  'httpd',
  'ls',
  'mkdir',
  'echo',
  'sed',
  'grep',
  'awk',
  'tail',
  'timeout',
  'ping',
  'free',
  'ps',
  'kill',
  'env',
  'hostname',
  'mount',
  'wget',
];

export async function ensureStandInImage(exec: Exec): Promise<string> {
  const present = await exec('docker', ['image', 'inspect', standInImage], { allowFailure: true });
  if (present.exitCode === 0) return standInImage;
  const busybox = busyboxPaths.find((p) => existsSync(p));
  if (!busybox)
    throw new EngineUnavailableError('no static busybox on this host to build the stand-in node image (apt-get install busybox-static)');
  const root = mkdtempSync(join(tmpdir(), 'twin-rootfs-'));
  try {
    mkdirSync(join(root, 'bin'));
    mkdirSync(join(root, 'tmp'));
    mkdirSync(join(root, 'data'));
    copyFileSync(busybox, join(root, 'bin', 'busybox'));
    chmodSync(join(root, 'bin', 'busybox'), 0o755);
    for (const applet of applets) symlinkSync('busybox', join(root, 'bin', applet));
    const tar = await execa('tar', ['-C', root, '-c', '.'], { encoding: 'buffer' });
    // No label on the image: containers made from it by others must not look like twin's.
    await execa('docker', ['import', '--change', 'ENV PATH=/bin', '-', standInImage], { input: tar.stdout });
    exec.transcript.push(`tar -C ${root} -c . | docker import - ${standInImage}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return standInImage;
}

export interface NodeContainerSpec {
  readonly name: string;
  readonly network: string;
  readonly throttle: NodeThrottle;
  readonly labels: Readonly<Record<string, string>>;
  readonly image?: string;
  readonly command?: readonly string[];
}

/** Creates a twin network (labelled) if missing. */
export async function ensureNetwork(exec: Exec, name: string): Promise<void> {
  const exists = await exec('docker', ['network', 'inspect', name], { allowFailure: true });
  if (exists.exitCode !== 0) await exec('docker', ['network', 'create', '--label', `${managedLabel}=true`, name]);
}

/** A stand-in node: a container with the board's memory and CPU limits. */
export async function runNodeContainer(exec: Exec, spec: NodeContainerSpec): Promise<string> {
  const labels = Object.entries({ [managedLabel]: 'true', ...spec.labels }).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
  const args = [
    'run',
    '-d',
    '--name',
    spec.name,
    '--hostname',
    spec.name,
    '--network',
    spec.network,
    '--memory',
    `${spec.throttle.memoryBytes}`,
    '--memory-swap',
    `${spec.throttle.memoryBytes}`,
    '--cpus',
    `${spec.throttle.cpus}`,
    '--cap-add',
    'NET_ADMIN',
    ...labels,
    spec.image ?? standInImage,
    ...(spec.command ?? ['sleep', '86400']),
  ];
  const result = await exec('docker', args);
  return result.stdout.trim();
}

/** Applies the node's measured throughput to its interface (egress token bucket). */
export async function shapeLink(exec: Exec, container: string, rateBits: number, action: 'replace' | 'delete' = 'replace'): Promise<void> {
  if (action === 'delete') {
    await exec('nsenter', ['-t', await pid(exec, container), '-n', 'tc', 'qdisc', 'del', 'dev', 'eth0', 'root'], { allowFailure: true });
    return;
  }
  await exec('nsenter', ['-t', await pid(exec, container), '-n', 'tc', ...tbfArgs('eth0', rateBits, 'replace')]);
}

export async function pid(exec: Exec, container: string): Promise<string> {
  const result = await exec('docker', ['inspect', '-f', '{{.State.Pid}}', container]);
  // A dry run has no process to name; the transcript shows where it would go.
  return exec.dryRun ? `<pid of ${container}>` : result.stdout.trim();
}

/** Faults on real containers. */
export const containerFaults = {
  /** Power loss: kill without a graceful stop. */
  powerOff: (exec: Exec, container: string) => exec('docker', ['kill', '--signal', 'KILL', container]),
  powerOn: (exec: Exec, container: string) => exec('docker', ['start', container]),
  reboot: (exec: Exec, container: string) => exec('docker', ['restart', '--time', '5', container]),
  /** An orderly stop (control plane down on a server container). */
  stop: (exec: Exec, container: string) => exec('docker', ['stop', '--time', '10', container]),
  disconnect: (exec: Exec, network: string, container: string) => exec('docker', ['network', 'disconnect', '--force', network, container]),
  connect: (exec: Exec, network: string, container: string) => exec('docker', ['network', 'connect', network, container]),
};

/**
 * Removes every container and network twin created (label twin.dev/managed=true), or only
 * those of one run (label twin.dev/run=ID): never another run's, even of the same cluster.
 */
export async function removeManaged(exec: Exec, scope: { run?: string } = {}): Promise<{ containers: string[]; networks: string[] }> {
  const filters = ['--filter', `label=${managedLabel}=true`, ...(scope.run ? ['--filter', `label=${runLabel}=${scope.run}`] : [])];
  const containers = (await exec('docker', ['ps', '-aq', ...filters])).stdout.split('\n').filter(Boolean);
  if (containers.length) await exec('docker', ['rm', '-f', '-v', ...containers]);
  const networks = (await exec('docker', ['network', 'ls', '-q', ...filters])).stdout.split('\n').filter(Boolean);
  if (networks.length) await exec('docker', ['network', 'rm', ...networks], { allowFailure: true });
  return { containers, networks };
}
