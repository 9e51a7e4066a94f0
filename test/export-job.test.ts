/**
 * `twin export job`: the Indexed Job it writes (objects, the user's flags carried to every pod,
 * bad input refused in one line), and the whole way back without Kubernetes: each pod's command
 * run as the kubelet would run it (its working directory holding the ConfigMap's files, its
 * JOB_COMPLETION_INDEX), its log served by a loopback API server, `twin merge --from-job` — the
 * output of one unsharded `twin check`, byte for byte. test/e2e/e2e.test.ts runs the same Job on
 * real Kubernetes.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import type { V1ConfigMap, V1Job } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { execa } from 'execa';
import { describe, expect, it, onTestFinished } from 'vitest';
import { readInputFiles, renderShardJob, shardJob, type ShardJobOptions } from '../src/export/job.js';
import { shardFromLog, shardLogMarkers } from '../src/load/shards.js';
import { repoRoot, twin } from './helpers/cli.js';
import { writeKubeconfig } from './helpers/fake-api.js';

function scratchDir(): string {
  const dir = mkdtempSync(join(repoRoot, 'test', '.tmp-export-job-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A directory holding test/fixtures/fragile as `cluster/` and `k8s/`: the user's repository. */
function project(): string {
  const dir = scratchDir();
  mkdirSync(join(dir, 'cluster'));
  cpSync(join(repoRoot, 'test/fixtures/fragile/cluster.yaml'), join(dir, 'cluster/fragile.yaml'));
  mkdirSync(join(dir, 'k8s'));
  cpSync(join(repoRoot, 'test/fixtures/fragile/frontend.yaml'), join(dir, 'k8s/frontend.yaml'));
  return dir;
}

function objects(yaml: string): { configMap?: V1ConfigMap; job: V1Job } {
  const docs = parseAllDocuments(yaml).map((d) => d.toJS() as { kind: string });
  const job = docs.find((d) => d.kind === 'Job') as V1Job | undefined;
  if (!job) throw new Error(`no Job in:\n${yaml}`);
  const configMap = docs.find((d) => d.kind === 'ConfigMap') as V1ConfigMap | undefined;
  return { job, ...(configMap ? { configMap } : {}) };
}

const container = (job: V1Job) => job.spec?.template.spec?.containers[0];

const checkFlags = ['cluster/fragile.yaml', '-w', 'k8s', '--property', 'service-availability', '--service', 'default/frontend'];
const jobFlags = ['--completions', '3', '--image', 'twin.local/twin:0.1.0'];

describe('shardJob', () => {
  const options: ShardJobOptions = {
    command: 'check',
    name: 'sweep',
    namespace: 'lab',
    image: 'registry.lan/twin:1',
    completions: 4,
    parallelism: 2,
    backoffLimit: 3,
    args: ['check', 'c.yaml', '--seed', '7'],
    inputs: 'configmap',
    files: new Map([
      ['c.yaml', 'kind: Cluster\n'],
      ['k8s/a b.yaml', 'kind: Deployment\n'],
    ]),
  };

  it('an Indexed Job of N pods, each running twin with --shard auto/N, its inputs in a ConfigMap at their paths', () => {
    const { configMap, job } = shardJob(options);
    expect(job.spec).toMatchObject({ completionMode: 'Indexed', completions: 4, parallelism: 2, backoffLimit: 3 });
    expect(job.metadata).toMatchObject({ name: 'sweep', namespace: 'lab' });
    expect(job.spec?.podFailurePolicy?.rules[0]).toMatchObject({ action: 'FailJob', onExitCodes: { operator: 'In', values: [2, 70] } });
    const pod = job.spec?.template.spec;
    expect(pod?.restartPolicy).toBe('Never');
    const c = pod?.containers[0];
    expect(c).toMatchObject({ image: 'registry.lan/twin:1', imagePullPolicy: 'IfNotPresent', workingDir: '/work' });
    expect(c?.command?.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(c?.args).toEqual(['check', 'c.yaml', '--seed', '7', '--shard', 'auto/4', '--out', '/tmp/twin-shard']);
    expect(c?.volumeMounts).toEqual([{ name: 'inputs', mountPath: '/work', readOnly: true }]);
    expect(configMap?.metadata).toMatchObject({ name: 'sweep-inputs', namespace: 'lab' });
    const items = pod?.volumes?.[0]?.configMap?.items ?? [];
    expect(items.map((i) => i.path)).toEqual(['c.yaml', 'k8s/a b.yaml']);
    for (const item of items) {
      expect(item.key).toMatch(/^[-._a-zA-Z0-9]+$/);
      expect(configMap?.data?.[item.key]).toBe(options.files.get(item.path));
    }
  });

  it('--inputs image: no ConfigMap, no volume; the image holds them', () => {
    const { configMap, job } = shardJob({ ...options, inputs: 'image' });
    expect(configMap).toBeNull();
    expect(job.spec?.template.spec?.volumes).toBeUndefined();
    expect(container(job)?.volumeMounts).toBeUndefined();
  });

  it('renders as YAML that reads back as the same objects (no anchors), headed by the comment', () => {
    const built = shardJob(options);
    const text = renderShardJob(built, ['line one', 'line two']);
    expect(text.startsWith('# line one\n# line two\n')).toBe(true);
    expect(text).not.toMatch(/[&*]a\d/);
    expect(objects(text)).toEqual({ configMap: built.configMap, job: built.job });
  });

  it('refuses inputs larger than a ConfigMap holds, naming the way out', () => {
    const big = new Map([['big.yaml', 'x'.repeat(1024 * 1024)]]);
    expect(() => shardJob({ ...options, files: big })).toThrow(/more than a ConfigMap holds \(1 MiB\).*--inputs image/);
    expect(() => shardJob({ ...options, files: big, inputs: 'image' })).not.toThrow();
  });
});

describe('readInputFiles', () => {
  it('a directory is its YAML files, each by its path from the working directory; a path outside is refused', () => {
    const dir = project();
    writeFileSync(join(dir, 'k8s/notes.txt'), 'not read');
    const files = readInputFiles(
      [
        { flag: 'CLUSTER', path: 'cluster/fragile.yaml', kind: 'file' },
        { flag: '-w', path: join(dir, 'k8s'), kind: 'either' },
      ],
      dir,
    );
    expect([...files.keys()]).toEqual(['cluster/fragile.yaml', 'k8s/frontend.yaml']);
    expect(files.get('k8s/frontend.yaml')).toBe(readFileSync(join(dir, 'k8s/frontend.yaml'), 'utf8'));
    expect(() => readInputFiles([{ flag: '-w', path: '../elsewhere', kind: 'either' }], dir)).toThrow(
      /^-w: "\.\.\/elsewhere" is outside the working directory/,
    );
    expect(() => readInputFiles([{ flag: '--profiles-dir', path: 'cluster/fragile.yaml', kind: 'yaml-dir' }], dir)).toThrow(
      /is a file, expected a directory/,
    );
  });
});

describe('shardFromLog', () => {
  it("cuts the shard file out of a pod's log, byte for byte", () => {
    const file = '{\n  "kind": "twin-shard"\n}\n';
    const said = 'shard 1/3: 100 run(s), no failure; wrote /tmp/twin-shard/shard-1-of-3.json';
    const log = `${said}\n${shardLogMarkers.begin}\n${file}${shardLogMarkers.end}\n`;
    expect(shardFromLog(log)).toBe(file);
    expect(shardFromLog('twin: --seed: …\n')).toBeNull();
    expect(shardFromLog(`${shardLogMarkers.begin}\n{`)).toBeNull();
  });
});

describe('twin export job', () => {
  it("carries twin check's flags to every pod, and adds the shard and its output", () => {
    const dir = project();
    const flags = [...checkFlags, '--at-least', '0.95', '--within', '5m', '--max-faults', '1', '--kinds', 'power-off,reboot'];
    const got = twin(
      ['export', 'job', 'check', ...flags, '--runs', '60', '--seed', '9', '--workers', '2', ...jobFlags, '--parallelism', '2'],
      {
        cwd: dir,
      },
    );
    expect(got.stderr).toBe('');
    expect(got.code).toBe(0);
    const { configMap, job } = objects(got.stdout);
    expect(job.spec).toMatchObject({ completions: 3, parallelism: 2 });
    const args = container(job)?.args ?? [];
    expect(args).toEqual([
      'check',
      'cluster/fragile.yaml',
      '-w',
      'k8s',
      '--property',
      'service-availability',
      '--service',
      'default/frontend',
      '--at-least',
      '0.95',
      '--within',
      '5m',
      '--max-faults',
      '1',
      '--kinds',
      'power-off,reboot',
      '--runs',
      '60',
      '--seed',
      '9',
      '--workers',
      '2',
      '--shard',
      'auto/3',
      '--out',
      '/tmp/twin-shard',
    ]);
    expect(Object.values(configMap?.data ?? {})).toHaveLength(2);
    expect(got.stdout).toContain('# Merge:     twin merge --from-job twin-check');
  });

  it("carries twin plan --search's flags", () => {
    const dir = project();
    const search = ['--search', '-w', 'k8s', '--profiles', 'pi4b-4gb,pi5-8gb', '--max-nodes', '3', '--budget', '400', '--json'];
    const got = twin(['export', 'job', 'plan', ...search, ...jobFlags, '--name', 'mixes', '--namespace', 'lab'], { cwd: dir });
    expect(got.stderr).toBe('');
    const { configMap, job } = objects(got.stdout);
    expect(job.metadata).toMatchObject({ name: 'mixes', namespace: 'lab' });
    expect(container(job)?.args).toEqual([
      'plan',
      '--search',
      '-w',
      'k8s',
      '--profiles',
      'pi4b-4gb,pi5-8gb',
      '--max-nodes',
      '3',
      '--budget',
      '400',
      '--json',
      '--shard',
      'auto/3',
      '--out',
      '/tmp/twin-shard',
    ]);
    expect(configMap?.metadata?.name).toBe('mixes-inputs');
  });

  it.for([
    [['check', ...checkFlags, '--seed', '1', '--image', 'i:1'], /^twin: --completions: is needed: the number of shards \(e\.g\./],
    [['check', ...checkFlags, '--seed', '1', '--image', 'i:1', '--completions', '0'], /^twin: --completions: "0" is not a whole number/],
    [['check', ...checkFlags, '--seed', '1', ...jobFlags, '--parallelism', '4'], /^twin: --parallelism: 4 is more than --completions 3/],
    [['check', ...checkFlags, '--seed', '1', '--completions', '3'], /^twin: --image: is needed: the image the pods run twin from/],
    [['check', ...checkFlags, ...jobFlags], /^twin: --seed: is needed: every shard must draw the same schedules/],
    [['check', ...checkFlags, '--seed', '1', ...jobFlags, '--name', 'Sweep_1'], /^twin: --name: "Sweep_1" is not a Kubernetes name/],
    [
      ['check', ...checkFlags, '--seed', '1', ...jobFlags, '--inputs', 'volume'],
      /^twin: --inputs: "volume" is not one of configmap, image/,
    ],
    [['check', ...checkFlags, '--seed', '1', ...jobFlags, '--max-nodes', '3'], /^twin: --max-nodes: is a flag of twin plan --search/],
    [['check', ...checkFlags, '--seed', '1', ...jobFlags, '--runs', 'many'], /^twin: --runs: "many" is not/],
    [
      ['check', '../fragile.yaml', '-w', 'k8s', '--seed', '1', ...jobFlags],
      /^twin: CLUSTER: "..\/fragile\.yaml" is outside the working directory/,
    ],
    [
      ['check', 'cluster.ts', '--seed', '1', ...jobFlags],
      /^twin: CLUSTER: "cluster\.ts" is a TypeScript or JavaScript module.*--inputs image/,
    ],
    [['plan', '-w', 'k8s', ...jobFlags], /^twin: twin export job plan: runs twin plan --search only \(add --search\)/],
    [['plan', '--search', '-w', 'k8s', '--seed', '1', ...jobFlags], /^twin: --seed: is a flag of twin check/],
    [['plan', '--search', '-w', 'k8s', '--max-nodes', '99', ...jobFlags], /^twin: --max-nodes: "99" is not a whole number from 1 to 12/],
    [['sweep', ...jobFlags], /^twin: twin export job: "sweep" is not one of check, plan/],
  ] as const)('refuses %j in one line, exit 2', ([args, message]) => {
    const dir = project();
    writeFileSync(join(dir, 'cluster.ts'), 'export default {};\n');
    const got = twin(['export', 'job', ...args], { cwd: dir });
    expect(got.stdout).toBe('');
    expect(got.stderr).toMatch(message);
    expect(got.stderr.trim().split('\n')).toHaveLength(1);
    expect(got.code).toBe(2);
  });

  it('writes the file atomically with -o', () => {
    const dir = project();
    const got = twin(['export', 'job', 'check', ...checkFlags, '--seed', '3', ...jobFlags, '-o', 'out/job.yaml'], { cwd: dir });
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout).toBe('');
    expect(objects(readFileSync(join(dir, 'out/job.yaml'), 'utf8')).job.spec?.completions).toBe(3);
  });
});

/** Runs a pod of the Job as the kubelet would: in a directory laid out as its volume, with its index; its log. */
function runPod(job: V1Job, configMap: V1ConfigMap, index: number, bin: string): string {
  const podDir = mkdtempSync(join(dirname(bin), 'pod-'));
  for (const item of job.spec?.template.spec?.volumes?.[0]?.configMap?.items ?? []) {
    mkdirSync(dirname(join(podDir, item.path)), { recursive: true });
    writeFileSync(join(podDir, item.path), configMap.data?.[item.key] ?? '');
  }
  const c = container(job);
  const [shell = '', ...command] = c?.command ?? [];
  // The pod's --out is /tmp/twin-shard: give each pod its own (the script's own words, one directory changed).
  const out = join(podDir, '.shard');
  const swap = (word: string) => word.replaceAll('/tmp/twin-shard', out);
  const run = spawnSync(shell, [...command.map(swap), ...(c?.args ?? []).map(swap)], {
    cwd: podDir,
    encoding: 'utf8',
    env: { ...process.env, PATH: `${dirname(bin)}:${process.env['PATH'] ?? ''}`, JOB_COMPLETION_INDEX: String(index), CI: 'true' },
    timeout: 300_000,
  });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout;
}

/** `twin` without blocking this process, which serves the API the command reads. */
async function twinAsync(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const run = await execa(process.execPath, [join(repoRoot, 'bin/twin.js'), ...args], {
    cwd,
    reject: false,
    env: { CI: 'true', NO_COLOR: '1' },
    timeout: 300_000,
  });
  return { code: run.exitCode ?? -1, stdout: run.stdout ? `${run.stdout}\n` : '', stderr: run.stderr ? `${run.stderr}\n` : '' };
}

/** A loopback API server with the Job, its succeeded pods and their logs. */
async function jobApi(job: V1Job, logs: readonly string[]): Promise<{ kubeconfig: string; close: () => Promise<void> }> {
  const name = job.metadata?.name ?? '';
  const selector = { 'batch.kubernetes.io/controller-uid': 'uid-1' };
  const pods = logs.map((_, i) => ({
    metadata: { name: `${name}-${i}-abcde`, labels: { ...selector, 'batch.kubernetes.io/job-completion-index': String(i) } },
    spec: { containers: [{ name: 'twin', image: 'x' }] },
    status: { phase: 'Succeeded' },
  }));
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const json = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.pathname === `/apis/batch/v1/namespaces/default/jobs/${name}`)
      return json({
        ...job,
        metadata: { ...job.metadata, uid: 'uid-1' },
        spec: { ...job.spec, selector: { matchLabels: selector } },
        status: { succeeded: logs.length, conditions: [{ type: 'Complete', status: 'True' }] },
      });
    if (
      url.pathname === '/api/v1/namespaces/default/pods' &&
      url.searchParams.get('labelSelector') === 'batch.kubernetes.io/controller-uid=uid-1'
    )
      return json({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items: pods });
    const log = /^\/api\/v1\/namespaces\/default\/pods\/([^/]+)\/log$/.exec(url.pathname);
    const at = pods.findIndex((p) => p.metadata.name === log?.[1]);
    if (log && at >= 0 && url.searchParams.get('container') === 'twin')
      return res.writeHead(200, { 'content-type': 'text/plain' }).end(logs[at]);
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', code: 404, reason: 'NotFound' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const kubeconfig = writeKubeconfig(`http://127.0.0.1:${port}`);
  return { kubeconfig, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('the Job, run by hand: twin merge --from-job gives the unsharded output', () => {
  it('a failing check in 3 pods: the same minimal failure, replay line and reproduction file as one run', async () => {
    const dir = project();
    const flags = [...checkFlags, '--runs', '120', '--seed', '42'];
    const exported = twin(['export', 'job', 'check', ...flags, ...jobFlags], { cwd: dir });
    expect(exported.code, exported.stderr).toBe(0);
    const { job, configMap } = objects(exported.stdout);
    if (!configMap) throw new Error('no ConfigMap');
    const bin = join(scratchDir(), 'twin');
    writeFileSync(bin, `#!/bin/sh\nexec "${process.execPath}" "${join(repoRoot, 'bin/twin.js')}" "$@"\n`);
    chmodSync(bin, 0o755);
    const logs = [0, 1, 2].map((i) => runPod(job, configMap, i, bin));
    for (const [i, log] of logs.entries()) expect(log).toMatch(new RegExp(`^shard ${i + 1}/3: `));
    const api = await jobApi(job, logs);
    onTestFinished(api.close);
    const local = twin(['check', ...flags, '--workers', '1', '--out', 'found'], { cwd: dir });
    expect(local.code).toBe(1);
    const reproduction = join(dir, 'found/check-service-availability-42.ts');
    const written = readFileSync(reproduction, 'utf8');
    rmSync(reproduction);
    const merged = await twinAsync(
      ['merge', '--from-job', 'twin-check', '--kubeconfig', api.kubeconfig, '--out', 'found', '--save', 'shards'],
      dir,
    );
    expect(merged.stdout).toBe(local.stdout);
    expect(merged.code).toBe(local.code);
    expect(readFileSync(reproduction, 'utf8')).toBe(written);
    expect(readFileSync(join(dir, 'shards/shard-2-of-3.json'), 'utf8')).toBe(shardFromLog(logs[1] ?? ''));
  }, 600_000);

  it('a Job that is not there, or not done, is one line naming it and what to do', async () => {
    const dir = project();
    const exported = twin(['export', 'job', 'check', ...checkFlags, '--seed', '1', ...jobFlags], { cwd: dir });
    const { job } = objects(exported.stdout);
    const api = await jobApi(job, ['', '']);
    onTestFinished(api.close);
    const missing = await twinAsync(['merge', '--from-job', 'other', '--kubeconfig', api.kubeconfig], dir);
    expect(missing.stderr).toMatch(
      /^twin: --from-job: no Job "other" in namespace default at http:\/\/127\.0\.0\.1:\d+ \(kubectl get jobs/,
    );
    expect(missing.code).toBe(2);
    const running = await twinAsync(['merge', '--from-job', 'twin-check', '--kubeconfig', api.kubeconfig], dir);
    expect(running.stderr).toMatch(/^twin: job default\/twin-check has not completed: 2 of 3 shards done \(wait for it: kubectl wait/);
    expect(running.code).toBe(4);
    const both = twin(['merge', 'shards', '--from-job', 'twin-check'], { cwd: dir });
    expect(both.stderr).toMatch(/^twin: twin merge: takes shard directories or --from-job, not both/);
    expect(both.code).toBe(2);
    // A --save directory holding files already would mix another run's shards in.
    mkdirSync(join(dir, 'old'));
    writeFileSync(join(dir, 'old', 'shard-1-of-3.json'), '{}');
    const used = twin(['merge', '--from-job', 'twin-check', '--kubeconfig', api.kubeconfig, '--save', 'old'], { cwd: dir });
    expect(used.stderr).toBe(
      'twin: --save: "old" is not empty: shard files of another run there would be merged with this Job\'s ' +
        '(name a new or empty directory)\n',
    );
    expect(used.code).toBe(2);
  });
});
