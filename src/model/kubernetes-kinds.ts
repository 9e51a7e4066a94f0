/**
 * The kinds a K3s API server serves out of the box, by API version (Kubernetes 1.29–1.33,
 * https://kubernetes.io/docs/reference/kubernetes-api/), and the API groups that are
 * Kubernetes' own. An object of another group is a custom resource (Traefik's IngressRoute,
 * K3s's HelmChart, cert-manager's Certificate…): kept and listed as not modelled. An unknown
 * kind in one of Kubernetes' own groups is a typo the API server would refuse.
 */
import type { InputProblem } from '../errors.js';
import { didYouMean } from './suggest.js';

const servedKinds: Readonly<Record<string, readonly string[]>> = {
  v1: [
    'Binding',
    'ConfigMap',
    'Endpoints',
    'Event',
    'LimitRange',
    'Namespace',
    'Node',
    'PersistentVolume',
    'PersistentVolumeClaim',
    'Pod',
    'PodTemplate',
    'ReplicationController',
    'ResourceQuota',
    'Secret',
    'Service',
    'ServiceAccount',
  ],
  'apps/v1': ['ControllerRevision', 'DaemonSet', 'Deployment', 'ReplicaSet', 'StatefulSet'],
  'batch/v1': ['CronJob', 'Job'],
  'autoscaling/v1': ['HorizontalPodAutoscaler'],
  'autoscaling/v2': ['HorizontalPodAutoscaler'],
  'policy/v1': ['PodDisruptionBudget'],
  'networking.k8s.io/v1': ['Ingress', 'IngressClass', 'NetworkPolicy'],
  'rbac.authorization.k8s.io/v1': ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'],
  'storage.k8s.io/v1': ['CSIDriver', 'CSINode', 'CSIStorageCapacity', 'StorageClass', 'VolumeAttachment'],
  'scheduling.k8s.io/v1': ['PriorityClass'],
  'coordination.k8s.io/v1': ['Lease'],
  'discovery.k8s.io/v1': ['EndpointSlice'],
  'events.k8s.io/v1': ['Event'],
  'node.k8s.io/v1': ['RuntimeClass'],
  'apiextensions.k8s.io/v1': ['CustomResourceDefinition'],
  'apiregistration.k8s.io/v1': ['APIService'],
  'admissionregistration.k8s.io/v1': [
    'MutatingWebhookConfiguration',
    'ValidatingAdmissionPolicy',
    'ValidatingAdmissionPolicyBinding',
    'ValidatingWebhookConfiguration',
  ],
  'certificates.k8s.io/v1': ['CertificateSigningRequest'],
  'flowcontrol.apiserver.k8s.io/v1': ['FlowSchema', 'PriorityLevelConfiguration'],
};

/** Groups that belong to Kubernetes itself (plus `extensions`, whose kinds moved out by 1.22). */
const builtinGroups = new Set(['', 'extensions', ...Object.keys(servedKinds).map(groupOf)]);

/** Every kind Kubernetes serves, with the API versions it is served under. */
const versionsByKind = new Map<string, string[]>();
for (const [apiVersion, kinds] of Object.entries(servedKinds)) {
  for (const kind of kinds) versionsByKind.set(kind, [...(versionsByKind.get(kind) ?? []), apiVersion]);
}

/** `apps/v1` → `apps`; `v1` → `` (the core group). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** Whether Kubernetes itself serves `apiVersion`/`kind` (as opposed to a CRD or a typo). */
export function isServedKind(apiVersion: string, kind: string): boolean {
  return servedKinds[apiVersion]?.includes(kind) ?? false;
}

/** A custom resource: an API group that is not Kubernetes' own. */
export function isCustomResource(apiVersion: string): boolean {
  return !builtinGroups.has(groupOf(apiVersion));
}

/**
 * What is wrong with an object's `apiVersion`/`kind`, if anything: an unknown kind in a
 * Kubernetes group, or a real kind under the wrong (or a removed) API version.
 */
export function kindProblems(apiVersion: string, kind: string, at: (field: string) => string): InputProblem[] {
  if (groupOf(apiVersion) === 'twin') {
    const twinKinds = ['Cluster', 'HardwareProfile'];
    const message = twinKinds.includes(kind)
      ? `a ${kind} is one of twin's own files, not a Kubernetes object`
      : `"${kind}" is not a kind of ${apiVersion}`;
    const hint = twinKinds.includes(kind)
      ? `pass it as the cluster or put it in a profiles directory, not among the workloads`
      : `${didYouMean(kind, twinKinds)}twin's own kinds are ${twinKinds.join(' and ')}`;
    return [{ field: at('kind'), message, hint }];
  }
  if (isServedKind(apiVersion, kind) || isCustomResource(apiVersion)) return [];
  const versions = versionsByKind.get(kind);
  if (versions) {
    return [
      { field: at('apiVersion'), message: `"${apiVersion}" does not serve kind ${kind}`, hint: `use apiVersion: ${versions.join(' or ')}` },
    ];
  }
  if (!/^v\d/.test(apiVersion.split('/').pop() ?? '')) {
    return [
      {
        field: at('apiVersion'),
        message: `"${apiVersion}" is not an API version`,
        hint: 'write group/version, e.g. apps/v1, or v1 for core kinds',
      },
    ];
  }
  const served = servedKinds[apiVersion];
  const list = served ? `kinds of ${apiVersion}: ${served.join(', ')}` : '`kubectl api-resources` lists every kind';
  return [
    {
      field: at('kind'),
      message: `"${kind}" is not a Kubernetes kind of ${apiVersion}`,
      hint: `${didYouMean(kind, versionsByKind.keys())}${list}`,
    },
  ];
}
