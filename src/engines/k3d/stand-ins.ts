/**
 * Stand-ins for the images of a user's workloads. No image registry is reachable where the k3d
 * engine runs on twin's offline node image, so a container whose image the node image does not
 * hold would never start (ErrImagePull). Before the manifests are applied, every such image name
 * is given to one generic stand-in (`twin-app serve`, node-image/images/twin-app.c) in each node's
 * containerd, and each container using one is told, through its environment, how to behave where
 * twin's verdicts look:
 *
 * - it listens on every containerPort, every port a probe names and every Service targetPort that
 *   reaches it, answering HTTP 200 to any path (`TWIN_APP_PORTS`);
 * - its readiness probe answers 503 until the model's startup time has passed (`TWIN_APP_STARTUP`)
 *   and while a host it depends on (`twin.dev/depends-on`) refuses a TCP connection
 *   (`TWIN_APP_DEPENDS_ON`); the readiness probe is told apart from the liveness probe by a header
 *   twin adds to it (`X-Twin-Probe: readiness`), and an exec readiness probe becomes
 *   `twin-app check`, which reads the same state;
 * - a Job's (or CronJob's) container exits after `twin.dev/run-duration` with `twin.dev/exit-code`,
 *   as the sim's kubelet ends it (src/sim/kubelet.ts); an init container exits 0 at once;
 * - its memory at rest is the model's (`TWIN_APP_MEMORY`, memory.ts), as for the seed images.
 *
 * What the stand-in does not reproduce is said in the run's notes: the container's own command and
 * arguments (replaced), exec liveness/startup probes (always succeed), gRPC probes (a TCP check of
 * the same port), images named by digest (cannot be stood in), dependencies on cluster nodes
 * (only hosts outside Kubernetes are checked).
 *
 * The images twin's node image holds (the seed stand-ins built by scripts/build-k3s-image.sh) are
 * used as they are when they fit the containers using them, and replaced by the generic stand-in
 * under the same name, in this run's nodes only, when they do not (another port, a dependency…).
 *
 * `imagePullPolicy: Always` (written, or implied by a `:latest` or missing tag) would make the
 * kubelet ask a registry for an image that is only in the node, and fail: twin applies every
 * container with `IfNotPresent` (`Never` is kept) and says so in the run's notes.
 */
import type { KubernetesObject, V1Container, V1PodTemplateSpec, V1Probe } from '@kubernetes/client-node';
import type { Cluster } from '../../model/cluster.js';
import { podTemplate } from '../../model/pod-template.js';
import { podTemplateOf } from './memory.js';
import { dependencyAddresses, type Dependency } from './stand-in-dependencies.js';
import { heldImages, impliesAlways, twinImages, type HeldImage } from './stand-in-images.js';

/** The header twin adds to a stand-in's readiness probe; twin-app answers such requests with its readiness. */
export const readinessHeader = { name: 'X-Twin-Probe', value: 'readiness' } as const;

interface TemplateRef {
  readonly object: KubernetesObject;
  readonly template: V1PodTemplateSpec;
  readonly namespace: string;
  /** Job or CronJob: its containers run to completion. */
  readonly runsToCompletion: boolean;
  readonly where: string;
}

function templates(objects: readonly KubernetesObject[]): TemplateRef[] {
  return objects.flatMap((object) => {
    const template = podTemplateOf(object);
    if (!template?.spec) return [];
    const namespace = object.metadata?.namespace ?? 'default';
    return [
      {
        object,
        template,
        namespace,
        runsToCompletion: object.kind === 'Job' || object.kind === 'CronJob',
        where: `${object.kind ?? 'Object'}/${namespace}/${object.metadata?.name ?? ''}`,
      },
    ];
  });
}

function probesOf(c: V1Container): V1Probe[] {
  return [c.readinessProbe, c.livenessProbe, c.startupProbe].filter((p): p is V1Probe => p !== undefined);
}

function portNumber(c: V1Container, port: number | string | undefined): number | undefined {
  if (port === undefined) return undefined;
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return c.ports?.find((p) => p.name === port)?.containerPort;
}

function probePort(c: V1Container, probe: V1Probe): number | undefined {
  return portNumber(c, probe.httpGet?.port ?? probe.tcpSocket?.port ?? probe.grpc?.port);
}

/** Target ports of the Services in the template's namespace whose selector matches its labels. */
function serviceTargetPorts(objects: readonly KubernetesObject[], ref: TemplateRef): Array<number | string> {
  const labels = ref.template.metadata?.labels ?? {};
  return objects.flatMap((o) => {
    if (o.kind !== 'Service' || (o.metadata?.namespace ?? 'default') !== ref.namespace) return [];
    const spec = (o as { spec?: { selector?: Record<string, string>; ports?: Array<{ port: number; targetPort?: number | string }> } })
      .spec;
    const selector = spec?.selector;
    if (!selector || Object.keys(selector).length === 0) return [];
    if (!Object.entries(selector).every(([k, v]) => labels[k] === v)) return [];
    return (spec.ports ?? []).map((p) => p.targetPort ?? p.port);
  });
}

/** Every port a container must listen on: its containerPorts, its probes' ports, and the Service target ports that land on it. */
export function containerListenPorts(
  c: V1Container,
  serviceTargets: ReadonlyArray<number | string>,
  first: boolean,
  siblings: readonly V1Container[],
): number[] {
  const ports = new Set<number>();
  for (const p of c.ports ?? []) ports.add(p.containerPort);
  for (const probe of probesOf(c)) {
    const port = probePort(c, probe);
    if (port !== undefined) ports.add(port);
  }
  for (const target of serviceTargets) {
    const byName = typeof target === 'string' && !/^\d+$/.test(target);
    const port = portNumber(c, target);
    if (port !== undefined && (byName || (c.ports ?? []).some((p) => p.containerPort === port))) ports.add(port);
    // A numeric target no container declares is the first container's (where the application would listen).
    else if (!byName && first && !siblings.some((s) => (s.ports ?? []).some((p) => p.containerPort === Number(target))))
      ports.add(Number(target));
  }
  return [...ports].sort((a, b) => a - b);
}

/** Why a held image does not do what a container needs of it, or null when it does. */
function misfit(
  held: HeldImage,
  c: V1Container,
  ref: TemplateRef,
  ports: readonly number[],
  init: boolean,
  dependsOn: boolean,
): string | null {
  if (init) return 'it is an init container';
  if (ref.runsToCompletion) return 'its pod runs to completion';
  if (dependsOn) return 'its readiness depends on a host';
  if (c.command?.length || c.args?.length) return 'it sets its own command';
  const other = ports.filter((p) => !held.ports.includes(p));
  if (other.length) return `it needs port ${other.join(', ')}`;
  for (const probe of probesOf(c)) {
    if (probe.httpGet && !held.paths.includes(probe.httpGet.path ?? '/')) return `a probe asks ${probe.httpGet.path ?? '/'}`;
    if (probe.exec && !held.commands.includes((probe.exec.command ?? [])[0]?.split('/').pop() ?? ''))
      return 'an exec probe runs another command';
    if (probe.grpc) return 'a probe is gRPC';
  }
  return null;
}

/** What twin does to the workloads' images before applying them. */
export interface StandInPlan {
  /** Image names (as written in the manifests) to be given the generic stand-in in every node. */
  readonly images: readonly string[];
  /** The objects as twin applies them. */
  readonly objects: KubernetesObject[];
  /** What differs from the manifests, one line each (the run's timeline and dry-run transcript). */
  readonly notes: readonly string[];
}

/**
 * The images of the workloads (containers and init containers of every pod template) that need
 * the generic stand-in, and the objects rewritten for it. `held` is what the node image holds
 * (none for a real K3s image, whose nodes can pull).
 */
export function planStandIns(
  objects: readonly KubernetesObject[],
  cluster: Pick<Cluster, 'nodes'>,
  held: Readonly<Record<string, HeldImage>> = heldImages,
): StandInPlan {
  const notes: string[] = [];
  const copies = objects.map((o) => structuredClone(o));
  const refs = templates(copies);
  // First pass: which names need the stand-in (a held image that one container cannot use is replaced for all of them).
  const needed = new Map<string, string>();
  const unpullable = new Set<string>();
  for (const ref of refs) {
    const spec = ref.template.spec;
    if (!spec) continue;
    const targets = serviceTargetPorts(copies, ref);
    const dependsOn = podTemplate(ref.template, ref.object.metadata?.annotations ?? {}, {}).dependsOn.length > 0;
    const all = [...(spec.initContainers ?? []).map((c) => ({ c, init: true })), ...spec.containers.map((c) => ({ c, init: false }))];
    for (const { c, init } of all) {
      const image = c.image ?? '';
      if (!image || twinImages.has(image) || needed.has(image)) continue;
      if (image.includes('@')) {
        unpullable.add(image);
        continue;
      }
      const heldImage = held[image];
      if (!heldImage) {
        needed.set(image, 'not in the node image');
        continue;
      }
      const ports = containerListenPorts(c, targets, c === spec.containers[0], spec.containers);
      const why = misfit(heldImage, c, ref, ports, init, dependsOn);
      if (why) needed.set(image, `the node image's stand-in does not fit ${ref.where} (${why})`);
    }
  }
  for (const image of unpullable)
    notes.push(`${image}: named by digest, which a stand-in cannot have; its pods will not start (ErrImagePull)`);
  // Second pass: rewrite.
  for (const ref of refs) {
    const spec = ref.template.spec;
    if (!spec) continue;
    const annotations = { ...(ref.object.metadata?.annotations ?? {}) };
    const model = podTemplate(ref.template, annotations, {});
    const targets = serviceTargetPorts(copies, ref);
    const envValues = [...(spec.initContainers ?? []), ...spec.containers].flatMap((c) => (c.env ?? []).map((e) => e.value ?? ''));
    let dependencies: Dependency[] | null = null;
    const rewrite = (c: V1Container, init: boolean, first: boolean) => {
      const where = `${ref.where} container ${c.name}`;
      const image = c.image ?? '';
      if (c.imagePullPolicy === 'Always' || (c.imagePullPolicy === undefined && impliesAlways(image)))
        notes.push(
          `${where}: imagePullPolicy Always${c.imagePullPolicy ? '' : ' (implied by its tag)'} applied as IfNotPresent: ` +
            'no registry is reachable',
        );
      if (c.imagePullPolicy !== 'Never') c.imagePullPolicy = 'IfNotPresent';
      if (!needed.has(image)) return;
      const ports = containerListenPorts(c, targets, first, spec.containers);
      if (c.command?.length || c.args?.length)
        notes.push(`${where}: its command is replaced by the stand-in's (${[...(c.command ?? []), ...(c.args ?? [])].join(' ')})`);
      c.command = ['/bin/twin-app'];
      c.args = init ? ['/bin/true'] : ['/bin/twin-app', 'serve'];
      const env: Array<{ name: string; value: string }> = [];
      if (!init) {
        dependencies ??= dependencyAddresses(cluster, model.dependsOn, envValues, notes, ref.where);
        env.push({ name: 'TWIN_APP_PORTS', value: ports.join(',') });
        if (dependencies.length) env.push({ name: 'TWIN_APP_DEPENDS_ON', value: dependencies.map((d) => d.address).join(',') });
        if (model.startupTime > 0) env.push({ name: 'TWIN_APP_STARTUP', value: String(model.startupTime) });
        if (ref.runsToCompletion)
          env.push(
            { name: 'TWIN_APP_RUN_SECONDS', value: String(model.runDuration) },
            { name: 'TWIN_APP_EXIT_CODE', value: String(model.exitCode) },
          );
      }
      const names = new Set(env.map((e) => e.name));
      c.env = [...(c.env ?? []).filter((e) => !names.has(e.name)), ...env];
      standInProbes(c, where, notes, (dependencies?.length ?? 0) > 0);
      asRoot(c.securityContext as Record<string, unknown> | undefined, where, notes);
    };
    (spec.initContainers ?? []).forEach((c) => rewrite(c, true, false));
    spec.containers.forEach((c, i) => rewrite(c, false, i === 0));
    if ([...(spec.initContainers ?? []), ...spec.containers].some((c) => needed.has(c.image ?? '')))
      asRoot(spec.securityContext as Record<string, unknown> | undefined, ref.where, notes);
  }
  notes.unshift(...[...needed].map(([image, why]) => `${image}: generic stand-in (${why})`));
  return { images: [...needed.keys()], objects: [...missingNamespaces(copies, notes), ...copies], notes };
}

/**
 * The stand-in runs as root, as its image has no other user: a non-root user could not bind ports
 * below 1024, `runAsNonRoot` would make the kubelet refuse the image (CreateContainerConfigError),
 * and twin-app writes its state under /tmp. What would stop it is dropped from the security context.
 */
function asRoot(context: Record<string, unknown> | undefined, where: string, notes: string[]): void {
  if (!context) return;
  const dropped = ['runAsNonRoot', 'runAsUser', 'runAsGroup', 'readOnlyRootFilesystem'].filter(
    (key) => context[key] !== undefined && context[key] !== false && context[key] !== 0,
  );
  for (const key of dropped) Reflect.deleteProperty(context, key);
  if (dropped.length > 0) notes.push(`${where}: ${dropped.join(', ')} dropped: the stand-in runs as root`);
}

/** Namespaces every cluster has (Kubernetes docs, "Namespaces": initial namespaces). */
const builtInNamespaces = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

/**
 * Namespaces the objects use but do not declare (a seed's ingress-nginx, installed by its Helm
 * chart on the real machine): `kubectl apply` would refuse their objects, so twin creates them first.
 */
function missingNamespaces(objects: readonly KubernetesObject[], notes: string[]): KubernetesObject[] {
  const declared = new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata?.name));
  const used = [...new Set(objects.flatMap((o) => (o.metadata?.namespace ? [o.metadata.namespace] : [])))];
  const missing = used.filter((ns) => !declared.has(ns) && !builtInNamespaces.has(ns));
  if (missing.length > 0) notes.push(`namespace ${missing.join(', ')}: used by the manifests but not declared; created first`);
  return missing.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
}

/** The probes of a stand-in container, made to ask twin-app what the real application would answer. */
function standInProbes(c: V1Container, where: string, notes: string[], dependsOn: boolean): void {
  const readiness = c.readinessProbe;
  if (readiness?.httpGet) {
    const headers = (readiness.httpGet.httpHeaders ?? []).filter((h) => h.name.toLowerCase() !== readinessHeader.name.toLowerCase());
    readiness.httpGet.httpHeaders = [...headers, { ...readinessHeader }];
  } else if (readiness?.exec || readiness?.grpc || (readiness?.tcpSocket && dependsOn)) {
    const was = readiness.exec ? `exec ${(readiness.exec.command ?? []).join(' ')}` : readiness.grpc ? 'gRPC' : 'tcpSocket';
    delete readiness.grpc;
    delete readiness.tcpSocket;
    readiness.exec = { command: ['/bin/twin-app', 'check'] };
    notes.push(`${where}: readiness probe (${was}) answered by the stand-in's readiness (twin-app check)`);
  }
  for (const [kind, probe] of [
    ['liveness', c.livenessProbe],
    ['startup', c.startupProbe],
  ] as const) {
    if (!probe) continue;
    if (probe.exec) {
      notes.push(`${where}: ${kind} probe (exec ${(probe.exec.command ?? []).join(' ')}) always succeeds on the stand-in`);
      probe.exec = { command: ['/bin/true'] };
    } else if (probe.grpc) {
      notes.push(`${where}: ${kind} probe (gRPC) checked as a TCP connection to port ${probe.grpc.port}`);
      probe.tcpSocket = { port: probe.grpc.port };
      delete probe.grpc;
    }
  }
}
