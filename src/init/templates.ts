/**
 * The files `twin init` writes besides the cluster: an example application in `k8s/`, a scenario
 * for each failure people running small clusters ask about, and the CI job of the README. The
 * scenarios only expect what holds on any cluster `init` makes (a node's grace period, K3s's
 * defaults, the example's own limits), so each passes on the sim engine as generated; the
 * comments tell the user which lines to sharpen for their own cluster.
 */

/** Where the generated repository keeps things; the workflow and scripts refer to the same paths. */
export const layout = Object.freeze({
  cluster: 'cluster.yaml',
  workloads: 'k8s',
  scenarios: 'scenarios',
  workflow: '.github/workflows/twin.yml',
});

/** The example application: a web front end behind a Service and a cache it could use, with twin's annotations. */
export const exampleManifests: Readonly<Record<string, string>> = Object.freeze({
  'web.yaml': `# An example to replace with your own manifests (what \`kubectl apply -f\` takes).
# twin.dev/memory-usage is what the container really uses at rest; the scheduler only sees requests.
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: default }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata:
      labels: { app: web }
      annotations: { twin.dev/memory-usage: 12Mi }
    spec:
      containers:
        - name: web
          image: nginx:1.27-alpine
          ports: [{ containerPort: 80 }]
          resources: { requests: { cpu: 25m, memory: 16Mi }, limits: { memory: 64Mi } }
          readinessProbe: { httpGet: { path: /, port: 80 }, periodSeconds: 5 }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec: { selector: { app: web }, ports: [{ port: 80, targetPort: 80 }] }
`,
  'cache.yaml': `# A cache beside the web front end; scenarios/memory-leak makes it leak.
apiVersion: apps/v1
kind: Deployment
metadata: { name: cache, namespace: default }
spec:
  replicas: 1
  selector: { matchLabels: { app: cache } }
  template:
    metadata:
      labels: { app: cache }
      annotations: { twin.dev/memory-usage: 8Mi }
    spec:
      containers:
        - name: cache
          image: redis:7-alpine
          ports: [{ containerPort: 6379 }]
          resources: { requests: { cpu: 25m, memory: 16Mi }, limits: { memory: 64Mi } }
          readinessProbe: { tcpSocket: { port: 6379 }, periodSeconds: 5 }
---
apiVersion: v1
kind: Service
metadata: { name: cache, namespace: default }
spec: { selector: { app: cache }, ports: [{ port: 6379, targetPort: 6379 }] }
`,
});

/** What the scenarios need to know about the cluster. */
export interface ScenarioTargets {
  /** The worker that loses power; no power-loss scenario without one. */
  readonly agent?: string;
}

function scenario(comment: string, body: string): string {
  const header = comment
    .trim()
    .split('\n')
    .map((line) => ` * ${line}`.trimEnd())
    .join('\n');
  return `/**\n${header}\n */
import { defineScenario } from 'twin';

export default defineScenario({
  cluster: '../${layout.cluster}',
  workloads: ['../${layout.workloads}'],
${body.trim()}
});
`;
}

const controlPlaneDown = scenario(
  `Every K3s server stops (\`systemctl stop k3s\`) for ten minutes. kubectl stops answering, nothing
new is scheduled, and what already runs keeps running and serving.`,
  `
  description: 'The control plane is down for 10 minutes',
  duration: '20m',
  seed: 1,
  faults: [{ id: 'cp', at: '2m', kind: 'control-plane-down', for: '10m' }],
  expect: [
    { kind: 'api-unavailable', after: 'fault:cp', within: '10s', description: 'kubectl stops answering at once' },
    { kind: 'workloads-unaffected', from: 'fault:cp', to: 'heal:cp', description: 'Running pods keep running' },
    {
      kind: 'service-availability',
      service: 'default/web',
      atLeast: 1,
      from: 'fault:cp',
      to: 'heal:cp',
      description: 'The web Service keeps serving without the API',
    },
    { kind: 'no-scheduling', from: 'fault:cp', to: 'heal:cp', description: 'Nothing new is scheduled meanwhile' },
    { kind: 'api-available', after: 'heal:cp', within: '3m', description: 'The API is back once K3s restarts' },
  ],`,
);

function workerPowerLoss(agent: string): string {
  return scenario(
    `${agent} loses power for ten minutes. It turns NotReady only after the node monitor's grace
period, its pods are replaced only after the 5-minute toleration, and it rejoins by itself.
Sharpen it: with your own workloads, add service-availability, replacement-ready or not-replaced
(a StatefulSet with a local volume waits for its node).`,
    `
  description: '${agent} loses power for 10 minutes',
  duration: '25m',
  seed: 1,
  faults: [{ id: 'power', at: '1m', kind: 'power-off', node: '${agent}', for: '10m' }],
  expect: [
    {
      kind: 'node-condition',
      node: '${agent}',
      status: 'NotReady',
      after: 'fault:power',
      within: '2m',
      description: 'The node is marked NotReady after the grace period',
    },
    { kind: 'api-stays-available', description: 'Losing a worker does not touch the API' },
    {
      kind: 'node-condition',
      node: '${agent}',
      status: 'Ready',
      after: 'heal:power',
      within: '5m',
      description: 'When power returns the node rejoins by itself',
    },
    {
      kind: 'pods-ready',
      workload: 'Deployment/default/web',
      atLeast: 2,
      from: 'heal:power+5m',
      description: 'Every web replica is Ready again after the node returns',
    },
  ],`,
  );
}

const memoryLeak = scenario(
  `The cache leaks 1 MiB/s for ten minutes. Its container is OOMKilled at its 64Mi limit and
restarted with CrashLoopBackOff (10 s, 20 s, 40 s…); the limit keeps the node and the web
front end out of it. Without a limit the node's memory fills instead: try removing it.`,
  `
  description: 'The cache leaks memory for 10 minutes',
  duration: '25m',
  seed: 1,
  faults: [{ id: 'leak', at: '1m', kind: 'memory-leak', workload: 'Deployment/default/cache', rate: '1Mi/s', for: '10m' }],
  expect: [
    {
      kind: 'oom-killed',
      workload: 'Deployment/default/cache',
      after: 'fault:leak',
      within: '3m',
      backoff: true,
      description: 'The cache is OOMKilled at its limit and restarted with back-off',
    },
    {
      kind: 'workloads-unaffected',
      workloads: ['Deployment/default/web'],
      from: 'fault:leak',
      to: 'heal:leak',
      description: 'The web front end is untouched',
    },
    { kind: 'service-availability', service: 'default/web', atLeast: 1, description: 'The web Service keeps serving' },
    {
      kind: 'pods-ready',
      workload: 'Deployment/default/cache',
      atLeast: 1,
      from: 'heal:leak+6m',
      description: 'The cache recovers once the leak stops',
    },
  ],`,
);

const rollout = scenario(
  `A rollout (\`kubectl rollout restart deployment/web\`): with 2 replicas the rolling update
surges one new pod before it stops an old one, so the Service never loses its last endpoint.`,
  `
  description: 'A rolling restart of the web Deployment',
  duration: '10m',
  seed: 1,
  faults: [{ id: 'rollout', at: '1m', kind: 'rollout-restart', workload: 'Deployment/default/web' }],
  expect: [
    { kind: 'service-availability', service: 'default/web', atLeast: 1, description: 'The web Service answers throughout' },
    { kind: 'pods-ready', workload: 'Deployment/default/web', atLeast: 2, description: 'Never fewer than 2 web pods Ready' },
    { kind: 'no-oom-kills', description: 'No container runs out of memory' },
  ],`,
);

/** The scenario files by name (without extension), for the failures `init` covers on this cluster. */
export function scenarioFiles(targets: ScenarioTargets): Record<string, string> {
  return {
    'control-plane-down': controlPlaneDown,
    ...(targets.agent ? { 'worker-power-loss': workerPowerLoss(targets.agent) } : {}),
    'memory-leak': memoryLeak,
    rollout,
  };
}

/** The GitHub Actions job of the README, with the paths of the generated repository. */
export function workflow(scenarioExtension: string): string {
  return `name: resilience
on: [push, pull_request]
jobs:
  twin:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with: { node-version: 20 }
      - run: npm ci
      - run: npx twin run ${layout.scenarios}/*${scenarioExtension} --quiet --junit reports/scenarios.xml
      - run: npx twin check ${layout.cluster} -w ${layout.workloads}/ --property deployments-recover --runs 500 --junit reports/check.xml
      - if: failure()
        uses: actions/upload-artifact@v4
        with: { name: twin-reports, path: reports/ }
`;
}

/** The npm scripts `init` adds: the same two commands as the workflow. */
export function npmScripts(scenarioExtension: string): Record<string, string> {
  return {
    'twin:run': `twin run ${layout.scenarios}/*${scenarioExtension}`,
    'twin:check': `twin check ${layout.cluster} -w ${layout.workloads}/ --property deployments-recover --runs 500`,
  };
}
