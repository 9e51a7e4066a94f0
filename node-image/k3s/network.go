package main

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// runNetwork is the pod network, in the manner of flannel's host-gw backend (every node
// container sits on one Docker bridge): a bridge CNI config for this node's pod CIDR, and a
// route to every other node's pod CIDR via that node's address.
func runNetwork(kubeconfig, name string, ip net.IP) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		logf("network: %v", err)
		return
	}
	client := kubernetes.NewForConfigOrDie(cfg)
	wroteCNI := ""
	masq := false
	for ; ; time.Sleep(5 * time.Second) {
		nodes, err := client.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{})
		if err != nil {
			continue
		}
		for i := range nodes.Items {
			n := &nodes.Items[i]
			if n.Spec.PodCIDR == "" {
				continue
			}
			if n.Name == name {
				if wroteCNI != n.Spec.PodCIDR {
					if err := writeCNI(n.Spec.PodCIDR); err != nil {
						logf("network: %v", err)
						continue
					}
					wroteCNI = n.Spec.PodCIDR
					logf("Wrote the CNI config for pod CIDR %s", n.Spec.PodCIDR)
				}
				continue
			}
			if via := internalIP(n); via != "" {
				if out, err := exec.Command("ip", "route", "replace", n.Spec.PodCIDR, "via", via).CombinedOutput(); err != nil {
					logf("network: route to %s via %s: %v: %s", n.Spec.PodCIDR, via, err, out)
				}
			}
		}
		if !masq {
			// Pods reaching addresses outside the cluster (the Rancher container, the host) leave with the node's address.
			rule := []string{"POSTROUTING", "-s", clusterCIDR, "!", "-d", clusterCIDR, "-m", "comment", "--comment", "twin pod egress", "-j", "MASQUERADE"}
			if exec.Command("iptables", append([]string{"-t", "nat", "-C"}, rule...)...).Run() != nil {
				if out, err := exec.Command("iptables", append([]string{"-t", "nat", "-A"}, rule...)...).CombinedOutput(); err != nil {
					logf("network: masquerade: %v: %s", err, out)
					continue
				}
			}
			masq = true
		}
	}
}

func internalIP(n *corev1.Node) string {
	for _, a := range n.Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			return a.Address
		}
	}
	return ""
}

func writeCNI(podCIDR string) error {
	_, subnet, err := net.ParseCIDR(podCIDR)
	if err != nil {
		return err
	}
	gw := make(net.IP, len(subnet.IP.To4()))
	copy(gw, subnet.IP.To4())
	gw[3]++
	conf := fmt.Sprintf(`{
  "cniVersion": "0.4.0",
  "name": "cbr0",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "cni0",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": { "type": "host-local", "ranges": [[{ "subnet": %q, "gateway": %q }]], "routes": [{ "dst": "0.0.0.0/0" }], "dataDir": "/var/lib/cni/networks" }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
`, subnet.String(), gw.String())
	return writeFile(filepath.Join(cniConfDir, "10-twin.conflist"), conf, 0o644)
}
