/**
 * A sharded `twin check` as a Kubernetes Indexed Job on a real cluster that k3d runs (e2e.test.ts,
 * on the cluster its calibration test keeps): twin's image (node-image/twin/build.sh, no registry)
 * imported into each node's containerd as twin's stand-ins are (src/engines/k3d/stand-in-images.ts),
 * the Job `twin export job` writes applied and waited for, `twin merge --from-job` over its pods'
 * logs, and the same check run here without shards. The test compares the two.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { containerdSocket } from '../../src/engines/k3d/memory.js';
import { repoRoot } from './cli.js';

/** twin's image as node-image/twin/build.sh names it, or why it is not there. */
export async function twinImage(): Promise<{ image: string; missing: string | null }> {
  const image = (await execa(join(repoRoot, 'node-image/twin/build.sh'), ['--print-image'], { cwd: repoRoot })).stdout.trim();
  const inspect = await execa('docker', ['image', 'inspect', image], { reject: false });
  return { image, missing: inspect.exitCode === 0 ? null : `${image} is not built (scripts/build-k3s-image.sh builds it)` };
}

/** Seconds since `start`, to one decimal. */
const since = (start: number) => Math.round((Date.now() - start) / 100) / 10;

export interface ShardJobRun {
  readonly local: { code: number; stdout: string; reproduction: string | null };
  readonly merged: { code: number; stdout: string; stderr: string; reproduction: string | null };
  readonly jobDone: boolean;
  /** What the cluster said when the Job did not complete. */
  readonly diagnosis: string;
  readonly seconds: Record<string, number>;
}

/**
 * Runs `flags` (a `twin check`) as an Indexed Job of `completions` pods on the k3d cluster
 * `k3dName`, and without shards here; `out` is a scratch directory.
 */
export async function runCheckAsJob(options: {
  readonly kubeconfig: string;
  readonly k3dName: string;
  readonly image: string;
  readonly out: string;
  readonly flags: readonly string[];
  readonly completions: number;
  readonly name: string;
}): Promise<ShardJobRun> {
  const { kubeconfig, k3dName, image, out, flags, completions, name } = options;
  const seconds: Record<string, number> = {};
  const twin = (args: readonly string[]) =>
    execa(process.execPath, ['bin/twin.js', ...args], { cwd: repoRoot, reject: false, env: { NO_COLOR: '1', CI: 'true' } });
  mkdirSync(out, { recursive: true });

  // 1. the image into every running node's containerd (the kubelet's namespace), from one archive
  let start = Date.now();
  const nodes = (
    await execa('docker', [
      'ps',
      '--filter',
      `label=k3d.cluster=${k3dName}`,
      '--filter',
      'label=k3d.role',
      '--format',
      '{{.Names}} {{.Label "k3d.role"}}',
    ])
  ).stdout
    .split('\n')
    .map((line) => line.split(' '))
    .filter(([, role]) => role === 'server' || role === 'agent')
    .map(([container]) => container ?? '');
  const archive = join(out, 'twin-image.tar');
  await execa('docker', ['save', '--output', archive, image]);
  const inNode = '/tmp/twin-image.tar';
  await Promise.all(
    nodes.map(async (node) => {
      await execa('docker', ['cp', archive, `${node}:${inNode}`]);
      await execa('docker', ['exec', node, 'ctr', '--address', containerdSocket, '--namespace', 'k8s.io', 'images', 'import', inNode]);
      await execa('docker', ['exec', node, 'rm', '-f', inNode]);
    }),
  );
  rmSync(archive, { force: true });
  seconds['import image'] = since(start);

  // 2. the Job, applied and waited for
  start = Date.now();
  const file = join(out, 'job.yaml');
  const exported = await twin([
    'export',
    'job',
    'check',
    ...flags,
    '--completions',
    String(completions),
    '--image',
    image,
    '--name',
    name,
    '-o',
    file,
  ]);
  if (exported.exitCode !== 0) throw new Error(`twin export job: ${exported.stderr}`);
  const server = nodes.find((n) => n.includes('-server-')) ?? '';
  const kubectl = (...args: string[]) => execa('docker', ['exec', '-i', server, 'kubectl', ...args], { reject: false });
  const applied = await execa('docker', ['exec', '-i', server, 'kubectl', 'apply', '-f', '-'], {
    input: readFileSync(file, 'utf8'),
    reject: false,
  });
  if (applied.exitCode !== 0) throw new Error(`kubectl apply: ${applied.stderr}`);
  const waited = await kubectl('wait', '--for=condition=complete', `job/${name}`, '--timeout=240s');
  seconds['job'] = since(start);
  let diagnosis = '';
  if (waited.exitCode !== 0) {
    const pods = await kubectl('get', 'pods', '-l', `batch.kubernetes.io/job-name=${name}`, '-o', 'wide');
    const logs = await kubectl('logs', '-l', `batch.kubernetes.io/job-name=${name}`, '--tail=20', '--prefix');
    const described = await kubectl('describe', 'job', name);
    // The pods' own events: why a container is still being created (image, sandbox, network, volume).
    const podEvents = await kubectl('describe', 'pods', '-l', `batch.kubernetes.io/job-name=${name}`);
    const recentEvents = await kubectl('get', 'events', '-A', '--sort-by=.lastTimestamp');
    diagnosis = [
      waited.stderr,
      pods.stdout,
      logs.stdout,
      logs.stderr,
      described.stdout,
      podEvents.stdout,
      recentEvents.stdout.split('\n').slice(-40).join('\n'),
    ].join('\n');
  }

  // 3. the unsharded run here, then the merge of the pods' logs over the same --out
  start = Date.now();
  const checkOut = join(out, 'check');
  const local = await twin(['check', ...flags, '--workers', '1', '--out', checkOut]);
  seconds['local check'] = since(start);
  const reproductionFile = join(checkOut, readReproductionName(flags));
  const localReproduction = readIfThere(reproductionFile);
  rmSync(reproductionFile, { force: true });
  start = Date.now();
  const merged = await twin(['merge', '--from-job', name, '--kubeconfig', kubeconfig, '--out', checkOut, '--save', join(out, 'shards')]);
  seconds['merge --from-job'] = since(start);
  await kubectl('delete', 'job,configmap', '-l', `twin.dev/sweep=${name}`, '--wait=false');
  return {
    local: { code: local.exitCode ?? -1, stdout: local.stdout, reproduction: localReproduction },
    merged: { code: merged.exitCode ?? -1, stdout: merged.stdout, stderr: merged.stderr, reproduction: readIfThere(reproductionFile) },
    jobDone: waited.exitCode === 0,
    diagnosis,
    seconds,
  };
}

/** The file a failing check writes: `check-<property>-<seed>.ts`. */
function readReproductionName(flags: readonly string[]): string {
  const value = (flag: string) => flags[flags.indexOf(flag) + 1] ?? '';
  return `check-${value('--property')}-${value('--seed')}.ts`;
}

function readIfThere(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
