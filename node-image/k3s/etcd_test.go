package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
)

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// testMembers are three members on loopback ports, with TLS from a fresh cluster CA and raft
// timing ten times shorter than K3s's so the test is quick.
func testMembers(t *testing.T) []etcdMember {
	t.Helper()
	dir := t.TempDir()
	ip := net.ParseIP("127.0.0.1")
	tlsFiles, err := etcdCerts(dir, "test", ip)
	if err != nil {
		t.Fatal(err)
	}
	var out []etcdMember
	for _, name := range []string{"server-0", "server-1", "server-2"} {
		out = append(out, etcdMember{
			NodeName: name, DataDir: filepath.Join(dir, name, "etcd"), IP: ip,
			ClientPort: freePort(t), PeerPort: freePort(t), TLS: tlsFiles,
			HeartbeatMs: 50, ElectionMs: 500, LogLevel: "error",
		})
	}
	return out
}

func put(ctx context.Context, t *testing.T, m etcdMember, key, value string) error {
	t.Helper()
	c, err := m.client([]string{m.ClientURL()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	_, err = c.Put(ctx, key, value)
	return err
}

func get(t *testing.T, m etcdMember, key string) string {
	t.Helper()
	c, err := m.client([]string{m.ClientURL()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	resp, err := c.Get(ctx, key)
	if err != nil {
		t.Fatalf("get %s from %s: %v", key, m.NodeName, err)
	}
	if len(resp.Kvs) == 0 {
		return ""
	}
	return string(resp.Kvs[0].Value)
}

func TestEtcdThreeMembersQuorum(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ms := testMembers(t)
	running := map[int]*embed.Etcd{}
	defer func() {
		for _, e := range running {
			if e != nil {
				e.Close()
			}
		}
	}()

	// server-0: --cluster-init; server-1 and server-2 join through the members they are told of.
	e, err := startEtcd(ctx, ms[0], nil)
	if err != nil {
		t.Fatalf("cluster-init: %v", err)
	}
	running[0] = e
	for i := 1; i < 3; i++ {
		var join []string
		for j := 0; j < i; j++ {
			join = append(join, ms[j].ClientURL())
		}
		if running[i], err = startEtcd(ctx, ms[i], join); err != nil {
			t.Fatalf("join %s: %v", ms[i].NodeName, err)
		}
	}
	urls, err := etcdClientURLs(ctx, ms[0])
	if err != nil || len(urls) != 3 {
		t.Fatalf("want 3 voting members, got %v (%v)", urls, err)
	}

	if err := put(ctx, t, ms[0], "/registry/twin", "one"); err != nil {
		t.Fatalf("write with three members: %v", err)
	}
	for _, m := range ms {
		if got := get(t, m, "/registry/twin"); got != "one" {
			t.Fatalf("%s reads %q, want %q", m.NodeName, got, "one")
		}
	}

	// One member gone: two of three still make a quorum.
	running[2].Close()
	delete(running, 2)
	if err := put(ctx, t, ms[0], "/registry/twin", "two"); err != nil {
		t.Fatalf("write with two of three members: %v", err)
	}

	// Two gone: no quorum, no write.
	running[1].Close()
	delete(running, 1)
	if err := put(ctx, t, ms[0], "/registry/twin", "three"); err == nil {
		t.Fatal("a write succeeded with one member of three")
	}

	// One comes back (a restart: its data directory holds a WAL, so it is not added again).
	if running[1], err = startEtcd(ctx, ms[1], nil); err != nil {
		t.Fatalf("restart %s: %v", ms[1].NodeName, err)
	}
	select {
	case <-running[1].Server.ReadyNotify():
	case <-time.After(30 * time.Second):
		t.Fatal("the restarted member did not become ready")
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := put(ctx, t, ms[0], "/registry/twin", "four")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no write after a member came back: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if got := get(t, ms[1], "/registry/twin"); got != "four" {
		t.Fatalf("restarted member reads %q, want %q", got, "four")
	}
	c, err := ms[0].client([]string{ms[0].ClientURL()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	list, err := c.MemberList(ctx)
	if err != nil || len(list.Members) != 3 {
		t.Fatalf("want still 3 members after the restart, got %v (%v)", list, err)
	}
}

func TestEtcdMemberNameIsKept(t *testing.T) {
	m := etcdMember{NodeName: "k3d-twin-server-0.example", DataDir: t.TempDir()}
	a, err := m.memberName()
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != len("k3d-twin-server-0-")+8 || a[:18] != "k3d-twin-server-0-" {
		t.Fatalf("name %q: want node name, a dash and 8 hex digits", a)
	}
	if b, _ := m.memberName(); b != a {
		t.Fatalf("name changed across restarts: %q then %q", a, b)
	}
}

func TestBootstrapHandlerNeedsTheToken(t *testing.T) {
	dir := t.TempDir()
	if _, err := loadOrCreateCA(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := ensureKey(filepath.Join(dir, "service.key")); err != nil {
		t.Fatal(err)
	}
	if _, err := etcdCerts(dir, "test", net.ParseIP("127.0.0.1")); err != nil { // the etcd CA
		t.Fatal(err)
	}
	// No member is running: the handler falls back to the member's own client URL.
	member := etcdMember{IP: net.ParseIP("127.0.0.1"), ClientPort: freePort(t), PeerPort: freePort(t)}
	h := bootstrapHandler(dir, "secret", member)

	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, bootstrapPath, nil)
	req.Header.Set("Authorization", "Bearer wrong")
	h(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("wrong token: status %d", rec.Code)
	}

	rec = httptest.NewRecorder()
	req = httptest.NewRequest(http.MethodGet, bootstrapPath, nil)
	req.Header.Set("Authorization", "Bearer secret")
	h(rec, req)
	var got serverBootstrap
	if err := json.NewDecoder(rec.Body).Decode(&got); err != nil || rec.Code != http.StatusOK {
		t.Fatalf("status %d, %v", rec.Code, err)
	}
	for _, f := range bootstrapFiles {
		if got.Files[f] == "" {
			t.Errorf("bootstrap lacks %s", f)
		}
	}
	if len(got.EtcdClientURLs) != 1 || got.EtcdClientURLs[0] != member.ClientURL() {
		t.Errorf("etcd client URLs %v", got.EtcdClientURLs)
	}
}

// A second server joins the way runServer does it: bootstrap data from the first server's
// supervisor, certificates from the CA it brings, then the member add through the URLs it got.
func TestEtcdJoinThroughBootstrap(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ip := net.ParseIP("127.0.0.1")
	firstTLS, secondTLS := t.TempDir(), t.TempDir()
	ca, err := loadOrCreateCA(firstTLS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ensureKey(filepath.Join(firstTLS, "service.key")); err != nil {
		t.Fatal(err)
	}
	member := func(name string) etcdMember {
		return etcdMember{NodeName: name, DataDir: filepath.Join(t.TempDir(), "etcd"), IP: ip,
			ClientPort: freePort(t), PeerPort: freePort(t), HeartbeatMs: 50, ElectionMs: 500, LogLevel: "error"}
	}
	first := member("server-0")
	if first.TLS, err = etcdCerts(firstTLS, "server-0", ip); err != nil {
		t.Fatal(err)
	}
	e0, err := startEtcd(ctx, first, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e0.Close()
	supervisor := httptest.NewTLSServer(bootstrapHandler(firstTLS, "secret", first))
	defer supervisor.Close()

	if _, err := fetchBootstrap(ctx, supervisor.URL+bootstrapPath, "wrong", secondTLS); err == nil {
		t.Fatal("bootstrap data given for a wrong token")
	}
	boot, err := fetchBootstrap(ctx, supervisor.URL+bootstrapPath, "secret", secondTLS)
	if err != nil {
		t.Fatal(err)
	}
	if !haveBootstrap(secondTLS) {
		t.Fatal("bootstrap files not written")
	}
	ca2, err := loadOrCreateCA(secondTLS)
	if err != nil {
		t.Fatal(err)
	}
	if string(ca2.certPEM) != string(ca.certPEM) {
		t.Fatal("the joining server made its own CA instead of using the cluster's")
	}
	etcdCA0, err0 := os.ReadFile(filepath.Join(firstTLS, "etcd", "ca.crt"))
	etcdCA1, err1 := os.ReadFile(filepath.Join(secondTLS, "etcd", "ca.crt"))
	if err0 != nil || err1 != nil || string(etcdCA0) != string(etcdCA1) || string(etcdCA0) == string(ca.certPEM) {
		t.Fatal("the joining server must share the first server's etcd CA, which is not the cluster CA")
	}
	second := member("server-1")
	if second.TLS, err = etcdCerts(secondTLS, "server-1", ip); err != nil {
		t.Fatal(err)
	}
	e1, err := startEtcd(ctx, second, boot.EtcdClientURLs)
	if err != nil {
		t.Fatalf("join with bootstrap data: %v", err)
	}
	defer e1.Close()
	if err := put(ctx, t, first, "/registry/joined", "yes"); err != nil {
		t.Fatal(err)
	}
	if got := get(t, second, "/registry/joined"); got != "yes" {
		t.Fatalf("joined member reads %q", got)
	}
}
