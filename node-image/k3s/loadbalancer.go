package main

// The agent's client-side load balancer, as K3s's pkg/agent/loadbalancer: the kubelet and
// kube-proxy talk to 127.0.0.1:6444, which forwards each TCP connection to one API server.
// It starts with the server K3S_URL names, learns every server from the `kubernetes`
// Endpoints in the default namespace (each kube-apiserver publishes its address there), and
// keeps K3S_URL's server as the last resort. A connection sticks to the current server; when
// that server cannot be dialled, or stops answering the health check, the next one is used and
// the connections to the failed one are closed, so the kubelet's watches reconnect at once
// instead of waiting for TCP to notice a powered-off peer.

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"sort"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
)

const (
	agentLBAddress   = "127.0.0.1:6444" // K3s's agent load-balancer port (supervisor 6443 + 1)
	lbDialTimeout    = 3 * time.Second
	lbHealthInterval = 5 * time.Second
	// A server that failed is tried last for a while: the Endpoints keep a stopped server's
	// address until its kube-apiserver lease expires (15 s), and each dial to it costs up to
	// lbDialTimeout.
	lbFailedPenalty = 30 * time.Second
)

type loadBalancer struct {
	listener  net.Listener
	fallback  string // K3S_URL's host:port
	statePath string // where the learned servers are kept across restarts ("" keeps nothing)

	mu      sync.Mutex
	servers []string // learned servers, in order of preference
	current string
	conns   map[string]map[net.Conn]struct{} // open upstream connections, by server
	failed  map[string]time.Time             // when a server last failed a dial or health check
}

func newLoadBalancer(listen, fallback string) (*loadBalancer, error) {
	l, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, err
	}
	lb := &loadBalancer{listener: l, fallback: fallback, current: fallback, conns: map[string]map[net.Conn]struct{}{}, failed: map[string]time.Time{}}
	go lb.serve()
	return lb, nil
}

func (lb *loadBalancer) Addr() string { return lb.listener.Addr().String() }

func (lb *loadBalancer) Close() error { return lb.listener.Close() }

// SetServers replaces the learned servers; connections to servers no longer listed are closed.
func (lb *loadBalancer) SetServers(servers []string) {
	sorted := append([]string(nil), servers...)
	sort.Strings(sorted)
	lb.mu.Lock()
	if equalStrings(sorted, lb.servers) {
		lb.mu.Unlock()
		return
	}
	logf("Agent load balancer: servers %v (fallback %s)", sorted, lb.fallback)
	lb.servers = sorted
	keep := map[string]bool{lb.fallback: true}
	for _, s := range sorted {
		keep[s] = true
	}
	var drop []string
	for s := range lb.conns {
		if !keep[s] {
			drop = append(drop, s)
		}
	}
	if !keep[lb.current] {
		lb.current = ""
	}
	state := lb.statePath
	lb.mu.Unlock()
	for _, s := range drop {
		lb.closeConns(s)
	}
	if state != "" {
		raw, _ := json.Marshal(sorted)
		if err := writeFile(state, string(raw), 0o600); err != nil {
			logf("Agent load balancer: %v", err)
		}
	}
}

// loadState reads the servers kept by an earlier run.
func (lb *loadBalancer) loadState() []string {
	var servers []string
	if raw, err := os.ReadFile(lb.statePath); err == nil {
		_ = json.Unmarshal(raw, &servers)
	}
	return servers
}

// candidates is the order to try: the current server, the other learned ones, then K3S_URL's;
// servers that failed recently go after those that did not.
func (lb *loadBalancer) candidates() []string {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	var healthy, failed []string
	seen := map[string]bool{}
	for _, s := range append(append([]string{lb.current}, lb.servers...), lb.fallback) {
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		if at, ok := lb.failed[s]; ok && time.Since(at) < lbFailedPenalty {
			failed = append(failed, s)
		} else {
			healthy = append(healthy, s)
		}
	}
	return append(healthy, failed...)
}

func (lb *loadBalancer) markFailed(server string) {
	lb.mu.Lock()
	lb.failed[server] = time.Now()
	if lb.current == server {
		lb.current = ""
	}
	lb.mu.Unlock()
}

func (lb *loadBalancer) serve() {
	go lb.healthLoop()
	for {
		conn, err := lb.listener.Accept()
		if err != nil {
			return
		}
		go lb.forward(conn)
	}
}

func (lb *loadBalancer) dial() (net.Conn, string, error) {
	var lastErr error
	for _, s := range lb.candidates() {
		up, err := net.DialTimeout("tcp", s, lbDialTimeout)
		if err == nil {
			lb.mu.Lock()
			delete(lb.failed, s)
			if lb.current != s {
				logf("Agent load balancer: using server %s", s)
				lb.current = s
			}
			lb.mu.Unlock()
			return up, s, nil
		}
		lb.markFailed(s)
		lastErr = err
	}
	return nil, "", lastErr
}

func (lb *loadBalancer) forward(down net.Conn) {
	up, server, err := lb.dial()
	if err != nil {
		logf("Agent load balancer: no server answers: %v", err)
		down.Close()
		return
	}
	lb.track(server, up, true)
	defer lb.track(server, up, false)
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		done <- struct{}{}
	}
	go pipe(up, down)
	go pipe(down, up)
	<-done // either side ending ends both
	up.Close()
	down.Close()
	<-done
}

func (lb *loadBalancer) track(server string, c net.Conn, open bool) {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	if open {
		if lb.conns[server] == nil {
			lb.conns[server] = map[net.Conn]struct{}{}
		}
		lb.conns[server][c] = struct{}{}
		return
	}
	delete(lb.conns[server], c)
}

func (lb *loadBalancer) closeConns(server string) {
	lb.mu.Lock()
	conns := lb.conns[server]
	delete(lb.conns, server)
	lb.mu.Unlock()
	for c := range conns {
		c.Close()
	}
}

// healthLoop dials the current server now and then; when it fails, its connections are closed
// and the next connection goes elsewhere.
func (lb *loadBalancer) healthLoop() {
	for {
		time.Sleep(lbHealthInterval)
		lb.checkCurrent()
	}
}

func (lb *loadBalancer) checkCurrent() {
	lb.mu.Lock()
	server := lb.current
	lb.mu.Unlock()
	if server == "" {
		return
	}
	c, err := net.DialTimeout("tcp", server, lbDialTimeout)
	if err == nil {
		c.Close()
		return
	}
	logf("Agent load balancer: server %s failed its health check: %v", server, err)
	lb.markFailed(server)
	lb.closeConns(server)
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// watchAPIServers feeds the load balancer the addresses in the `kubernetes` Endpoints, read
// through the load balancer itself with kube-proxy's credentials (system:node-proxier may
// list and watch Endpoints; K3s uses its own controller identity).
func watchAPIServers(ctx context.Context, kubeconfig string, lb *loadBalancer) {
	client, err := clientFor(kubeconfig)
	if err != nil {
		logf("Agent load balancer: %v", err)
		return
	}
	sel := fields.OneTermEqualSelector("metadata.name", "kubernetes").String()
	update := func(ep *corev1.Endpoints) {
		var servers []string
		for _, subset := range ep.Subsets {
			for _, port := range subset.Ports {
				if port.Name != "https" {
					continue
				}
				for _, addr := range subset.Addresses {
					servers = append(servers, net.JoinHostPort(addr.IP, strconv.Itoa(int(port.Port))))
				}
			}
		}
		if len(servers) > 0 {
			lb.SetServers(servers)
		}
	}
	for ctx.Err() == nil {
		list, err := client.CoreV1().Endpoints("default").List(ctx, metav1.ListOptions{FieldSelector: sel})
		if err == nil {
			for i := range list.Items {
				update(&list.Items[i])
			}
			watcher, werr := client.CoreV1().Endpoints("default").Watch(ctx, metav1.ListOptions{FieldSelector: sel, ResourceVersion: list.ResourceVersion})
			if werr == nil {
				for ev := range watcher.ResultChan() {
					if ep, ok := ev.Object.(*corev1.Endpoints); ok {
						update(ep)
					}
				}
				watcher.Stop()
			}
		}
		time.Sleep(5 * time.Second)
	}
}
