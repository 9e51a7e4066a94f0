/**
 * How long twin's node binary takes, as a K3s server, from its container's start until the API
 * answers `/readyz`, under each board's emulation (the CPU quota and storage latency its k3d node
 * container gets from its first start, node-image/entrypoint), next to the model's estimate for
 * the same board (`k3sServerStartTime` ÷ the board's CPU factor, with its range). Also once at the
 * host's own speed, for contrast. Needs Docker, sysbench and twin's node image
 * (scripts/build-k3s-image.sh). Usage: npx tsx scripts/measure-node-start.ts [PROFILE…]
 * Prints one JSON line a board and a Markdown table (docs/model-vs-real.md, "Start-up at Pi speed").
 * Its containers carry twin's managed label and this process's id, and are removed at the end or on Ctrl-C.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { request } from 'node:https';
import { performance } from 'node:perf_hooks';
import { clusterFromDefinition } from '../src/load/cluster.js';
import { ProfileRegistry } from '../src/load/profiles.js';
import { managedLabel, goDuration } from '../src/engines/k3d/config.js';
import { calibrateHost } from '../src/engines/k3d/doctor.js';
import { createExec } from '../src/engines/k3d/exec.js';
import { twinNodeImage } from '../src/engines/k3d/offline-build.js';
import { nodeThrottle } from '../src/engines/k3d/throttle.js';
import { settingDefinitions } from '../src/model/setting-definitions.js';
import { pi4RelativePerformance } from '../src/sim/state.js';

const boards = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['pizero2w', 'pi3bplus', 'pi4b-4gb', 'pi5-8gb'];
const timeoutSeconds = 600;
const made: string[] = [];

function docker(args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}

function cleanUp(): void {
  for (const name of made.splice(0)) spawnSync('docker', ['rm', '-f', name], { stdio: 'ignore' });
}
process.on('SIGINT', () => {
  cleanUp();
  process.exit(130);
});

/** The admin's client certificate from the kubeconfig K3s writes, once it exists (K3s runs with --anonymous-auth=false). */
function credentials(container: string): { cert: string; key: string } | null {
  const read = spawnSync('docker', ['exec', container, 'cat', '/etc/rancher/k3s/k3s.yaml'], { encoding: 'utf8' });
  if (read.status !== 0) return null;
  const field = (name: string) => new RegExp(`${name}: (\\S+)`).exec(read.stdout)?.[1];
  const cert = field('client-certificate-data');
  const key = field('client-key-data');
  return cert && key ? { cert: Buffer.from(cert, 'base64').toString(), key: Buffer.from(key, 'base64').toString() } : null;
}

/** Whether the API server at `address` answers /readyz with 200. */
function readyz(address: string, auth: { cert: string; key: string }): Promise<boolean> {
  return new Promise((resolve) => {
    const options = { host: address, port: 6443, path: '/readyz', rejectUnauthorized: false, timeout: 2000, ...auth };
    const req = request(options, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

async function measure(name: string, env: Record<string, string>, memoryBytes: number): Promise<number> {
  const container = `twin-measure-start-${process.pid}-${name}`;
  made.push(container);
  // As k3d runs a node: privileged, /run and /var/run on tmpfs, the entrypoint scripts before K3s.
  docker([
    'create',
    '--name',
    container,
    '--label',
    `${managedLabel}=true`,
    '--privileged',
    '--tmpfs',
    '/run',
    '--tmpfs',
    '/var/run',
    '--memory',
    String(memoryBytes),
    '-e',
    'K3S_TOKEN=twin-measure',
    ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
    '--entrypoint',
    '/bin/sh',
    twinNodeImage,
    '-c',
    'for s in /bin/k3d-entrypoint-twin-*.sh; do "$s" || exit 1; done; exec /bin/k3s server',
  ]);
  const start = performance.now();
  docker(['start', container]);
  const address = docker(['inspect', '--format', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', container]);
  let auth: { cert: string; key: string } | null = null;
  while ((performance.now() - start) / 1000 < timeoutSeconds) {
    auth ??= credentials(container);
    if (auth && (await readyz(address, auth))) {
      const seconds = (performance.now() - start) / 1000;
      spawnSync('docker', ['rm', '-f', container], { stdio: 'ignore' });
      return seconds;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${container}: no /readyz within ${timeoutSeconds} s`);
}

const profiles = ProfileRegistry.load();
const host = await calibrateHost(createExec());
const definition = settingDefinitions.k3sServerStartTime;
const [low, high] = definition.range as [number, number];
const rows: string[] = [];
try {
  const hostSeconds = await measure('host', {}, 4 * 1024 ** 3);
  console.log(JSON.stringify({ board: 'host (no quota, no latency)', realSeconds: Number(hostSeconds.toFixed(1)) }));
  for (const board of boards) {
    const cluster = clusterFromDefinition(
      { name: 'measure', k3s: { datastore: 'sqlite' }, nodes: [{ name: 'server', profile: board, role: 'server' }] },
      'measure-node-start',
      { profiles },
    );
    const node = cluster.nodes[0];
    if (!node) throw new Error(`no node for ${board}`);
    const throttle = nodeThrottle(node, cluster, host);
    const factor = node.profile.spec.cpu.relativePerformance.value / pi4RelativePerformance;
    const model = cluster.settings.k3sServerStartTime / factor;
    const real = await measure(
      board,
      { TWIN_CPU_QUOTA_US: String(Math.round(throttle.cpus * 100000)), TWIN_STORAGE_LATENCY: goDuration(throttle.writeLatency) },
      throttle.memoryBytes,
    );
    const line = {
      board,
      cpus: throttle.cpus,
      writeLatencyMs: Number((throttle.writeLatency * 1000).toFixed(2)),
      realSeconds: Number(real.toFixed(1)),
      modelSeconds: Number(model.toFixed(1)),
      modelRange: [Number((low / factor).toFixed(1)), Number((high / factor).toFixed(1))],
    };
    console.log(JSON.stringify(line));
    const range = `${line.modelRange[0]}–${line.modelRange[1]} s`;
    rows.push(`| ${board} | ${line.cpus} | ${line.writeLatencyMs} ms | ${line.realSeconds} s | ${line.modelSeconds} s (${range}) |`);
  }
  const per = `${host.singleCoreEvents ?? '?'} events/s per core × ${host.cores}`;
  console.log(`\nhost: ${host.source}, ${per}; at the host's speed: ${hostSeconds.toFixed(1)} s\n`);
  console.log('| board | CPU quota (host cores) | write latency | real: start → /readyz | model (range) |');
  console.log('|---|---|---|---|---|');
  for (const row of rows) console.log(row);
} finally {
  cleanUp();
}
