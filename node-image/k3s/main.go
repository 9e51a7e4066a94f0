// Command k3s is a K3s-compatible node binary for twin's k3d engine, assembled from upstream
// Kubernetes components because the K3s module itself cannot be fetched here (see ../README.md).
//
// It is a multi-call binary like K3s: `k3s server`, `k3s agent` and `kubectl` (argv[0] or
// `k3s kubectl`). The control-plane components run as child processes of the same binary
// (`k3s kube-apiserver …`), each with the arguments K3s gives them.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"k8s.io/component-base/cli"
	kubectl "k8s.io/kubectl/pkg/cmd"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	kcm "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	proxy "k8s.io/kubernetes/cmd/kube-proxy/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
	kubelet "k8s.io/kubernetes/cmd/kubelet/app"
)

// Version is the Kubernetes release these components come from, with twin's suffix (set by the build).
var Version = "v1.31.4+twin1"

func main() {
	args := os.Args[1:]
	if filepath.Base(os.Args[0]) == "kubectl" {
		os.Exit(runKubectl(args))
	}
	sub := ""
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	} else if os.Getenv("K3S_URL") != "" {
		sub = "agent"
	} else {
		sub = "server"
	}
	switch sub {
	case "server", "agent":
		if os.Getenv(serviceEnv) != "1" {
			os.Exit(runService(sub, args))
		}
		if sub == "server" {
			os.Exit(runServer(parseFlags(args)))
		}
		os.Exit(runAgentCommand(parseFlags(args)))
	case "service":
		os.Exit(serviceCommand(args))
	case "kubectl":
		os.Exit(runKubectl(args))
	case "--version", "-v", "version":
		fmt.Printf("k3s version %s (twin node image: upstream Kubernetes components)\n", Version)
	case "kube-apiserver":
		os.Exit(component(apiserver.NewAPIServerCommand(), args))
	case "kube-controller-manager":
		os.Exit(component(kcm.NewControllerManagerCommand(), args))
	case "kube-scheduler":
		os.Exit(component(scheduler.NewSchedulerCommand(), args))
	case "kubelet":
		os.Exit(component(kubelet.NewKubeletCommand(), args))
	case "kube-proxy":
		os.Exit(component(proxy.NewProxyCommand(), args))
	default:
		fmt.Fprintf(os.Stderr, "k3s: unknown command %q (this image supports server, agent, kubectl)\n", sub)
		os.Exit(2)
	}
}

func component(cmd *cobra.Command, args []string) int {
	cmd.SetArgs(args)
	return cli.Run(cmd)
}

// runKubectl is kubectl with K3s's default kubeconfig when none is given.
func runKubectl(args []string) int {
	if os.Getenv("KUBECONFIG") == "" {
		if _, err := os.Stat(adminKubeconfig); err == nil {
			os.Setenv("KUBECONFIG", adminKubeconfig)
		}
	}
	cmd := kubectl.NewDefaultKubectlCommand()
	cmd.SetArgs(args)
	return cli.Run(cmd)
}
