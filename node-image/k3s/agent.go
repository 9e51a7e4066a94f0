package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

const (
	containerdSock = "/run/k3s/containerd/containerd.sock"
	// The pause image built by scripts/build-k3s-image.sh (no registry serves registry.k8s.io/pause here).
	pauseImage = "twin.local/pause:3.10"
	cniBinDir  = "/usr/lib/cni"
)

var (
	cniConfDir = filepath.Join(agentDir, "etc", "cni", "net.d")
	imagesDir  = filepath.Join(agentDir, "images")
)

func runAgentCommand(f Flags) int {
	server := f.get("server", "K3S_URL", "")
	token := f.get("token", "K3S_TOKEN", "")
	if server == "" || token == "" {
		return fatalf("an agent needs --server/K3S_URL and --token/K3S_TOKEN")
	}
	name := nodeName(f)
	ip, err := nodeIP(f)
	if err != nil {
		return fatalf("%v", err)
	}
	logf("Starting k3s agent %s on %s (%s)", Version, name, ip)
	u, err := url.Parse(server)
	if err != nil || u.Hostname() == "" {
		return fatalf("K3S_URL %q: not a URL", server)
	}
	fallback := u.Host
	if u.Port() == "" {
		fallback = net.JoinHostPort(u.Hostname(), "443")
	}
	lb, err := newLoadBalancer(agentLBAddress, fallback)
	if err != nil {
		return fatalf("agent load balancer: %v", err)
	}
	// The servers learned before a restart, so that the agent comes up while K3S_URL's is down
	// (K3s keeps them in agent/etc/k3s-agent-load-balancer.json).
	lb.statePath = filepath.Join(agentDir, "etc", "k3s-agent-load-balancer.json")
	known := lb.loadState()
	lb.SetServers(known)
	supervisors := []string{server}
	for _, s := range known {
		supervisors = append(supervisors, "https://"+s)
	}
	creds, err := fetchNodeCerts(supervisors, token, name, ip)
	if err != nil {
		return fatalf("%v", err)
	}
	kids := newChildren()
	if err := startAgent(kids, f, name, ip, "https://"+lb.Addr(), creds); err != nil {
		kids.stop()
		return fatalf("%v", err)
	}
	go watchAPIServers(context.Background(), filepath.Join(agentDir, "kubeproxy.kubeconfig"), lb)
	return kids.wait()
}

// fetchNodeCerts asks a server's supervisor for this node's certificates, trying each known
// server in turn and retrying while they start.
func fetchNodeCerts(servers []string, token, name string, ip net.IP) (*nodeCerts, error) {
	// The token authenticates the agent to the server; the CA it returns is then pinned for every
	// other connection (K3s verifies the CA against a hash in its secure token format instead).
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec
	body, _ := json.Marshal(certRequest{Node: name, IP: ip.String()})
	for attempt := 0; ; attempt++ {
		server := servers[attempt%len(servers)]
		endpoint, err := supervisorURL(server, "/v1-twin/node-certs")
		if err != nil {
			return nil, fmt.Errorf("K3S_URL %q: %v", server, err)
		}
		req, _ := http.NewRequest(http.MethodPost, endpoint, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err == nil {
			var certs nodeCerts
			switch {
			case resp.StatusCode == http.StatusUnauthorized:
				resp.Body.Close()
				return nil, fmt.Errorf("the server at %s refused this node's token", server)
			case resp.StatusCode == http.StatusOK:
				err = json.NewDecoder(resp.Body).Decode(&certs)
				resp.Body.Close()
				if err == nil {
					return &certs, nil
				}
			default:
				err = fmt.Errorf("%s answered %s", endpoint, resp.Status)
				resp.Body.Close()
			}
		}
		if attempt%10 == 0 {
			logf("Waiting for the server's supervisor at %s: %v", endpoint, err)
		}
		time.Sleep(2 * time.Second)
	}
}

// startAgent runs containerd, the kubelet, kube-proxy and the node's pod network.
func startAgent(kids *children, f Flags, name string, ip net.IP, server string, creds *nodeCerts) error {
	files := map[string]string{
		"server-ca.crt": creds.CA, "client-kubelet.crt": creds.KubeletCert, "client-kubelet.key": creds.KubeletKey,
		"serving-kubelet.crt": creds.ServingCert, "serving-kubelet.key": creds.ServingKey,
		"client-kube-proxy.crt": creds.ProxyCert, "client-kube-proxy.key": creds.ProxyKey,
	}
	for file, content := range files {
		if err := writeFile(filepath.Join(agentDir, file), content, 0o600); err != nil {
			return err
		}
	}
	kubeletKC := filepath.Join(agentDir, "kubelet.kubeconfig")
	proxyKC := filepath.Join(agentDir, "kubeproxy.kubeconfig")
	if err := writeKubeconfig(kubeletKC, server, []byte(creds.CA), filepath.Join(agentDir, "client-kubelet.crt"), filepath.Join(agentDir, "client-kubelet.key"), false, 0o600); err != nil {
		return err
	}
	if err := writeKubeconfig(proxyKC, server, []byte(creds.CA), filepath.Join(agentDir, "client-kube-proxy.crt"), filepath.Join(agentDir, "client-kube-proxy.key"), false, 0o600); err != nil {
		return err
	}
	for _, s := range [][2]string{{"/proc/sys/net/ipv4/ip_forward", "1"}, {"/proc/sys/net/bridge/bridge-nf-call-iptables", "1"}} {
		if err := os.WriteFile(s[0], []byte(s[1]), 0o644); err != nil {
			logf("sysctl %s: %v", s[0], err)
		}
	}
	ensureMachineID()
	if err := startContainerd(kids); err != nil {
		return err
	}

	labels := f.list("node-label")
	kubeletArgs := []string{
		"--address=0.0.0.0",
		// ServiceLB's pods set these sysctls (K3s pkg/daemons/agent/agent_linux.go allows them
		// unless the server runs with --disable=servicelb, which an agent here does not learn).
		"--allowed-unsafe-sysctls=net.ipv4.ip_forward,net.ipv6.conf.all.forwarding",
		"--anonymous-auth=false",
		"--authentication-token-webhook=true",
		"--authorization-mode=Webhook",
		"--cgroup-driver=cgroupfs",
		"--client-ca-file=" + filepath.Join(agentDir, "server-ca.crt"),
		"--cluster-dns=" + clusterDNS,
		"--cluster-domain=" + clusterDomain,
		"--container-runtime-endpoint=unix://" + containerdSock,
		"--eviction-hard=imagefs.available<5%,nodefs.available<5%",
		"--eviction-minimum-reclaim=imagefs.available=10%,nodefs.available=10%",
		"--fail-swap-on=false",
		// No image garbage collection: the kubelet would reckon the host's disk (the node's image
		// filesystem is on it), whose fill has nothing to do with the board's card, and an image it
		// removed could never be pulled again (no registry). K3s pins the images it imports from
		// air-gap tarballs so that the kubelet's garbage collection leaves them (docs.k3s.io
		// "Embedded Registry Mirror"; k3s-io/k3s#8781), but the Debian containerd here (1.6) reports
		// no pinned images to the kubelet (CRI pinning came in 1.7.3); so the kubelet's own switch: a
		// high threshold of 100 turns image garbage collection off (kubelet --help).
		"--image-gc-high-threshold=100",
		"--healthz-bind-address=127.0.0.1",
		"--hostname-override=" + name,
		"--kubeconfig=" + kubeletKC,
		"--node-ip=" + ip.String(),
		"--pod-manifest-path=" + filepath.Join(agentDir, "pod-manifests"),
		"--read-only-port=0",
		"--resolv-conf=" + resolvConf(),
		"--serialize-image-pulls=false",
		"--tls-cert-file=" + filepath.Join(agentDir, "serving-kubelet.crt"),
		"--tls-private-key-file=" + filepath.Join(agentDir, "serving-kubelet.key"),
	}
	if len(labels) > 0 {
		kubeletArgs = append(kubeletArgs, "--node-labels="+strings.Join(labels, ","))
	}
	if taints := f.list("node-taint"); len(taints) > 0 {
		kubeletArgs = append(kubeletArgs, "--register-with-taints="+strings.Join(taints, ","))
	}
	if err := os.MkdirAll(filepath.Join(agentDir, "pod-manifests"), 0o755); err != nil {
		return err
	}
	if err := kids.self("kubelet", append(kubeletArgs, f.extraArgs("kubelet-arg")...)...); err != nil {
		return err
	}
	if !f.bool("disable-kube-proxy") {
		if err := kids.self("kube-proxy", append([]string{
			"--cluster-cidr=" + clusterCIDR,
			"--conntrack-max-per-core=0",
			"--conntrack-tcp-timeout-close-wait=0s",
			"--conntrack-tcp-timeout-established=0s",
			"--healthz-bind-address=127.0.0.1",
			"--hostname-override=" + name,
			"--kubeconfig=" + proxyKC,
			"--proxy-mode=iptables",
		}, f.extraArgs("kube-proxy-arg")...)...); err != nil {
			return err
		}
	}
	go runNetwork(kubeletKC, name, ip)
	return nil
}

func writeFile(path, content string, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(content), mode)
}

// ensureMachineID gives the node the /etc/machine-id a booted system has (the kubelet reads it).
func ensureMachineID() {
	if _, err := os.Stat("/etc/machine-id"); err == nil {
		return
	}
	id := make([]byte, 16)
	if _, err := rand.Read(id); err == nil {
		_ = os.WriteFile("/etc/machine-id", []byte(hex.EncodeToString(id)+"\n"), 0o444)
	}
}

// resolvConf is what K3s gives the kubelet: the host's file unless it names a loopback resolver.
func resolvConf() string {
	raw, err := os.ReadFile("/etc/resolv.conf")
	if err == nil && !strings.Contains(string(raw), "nameserver 127.") {
		return "/etc/resolv.conf"
	}
	path := "/run/k3s/resolv.conf"
	_ = writeFile(path, "nameserver 8.8.8.8\n", 0o644)
	return path
}

// containerdConfig is K3s's template reduced to what this image needs, in containerd 1.6's
// version-2 format (Debian's containerd); paths as K3s's.
func containerdConfig() string {
	return fmt.Sprintf(`version = 2
root = %q
state = "/run/k3s/containerd"

[grpc]
  address = %q

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = %q
  enable_unprivileged_ports = true
  enable_unprivileged_icmp = true
  # A node container may lack CAP_SYS_RESOURCE (see node-image/runtime): never ask runc for an
  # oom_score_adj below containerd's own.
  restrict_oom_score_adj = true

[plugins."io.containerd.grpc.v1.cri".containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
  SystemdCgroup = false

[plugins."io.containerd.grpc.v1.cri".cni]
  bin_dir = %q
  conf_dir = %q
`, filepath.Join(agentDir, "containerd"), containerdSock, pauseImage, cniBinDir, cniConfDir)
}

func startContainerd(kids *children) error {
	cfg := filepath.Join(agentDir, "etc", "containerd", "config.toml")
	if err := writeFile(cfg, containerdConfig(), 0o644); err != nil {
		return err
	}
	if err := os.MkdirAll(cniConfDir, 0o755); err != nil {
		return err
	}
	_ = os.Remove(containerdSock)
	if err := kids.start("containerd", "containerd", "--config", cfg); err != nil {
		return err
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if err := exec.Command("ctr", "--address", containerdSock, "version").Run(); err == nil {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("containerd did not answer on %s", containerdSock)
		}
		time.Sleep(500 * time.Millisecond)
	}
	logf("Containerd is now running")
	// Airgap images, as K3s imports them from agent/images at start (no registry is needed). An
	// archive already imported unchanged (same size and modification time) into this node's
	// containerd is not imported again: its images are still there after a restart or a power
	// cycle, and re-reading the 290 MB archive would hold the kubelet's start for seconds.
	tars, _ := filepath.Glob(filepath.Join(imagesDir, "*.tar"))
	imported := 0
	for _, tar := range tars {
		stamp := importStamp(tar)
		done := filepath.Join(agentDir, "imported-"+filepath.Base(tar))
		if previous, err := os.ReadFile(done); err == nil && string(previous) == stamp {
			continue
		}
		out, err := exec.Command("ctr", "--address", containerdSock, "-n", "k8s.io", "images", "import", tar).CombinedOutput()
		if err != nil {
			return fmt.Errorf("importing %s: %v: %s", tar, err, out)
		}
		_ = os.WriteFile(done, []byte(stamp), 0o644)
		imported++
	}
	logf("Imported %d image archive(s) from %s (%d unchanged since their import)", imported, imagesDir, len(tars)-imported)
	return nil
}

// importStamp identifies an archive's content well enough to tell a new one from the one imported.
func importStamp(path string) string {
	info, err := os.Stat(path)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%d %d", info.Size(), info.ModTime().UnixNano())
}
