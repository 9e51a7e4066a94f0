/**
 * Docker operations twin needs for the k3d engine — always through the exec seam, always on
 * containers and networks labelled as twin's own: stand-in node images built without a
 * registry, throttled node containers, and faults done to real containers.
 */
import { mkdtempSync, rmSync, symlinkSync, mkdirSync, copyFileSync, chmodSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineUnavailableError } from '../../errors.js';
import { loadExeca } from '../../load/lazy.js';
import type { Exec, ExecResult } from './exec.js';
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
    const { execa } = await loadExeca();
    const tar = await execa('tar', ['-C', root, '-c', '.'], { encoding: 'buffer' });
    // No label on the image: containers made from it by others must not look like twin's.
    await execa('docker', ['import', '--change', 'ENV PATH=/bin', '-', standInImage], { input: tar.stdout });
    exec.transcript.push(`tar -C ${root} -c . | docker import - ${standInImage}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return standInImage;
}

/**
 * What this host has of Docker. `docker version` prints the client's version even when it
 * cannot reach a daemon (and then exits 1), so a missing client, a stopped daemon and a socket
 * this user may not open are told apart.
 */
export type DockerState =
  | { readonly kind: 'ready'; readonly client: string; readonly server: string }
  | { readonly kind: 'no-client' }
  | { readonly kind: 'no-daemon'; readonly client: string; readonly why: 'not running' | 'permission denied' | string };

/** Classifies the answers of `docker version --format {{.Client.Version}}` and `docker info` (null: could not run). */
export function classifyDocker(version: ExecResult | null, info: ExecResult | null): DockerState {
  const client = version?.stdout.trim().split('\n')[0] ?? '';
  if (info?.exitCode === 0) return { kind: 'ready', client, server: info.stdout.trim() };
  if (client === '') return { kind: 'no-client' };
  const stderr = `${info?.stderr ?? ''}\n${version?.stderr ?? ''}`;
  const why = /permission denied/i.test(stderr)
    ? 'permission denied'
    : /cannot connect|is the docker daemon running|no such file or directory/i.test(stderr) || stderr.trim() === ''
      ? 'not running'
      : (stderr.trim().split('\n')[0] ?? '').slice(0, 160);
  return { kind: 'no-daemon', client, why };
}

/** One line for a user: what is missing of Docker and what to do; undefined when Docker is ready. */
export function dockerProblem(state: DockerState): string | undefined {
  switch (state.kind) {
    case 'ready':
      return undefined;
    case 'no-client':
      return 'no Docker on this host: the docker command is not installed (apt-get install docker.io)';
    case 'no-daemon':
      return state.why === 'not running'
        ? `Docker client ${state.client} present, but the Docker daemon is not running (start it: sudo systemctl start docker, or dockerd)`
        : state.why === 'permission denied'
          ? `Docker client ${state.client} present, but this user may not use the Docker daemon (permission denied on its socket: ` +
            'add the user to the docker group)'
          : `Docker client ${state.client} present, but the Docker daemon does not answer: ${state.why}`;
  }
}

/** Asks Docker for its client and server (`docker info` with the given format). */
export async function probeDocker(exec: Exec, infoFormat = '{{.ServerVersion}}'): Promise<DockerState> {
  const version = await exec('docker', ['version', '--format', '{{.Client.Version}}'], { allowFailure: true }).catch(() => null);
  const info = await exec('docker', ['info', '--format', infoFormat], { allowFailure: true }).catch(() => null);
  return classifyDocker(version, info);
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
