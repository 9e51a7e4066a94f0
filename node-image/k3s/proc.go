package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Paths as K3s lays them out, so anything written for K3s (and k3d) finds its files.
const (
	dataDir         = "/var/lib/rancher/k3s"
	serverDir       = dataDir + "/server"
	agentDir        = dataDir + "/agent"
	adminKubeconfig = "/etc/rancher/k3s/k3s.yaml"
	// K3s's documented defaults for the pod and service networks, cluster DNS address and domain.
	clusterCIDR   = "10.42.0.0/16"
	serviceCIDR   = "10.43.0.0/16"
	clusterDNS    = "10.43.0.10"
	clusterDomain = "cluster.local"
	// The supervisor port where agents fetch their certificates (K3s multiplexes this on 6443).
	supervisorPort = 6442
)

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "time=%q level=info msg=%q\n", time.Now().UTC().Format(time.RFC3339), fmt.Sprintf(format, args...))
}

func fatalf(format string, args ...any) int {
	fmt.Fprintf(os.Stderr, "time=%q level=fatal msg=%q\n", time.Now().UTC().Format(time.RFC3339), fmt.Sprintf(format, args...))
	return 1
}

// children runs the components as child processes; when one exits, the node process exits
// too (as K3s does when a component fails), and a SIGTERM stops them all.
type children struct {
	mu    sync.Mutex
	procs []*exec.Cmd
	done  chan string
}

func newChildren() *children { return &children{done: make(chan string, 16)} }

func (c *children) start(name string, path string, args ...string) error {
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", name, err)
	}
	c.mu.Lock()
	c.procs = append(c.procs, cmd)
	c.mu.Unlock()
	logf("Running %s %s", name, strings.Join(args, " "))
	go func() {
		err := cmd.Wait()
		c.done <- fmt.Sprintf("%s exited: %v", name, err)
	}()
	return nil
}

// self starts a component of this binary (k3s kube-apiserver …).
func (c *children) self(name string, args ...string) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	return c.start(name, exe, append([]string{name}, args...)...)
}

func (c *children) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.procs {
		if p.Process != nil {
			_ = p.Process.Signal(syscall.SIGTERM)
		}
	}
	// Give them 10 s to stop, as K3s's shutdown does, then kill what is left.
	deadline := time.Now().Add(10 * time.Second)
	for _, p := range c.procs {
		for p.ProcessState == nil && p.Process.Signal(syscall.Signal(0)) == nil && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		_ = p.Process.Kill()
	}
}

// wait blocks until a child exits (exit 1) or a signal arrives (exit 0).
func (c *children) wait() int {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	select {
	case msg := <-c.done:
		c.stop()
		return fatalf("%s", msg)
	case s := <-sig:
		logf("Received %s, shutting down", s)
		c.stop()
		return 0
	}
}

// nodeName follows K3s: --node-name, then K3S_NODE_NAME, then the hostname (k3d sets it to the container name).
func nodeName(f Flags) string {
	h, _ := os.Hostname()
	return strings.ToLower(f.get("node-name", "K3S_NODE_NAME", h))
}

// nodeIP is --node-ip, else the address of the interface holding the default route.
func nodeIP(f Flags) (net.IP, error) {
	if v := f.get("node-ip", "K3S_NODE_IP", ""); v != "" {
		return net.ParseIP(strings.Split(v, ",")[0]), nil
	}
	conn, err := net.Dial("udp4", "192.0.2.1:9") // no packet is sent: this only picks the route's source
	if err == nil {
		defer conn.Close()
		return conn.LocalAddr().(*net.UDPAddr).IP, nil
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, err
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP, nil
		}
	}
	return nil, fmt.Errorf("no IPv4 address found; pass --node-ip")
}

// waitHTTPS polls url with a client certificate until it answers 200.
func waitHTTPS(url string, caPEM []byte, certFile, keyFile string, timeout time.Duration) error {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return err
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}}}}
	deadline := time.Now().Add(timeout)
	for {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("%s answered %d", url, resp.StatusCode)
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(time.Second)
	}
}
