import { readFileSync } from 'node:fs';
import type { KubernetesObject, V1Container, V1PodSpec } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { Cluster } from '../../src/model/cluster.js';
import type { K3dRunContext } from '../../src/engines/k3d/context.js';
import { createExec } from '../../src/engines/k3d/exec.js';
import { podTemplateOf } from '../../src/engines/k3d/memory.js';
import { runNames } from '../../src/engines/k3d/run-names.js';
import { heldImages, loadStandIns, normalizeImage, twinAppStandInImage } from '../../src/engines/k3d/stand-in-images.js';
import { planStandIns, readinessHeader } from '../../src/engines/k3d/stand-ins.js';

const manifests = (file: string) =>
  parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJS() as KubernetesObject | null)
    .filter((o): o is KubernetesObject => o !== null);

type Nodes = Pick<Cluster, 'nodes'>;
const homelab = {
  nodes: [
    { name: 'node1', role: 'server', ip: '192.168.1.201' },
    { name: 'node2', role: 'agent', ip: '192.168.1.202' },
    { name: 'node3', role: 'external', ip: '192.168.1.203', description: 'MariaDB, Nextcloud and NFS server for the 1 TB disk' },
  ],
} as unknown as Nodes;
const single = { nodes: [{ name: 'workshop', role: 'server', ip: '192.168.1.50' }] } as unknown as Nodes;

function container(objects: readonly KubernetesObject[], name: string, containerName?: string): V1Container {
  const o = objects.find((x) => x.metadata?.name === name && x.kind !== 'Service');
  const spec = podTemplateOf(o as KubernetesObject)?.spec as V1PodSpec;
  return [...(spec.initContainers ?? []), ...spec.containers].find((c) => !containerName || c.name === containerName) as V1Container;
}
const env = (c: V1Container) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));

function deployment(name: string, c: V1Container, annotations: Record<string, string> = {}, kind = 'Deployment'): KubernetesObject {
  return {
    apiVersion: 'apps/v1',
    kind,
    metadata: { name, namespace: 'default' },
    spec: { template: { metadata: { labels: { app: name }, annotations }, spec: { containers: [c] } } },
  } as KubernetesObject;
}

describe('image names as containerd stores them', () => {
  it.each([
    ['nginx:1.27-alpine', 'docker.io/library/nginx:1.27-alpine'],
    ['redis', 'docker.io/library/redis:latest'],
    ['taskmaster/backend:1.0', 'docker.io/taskmaster/backend:1.0'],
    ['docker.io/tomondre/lil-linko:17', 'docker.io/tomondre/lil-linko:17'],
    ['registry.k8s.io/ingress-nginx/controller:v1.11.3', 'registry.k8s.io/ingress-nginx/controller:v1.11.3'],
    ['localhost/app', 'localhost/app:latest'],
    ['registry:5000/app', 'registry:5000/app:latest'],
    ['twin.local/app-standin:twin1', 'twin.local/app-standin:twin1'],
  ])('%s → %s', (ref, normalized) => expect(normalizeImage(ref)).toBe(normalized));
});

describe('the images a run stands in for', () => {
  it("taskmaster: every image but the node image's nginx, which fits the frontend", () => {
    const plan = planStandIns(manifests('scenarios/workloads/taskmaster/taskmaster.yaml'), single);
    expect(plan.images).toEqual(['taskmaster/backend:1.0', 'postgres:15-alpine', 'registry.k8s.io/ingress-nginx/controller:v1.11.3']);
    // The frontend runs the node image's nginx stand-in as written (only its pull policy is set).
    const frontend = container(plan.objects, 'frontend');
    expect(frontend.command).toBeUndefined();
    expect(frontend.env).toBeUndefined();
    expect(frontend.imagePullPolicy).toBe('IfNotPresent');
  });

  it('the edgestack seeds need nothing: the node image holds all three', () => {
    const objects = ['api', 'postgres', 'web'].flatMap((f) => manifests(`scenarios/workloads/edgestack/${f}.yaml`));
    const plan = planStandIns(objects, single);
    expect(plan.images).toEqual([]);
    expect(plan.notes).toEqual([]);
  });

  it('a held image that does not fit a container is replaced for the run', () => {
    const objects = [deployment('gw', { name: 'gw', image: 'nginx:1.27-alpine', ports: [{ containerPort: 8080 }] })];
    const plan = planStandIns(objects, single);
    expect(plan.images).toEqual(['nginx:1.27-alpine']);
    expect(plan.notes[0]).toMatch(/does not fit Deployment\/default\/gw \(it needs port 8080\)/);
    expect(env(container(plan.objects, 'gw'))['TWIN_APP_PORTS']).toBe('8080');
  });

  it('twin images and images by digest are left alone', () => {
    const digest = 'example.org/app@sha256:' + 'a'.repeat(64);
    const objects = [deployment('a', { name: 'a', image: digest }), deployment('b', { name: 'b', image: 'twin.local/memhog:1' })];
    const plan = planStandIns(objects, single);
    expect(plan.images).toEqual([]);
    expect(plan.notes).toEqual([expect.stringContaining('named by digest')]);
  });
});

describe('the objects as twin applies them', () => {
  const taskmaster = planStandIns(manifests('scenarios/workloads/taskmaster/taskmaster.yaml'), single);

  it('a stand-in runs twin-app serve on its containerPorts and probe ports, ready after the startup time', () => {
    const backend = container(taskmaster.objects, 'backend');
    expect(backend.command).toEqual(['/bin/twin-app']);
    expect(backend.args).toEqual(['/bin/twin-app', 'serve']);
    expect(env(backend)).toMatchObject({ TWIN_APP_PORTS: '5000', TWIN_APP_STARTUP: '6' });
    expect(backend.readinessProbe?.httpGet).toMatchObject({ path: '/api/health', port: 5000, httpHeaders: [readinessHeader] });
    const ingress = container(taskmaster.objects, 'ingress-nginx-controller');
    expect(env(ingress)['TWIN_APP_PORTS']).toBe('80,443,10254');
  });

  it('listens on the Service target port, and an exec readiness probe becomes twin-app check', () => {
    const postgres = container(taskmaster.objects, 'postgres');
    expect(env(postgres)['TWIN_APP_PORTS']).toBe('5432');
    expect(postgres.readinessProbe?.exec?.command).toEqual(['/bin/twin-app', 'check']);
    expect(postgres.readinessProbe?.initialDelaySeconds).toBe(10);
    expect(taskmaster.notes).toContainEqual(expect.stringMatching(/postgres.*readiness probe \(exec pg_isready -U taskmaster\)/));
  });

  it('the manifests given are not changed', () => {
    const objects = manifests('scenarios/workloads/taskmaster/taskmaster.yaml');
    const before = JSON.stringify(objects);
    planStandIns(objects, single);
    expect(JSON.stringify(objects)).toBe(before);
  });

  it("homelab: lil-linko's readiness needs node3's MariaDB; the CronJob's container ends after the model's run time", () => {
    const plan = planStandIns(manifests('scenarios/workloads/homelab/apps.yaml'), homelab);
    expect(plan.images).toEqual(['docker.io/tomondre/lil-linko:17', 'docker.io/tomondre/portfolio:3', 'docker.io/tomondre/lego-scraper:5']);
    const linko = container(plan.objects, 'lil-linko');
    expect(env(linko)).toMatchObject({ TWIN_APP_PORTS: '8080', TWIN_APP_DEPENDS_ON: '192.168.1.203:3306' });
    expect(env(linko)['DATABASE_URL']).toBe('mysql://linko@192.168.1.203:3306/linko');
    expect(env(container(plan.objects, 'portfolio'))['TWIN_APP_DEPENDS_ON']).toBeUndefined();
    const scraper = container(plan.objects, 'lego-scraper');
    expect(env(scraper)).toMatchObject({ TWIN_APP_RUN_SECONDS: '30', TWIN_APP_EXIT_CODE: '0' });
  });

  it("a Job's run time and exit code come from its annotations; an init container exits at once", () => {
    const job = deployment(
      'migrate',
      { name: 'migrate', image: 'example/migrate:2', command: ['/migrate', '--all'] },
      { 'twin.dev/run-duration': '2m', 'twin.dev/exit-code': '3' },
      'Job',
    );
    const spec = podTemplateOf(job)?.spec as V1PodSpec;
    spec.initContainers = [{ name: 'wait', image: 'busybox:1.36', command: ['sh', '-c', 'sleep 5'] }];
    const plan = planStandIns([job], single);
    expect(plan.images).toEqual(['busybox:1.36', 'example/migrate:2']);
    const main = container(plan.objects, 'migrate', 'migrate');
    expect(env(main)).toMatchObject({ TWIN_APP_RUN_SECONDS: '120', TWIN_APP_EXIT_CODE: '3' });
    expect(main.command).toEqual(['/bin/twin-app']);
    const init = container(plan.objects, 'migrate', 'wait');
    expect(init.args).toEqual(['/bin/true']);
    expect(init.env).toEqual([]);
    expect(plan.notes).toContainEqual(expect.stringContaining('its command is replaced by the stand-in'));
  });

  it('a stand-in runs as root: runAsNonRoot, runAsUser and a read-only root filesystem are dropped', () => {
    const c: V1Container = {
      name: 'controller',
      image: 'example/controller:1',
      ports: [{ containerPort: 80 }],
      securityContext: { runAsNonRoot: true, runAsUser: 101, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
    };
    const object = deployment('controller', c);
    (podTemplateOf(object)?.spec as V1PodSpec).securityContext = { runAsNonRoot: true, fsGroup: 101 };
    const plan = planStandIns([object], single);
    const applied = podTemplateOf(plan.objects[0] as KubernetesObject)?.spec as V1PodSpec;
    expect(applied.containers[0]?.securityContext).toEqual({ allowPrivilegeEscalation: false });
    expect(applied.securityContext).toEqual({ fsGroup: 101 });
    expect(plan.notes).toContainEqual(expect.stringContaining('runAsNonRoot, runAsUser, readOnlyRootFilesystem dropped'));
  });

  it('imagePullPolicy Always, written or implied by the tag, is applied as IfNotPresent; Never is kept', () => {
    const objects = [
      deployment('a', { name: 'a', image: 'example/a:1', imagePullPolicy: 'Always' }),
      deployment('b', { name: 'b', image: 'redis' }),
      deployment('c', { name: 'c', image: 'example/c:1', imagePullPolicy: 'Never' }),
    ];
    const plan = planStandIns(objects, single);
    expect(container(plan.objects, 'a').imagePullPolicy).toBe('IfNotPresent');
    expect(container(plan.objects, 'b').imagePullPolicy).toBe('IfNotPresent');
    expect(container(plan.objects, 'c').imagePullPolicy).toBe('Never');
    expect(plan.notes.filter((n) => n.includes('applied as IfNotPresent'))).toHaveLength(2);
  });

  it('exec and gRPC liveness probes; tcpSocket readiness with a dependency', () => {
    const objects = [
      deployment(
        'db-client',
        {
          name: 'app',
          image: 'example/app:1',
          livenessProbe: { exec: { command: ['cat', '/tmp/alive'] } },
          startupProbe: { grpc: { port: 9000 } },
          readinessProbe: { tcpSocket: { port: 7000 } },
        },
        { 'twin.dev/depends-on': 'node3' },
      ),
    ];
    const plan = planStandIns(objects, homelab);
    const app = container(plan.objects, 'db-client');
    expect(app.livenessProbe?.exec?.command).toEqual(['/bin/true']);
    expect(app.startupProbe).toEqual({ tcpSocket: { port: 9000 } });
    expect(app.readinessProbe).toEqual({ exec: { command: ['/bin/twin-app', 'check'] } });
    expect(env(app)).toMatchObject({ TWIN_APP_PORTS: '7000,9000', TWIN_APP_DEPENDS_ON: '192.168.1.203:3306' });
  });

  it('dependencies: a URL port the host serves wins; cluster nodes and hosts without a port are not checked', () => {
    const withUrl = deployment(
      'a',
      { name: 'a', image: 'example/a:1', env: [{ name: 'NFS', value: 'nfs://192.168.1.203:2049/export' }] },
      { 'twin.dev/depends-on': 'node3, node2' },
    );
    const plan = planStandIns([withUrl], homelab);
    expect(env(container(plan.objects, 'a'))['TWIN_APP_DEPENDS_ON']).toBe('192.168.1.203:2049');
    expect(plan.notes).toContainEqual(expect.stringContaining('depends on node2, which is a Kubernetes node'));
    expect(plan.notes).toContainEqual('Deployment/default/a: readiness needs node3 at 192.168.1.203:2049 (TCP)');
    const bare = { nodes: [{ name: 'box', role: 'external', ip: '10.0.0.9' }] } as unknown as Nodes;
    const none = planStandIns([deployment('b', { name: 'b', image: 'example/b:1' }, { 'twin.dev/depends-on': 'box' })], bare);
    expect(env(container(none.objects, 'b'))['TWIN_APP_DEPENDS_ON']).toBeUndefined();
    expect(none.notes).toContainEqual(expect.stringContaining('names a port: not checked'));
  });
});

describe('loading the stand-in into the nodes', () => {
  it('saves it once, imports it into each node and tags it with every name', async () => {
    const exec = createExec({ dryRun: true });
    const cluster = {
      name: 'lab',
      nodes: [
        { name: 'node1', role: 'server' },
        { name: 'node2', role: 'agent' },
        { name: 'node3', role: 'external' },
      ],
    } as unknown as Cluster;
    const ctx = { exec, names: runNames(cluster, 'r1'), stateDir: '.twin' } as unknown as K3dRunContext;
    await loadStandIns(ctx, cluster, ['taskmaster/backend:1.0', 'redis'], twinAppStandInImage);
    const node = ctx.names.container(cluster.nodes[0] as Cluster['nodes'][number]);
    expect(exec.transcript[0]).toBe(`docker save --output .twin/${ctx.names.cluster}.stand-in.tar ${twinAppStandInImage}`);
    expect(exec.transcript).toContain(
      `docker exec ${node} ctr --address /run/k3s/containerd/containerd.sock --namespace k8s.io images tag --force ` +
        `${twinAppStandInImage} docker.io/taskmaster/backend:1.0 docker.io/library/redis:latest`,
    );
    expect(exec.transcript.filter((l) => l.includes(' images import '))).toHaveLength(2);
  });

  it('nothing to load, nothing run', async () => {
    const exec = createExec({ dryRun: true });
    await loadStandIns({ exec } as unknown as K3dRunContext, { nodes: [] } as unknown as Cluster, [], twinAppStandInImage);
    expect(exec.transcript).toEqual([]);
  });
});

describe('the build script', () => {
  const script = readFileSync('scripts/build-k3s-image.sh', 'utf8');
  it('builds the generic stand-in twin looks for', () => {
    expect(twinAppStandInImage).toBe(`twin.local/app-standin:${/^IMAGE_REV=(\S+)/m.exec(script)?.[1]}`);
    expect(script).toContain('APP_STANDIN_IMAGE="twin.local/app-standin:${IMAGE_REV}"');
  });
  it('holds the images twin takes as held, on the ports twin assumes', () => {
    expect(script).toContain('http_image nginx:1.27-alpine 80');
    expect(script).toContain('http_image ghcr.io/edgestack/api:1.4.2 5000');
    expect(script).toMatch(/import_image postgres:16-alpine .*"-p", "5432"/);
    expect(Object.keys(heldImages).sort()).toEqual(['ghcr.io/edgestack/api:1.4.2', 'nginx:1.27-alpine', 'postgres:16-alpine']);
  });
});

describe('a dry run with images the node image does not hold', () => {
  it('loads the stand-in into each node before the manifests are applied, and says what differs', async () => {
    const { loadScenarioFile, planOf } = await import('../../src/scenario/load.js');
    const { k3dDryRun } = await import('../../src/engines/k3d/engine.js');
    const s = await loadScenarioFile('test/fixtures/k3d/taskmaster-stand-ins.ts');
    const lines = await k3dDryRun(planOf(s), '.twin', 4);
    const apply = lines.findIndex((l) => l.includes('kubectl apply'));
    const tag = lines.findIndex((l) => l.includes(' images tag --force '));
    expect(tag).toBeGreaterThan(0);
    expect(tag).toBeLessThan(apply);
    expect(lines[tag]?.split(' ').slice(-3)).toEqual([
      'docker.io/taskmaster/backend:1.0',
      'docker.io/library/postgres:15-alpine',
      'registry.k8s.io/ingress-nginx/controller:v1.11.3',
    ]);
    expect(lines).toContain('# stand-ins: namespace ingress-nginx: used by the manifests but not declared; created first');
  });
});
