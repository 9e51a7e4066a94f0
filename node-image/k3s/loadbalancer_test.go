package main

import (
	"bufio"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeServer greets each connection with its name and holds it open.
type fakeServer struct {
	name     string
	listener net.Listener
	mu       sync.Mutex
	conns    []net.Conn
}

func startFakeServer(t *testing.T, name string) *fakeServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeServer{name: name, listener: l}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
			_, _ = c.Write([]byte(name + "\n"))
		}
	}()
	t.Cleanup(func() { s.stop(true) })
	return s
}

func (s *fakeServer) addr() string { return s.listener.Addr().String() }

// stop closes the listener; with closeConns false the open connections hang, as to a
// powered-off machine.
func (s *fakeServer) stop(closeConns bool) {
	s.listener.Close()
	if !closeConns {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		c.Close()
	}
}

func greeting(t *testing.T, lb *loadBalancer) (string, net.Conn) {
	t.Helper()
	c, err := net.Dial("tcp", lb.Addr())
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatalf("no greeting through the load balancer: %v", err)
	}
	return strings.TrimSpace(line), c
}

func expectClosed(t *testing.T, c net.Conn) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil || strings.Contains(err.Error(), "timeout") {
		t.Fatalf("connection to a failed server still open: %v", err)
	}
}

func TestLoadBalancerFailsOver(t *testing.T) {
	a, b, c := startFakeServer(t, "server-0"), startFakeServer(t, "server-1"), startFakeServer(t, "server-2")
	lb, err := newLoadBalancer("127.0.0.1:0", a.addr()) // K3S_URL names server-0
	if err != nil {
		t.Fatal(err)
	}
	defer lb.Close()

	name, conn0 := greeting(t, lb)
	if name != "server-0" {
		t.Fatalf("before learning servers: got %s, want K3S_URL's server-0", name)
	}
	// The Endpoints name all three; the current server stays in use.
	lb.SetServers([]string{c.addr(), b.addr(), a.addr()})
	if name, _ := greeting(t, lb); name != "server-0" {
		t.Fatalf("current server should stick: got %s", name)
	}

	// server-0 stops: its connections end, new ones go to another server.
	a.stop(true)
	expectClosed(t, conn0)
	name, conn1 := greeting(t, lb)
	if name == "server-0" {
		t.Fatal("a new connection went to the stopped server")
	}
	next := map[string]*fakeServer{"server-1": b, "server-2": c}[name]

	// That one powers off (connections hang, nothing answers): the health check drops its
	// connections, so clients reconnect to the last server.
	next.stop(false)
	lb.checkCurrent()
	expectClosed(t, conn1)
	if first := lb.candidates()[0]; first == a.addr() || first == next.addr() {
		t.Fatalf("a server that just failed is tried first: %v", lb.candidates())
	}
	last, _ := greeting(t, lb)
	if last == "server-0" || last == name {
		t.Fatalf("after two failures: got %s, want the remaining server", last)
	}

	// A server that leaves the Endpoints loses its connections.
	survivor := map[string]*fakeServer{"server-1": b, "server-2": c}[last]
	_, conn2 := greeting(t, lb)
	lb.SetServers([]string{next.addr()})
	expectClosed(t, conn2)
	_ = survivor
}

func TestLoadBalancerKeepsLearnedServers(t *testing.T) {
	dir := t.TempDir()
	lb, err := newLoadBalancer("127.0.0.1:0", "127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	defer lb.Close()
	lb.statePath = dir + "/lb.json"
	lb.SetServers([]string{"10.0.0.2:6443", "10.0.0.1:6443"})
	got := lb.loadState()
	if strings.Join(got, ",") != "10.0.0.1:6443,10.0.0.2:6443" {
		t.Fatalf("kept servers %v", got)
	}
}
