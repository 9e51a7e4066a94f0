package main

import (
	"context"
	"os"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// syncDNSConfigMap applies manifests/coredns.yaml's ConfigMap whenever the file changes, as
// K3s's deploy controller does; k3d rewrites it to add host records and waits for K3s's
// "Cluster dns configmap" message.
func syncDNSConfigMap(kubeconfig string) {
	path := filepath.Join(serverDir, "manifests", "coredns.yaml")
	client, err := clientFor(kubeconfig)
	if err != nil {
		logf("coredns configmap: %v", err)
		return
	}
	var applied time.Time
	for ; ; time.Sleep(time.Second) {
		info, err := os.Stat(path)
		if err != nil || !info.ModTime().After(applied) {
			continue
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		var cm corev1.ConfigMap
		if err := yaml.Unmarshal(raw, &cm); err != nil || cm.Kind != "ConfigMap" {
			logf("coredns configmap: %s holds no ConfigMap: %v", path, err)
			applied = info.ModTime()
			continue
		}
		ctx := context.Background()
		existing, err := client.CoreV1().ConfigMaps("kube-system").Get(ctx, "coredns", metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			_, err = client.CoreV1().ConfigMaps("kube-system").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "coredns", Namespace: "kube-system"}, Data: cm.Data}, metav1.CreateOptions{})
		case err == nil:
			existing.Data = cm.Data
			_, err = client.CoreV1().ConfigMaps("kube-system").Update(ctx, existing, metav1.UpdateOptions{})
		}
		if err != nil {
			continue
		}
		applied = info.ModTime()
		logf("Cluster dns configmap has been set successfully")
	}
}
