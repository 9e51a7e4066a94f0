/**
 * `twin init` as a user runs it: into fresh directories, from flags, a k3s-ansible inventory and a
 * live cluster; then what it wrote is checked with the same commands the user would run next —
 * `twin validate`, `twin run` of every generated scenario on the sim engine, and `twin check` as
 * the generated workflow runs it. `node_modules/twin` links to this checkout, as `npm install`
 * would put the devDependency there.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, twin, type CliResult } from './helpers/cli.js';

const root = mkdtempSync(join(tmpdir(), 'twin-init-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let count = 0;
const fresh = (name = 'lab') => join(root, `${++count}`, name);
const inventory = join(repoRoot, 'test/fixtures/import/inventory.yml');

/** Installs twin into the generated repository the way `npm install` would (a link to this checkout). */
function install(dir: string): void {
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  symlinkSync(repoRoot, join(dir, 'node_modules', 'twin'), 'dir');
}

/** Runs every generated scenario on the sim engine from inside the repository; returns the PASS lines. */
function runScenarios(dir: string, extension = '.ts'): CliResult {
  install(dir);
  const scenarios = readdirSync(join(dir, 'scenarios')).filter((f) => f.endsWith(extension));
  return twin(['run', ...scenarios.map((f) => `scenarios/${f}`), '--quiet', '--out', 'reports'], { cwd: dir });
}

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

/** Runs `twin` on a pseudo-terminal (util-linux `script`), typing `input`; stdin stays open until it exits. */
function twinOnTerminal(args: string[], input: string): Promise<{ code: number; output: string }> {
  const command = [process.execPath, fileURLToPath(new URL('../bin/twin.js', import.meta.url)), ...args].map((a) => `'${a}'`).join(' ');
  return new Promise((resolve) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output: output.replace(/\r/g, '') });
    });
    child.stdin.write(input);
  });
}

/** Like `twin()` but without blocking the event loop (the kubeconfig test answers HTTP in-process), and with stdin left open. */
function twinAsync(args: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<CliResult & { timedOut: boolean }> {
  const bin = fileURLToPath(new URL('../bin/twin.js', import.meta.url));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, CI: 'true', NO_COLOR: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr, timedOut });
    });
  });
}

const expectOneLineError = (result: CliResult, pattern: RegExp) => {
  expect(result.code).toBe(2);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(pattern);
  expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
};

describe('twin init', () => {
  it('starts a repository from flags whose scenarios, workloads and CI command pass on the sim engine', () => {
    const dir = fresh('pi-lab');
    const result = twin(['init', dir, '--servers', '1', '--agents', '2', '--profile', 'pi4b-4gb']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    for (const file of [
      'cluster.yaml',
      'k8s/web.yaml',
      'k8s/cache.yaml',
      'scenarios/control-plane-down.ts',
      'scenarios/worker-power-loss.ts',
      'scenarios/memory-leak.ts',
      'scenarios/rollout.ts',
      '.github/workflows/twin.yml',
      'package.json',
    ])
      expect(result.stdout).toContain(`created     ${join(dir, file)}`);
    expect(result.stdout).toContain(`next: cd ${dir} && npm install && npx twin run scenarios/*.ts`);

    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({ name: 'pi-lab', type: 'module', private: true, devDependencies: { twin: '^0.1.0' } });
    expect(pkg.scripts['twin:run']).toBe('twin run scenarios/*.ts');

    install(dir);
    const validate = twin(['validate', 'cluster.yaml', 'k8s/web.yaml', 'k8s/cache.yaml', 'scenarios/worker-power-loss.ts'], { cwd: dir });
    expect(validate.stderr).toBe('');
    expect(validate.stdout).toContain('ok   cluster.yaml: Cluster pi-lab (3 nodes)');
    expect(validate.stdout).toMatch(/ok {3}k8s\/web\.yaml: 2 Kubernetes manifests/);
    expect(validate.stdout).toMatch(/Scenario worker-power-loss \(1 fault, 4 expectations, cluster pi-lab\)/);

    const run = twin(
      [
        'run',
        'scenarios/control-plane-down.ts',
        'scenarios/worker-power-loss.ts',
        'scenarios/memory-leak.ts',
        'scenarios/rollout.ts',
        '--quiet',
        '--out',
        'reports',
      ],
      { cwd: dir },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.match(/^PASS /gm)).toHaveLength(4);
    expect(readFileSync(join(dir, 'scenarios/worker-power-loss.ts'), 'utf8')).toContain("node: 'agent2'");

    // The workflow's property check, shortened.
    const check = twin(['check', 'cluster.yaml', '-w', 'k8s/', '--property', 'deployments-recover', '--runs', '15', '--seed', '7'], {
      cwd: dir,
    });
    expect(check.stdout).toMatch(/deployments-recover: .*held for 15 generated schedules/);
    expect(check.code).toBe(0);
  });

  it("runs as the README's twin init section shows, and what it makes passes", () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const line = /### Starting your own repository[\s\S]*?```sh\nnpx twin init (\S+) ([^#\n]*?)\s*#/.exec(readme);
    expect(line).not.toBeNull();
    const dir = join(fresh(), line![1]!);
    const result = twin(['init', dir, ...line![2]!.split(/\s+/)]);
    expect(result.code).toBe(0);
    expect(readFileSync(join(dir, 'cluster.yaml'), 'utf8').match(/role: agent/g)).toHaveLength(3);
    const run = runScenarios(dir);
    expect(run.stderr).toBe('');
    expect(run.stdout.match(/^PASS /gm)).toHaveLength(4);
  });

  it('writes the GitHub Actions job the README shows', () => {
    const dir = fresh();
    expect(twin(['init', dir, '--yes']).code).toBe(0);
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const shown = /```yaml\n(name: resilience\n[\s\S]*?)```/.exec(readme)?.[1];
    expect(shown).toBeDefined();
    expect(readFileSync(join(dir, '.github/workflows/twin.yml'), 'utf8')).toBe(shown);
  });

  it('imports a k3s-ansible inventory and powers off its agent', () => {
    const dir = fresh('homelab');
    const result = twin(['init', dir, '--inventory', inventory]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/note: not copied into cluster\.yaml: the K3s token/);
    const cluster = readFileSync(join(dir, 'cluster.yaml'), 'utf8');
    expect(cluster).toMatch(/^# Made by twin init from .*inventory\.yml/);
    expect(cluster).toContain('name: homelab');
    expect(cluster).not.toContain('s3cr3t-token');
    expect(readFileSync(join(dir, 'scenarios/worker-power-loss.ts'), 'utf8')).toContain("node: 'node2'");
    const run = runScenarios(dir);
    expect(run.stderr).toBe('');
    expect(run.stdout.match(/^PASS /gm)).toHaveLength(4);
  });

  it('makes an HA control plane without agents, leaving out the worker scenario and saying why', () => {
    const dir = fresh();
    const result = twin(['init', dir, '--servers', '3', '--agents', '0', '--profile', 'Raspberry Pi 5 8GB', '--name', 'gallade']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/note: no agent in the cluster, so no worker-power-loss scenario/);
    expect(existsSync(join(dir, 'scenarios/worker-power-loss.ts'))).toBe(false);
    expect(readFileSync(join(dir, 'cluster.yaml'), 'utf8')).toMatch(/datastore: embedded-etcd[\s\S]*profile: pi5-8gb/);
    const run = runScenarios(dir);
    expect(run.code).toBe(0);
    expect(run.stdout.match(/^PASS /gm)).toHaveLength(3);
  });

  it('never overwrites without --force, and writes nothing when one file conflicts', () => {
    const dir = fresh();
    expect(twin(['init', dir, '--yes']).code).toBe(0);
    const again = twin(['init', dir, '--yes']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`skipped     ${join(dir, 'cluster.yaml')} (already there, same content)`);
    expect(again.stdout).not.toContain('created');

    writeFileSync(join(dir, 'k8s/web.yaml'), '# mine\n');
    rmSync(join(dir, 'scenarios/rollout.ts'));
    const conflict = twin(['init', dir, '--yes']);
    expectOneLineError(conflict, /k8s\/web\.yaml already exists with other content; nothing was written \(pass --force to overwrite/);
    expect(readFileSync(join(dir, 'k8s/web.yaml'), 'utf8')).toBe('# mine\n');
    expect(existsSync(join(dir, 'scenarios/rollout.ts'))).toBe(false);

    const forced = twin(['init', dir, '--yes', '--force']);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain(`overwritten ${join(dir, 'k8s/web.yaml')}`);
    expect(forced.stdout).toContain(`created     ${join(dir, 'scenarios/rollout.ts')}`);
    expect(readFileSync(join(dir, 'k8s/web.yaml'), 'utf8')).toContain('kind: Deployment');
  });

  it('adds twin to an existing package.json without losing anything, and writes .mts scenarios for a CommonJS package', () => {
    const dir = fresh();
    mkdirSync(dir, { recursive: true });
    const original = [
      '{',
      '    "name": "mine",',
      '    "scripts": { "test": "vitest", "twin:run": "my own" },',
      '    "dependencies": { "left-pad": "1.0.0" }',
      '}',
      '',
    ].join('\n');
    writeFileSync(join(dir, 'package.json'), original);
    const result = twin(['init', dir, '--yes', '--twin-spec', 'github:example/twin#main']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/updated .*package\.json: added devDependencies\.twin github:example\/twin#main, scripts\.twin:check/);
    expect(result.stdout).toMatch(/kept .*package\.json: scripts\.twin:run \(yours: "my own"\)/);
    expect(result.stderr).toMatch(/no "type": "module": the scenarios are written as \.mts/);
    const text = readFileSync(join(dir, 'package.json'), 'utf8');
    expect(text).toMatch(/^\{\n {4}"name": "mine"/);
    expect(JSON.parse(text)).toEqual({
      name: 'mine',
      scripts: { test: 'vitest', 'twin:run': 'my own', 'twin:check': expect.stringContaining('twin check cluster.yaml') },
      dependencies: { 'left-pad': '1.0.0' },
      devDependencies: { twin: 'github:example/twin#main' },
    });
    expect(readFileSync(join(dir, '.github/workflows/twin.yml'), 'utf8')).toContain('npx twin run scenarios/*.mts');
    const run = runScenarios(dir, '.mts');
    expect(run.stdout.match(/^PASS /gm)).toHaveLength(4);
  });

  it('asks nothing and does not wait when stdin is not a terminal', async () => {
    const dir = fresh();
    // stdin stays open and silent: a prompt would wait for ever.
    const result = await twinAsync(['init', dir], { timeoutMs: 30_000 });
    expect(result.timedOut).toBe(false);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^note: stdin is not a terminal, so no questions: 1 server and 2 agents, all pi4b-4gb/);
    expect(existsSync(join(dir, 'scenarios/worker-power-loss.ts'))).toBe(true);
  });

  it.runIf(hasScript)('asks for the cluster on a terminal, keeping defaults on Enter', async () => {
    const dir = fresh();
    const result = await twinOnTerminal(['init', dir], '3\n\npi5-8gb\n');
    expect(result.output).toMatch(/K3s servers \(1, or 3 for HA\) \[1\]: /);
    expect(result.code).toBe(0);
    const cluster = readFileSync(join(dir, 'cluster.yaml'), 'utf8');
    expect(cluster.match(/role: server/g)).toHaveLength(3);
    expect(cluster.match(/role: agent/g)).toHaveLength(2);
    expect(cluster.match(/profile: pi5-8gb/g)).toHaveLength(5);
  });

  it.each([
    ['a DIR that is a file', (file: string) => ['init', file], /is a file, not a directory/],
    ['an even number of servers', () => ['init', fresh(), '--servers', '2'], /^twin: --servers: 2 servers cannot keep etcd quorum.*odd/],
    ['no servers', () => ['init', fresh(), '--servers', '0'], /^twin: --servers: 0 is not a whole number from 1 to 50/],
    ['a count that is not a number', () => ['init', fresh(), '--agents', 'many'], /^twin: --agents: NaN is not a whole number/],
    ['an unknown board', () => ['init', fresh(), '--profile', 'pi9'], /--profile: unknown hardware profile "pi9" \(did you mean/],
    ['shape flags with an import', () => ['init', fresh(), '--inventory', inventory, '--agents', '3'], /--agents: does not apply/],
    [
      'two sources',
      () => ['init', fresh(), '--inventory', inventory, '--kubeconfig', 'k'],
      /give only one of --inventory and --kubeconfig/,
    ],
    ['--profiles without an import', () => ['init', fresh(), '--profiles', 'a=pi5-8gb'], /--profiles: only applies with --inventory/],
    ['a bad cluster name', () => ['init', fresh(), '--yes', '--name', 'My_Lab'], /--name: "My_Lab" is not a cluster name/],
    ['a missing inventory', () => ['init', fresh(), '--inventory', 'nope.yml'], /nope\.yml: file not found/],
  ])('refuses %s with one line and exit 2', (_what, args, pattern) => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    expectOneLineError(twin(args(file)), pattern);
  });

  it('refuses a misspelt flag before writing anything', () => {
    const dir = fresh();
    expectOneLineError(twin(['init', dir, '--agnets', '2']), /^twin: Unknown argument: agnets/);
    expect(existsSync(dir)).toBe(false);
  });

  it('refuses a file where a folder goes, even with --force, writing nothing', () => {
    const dir = fresh();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'k8s'), 'x');
    expectOneLineError(twin(['init', dir, '--yes', '--force']), /k8s: a file where twin init puts a folder; nothing was written/);
    expect(existsSync(join(dir, 'cluster.yaml'))).toBe(false);
  });

  it('refuses a package.json that is not JSON, writing nothing', () => {
    const dir = fresh();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{ "name": ');
    expectOneLineError(twin(['init', dir, '--yes']), /package\.json: not valid JSON/);
    expect(existsSync(join(dir, 'cluster.yaml'))).toBe(false);
  });
});

describe('twin init --kubeconfig', () => {
  // A loopback API answering list calls with test/fixtures/import/dump.json's objects, as test/import-kubeconfig.test.ts does.
  const dump = JSON.parse(readFileSync(join(repoRoot, 'test/fixtures/import/dump.json'), 'utf8')) as { items: Array<{ kind: string }> };
  const routes: Record<string, string> = {
    '/api/v1/nodes': 'Node',
    '/api/v1/pods': 'Pod',
    '/api/v1/services': 'Service',
    '/api/v1/persistentvolumeclaims': 'PersistentVolumeClaim',
    '/api/v1/persistentvolumes': 'PersistentVolume',
    '/apis/apps/v1/deployments': 'Deployment',
    '/apis/apps/v1/statefulsets': 'StatefulSet',
    '/apis/apps/v1/daemonsets': 'DaemonSet',
  };
  let server: Server;
  let kubeconfig: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const kind = routes[(req.url ?? '').split('?')[0] ?? ''];
      if (req.method !== 'GET' || !kind) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"kind":"Status","status":"Failure","code":404}');
        return;
      }
      const items = dump.items.filter((i) => i.kind === kind);
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ kind: `${kind}List`, apiVersion: 'v1', metadata: {}, items }));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;
    kubeconfig = join(root, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      'apiVersion: v1\nkind: Config\nclusters:\n- name: lab\n' +
        `  cluster: { server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true }\n` +
        'users:\n- name: lab\n  user: { token: test }\n' +
        'contexts:\n- name: lab\n  context: { cluster: lab, user: lab }\ncurrent-context: lab\n',
    );
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it('imports the running cluster and its scenarios pass on the sim engine', async () => {
    const dir = fresh('live');
    const result = await twinAsync(['init', dir, '--kubeconfig', kubeconfig, '--profiles', 'pi3-worker=pi4b-1gb']);
    expect(result.stderr).toMatch(/note: pi5-worker: profile pi5-/);
    expect(result.stderr).toMatch(/object\(s\) of the running cluster were not copied into k8s\//);
    expect(result.code).toBe(0);
    const cluster = readFileSync(join(dir, 'cluster.yaml'), 'utf8');
    expect(cluster).toMatch(/^# Made by twin init from kubeconfig /);
    expect(cluster).toMatch(/name: pi3-worker\n\s+profile: pi4b-1gb/);
    const run = runScenarios(dir);
    expect(run.stderr).toBe('');
    expect(run.stdout.match(/^PASS /gm)).toHaveLength(4);
  });
});
