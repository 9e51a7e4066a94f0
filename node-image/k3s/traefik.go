package main

import (
	"fmt"
	"os"
	"path/filepath"
)

// traefikImage is Traefik as scripts/build-k3s-image.sh builds it (node-image/traefik): v2.11, the
// line K3s v1.31 ships (K3s moved to Traefik v3 in v1.32).
const traefikImage = "twin.local/traefik:v2.11.8"

// traefikCRDs is where the build puts Traefik's CustomResourceDefinitions (IngressRoute, Middleware,
// … in the traefik.io and traefik.containo.us groups), taken from the same module at the same
// version (docs/content/reference/dynamic-configuration/kubernetes-crd-definition-v1.yml), which
// K3s installs from its traefik-crd chart.
const traefikCRDs = "/usr/share/twin/traefik-crds.yaml"

// traefikManifest is the ingress controller K3s deploys (its manifests/traefik.yaml HelmChart, the
// traefik chart 27 with K3s's values), written out as the objects the chart renders: RBAC for the
// Ingress and CRD providers, the IngressClass `traefik` as the cluster's default, one Deployment
// (system-cluster-critical, tolerating the control plane; the chart's entry points web :8000,
// websecure :8443 with TLS, traefik :9000 for /ping, metrics :9100; its probes on /ping, the
// readiness every 10 s after 2 s with one failure allowed; its emptyDir volumes data and tmp), and
// the LoadBalancer Service traefik (80 → web, 443 → websecure) that ServiceLB exposes on every
// node, its address published into each Ingress's status. The chart's calls home
// (checknewversion, sendanonymoususage) are off: twin's nodes reach nothing outside the run.
func traefikManifest() string {
	return fmt.Sprintf(`apiVersion: v1
kind: ServiceAccount
metadata:
  name: traefik
  namespace: kube-system
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: traefik-kube-system
rules:
  - apiGroups: [""]
    resources: [services, endpoints, secrets]
    verbs: [get, list, watch]
  - apiGroups: [discovery.k8s.io]
    resources: [endpointslices]
    verbs: [get, list, watch]
  - apiGroups: [extensions, networking.k8s.io]
    resources: [ingresses, ingressclasses]
    verbs: [get, list, watch]
  - apiGroups: [extensions, networking.k8s.io]
    resources: [ingresses/status]
    verbs: [update]
  - apiGroups: [traefik.io, traefik.containo.us]
    resources: [ingressroutes, ingressroutetcps, ingressrouteudps, middlewares, middlewaretcps, serverstransports, serverstransporttcps, tlsoptions, tlsstores, traefikservices]
    verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: traefik-kube-system
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: traefik-kube-system }
subjects:
  - { kind: ServiceAccount, name: traefik, namespace: kube-system }
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: traefik
  annotations: { ingressclass.kubernetes.io/is-default-class: "true" }
spec:
  controller: traefik.io/ingress-controller
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: traefik
  namespace: kube-system
  labels: { app.kubernetes.io/name: traefik, app.kubernetes.io/instance: traefik-kube-system }
spec:
  replicas: 1
  selector:
    matchLabels: { app.kubernetes.io/name: traefik, app.kubernetes.io/instance: traefik-kube-system }
  strategy:
    type: RollingUpdate
    rollingUpdate: { maxSurge: 1, maxUnavailable: 0 }
  template:
    metadata:
      labels: { app.kubernetes.io/name: traefik, app.kubernetes.io/instance: traefik-kube-system }
      annotations: { prometheus.io/port: "8082", prometheus.io/scrape: "true" }
    spec:
      serviceAccountName: traefik
      priorityClassName: system-cluster-critical
      terminationGracePeriodSeconds: 60
      tolerations:
        - { key: CriticalAddonsOnly, operator: Exists }
        - { key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule }
        - { key: node-role.kubernetes.io/master, operator: Exists, effect: NoSchedule }
      securityContext:
        runAsGroup: 65532
        runAsNonRoot: true
        runAsUser: 65532
      volumes:
        - { name: data, emptyDir: {} }
        - { name: tmp, emptyDir: {} }
      containers:
        - name: traefik
          image: %[1]s
          imagePullPolicy: IfNotPresent
          args:
            - --global.checknewversion=false
            - --global.sendanonymoususage=false
            - --entrypoints.metrics.address=:9100/tcp
            - --entrypoints.traefik.address=:9000/tcp
            - --entrypoints.web.address=:8000/tcp
            - --entrypoints.websecure.address=:8443/tcp
            - --api.dashboard=true
            - --ping=true
            - --metrics.prometheus=true
            - --metrics.prometheus.entrypoint=metrics
            - --providers.kubernetescrd
            - --providers.kubernetesingress
            - --providers.kubernetesingress.ingressendpoint.publishedservice=kube-system/traefik
            - --entrypoints.websecure.http.tls=true
          ports:
            - { name: metrics, containerPort: 9100, protocol: TCP }
            - { name: traefik, containerPort: 9000, protocol: TCP }
            - { name: web, containerPort: 8000, protocol: TCP }
            - { name: websecure, containerPort: 8443, protocol: TCP }
          readinessProbe:
            httpGet: { path: /ping, port: 9000, scheme: HTTP }
            initialDelaySeconds: 2
            periodSeconds: 10
            timeoutSeconds: 2
            successThreshold: 1
            failureThreshold: 1
          livenessProbe:
            httpGet: { path: /ping, port: 9000, scheme: HTTP }
            initialDelaySeconds: 2
            periodSeconds: 10
            timeoutSeconds: 2
            successThreshold: 1
            failureThreshold: 3
          securityContext:
            allowPrivilegeEscalation: false
            capabilities: { drop: [ALL] }
            readOnlyRootFilesystem: true
          volumeMounts:
            - { name: data, mountPath: /data }
            - { name: tmp, mountPath: /tmp }
---
apiVersion: v1
kind: Service
metadata:
  name: traefik
  namespace: kube-system
  labels: { app.kubernetes.io/name: traefik, app.kubernetes.io/instance: traefik-kube-system }
spec:
  type: LoadBalancer
  ipFamilyPolicy: PreferDualStack
  selector: { app.kubernetes.io/name: traefik, app.kubernetes.io/instance: traefik-kube-system }
  ports:
    - { name: web, port: 80, targetPort: web, protocol: TCP }
    - { name: websecure, port: 443, targetPort: websecure, protocol: TCP }
`, traefikImage)
}

// writeTraefikManifest writes manifests/traefik.yaml (the CRDs first, then the controller), or
// removes it under --disable=traefik, as K3s does with its traefik and traefik-crd charts.
func writeTraefikManifest(f Flags) error {
	path := filepath.Join(serverDir, "manifests", "traefik.yaml")
	if disabled(f, "traefik") {
		if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
			return err
		}
		return nil
	}
	crds, err := os.ReadFile(traefikCRDs)
	if err != nil {
		return fmt.Errorf("traefik's CRDs: %v", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, append(append(crds, []byte("\n---\n")...), traefikManifest()...), 0o644)
}
