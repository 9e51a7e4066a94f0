package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// The storage class K3s ships (rancher/local-path-provisioner): node-local directories,
// bound when the first pod is scheduled.
const (
	localPathClass       = "local-path"
	localPathProvisioner = "rancher.io/local-path"
	localPathRoot        = "/var/lib/rancher/k3s/storage"
	selectedNodeAnno     = "volume.kubernetes.io/selected-node"
)

func clientFor(kubeconfig string) (*kubernetes.Clientset, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, err
	}
	return kubernetes.NewForConfig(cfg)
}

// applyDefaults creates the objects K3s's packaged manifests would: the local-path StorageClass.
func applyDefaults(kubeconfig string) {
	client, err := clientFor(kubeconfig)
	if err != nil {
		logf("defaults: %v", err)
		return
	}
	bind := storagev1.VolumeBindingWaitForFirstConsumer
	reclaim := corev1.PersistentVolumeReclaimDelete
	sc := &storagev1.StorageClass{
		ObjectMeta:        metav1.ObjectMeta{Name: localPathClass, Annotations: map[string]string{"storageclass.kubernetes.io/is-default-class": "true"}},
		Provisioner:       localPathProvisioner,
		VolumeBindingMode: &bind,
		ReclaimPolicy:     &reclaim,
	}
	for {
		_, err := client.StorageV1().StorageClasses().Create(context.Background(), sc, metav1.CreateOptions{})
		if err == nil || apierrors.IsAlreadyExists(err) {
			return
		}
		time.Sleep(2 * time.Second)
	}
}

// labelServerNode gives the server's own node the role labels K3s sets on servers, so kubectl,
// k9s and Rancher show it as control-plane,master.
func labelServerNode(kubeconfig, name string, etcd bool) {
	client, err := clientFor(kubeconfig)
	if err != nil {
		logf("node labels: %v", err)
		return
	}
	// A server with an embedded etcd member also carries the etcd role, as K3s labels it.
	roles := `"node-role.kubernetes.io/control-plane":"true","node-role.kubernetes.io/master":"true"`
	if etcd {
		roles += `,"node-role.kubernetes.io/etcd":"true"`
	}
	patch := []byte(`{"metadata":{"labels":{` + roles + `}}}`)
	for ; ; time.Sleep(2 * time.Second) {
		if _, err := client.CoreV1().Nodes().Patch(context.Background(), name, types.StrategicMergePatchType, patch, metav1.PatchOptions{}); err == nil {
			return
		}
	}
}

// runLocalPath provisions a hostPath volume on the selected node for each waiting claim.
func runLocalPath(kubeconfig string) {
	client, err := clientFor(kubeconfig)
	if err != nil {
		logf("local-path: %v", err)
		return
	}
	ctx := context.Background()
	for ; ; time.Sleep(2 * time.Second) {
		claims, err := client.CoreV1().PersistentVolumeClaims("").List(ctx, metav1.ListOptions{})
		if err != nil {
			continue
		}
		for i := range claims.Items {
			pvc := &claims.Items[i]
			node := pvc.Annotations[selectedNodeAnno]
			if pvc.Status.Phase != corev1.ClaimPending || node == "" || pvc.Spec.StorageClassName == nil || *pvc.Spec.StorageClassName != localPathClass {
				continue
			}
			name := "pvc-" + string(pvc.UID)
			if _, err := client.CoreV1().PersistentVolumes().Get(ctx, name, metav1.GetOptions{}); err == nil {
				continue
			}
			dirType := corev1.HostPathDirectoryOrCreate
			pv := &corev1.PersistentVolume{
				ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: map[string]string{"pv.kubernetes.io/provisioned-by": localPathProvisioner}},
				Spec: corev1.PersistentVolumeSpec{
					Capacity:                      pvc.Spec.Resources.Requests,
					AccessModes:                   pvc.Spec.AccessModes,
					PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimDelete,
					StorageClassName:              localPathClass,
					ClaimRef:                      &corev1.ObjectReference{Kind: "PersistentVolumeClaim", Namespace: pvc.Namespace, Name: pvc.Name, UID: pvc.UID, APIVersion: "v1"},
					PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{
						Path: filepath.Join(localPathRoot, fmt.Sprintf("%s_%s_%s", name, pvc.Namespace, pvc.Name)), Type: &dirType,
					}},
					NodeAffinity: &corev1.VolumeNodeAffinity{Required: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
						MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "kubernetes.io/hostname", Operator: corev1.NodeSelectorOpIn, Values: []string{node}}},
					}}}},
				},
			}
			if _, err := client.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
				logf("local-path: %s/%s: %v", pvc.Namespace, pvc.Name, err)
				continue
			}
			logf("local-path: provisioned %s for %s/%s on %s", name, pvc.Namespace, pvc.Name, node)
		}
	}
}
