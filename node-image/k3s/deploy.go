package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
)

// runDeployController applies every manifest in the server's manifests directory, and applies a
// file again whenever it changes, as K3s's deploy controller does with the packaged components'
// manifests and with any file a user drops there. Objects are server-side applied under the
// field manager "k3s-deploy", so a later edit of the file wins over an earlier one; a document
// that cannot be applied yet (its API not served, its namespace not there) is tried again.
func runDeployController(kubeconfig string) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		logf("deploy: %v", err)
		return
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		logf("deploy: %v", err)
		return
	}
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		logf("deploy: %v", err)
		return
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disc))
	applied := map[string][]byte{}
	dir := filepath.Join(serverDir, "manifests")
	for ; ; time.Sleep(2 * time.Second) {
		// Subdirectories too: K3s keeps metrics-server's manifests in one of their own.
		var files []string
		_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && (strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
				files = append(files, path)
			}
			return nil
		})
		sort.Strings(files)
		for _, file := range files {
			raw, err := os.ReadFile(file)
			if err != nil || bytes.Equal(raw, applied[file]) {
				continue
			}
			if err := applyManifest(dyn, mapper, raw); err != nil {
				mapper.Reset()
				logf("deploy %s: %v (will retry)", filepath.Base(file), err)
				continue
			}
			applied[file] = raw
			logf("Applied manifest %s", filepath.Base(file))
			if filepath.Base(file) == "coredns.yaml" {
				// k3d waits for this line before it carries on (it rewrote the file's NodeHosts).
				logf("Cluster dns configmap has been set successfully")
			}
		}
	}
}

// applyManifest server-side applies each document of a multi-document YAML file.
func applyManifest(dyn dynamic.Interface, mapper *restmapper.DeferredDiscoveryRESTMapper, raw []byte) error {
	decoder := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(raw), 4096)
	var failed []string
	for {
		var obj unstructured.Unstructured
		if err := decoder.Decode(&obj.Object); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return err
		}
		if len(obj.Object) == 0 {
			continue
		}
		gvk := obj.GroupVersionKind()
		mapping, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			failed = append(failed, gvk.Kind+"/"+obj.GetName()+": "+err.Error())
			continue
		}
		body, err := obj.MarshalJSON()
		if err != nil {
			return err
		}
		resource := dyn.Resource(mapping.Resource)
		var client dynamic.ResourceInterface = resource
		if mapping.Scope.Name() == "namespace" {
			ns := obj.GetNamespace()
			if ns == "" {
				ns = "default"
			}
			client = resource.Namespace(ns)
		}
		force := true
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, err = client.Patch(ctx, obj.GetName(), types.ApplyPatchType, body, metav1.PatchOptions{FieldManager: "k3s-deploy", Force: &force})
		cancel()
		if err != nil {
			failed = append(failed, gvk.Kind+"/"+obj.GetName()+": "+err.Error())
		}
	}
	if len(failed) > 0 {
		return errors.New(strings.Join(failed, "; "))
	}
	return nil
}
