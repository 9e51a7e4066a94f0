package main

import (
	"fmt"
	"os"
	"path/filepath"
)

// metricsServerImage is metrics-server as scripts/build-k3s-image.sh builds it (node-image/metrics-server).
const metricsServerImage = "twin.local/metrics-server:v0.7.2"

// metricsServerManifest is the Metrics API K3s deploys (`kubectl top`): metrics-server with read
// access to nodes' and pods' metrics, allowed to delegate authentication and authorization to the
// API server, its Service on 443, and the v1beta1.metrics.k8s.io APIService the aggregator routes
// to it. Its arguments are K3s's (the node's InternalIP first, the kubelet's port from the Node's
// status, a 15 s resolution); it checks each kubelet's serving certificate against the cluster CA
// its service account mounts, which signs them here. Requests are upstream's (100m CPU, 200Mi:
// kubernetes-sigs/metrics-server manifests/base/deployment.yaml), as in twin's model.
func metricsServerManifest() string {
	return fmt.Sprintf(`apiVersion: v1
kind: ServiceAccount
metadata:
  name: metrics-server
  namespace: kube-system
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: system:aggregated-metrics-reader
  labels:
    rbac.authorization.k8s.io/aggregate-to-view: "true"
    rbac.authorization.k8s.io/aggregate-to-edit: "true"
    rbac.authorization.k8s.io/aggregate-to-admin: "true"
rules:
  - apiGroups: [metrics.k8s.io]
    resources: [pods, nodes]
    verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: system:metrics-server
rules:
  - apiGroups: [""]
    resources: [nodes/metrics]
    verbs: [get]
  - apiGroups: [""]
    resources: [pods, nodes]
    verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: system:metrics-server
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:metrics-server }
subjects:
  - { kind: ServiceAccount, name: metrics-server, namespace: kube-system }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: metrics-server:system:auth-delegator
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:auth-delegator }
subjects:
  - { kind: ServiceAccount, name: metrics-server, namespace: kube-system }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: metrics-server-auth-reader
  namespace: kube-system
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: extension-apiserver-authentication-reader }
subjects:
  - { kind: ServiceAccount, name: metrics-server, namespace: kube-system }
---
apiVersion: v1
kind: Service
metadata:
  name: metrics-server
  namespace: kube-system
  labels: { kubernetes.io/cluster-service: "true", kubernetes.io/name: Metrics-server }
spec:
  selector: { k8s-app: metrics-server }
  ports:
    - { name: https, port: 443, protocol: TCP, targetPort: https }
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: metrics-server
  namespace: kube-system
  labels: { k8s-app: metrics-server }
spec:
  selector:
    matchLabels: { k8s-app: metrics-server }
  template:
    metadata:
      name: metrics-server
      labels: { k8s-app: metrics-server }
    spec:
      serviceAccountName: metrics-server
      priorityClassName: system-node-critical
      tolerations:
        - { key: CriticalAddonsOnly, operator: Exists }
        - { key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule }
        - { key: node-role.kubernetes.io/master, operator: Exists, effect: NoSchedule }
      volumes:
        - { name: tmp-dir, emptyDir: {} }
      containers:
        - name: metrics-server
          image: %[1]s
          imagePullPolicy: IfNotPresent
          args:
            - --cert-dir=/tmp
            - --secure-port=10250
            - --kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname
            - --kubelet-use-node-status-port
            - --metric-resolution=15s
          resources:
            requests: { cpu: 100m, memory: 200Mi }
          ports:
            - { name: https, containerPort: 10250, protocol: TCP }
          readinessProbe:
            httpGet: { path: /readyz, port: https, scheme: HTTPS }
            initialDelaySeconds: 20
            periodSeconds: 10
          livenessProbe:
            httpGet: { path: /livez, port: https, scheme: HTTPS }
            periodSeconds: 10
          securityContext:
            readOnlyRootFilesystem: true
            runAsNonRoot: true
            runAsUser: 1000
            allowPrivilegeEscalation: false
          volumeMounts:
            - { name: tmp-dir, mountPath: /tmp }
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata:
  name: v1beta1.metrics.k8s.io
spec:
  service: { name: metrics-server, namespace: kube-system, port: 443 }
  group: metrics.k8s.io
  version: v1beta1
  insecureSkipTLSVerify: true
  groupPriorityMinimum: 100
  versionPriority: 100
`, metricsServerImage)
}

// writeMetricsServerManifest writes manifests/metrics-server/metrics-server.yaml (K3s keeps this
// component in a directory of its own), or removes it under --disable=metrics-server.
func writeMetricsServerManifest(f Flags) error {
	dir := filepath.Join(serverDir, "manifests", "metrics-server")
	if disabled(f, "metrics-server") {
		return os.RemoveAll(dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "metrics-server.yaml"), []byte(metricsServerManifest()), 0o644)
}
