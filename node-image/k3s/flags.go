package main

import (
	"os"
	"strings"
)

// Flags holds K3s command-line flags: every occurrence of each (K3s flags such as --tls-san
// and --kubelet-arg repeat), read as `--name value` or `--name=value`.
type Flags map[string][]string

// boolFlags are the K3s flags that take no value.
var boolFlags = map[string]bool{
	"cluster-init": true, "disable-agent": true, "disable-network-policy": true, "disable-cloud-controller": true,
	"disable-kube-proxy": true, "disable-helm-controller": true, "disable-scheduler": true, "disable-apiserver": true,
	"disable-controller-manager": true, "disable-etcd": true, "secrets-encryption": true, "debug": true,
	"prefer-bundled-bin": true, "rootless": true, "selinux": true, "docker": true, "protect-kernel-defaults": true,
	"embedded-registry": true, "disable-default-registry-endpoint": true, "flannel-ipv6-masq": true,
}

func parseFlags(args []string) Flags {
	f := Flags{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			continue
		}
		name := strings.TrimLeft(a, "-")
		if k, v, ok := strings.Cut(name, "="); ok {
			f[k] = append(f[k], v)
			continue
		}
		if boolFlags[name] || i+1 >= len(args) || strings.HasPrefix(args[i+1], "--") {
			f[name] = append(f[name], "true")
			continue
		}
		f[name] = append(f[name], args[i+1])
		i++
	}
	return f
}

// get is the last value of a flag, else the environment variable, else the default.
func (f Flags) get(name, env, def string) string {
	if v := f[name]; len(v) > 0 {
		return v[len(v)-1]
	}
	if env != "" {
		if v := os.Getenv(env); v != "" {
			return v
		}
	}
	return def
}

func (f Flags) bool(name string) bool { v := f.get(name, "", "false"); return v == "true" || v == "1" }

// list is every value of a repeatable flag, comma-separated values split (as K3s's string slices).
func (f Flags) list(name string) []string {
	var out []string
	for _, v := range f[name] {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// extraArgs turns --kubelet-arg=a=b style values into --a=b, appended after the defaults so they win.
func (f Flags) extraArgs(name string) []string {
	var out []string
	for _, v := range f[name] {
		out = append(out, "--"+strings.TrimLeft(v, "-"))
	}
	return out
}
