package main

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
)

// ServiceLB, K3s's packaged load balancer (pkg/cloudprovider/servicelb.go, klipper-lb): every
// Service of type LoadBalancer gets a DaemonSet `svclb-<service>-<first 8 of its UID>` in
// kube-system whose pods hold the Service's ports as host ports on each node and forward them to
// the Service's cluster IPs with iptables (twin.local/klipper-lb, node-image/images/svclb-entry);
// the Service's status lists the addresses of the nodes whose svclb pod is Ready. These names,
// labels and rules are K3s's, so `kubectl get svc` shows the EXTERNAL-IP a K3s cluster shows.
const (
	svclbImage          = "twin.local/klipper-lb:v0.4.9-twin1" // scripts/build-k3s-image.sh
	svclbNamespace      = "kube-system"
	svclbServiceAccount = "svclb"
	svclbNameLabel      = "svccontroller.k3s.cattle.io/svcname"
	svclbNSLabel        = "svccontroller.k3s.cattle.io/svcnamespace"
	svclbEnableLabel    = "svccontroller.k3s.cattle.io/enablelb"
	svclbPoolLabel      = "svccontroller.k3s.cattle.io/lbpool"
	svclbSelectorLabel  = "svccontroller.k3s.cattle.io/nodeselector"
	svclbPriorityAnno   = "svccontroller.k3s.cattle.io/priorityclassname"
	svclbSourceAnno     = "service.beta.kubernetes.io/load-balancer-source-ranges"
)

// runServiceLB reconciles every LoadBalancer Service every 2 s (K3s reacts to watch events; the
// DaemonSet controller and the kubelet take longer than this lag to start a pod anyway).
func runServiceLB(kubeconfig string) {
	client, err := clientFor(kubeconfig)
	if err != nil {
		logf("servicelb: %v", err)
		return
	}
	ctx := context.Background()
	ensureSvclbAccount(ctx, client)
	for ; ; time.Sleep(2 * time.Second) {
		services, err := client.CoreV1().Services("").List(ctx, metav1.ListOptions{})
		if err != nil {
			continue
		}
		nodes, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			continue
		}
		wanted := map[string]bool{}
		for i := range services.Items {
			svc := &services.Items[i]
			if !isServiceLB(svc) {
				continue
			}
			ds := svclbDaemonSet(svc, nodes.Items)
			wanted[ds.Name] = true
			if err := applyDaemonSet(ctx, client, ds); err != nil {
				logf("servicelb: %s/%s: %v", svc.Namespace, svc.Name, err)
				continue
			}
			if err := updateLBStatus(ctx, client, svc); err != nil && !apierrors.IsConflict(err) {
				logf("servicelb: status of %s/%s: %v", svc.Namespace, svc.Name, err)
			}
		}
		removeStaleDaemonSets(ctx, client, wanted)
	}
}

// isServiceLB: a LoadBalancer Service with no load-balancer class of its own (one with a class is
// left to that class's controller, as K3s's cloud provider does).
func isServiceLB(svc *corev1.Service) bool {
	return svc.Spec.Type == corev1.ServiceTypeLoadBalancer && svc.Spec.LoadBalancerClass == nil && len(svc.UID) >= 8
}

func ensureSvclbAccount(ctx context.Context, client *kubernetes.Clientset) {
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: svclbServiceAccount, Namespace: svclbNamespace}}
	for ; ; time.Sleep(2 * time.Second) {
		_, err := client.CoreV1().ServiceAccounts(svclbNamespace).Create(ctx, sa, metav1.CreateOptions{})
		if err == nil || apierrors.IsAlreadyExists(err) {
			return
		}
	}
}

// svclbName is K3s's generateName: the Service's name cut to 48 characters (not at a dash) and
// the first 8 characters of its UID.
func svclbName(svc *corev1.Service) string {
	name := svc.Name
	if len(name) > 48 {
		name = strings.TrimRight(name[:48], "-")
	}
	return fmt.Sprintf("svclb-%s-%s", name, string(svc.UID)[:8])
}

// sourceRanges: spec.loadBalancerSourceRanges, else the annotation, else everyone.
func sourceRanges(svc *corev1.Service) string {
	ranges := svc.Spec.LoadBalancerSourceRanges
	if len(ranges) == 0 {
		if v := strings.TrimSpace(svc.Annotations[svclbSourceAnno]); v != "" {
			ranges = strings.Split(v, ",")
		}
	}
	var out []string
	for _, r := range ranges {
		if r = strings.TrimSpace(r); r != "" {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return "0.0.0.0/0"
	}
	return strings.Join(out, ",")
}

func localTraffic(svc *corev1.Service) bool {
	return svc.Spec.ExternalTrafficPolicy == corev1.ServiceExternalTrafficPolicyLocal
}

func svclbDaemonSet(svc *corev1.Service, nodes []corev1.Node) *appsv1.DaemonSet {
	name := svclbName(svc)
	one := intstr.FromInt32(1)
	no := false
	priority := "system-node-critical"
	if v, ok := svc.Annotations[svclbPriorityAnno]; ok {
		priority = v
	}
	ranges := sourceRanges(svc)
	security := &corev1.PodSecurityContext{}
	for _, family := range svc.Spec.IPFamilies {
		if family == corev1.IPv4Protocol {
			security.Sysctls = append(security.Sysctls, corev1.Sysctl{Name: "net.ipv4.ip_forward", Value: "1"})
		} else if family == corev1.IPv6Protocol {
			security.Sysctls = append(security.Sysctls, corev1.Sysctl{Name: "net.ipv6.conf.all.forwarding", Value: "1"})
			if ranges == "0.0.0.0/0" {
				ranges += ",::/0"
			}
		}
	}
	var containers []corev1.Container
	for _, port := range svc.Spec.Ports {
		portName := fmt.Sprintf("lb-%s-%d", strings.ToLower(string(port.Protocol)), port.Port)
		env := []corev1.EnvVar{
			{Name: "SRC_PORT", Value: strconv.Itoa(int(port.Port))},
			{Name: "SRC_RANGES", Value: ranges},
			{Name: "DEST_PROTO", Value: string(port.Protocol)},
		}
		if localTraffic(svc) {
			// Only to this node's own endpoints: through the node's node port.
			env = append(env,
				corev1.EnvVar{Name: "DEST_PORT", Value: strconv.Itoa(int(port.NodePort))},
				corev1.EnvVar{Name: "DEST_IPS", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "status.hostIPs"}}})
		} else {
			env = append(env,
				corev1.EnvVar{Name: "DEST_PORT", Value: strconv.Itoa(int(port.Port))},
				corev1.EnvVar{Name: "DEST_IPS", Value: strings.Join(svc.Spec.ClusterIPs, ",")})
		}
		containers = append(containers, corev1.Container{
			Name:            portName,
			Image:           svclbImage,
			ImagePullPolicy: corev1.PullIfNotPresent,
			Ports:           []corev1.ContainerPort{{Name: portName, ContainerPort: port.Port, HostPort: port.Port, Protocol: port.Protocol}},
			Env:             env,
			SecurityContext: &corev1.SecurityContext{Capabilities: &corev1.Capabilities{Add: []corev1.Capability{"NET_ADMIN"}}},
		})
	}
	labels := map[string]string{svclbSelectorLabel: "false", svclbNameLabel: svc.Name, svclbNSLabel: svc.Namespace}
	var nodeSelector map[string]string
	// Once any node carries the enablelb label, only nodes labelled "true" run the pods.
	for i := range nodes {
		if _, ok := nodes[i].Labels[svclbEnableLabel]; ok {
			nodeSelector = map[string]string{svclbEnableLabel: "true"}
			if pool := svc.Labels[svclbPoolLabel]; pool != "" {
				nodeSelector[svclbPoolLabel] = pool
			}
			labels[svclbSelectorLabel] = "true"
			break
		}
	}
	return &appsv1.DaemonSet{
		TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "DaemonSet"},
		ObjectMeta: metav1.ObjectMeta{
			// No owner reference: the Service may be in another namespace, and the garbage
			// collector deletes a dependent whose owner is not in its own namespace. A deleted
			// Service's DaemonSet is removed by removeStaleDaemonSets.
			Name: name, Namespace: svclbNamespace, Labels: labels,
		},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name, svclbNameLabel: svc.Name, svclbNSLabel: svc.Namespace}},
				Spec: corev1.PodSpec{
					PriorityClassName:            priority,
					ServiceAccountName:           svclbServiceAccount,
					AutomountServiceAccountToken: &no,
					SecurityContext:              security,
					NodeSelector:                 nodeSelector,
					Containers:                   containers,
					Tolerations: []corev1.Toleration{
						{Key: "node-role.kubernetes.io/master", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
						{Key: "node-role.kubernetes.io/control-plane", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
						{Key: "CriticalAddonsOnly", Operator: corev1.TolerationOpExists},
					},
				},
			},
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{
				Type:          appsv1.RollingUpdateDaemonSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxUnavailable: &one},
			},
		},
	}
}

// applyDaemonSet creates the DaemonSet, or updates it when the Service's ports, ranges or the
// nodes' enablelb labels changed what it should be.
func applyDaemonSet(ctx context.Context, client *kubernetes.Clientset, want *appsv1.DaemonSet) error {
	api := client.AppsV1().DaemonSets(svclbNamespace)
	have, err := api.Get(ctx, want.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = api.Create(ctx, want, metav1.CreateOptions{})
		if err == nil {
			logf("servicelb: applied DaemonSet %s/%s", svclbNamespace, want.Name)
		}
		return err
	}
	if err != nil {
		return err
	}
	if reflect.DeepEqual(have.Labels, want.Labels) && sameTemplate(&have.Spec.Template.Spec, &want.Spec.Template.Spec) {
		return nil
	}
	have.Labels = want.Labels
	have.Spec.Template = want.Spec.Template
	_, err = api.Update(ctx, have, metav1.UpdateOptions{})
	return err
}

// sameTemplate compares what this controller sets (the API server fills in defaults around it).
func sameTemplate(have, want *corev1.PodSpec) bool {
	if have.SecurityContext == nil || len(have.Containers) != len(want.Containers) || have.PriorityClassName != want.PriorityClassName ||
		!reflect.DeepEqual(have.NodeSelector, want.NodeSelector) || !reflect.DeepEqual(have.SecurityContext.Sysctls, want.SecurityContext.Sysctls) {
		return false
	}
	for i := range want.Containers {
		h, w := have.Containers[i], want.Containers[i]
		if h.Name != w.Name || h.Image != w.Image || !reflect.DeepEqual(h.Env, w.Env) || len(h.Ports) != 1 || h.Ports[0].HostPort != w.Ports[0].HostPort ||
			h.Ports[0].Protocol != w.Ports[0].Protocol {
			return false
		}
	}
	return true
}

// updateLBStatus lists, as the Service's ingress, the nodes whose svclb pod is Ready (their
// ExternalIPs if any node has one, else their InternalIPs; with externalTrafficPolicy Local only
// nodes with a Ready endpoint of the Service), and records an event when that list changes.
func updateLBStatus(ctx context.Context, client *kubernetes.Clientset, svc *corev1.Service) error {
	var readyNodes map[string]bool
	if localTraffic(svc) {
		readyNodes = map[string]bool{}
		slices, err := client.DiscoveryV1().EndpointSlices(svc.Namespace).List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=" + svc.Name})
		if err != nil {
			return err
		}
		for _, s := range slices.Items {
			for _, e := range s.Endpoints {
				if e.TargetRef != nil && e.TargetRef.Kind == "Pod" && e.Conditions.Ready != nil && *e.Conditions.Ready && e.NodeName != nil {
					readyNodes[*e.NodeName] = true
				}
			}
		}
	}
	pods, err := client.CoreV1().Pods(svclbNamespace).List(ctx, metav1.ListOptions{LabelSelector: svclbNameLabel + "=" + svc.Name + "," + svclbNSLabel + "=" + svc.Namespace})
	if err != nil {
		return err
	}
	external, internal := map[string]bool{}, map[string]bool{}
	for i := range pods.Items {
		pod := &pods.Items[i]
		if pod.Spec.NodeName == "" || pod.Status.PodIP == "" || !podReady(pod) || (readyNodes != nil && !readyNodes[pod.Spec.NodeName]) {
			continue
		}
		node, err := client.CoreV1().Nodes().Get(ctx, pod.Spec.NodeName, metav1.GetOptions{})
		if err != nil {
			continue
		}
		for _, a := range node.Status.Addresses {
			if a.Type == corev1.NodeExternalIP {
				external[a.Address] = true
			} else if a.Type == corev1.NodeInternalIP {
				internal[a.Address] = true
			}
		}
	}
	ips := internal
	if len(external) > 0 {
		ips = external
	}
	var list []string
	for ip := range ips {
		if (strings.Contains(ip, ":") && hasFamily(svc, corev1.IPv6Protocol)) || (!strings.Contains(ip, ":") && hasFamily(svc, corev1.IPv4Protocol)) {
			list = append(list, ip)
		}
	}
	sort.Strings(list)
	var ingress []corev1.LoadBalancerIngress
	for _, ip := range list {
		ingress = append(ingress, corev1.LoadBalancerIngress{IP: ip})
	}
	if reflect.DeepEqual(ingressIPs(svc.Status.LoadBalancer.Ingress), list) {
		return nil
	}
	before := ingressIPs(svc.Status.LoadBalancer.Ingress)
	updated := svc.DeepCopy()
	updated.Status.LoadBalancer.Ingress = ingress
	if _, err := client.CoreV1().Services(svc.Namespace).UpdateStatus(ctx, updated, metav1.UpdateOptions{}); err != nil {
		return err
	}
	reason, kind, message := "UpdatedLoadBalancer", corev1.EventTypeNormal, fmt.Sprintf("Updated LoadBalancer with new IPs: %v -> %v", before, list)
	if len(list) == 0 {
		reason, kind, message = "UnAvailableLoadBalancer", corev1.EventTypeWarning, "There are no available nodes for LoadBalancer"
	}
	recordServiceEvent(ctx, client, svc, kind, reason, message)
	return nil
}

func hasFamily(svc *corev1.Service, family corev1.IPFamily) bool {
	for _, f := range svc.Spec.IPFamilies {
		if f == family {
			return true
		}
	}
	return false
}

func ingressIPs(ingress []corev1.LoadBalancerIngress) []string {
	var out []string
	for _, i := range ingress {
		out = append(out, i.IP)
	}
	return out
}

func podReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func recordServiceEvent(ctx context.Context, client *kubernetes.Clientset, svc *corev1.Service, kind, reason, message string) {
	now := metav1.NewTime(time.Now())
	ev := &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{GenerateName: svc.Name + ".", Namespace: svc.Namespace},
		InvolvedObject: corev1.ObjectReference{Kind: "Service", Namespace: svc.Namespace, Name: svc.Name, UID: svc.UID, APIVersion: "v1", ResourceVersion: svc.ResourceVersion},
		Reason:         reason, Message: message, Type: kind, Count: 1,
		FirstTimestamp: now, LastTimestamp: now,
		Source: corev1.EventSource{Component: "service-lb-controller"},
	}
	_, _ = client.CoreV1().Events(svc.Namespace).Create(ctx, ev, metav1.CreateOptions{})
}

// removeStaleDaemonSets deletes the svclb DaemonSets of Services deleted or no longer of type
// LoadBalancer.
func removeStaleDaemonSets(ctx context.Context, client *kubernetes.Clientset, wanted map[string]bool) {
	list, err := client.AppsV1().DaemonSets(svclbNamespace).List(ctx, metav1.ListOptions{LabelSelector: svclbSelectorLabel})
	if err != nil {
		return
	}
	for _, ds := range list.Items {
		if wanted[ds.Name] || !strings.HasPrefix(ds.Name, "svclb-") {
			continue
		}
		// Every server runs this loop: another one may have created this DaemonSet after this
		// one listed the Services, so the Service is read again before its DaemonSet goes.
		svc, err := client.CoreV1().Services(ds.Labels[svclbNSLabel]).Get(ctx, ds.Labels[svclbNameLabel], metav1.GetOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			continue
		}
		if err == nil && isServiceLB(svc) && svclbName(svc) == ds.Name {
			continue
		}
		if err := client.AppsV1().DaemonSets(svclbNamespace).Delete(ctx, ds.Name, metav1.DeleteOptions{}); err == nil {
			logf("servicelb: deleted DaemonSet %s/%s", svclbNamespace, ds.Name)
		}
	}
}
