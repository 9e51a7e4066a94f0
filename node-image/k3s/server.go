package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/k3s-io/kine/pkg/endpoint"
)

var (
	tlsDir  = filepath.Join(serverDir, "tls")
	credDir = filepath.Join(serverDir, "cred")
)

// serverCerts writes the CA, the serving certificate and the components' client certificates.
func serverCerts(f Flags, name string, ip net.IP) (*authority, error) {
	ca, err := loadOrCreateCA(tlsDir)
	if err != nil {
		return nil, err
	}
	dns := []string{"kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc." + clusterDomain, "localhost", name}
	if host, err := os.Hostname(); err == nil && host != name {
		dns = append(dns, host) // agents reach the server by its container name (k3d's K3S_URL)
	}
	ips := []net.IP{net.ParseIP("127.0.0.1"), ip, net.ParseIP("10.43.0.1")}
	for _, san := range f.list("tls-san") {
		if p := net.ParseIP(san); p != nil {
			ips = append(ips, p)
		} else {
			dns = append(dns, san)
		}
	}
	// The serving certificate is reissued at every start, so new --tls-san values take effect.
	_ = os.Remove(filepath.Join(tlsDir, "serving-kube-apiserver.crt"))
	for file, l := range map[string]leaf{
		"serving-kube-apiserver": {commonName: "kube-apiserver", dnsNames: dns, ips: ips, server: true},
		"client-admin":           {commonName: "system:admin", orgs: []string{"system:masters"}, client: true},
		"client-controller":      {commonName: "system:kube-controller-manager", client: true},
		"client-scheduler":       {commonName: "system:kube-scheduler", client: true},
		"client-kube-apiserver":  {commonName: "system:apiserver", orgs: []string{"system:masters"}, client: true},
		"client-supervisor":      {commonName: "system:k3s-supervisor", orgs: []string{"system:masters"}, client: true},
		// The aggregator's client certificate towards extension API servers (metrics-server).
		"client-auth-proxy": {commonName: "system:auth-proxy", client: true},
	} {
		if err := ca.issueFile(tlsDir, file, l); err != nil {
			return nil, err
		}
	}
	if _, err := ensureKey(filepath.Join(tlsDir, "service.key")); err != nil {
		return nil, err
	}
	return ca, nil
}

func runServer(f Flags) int {
	token := f.get("token", "K3S_TOKEN", "")
	if token == "" {
		return fatalf("a token is required (--token or K3S_TOKEN)")
	}
	name := nodeName(f)
	ip, err := nodeIP(f)
	if err != nil {
		return fatalf("%v", err)
	}
	port := f.get("https-listen-port", "", "6443")
	logf("Starting k3s %s (server) on %s (%s)", Version, name, ip)
	ctx := context.Background()

	// Embedded etcd: --cluster-init founds the cluster, --server (K3S_URL) joins it, and a
	// server that has run etcd before keeps using it, as K3s does.
	join := f.get("server", "K3S_URL", "")
	member := etcdMember{NodeName: name, DataDir: etcdDir, IP: ip, ClientPort: etcdClientPort, PeerPort: etcdPeerPort}
	useEtcd := f.bool("cluster-init") || join != "" || member.initialized()
	var joinURLs []string
	if useEtcd && join != "" && !member.initialized() {
		endpoint, err := supervisorURL(join, bootstrapPath)
		if err != nil {
			return fatalf("--server: %v", err)
		}
		boot, err := fetchBootstrap(ctx, endpoint, token, tlsDir)
		if err != nil {
			return fatalf("server bootstrap: %v", err)
		}
		joinURLs = boot.EtcdClientURLs
	}

	ca, err := serverCerts(f, name, ip)
	if err != nil {
		return fatalf("certificates: %v", err)
	}
	local := "https://127.0.0.1:" + port
	for _, k := range []string{"controller", "scheduler", "supervisor"} {
		if err := writeKubeconfig(filepath.Join(credDir, k+".kubeconfig"), local, ca.certPEM, filepath.Join(tlsDir, "client-"+k+".crt"), filepath.Join(tlsDir, "client-"+k+".key"), false, 0o600); err != nil {
			return fatalf("kubeconfig: %v", err)
		}
	}

	if err := os.MkdirAll(filepath.Join(serverDir, "db"), 0o700); err != nil {
		return fatalf("%v", err)
	}
	kids := newChildren()
	var (
		etcdServers []string
		etcdArgs    []string
		leaderElect string
		supervised  *etcdMember
	)
	if useEtcd {
		if member.TLS, err = etcdCerts(tlsDir, name, ip); err != nil {
			return fatalf("etcd certificates: %v", err)
		}
		e, err := startEtcd(ctx, member, joinURLs)
		if err != nil {
			return fatalf("etcd: %v", err)
		}
		// Closed on the way out, so a stopping leader hands leadership over at once rather
		// than leaving its peers to wait out the election timeout.
		defer e.Close()
		go func() {
			if err, ok := <-e.Err(); ok {
				kids.done <- fmt.Sprintf("etcd exited: %v", err)
			}
		}()
		// kube-apiserver talks to the local member only, as in K3s.
		etcdServers = []string{member.LocalClientURL()}
		etcdArgs = []string{"--etcd-cafile=" + member.TLS.CAFile, "--etcd-certfile=" + member.TLS.CertFile, "--etcd-keyfile=" + member.TLS.KeyFile}
		leaderElect = "true" // K3s leaves leader election on with etcd: several servers run controllers
		supervised = &member
	} else {
		datastore := f.get("datastore-endpoint", "K3S_DATASTORE_ENDPOINT", "sqlite://"+filepath.Join(serverDir, "db", "state.db")+"?_journal=WAL&cache=shared&_busy_timeout=30000")
		etcd, err := endpoint.Listen(ctx, endpoint.Config{
			Endpoint: datastore,
			Listener: "unix://" + filepath.Join(serverDir, "kine.sock"),
			// K3s's defaults: watch progress notifications every 5 s, and the etcd version kine reports.
			NotifyInterval:      5 * time.Second,
			EmulatedETCDVersion: "3.5.13",
		})
		if err != nil {
			return fatalf("datastore: %v", err)
		}
		etcdServers = etcd.Endpoints
		leaderElect = strconv.FormatBool(etcd.LeaderElect) // K3s turns leader election off on SQLite
	}

	apiserverArgs := []string{
		"--advertise-address=" + ip.String(),
		"--allow-privileged=true",
		"--anonymous-auth=false",
		"--api-audiences=https://kubernetes.default.svc." + clusterDomain + ",k3s",
		"--authorization-mode=Node,RBAC",
		"--bind-address=0.0.0.0",
		"--client-ca-file=" + filepath.Join(tlsDir, "ca.crt"),
		"--enable-admission-plugins=NodeRestriction",
		"--etcd-servers=" + strings.Join(etcdServers, ","),
	}
	apiserverArgs = append(apiserverArgs, etcdArgs...)
	apiserverArgs = append(apiserverArgs,
		"--kubelet-client-certificate="+filepath.Join(tlsDir, "client-kube-apiserver.crt"),
		"--kubelet-client-key="+filepath.Join(tlsDir, "client-kube-apiserver.key"),
		"--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
		"--profiling=false",
		// The aggregation layer, for metrics-server's Metrics API (K3s gives it a request-header
		// CA of its own; here the cluster CA signs the proxy's client certificate). K3s has the
		// aggregator dial an extension API server's endpoints, not its Service's cluster IP
		// (pkg/daemons/control/server.go: enable-aggregator-routing whenever the egress selector
		// is on, its default): a cluster IP is only reachable once kube-proxy has written its
		// rules, and a connection dialled before that is kept by the aggregator's transport.
		"--enable-aggregator-routing=true",
		"--proxy-client-cert-file="+filepath.Join(tlsDir, "client-auth-proxy.crt"),
		"--proxy-client-key-file="+filepath.Join(tlsDir, "client-auth-proxy.key"),
		"--requestheader-allowed-names=system:auth-proxy",
		"--requestheader-client-ca-file="+filepath.Join(tlsDir, "ca.crt"),
		"--requestheader-extra-headers-prefix=X-Remote-Extra-",
		"--requestheader-group-headers=X-Remote-Group",
		"--requestheader-username-headers=X-Remote-User",
		"--secure-port="+port,
		"--service-account-issuer=https://kubernetes.default.svc."+clusterDomain,
		"--service-account-key-file="+filepath.Join(tlsDir, "service.key"),
		"--service-account-signing-key-file="+filepath.Join(tlsDir, "service.key"),
		"--service-cluster-ip-range="+serviceCIDR,
		"--service-node-port-range=30000-32767",
		"--storage-backend=etcd3",
		"--tls-cert-file="+filepath.Join(tlsDir, "serving-kube-apiserver.crt"),
		"--tls-private-key-file="+filepath.Join(tlsDir, "serving-kube-apiserver.key"),
	)
	logf("Running kube-apiserver")
	if err := kids.self("kube-apiserver", append(apiserverArgs, f.extraArgs("kube-apiserver-arg")...)...); err != nil {
		return fatalf("%v", err)
	}
	ready := make(chan error, 1)
	go func() {
		ready <- waitHTTPS(local+"/readyz", ca.certPEM, filepath.Join(tlsDir, "client-admin.crt"), filepath.Join(tlsDir, "client-admin.key"), 10*time.Minute)
	}()
	select {
	case err := <-ready:
		if err != nil {
			kids.stop()
			return fatalf("kube-apiserver did not become ready: %v", err)
		}
	case msg := <-kids.done:
		kids.stop()
		return fatalf("%s", msg)
	}
	logf("Kube API server is now running")

	ctrl := filepath.Join(credDir, "controller.kubeconfig")
	if err := kids.self("kube-controller-manager", append([]string{
		"--allocate-node-cidrs=true",
		"--authentication-kubeconfig=" + ctrl,
		"--authorization-kubeconfig=" + ctrl,
		"--bind-address=127.0.0.1",
		"--cluster-cidr=" + clusterCIDR,
		"--cluster-signing-cert-file=" + filepath.Join(tlsDir, "ca.crt"),
		"--cluster-signing-key-file=" + filepath.Join(tlsDir, "ca.key"),
		"--configure-cloud-routes=false",
		"--controllers=*,tokencleaner,-service,-route,-cloud-node-lifecycle",
		"--kubeconfig=" + ctrl,
		"--leader-elect=" + leaderElect,
		"--profiling=false",
		"--root-ca-file=" + filepath.Join(tlsDir, "ca.crt"),
		"--secure-port=10257",
		"--service-account-private-key-file=" + filepath.Join(tlsDir, "service.key"),
		"--service-cluster-ip-range=" + serviceCIDR,
		"--use-service-account-credentials=true",
	}, f.extraArgs("kube-controller-manager-arg")...)...); err != nil {
		return fatalf("%v", err)
	}
	sched := filepath.Join(credDir, "scheduler.kubeconfig")
	if err := kids.self("kube-scheduler", append([]string{
		"--authentication-kubeconfig=" + sched,
		"--authorization-kubeconfig=" + sched,
		"--bind-address=127.0.0.1",
		"--kubeconfig=" + sched,
		"--leader-elect=" + leaderElect,
		"--profiling=false",
		"--secure-port=10259",
	}, f.extraArgs("kube-scheduler-arg")...)...); err != nil {
		return fatalf("%v", err)
	}

	if err := writeAdminKubeconfigs(f, local, ca); err != nil {
		kids.stop()
		return fatalf("kubeconfig: %v", err)
	}
	if err := writeCoreDNSManifest(f); err != nil {
		logf("coredns manifest: %v", err)
	}
	if err := writeMetricsServerManifest(f); err != nil {
		logf("metrics-server manifest: %v", err)
	}
	if err := writeTraefikManifest(f); err != nil {
		logf("traefik manifest: %v", err)
	}
	go serveSupervisor(ca, token, supervised)
	go runLocalPath(filepath.Join(credDir, "supervisor.kubeconfig"))
	go applyDefaults(filepath.Join(credDir, "supervisor.kubeconfig"))
	if !f.bool("disable-agent") {
		go labelServerNode(filepath.Join(credDir, "supervisor.kubeconfig"), name, useEtcd)
	}
	go runDeployController(filepath.Join(credDir, "supervisor.kubeconfig"))
	if !disabled(f, "servicelb") {
		go runServiceLB(filepath.Join(credDir, "supervisor.kubeconfig"))
	}

	if !f.bool("disable-agent") {
		creds, err := issueNodeCerts(ca, name, ip)
		if err != nil {
			kids.stop()
			return fatalf("agent certificates: %v", err)
		}
		if err := startAgent(kids, f, name, ip, local, creds); err != nil {
			kids.stop()
			return fatalf("agent: %v", err)
		}
	}
	logf("k3s is up and running")
	return kids.wait()
}

// writeAdminKubeconfigs writes /etc/rancher/k3s/k3s.yaml and K3S_KUBECONFIG_OUTPUT (k3d reads that one).
func writeAdminKubeconfigs(f Flags, server string, ca *authority) error {
	mode := os.FileMode(0o600)
	if m := f.get("write-kubeconfig-mode", "K3S_KUBECONFIG_MODE", ""); m != "" {
		v, err := strconv.ParseUint(m, 8, 32)
		if err != nil {
			return fmt.Errorf("--write-kubeconfig-mode %q: %v", m, err)
		}
		mode = os.FileMode(v)
	}
	paths := []string{adminKubeconfig}
	if out := f.get("write-kubeconfig", "K3S_KUBECONFIG_OUTPUT", ""); out != "" {
		paths = append(paths, out)
	}
	for _, p := range paths {
		if err := writeKubeconfig(p, server, ca.certPEM, filepath.Join(tlsDir, "client-admin.crt"), filepath.Join(tlsDir, "client-admin.key"), true, mode); err != nil {
			return err
		}
	}
	return nil
}

// nodeCerts is what an agent receives from the supervisor.
type nodeCerts struct {
	CA          string `json:"ca"`
	KubeletCert string `json:"kubeletCert"`
	KubeletKey  string `json:"kubeletKey"`
	ServingCert string `json:"servingCert"`
	ServingKey  string `json:"servingKey"`
	ProxyCert   string `json:"proxyCert"`
	ProxyKey    string `json:"proxyKey"`
}

type certRequest struct {
	Node string `json:"node"`
	IP   string `json:"ip"`
}

func issueNodeCerts(ca *authority, name string, ip net.IP) (*nodeCerts, error) {
	kc, kk, err := ca.sign(leaf{commonName: "system:node:" + name, orgs: []string{"system:nodes"}, client: true})
	if err != nil {
		return nil, err
	}
	sc, sk, err := ca.sign(leaf{commonName: name, dnsNames: []string{name, "localhost"}, ips: []net.IP{ip, net.ParseIP("127.0.0.1")}, server: true})
	if err != nil {
		return nil, err
	}
	pc, pk, err := ca.sign(leaf{commonName: "system:kube-proxy", client: true})
	if err != nil {
		return nil, err
	}
	return &nodeCerts{CA: string(ca.certPEM), KubeletCert: string(kc), KubeletKey: string(kk), ServingCert: string(sc), ServingKey: string(sk), ProxyCert: string(pc), ProxyKey: string(pk)}, nil
}

// serveSupervisor answers agents' certificate requests, authenticated by the cluster token.
// With embedded etcd it also answers joining servers (bootstrap.go).
func serveSupervisor(ca *authority, token string, member *etcdMember) {
	cert, err := tls.LoadX509KeyPair(filepath.Join(tlsDir, "serving-kube-apiserver.crt"), filepath.Join(tlsDir, "serving-kube-apiserver.key"))
	if err != nil {
		fatalf("supervisor: %v", err)
		os.Exit(1)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1-twin/node-certs", func(w http.ResponseWriter, r *http.Request) {
		if !tokenMatches(r, token) {
			http.Error(w, "token does not match the server's", http.StatusUnauthorized)
			return
		}
		var req certRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Node == "" || net.ParseIP(req.IP) == nil {
			http.Error(w, "want {node, ip}", http.StatusBadRequest)
			return
		}
		certs, err := issueNodeCerts(ca, req.Node, net.ParseIP(req.IP))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		logf("Issued certificates for node %s (%s)", req.Node, req.IP)
		_ = json.NewEncoder(w).Encode(certs)
	})
	if member != nil {
		mux.HandleFunc(bootstrapPath, bootstrapHandler(tlsDir, token, *member))
	}
	srv := &http.Server{Addr: fmt.Sprintf(":%d", supervisorPort), Handler: mux, TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}, ReadHeaderTimeout: 10 * time.Second}
	if err := srv.ListenAndServeTLS("", ""); err != nil {
		fatalf("supervisor: %v", err)
		os.Exit(1)
	}
}
