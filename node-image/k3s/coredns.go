package main

import (
	"fmt"
	"os"
	"path/filepath"
)

// coreDNSImage is CoreDNS as scripts/build-k3s-image.sh builds it (node-image/coredns), pre-imported
// on every node like the pause image.
const coreDNSImage = "twin.local/coredns:v1.14.3"

// coreDNSManifest is the cluster DNS K3s deploys from its manifests directory: a ServiceAccount
// with read access to Services, EndpointSlices, Pods and Namespaces, the Corefile (K3s's: the
// kubernetes plugin for the cluster domain, the node host records k3d writes into NodeHosts,
// forwarding the rest to the node's resolver), one Deployment tolerating the control plane, and
// the kube-dns Service at the cluster DNS address every kubelet hands its pods (--cluster-dns).
// Requests and limits are K3s's (100m CPU, 70Mi; 170Mi limit), the figures twin's model uses too.
func coreDNSManifest() string {
	return fmt.Sprintf(`apiVersion: v1
kind: ServiceAccount
metadata:
  name: coredns
  namespace: kube-system
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: system:coredns
  labels:
    kubernetes.io/bootstrapping: rbac-defaults
rules:
  - apiGroups: [""]
    resources: [endpoints, services, pods, namespaces]
    verbs: [list, watch]
  - apiGroups: [discovery.k8s.io]
    resources: [endpointslices]
    verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: system:coredns
  labels:
    kubernetes.io/bootstrapping: rbac-defaults
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: system:coredns
subjects:
  - kind: ServiceAccount
    name: coredns
    namespace: kube-system
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: coredns
  namespace: kube-system
data:
  Corefile: |
    .:53 {
        errors
        health
        ready
        kubernetes %[1]s in-addr.arpa ip6.arpa {
          pods insecure
          fallthrough in-addr.arpa ip6.arpa
        }
        hosts /etc/coredns/NodeHosts {
          ttl 60
          reload 15s
          fallthrough
        }
        prometheus :9153
        forward . /etc/resolv.conf
        cache 30
        loop
        reload
        loadbalance
    }
  NodeHosts: ""
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: coredns
  namespace: kube-system
  labels:
    k8s-app: kube-dns
    kubernetes.io/name: CoreDNS
spec:
  revisionHistoryLimit: 0
  strategy:
    type: RollingUpdate
    rollingUpdate: { maxUnavailable: 1 }
  selector:
    matchLabels: { k8s-app: kube-dns }
  template:
    metadata:
      labels: { k8s-app: kube-dns }
    spec:
      priorityClassName: system-cluster-critical
      serviceAccountName: coredns
      tolerations:
        - { key: CriticalAddonsOnly, operator: Exists }
        - { key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule }
        - { key: node-role.kubernetes.io/master, operator: Exists, effect: NoSchedule }
      nodeSelector:
        kubernetes.io/os: linux
      containers:
        - name: coredns
          image: %[2]s
          imagePullPolicy: IfNotPresent
          args: ["-conf", "/etc/coredns/Corefile"]
          resources:
            requests: { cpu: 100m, memory: 70Mi }
            limits: { memory: 170Mi }
          ports:
            - { name: dns, containerPort: 53, protocol: UDP }
            - { name: dns-tcp, containerPort: 53, protocol: TCP }
            - { name: metrics, containerPort: 9153, protocol: TCP }
          livenessProbe:
            httpGet: { path: /health, port: 8080, scheme: HTTP }
            initialDelaySeconds: 60
            periodSeconds: 10
            timeoutSeconds: 1
            failureThreshold: 3
          readinessProbe:
            httpGet: { path: /ready, port: 8181, scheme: HTTP }
            periodSeconds: 2
            timeoutSeconds: 1
            failureThreshold: 3
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: { add: [NET_BIND_SERVICE], drop: [all] }
          volumeMounts:
            - { name: config-volume, mountPath: /etc/coredns, readOnly: true }
      dnsPolicy: Default
      volumes:
        - name: config-volume
          configMap:
            name: coredns
            items:
              - { key: Corefile, path: Corefile }
              - { key: NodeHosts, path: NodeHosts }
---
apiVersion: v1
kind: Service
metadata:
  name: kube-dns
  namespace: kube-system
  labels:
    k8s-app: kube-dns
    kubernetes.io/cluster-service: "true"
    kubernetes.io/name: CoreDNS
  annotations:
    prometheus.io/port: "9153"
    prometheus.io/scrape: "true"
spec:
  selector: { k8s-app: kube-dns }
  clusterIP: %[3]s
  ports:
    - { name: dns, port: 53, protocol: UDP }
    - { name: dns-tcp, port: 53, protocol: TCP }
    - { name: metrics, port: 9153, protocol: TCP }
`, clusterDomain, coreDNSImage, clusterDNS)
}

// writeCoreDNSManifest writes the manifest at start, as K3s does for each packaged component it
// is not told to --disable (k3d then rewrites its ConfigMap's NodeHosts with the network's
// members and waits for the deploy controller's "Cluster dns configmap" line). Disabled, the file
// goes, as K3s removes a disabled component's manifest.
func writeCoreDNSManifest(f Flags) error {
	path := filepath.Join(serverDir, "manifests", "coredns.yaml")
	if disabled(f, "coredns") {
		if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
			return err
		}
		return nil
	}
	if _, err := os.Stat(path); err == nil {
		return nil // k3d may have rewritten it already; a restart keeps its records
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(coreDNSManifest()), 0o644)
}

// disabled reports whether --disable names a packaged component (repeated or comma-separated).
func disabled(f Flags, component string) bool {
	for _, name := range f.list("disable") {
		if name == component {
			return true
		}
	}
	return false
}
