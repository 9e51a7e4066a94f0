package main

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-billy/v5/osfs"
	gonfs "github.com/willscott/go-nfs"
	"github.com/willscott/go-nfs/helpers"
)

func TestParseInvocationAsMountCallsTheHelper(t *testing.T) {
	// util-linux mount(8) runs: /sbin/mount.nfs SOURCE TARGET [-sfnvrw] [-N ns] [-o options] [-t type]
	inv, err := ParseInvocation([]string{"/sbin/mount.nfs", "192.168.1.203:/srv/nfs", "/var/lib/kubelet/pods/x/volumes/kubernetes.io~nfs/data", "-n", "-o", "soft,timeo=10,retrans=1"})
	if err != nil {
		t.Fatal(err)
	}
	if inv.Server != "192.168.1.203" || inv.Path != "/srv/nfs" || inv.Target != "/var/lib/kubelet/pods/x/volumes/kubernetes.io~nfs/data" ||
		inv.Options != "soft,timeo=10,retrans=1" || inv.Type != "nfs" {
		t.Fatalf("parsed %+v", inv)
	}
	inv, err = ParseInvocation([]string{"mount.nfs4", "[fd00::3]:/export", "/mnt", "-r", "-overs=4.1"})
	if err != nil {
		t.Fatal(err)
	}
	if inv.Server != "fd00::3" || inv.Path != "/export" || inv.Type != "nfs4" || inv.Options != "vers=4.1,ro" {
		t.Fatalf("parsed %+v", inv)
	}
	for _, bad := range [][]string{{"mount.nfs", "host/srv", "/mnt"}, {"mount.nfs", "host:/srv"}, {"mount.nfs", "host:srv", "/mnt"}, {"mount.nfs", "h:/a", "/mnt", "-o"}} {
		if _, err := ParseInvocation(bad); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

func TestOptionsDefaultToNFS5ForTCP(t *testing.T) {
	o, err := ParseOptions("")
	if err != nil {
		t.Fatal(err)
	}
	if !o.Hard || o.Timeo != 60*time.Second || o.Retrans != 2 || o.Retry != 2*time.Minute || o.AttrCache != 3*time.Second || o.ReadOnly {
		t.Fatalf("defaults %+v", o)
	}
	o, err = ParseOptions("soft,timeo=15,retrans=4,ro,nolock,vers=4.1,port=2049,mountport=20048,retry=0,noac")
	if err != nil {
		t.Fatal(err)
	}
	if o.Hard || o.Timeo != 1500*time.Millisecond || o.Retrans != 4 || !o.ReadOnly || o.Port != 2049 || o.MountPort != 20048 || o.Retry != 0 || o.AttrCache != 0 {
		t.Fatalf("parsed %+v", o)
	}
	if len(o.Ignored) != 2 {
		t.Fatalf("ignored %v", o.Ignored)
	}
	if o, _ := ParseOptions("timeo=9000"); o.Timeo != 600*time.Second {
		t.Fatalf("timeo is capped at 600 s, got %v", o.Timeo)
	}
	for _, bad := range []string{"timeo=x", "timeo=0", "retrans", "proto=udp", "vers=2", "sec=krb5", "frobnicate"} {
		if _, err := ParseOptions(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

// changeableFS is a directory that also lets the NFS server change modes, owners and times
// (billy's osfs does not), as a real server's file system does.
type changeableFS struct {
	billy.Filesystem
	base string
}

func (f changeableFS) Chmod(name string, mode os.FileMode) error {
	return os.Chmod(filepath.Join(f.base, name), mode)
}

func (f changeableFS) Lchown(name string, uid, gid int) error {
	return os.Lchown(filepath.Join(f.base, name), uid, gid)
}

func (f changeableFS) Chown(name string, uid, gid int) error {
	return os.Chown(filepath.Join(f.base, name), uid, gid)
}

func (f changeableFS) Chtimes(name string, atime, mtime time.Time) error {
	return os.Chtimes(filepath.Join(f.base, name), atime, mtime)
}

// nfsServer serves a temporary directory over NFSv3 (MOUNT and NFS on one port) on loopback and
// returns the port and the directory.
func nfsServer(t *testing.T) (int, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	exported := changeableFS{osfs.New(dir), dir}
	go func() { _ = gonfs.Serve(l, helpers.NewCachingHandler(helpers.NewNullAuthHandler(exported), 1024)) }()
	t.Cleanup(func() { l.Close() })
	return l.Addr().(*net.TCPAddr).Port, dir
}

func dialOpts(port int, extra string) Options {
	o, _ := ParseOptions("port=" + strconv.Itoa(port) + ",mountport=" + strconv.Itoa(port) + extra)
	return o
}

func TestClientOperationsAgainstAnNFSv3Server(t *testing.T) {
	port, exported := nfsServer(t)
	ctx := context.Background()
	c, err := Dial(ctx, "127.0.0.1", "/", dialOpts(port, ",timeo=10"), t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	dir, _, err := c.Mkdir(ctx, c.root, "data", 0o755)
	if err != nil {
		t.Fatal(err)
	}
	fh, attr, err := c.Create(ctx, dir, "a.txt", 0o644, true)
	if err != nil {
		t.Fatal(err)
	}
	if attr.Type != 1 {
		t.Fatalf("created type %d", attr.Type)
	}
	if _, _, err := c.Create(ctx, dir, "a.txt", 0o644, true); errno(err) != syscall.EEXIST {
		t.Fatalf("exclusive create of an existing name: %v", err)
	}
	if n, err := c.Write(ctx, fh, 0, []byte("hello, nfs")); err != nil || n != 10 {
		t.Fatalf("write: %d %v", n, err)
	}
	data, eof, err := c.Read(ctx, fh, 7, 100)
	if err != nil || string(data) != "nfs" || !eof {
		t.Fatalf("read: %q %v %v", data, eof, err)
	}
	onServer, _ := os.ReadFile(filepath.Join(exported, "data", "a.txt"))
	if string(onServer) != "hello, nfs" {
		t.Fatalf("server holds %q", onServer)
	}
	if a, err := c.SetAttr(ctx, fh, sattrSize(5)); err != nil || a.Filesize != 5 {
		t.Fatalf("truncate: %+v %v", a, err)
	}
	if err := c.Rename(ctx, dir, "a.txt", c.root, "b.txt"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Lookup(ctx, dir, "a.txt"); errno(err) != syscall.ENOENT {
		t.Fatalf("lookup of the old name: %v", err)
	}
	entries, err := c.ReadDir(ctx, c.root)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if e.Name != "." && e.Name != ".." {
			names = append(names, e.Name)
		}
	}
	sort.Strings(names)
	if len(names) != 2 || names[0] != "b.txt" || names[1] != "data" {
		t.Fatalf("readdir: %v", names)
	}
	if err := c.RmDir(ctx, c.root, "data"); err != nil {
		t.Fatal(err)
	}
	if err := c.Remove(ctx, c.root, "b.txt"); err != nil {
		t.Fatal(err)
	}
	if err := c.Remove(ctx, c.root, "b.txt"); errno(err) != syscall.ENOENT {
		t.Fatalf("second remove: %v", err)
	}
	if _, err := c.Statfs(ctx); err != nil {
		t.Fatal(err)
	}
}

// blackhole accepts connections and reads them without ever answering: a server whose host
// stopped answering (a powered-off machine's address answers nothing either).
func blackhole(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(io.Discard, conn) }()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

func TestSoftMountFailsWithEIOAfterRetransRetransmissions(t *testing.T) {
	port := blackhole(t)
	// timeo=2 (0.2 s), retrans=2: tries of 0.2, 0.4 and 0.6 s (linear backoff) = 1.2 s
	c := newRPCClient("127.0.0.1", fixedPort(port), dialOpts(port, ",soft,timeo=2,retrans=2"), t.Logf)
	defer c.close()
	start := time.Now()
	_, err := c.call(context.Background(), 100003, 3, 0, unixCred("test", 0, 0), nil)
	elapsed := time.Since(start)
	if !errors.Is(err, errTimedOut) || errno(err) != syscall.EIO {
		t.Fatalf("soft call: %v (errno %v)", err, errno(err))
	}
	if elapsed < 1200*time.Millisecond || elapsed > 2*time.Second {
		t.Fatalf("soft call gave up after %v, want 1.2 s (timeo × (1+2+3))", elapsed)
	}
}

// switchable forwards to an NFS server while up, and answers nothing while down (as a powered-off
// host); each connection made while down stays silent.
type switchable struct {
	up     atomic.Bool
	target int
	mu     sync.Mutex
	conns  []net.Conn
}

func (s *switchable) serve(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns = append(s.conns, conn)
			s.mu.Unlock()
			if !s.up.Load() {
				go func() { _, _ = io.Copy(io.Discard, conn) }()
				continue
			}
			back, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(s.target))
			if err != nil {
				conn.Close()
				continue
			}
			go func() { _, _ = io.Copy(back, conn); back.Close() }()
			go func() { _, _ = io.Copy(conn, back); conn.Close() }()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

// down makes the server answer nothing from now on, on its open connections too.
func (s *switchable) down() {
	s.up.Store(false)
	s.mu.Lock()
	for _, c := range s.conns {
		_ = c.(*net.TCPConn).CloseRead() // requests already on the way are lost
	}
	s.mu.Unlock()
}

func TestHardMountWaitsForTheServerAndContinues(t *testing.T) {
	nfsPort, _ := nfsServer(t)
	sw := &switchable{target: nfsPort}
	sw.up.Store(true)
	port := sw.serve(t)
	ctx := context.Background()
	c, err := Dial(ctx, "127.0.0.1", "/", dialOpts(port, ",hard,timeo=2,retrans=1"), t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fh, _, err := c.Create(ctx, c.root, "db", 0o600, false)
	if err != nil {
		t.Fatal(err)
	}
	sw.down()
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		_, err := c.Write(ctx, fh, 0, []byte("row"))
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("a hard mount's write returned while the server was down: %v", err)
	case <-time.After(1500 * time.Millisecond):
	}
	sw.up.Store(true)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("write after the server came back: %v", err)
		}
		t.Logf("write blocked %v, then completed on the same file handle", time.Since(start))
	case <-time.After(5 * time.Second):
		t.Fatal("the write did not continue once the server answered again")
	}
	data, _, err := c.Read(ctx, fh, 0, 10)
	if err != nil || string(data) != "row" {
		t.Fatalf("read back %q %v", data, err)
	}
	// a hard mount's blocked call ends with EINTR when its caller is interrupted (a signal)
	sw.down()
	ictx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	if _, err := c.GetAttr(ictx, fh); errno(err) != syscall.EINTR {
		t.Fatalf("interrupted call: %v", err)
	}
}

// TestFUSEMount serves the export through FUSE, as the node image's mount.nfs does, where this
// machine lets the test mount (root with /dev/fuse).
func TestFUSEMount(t *testing.T) {
	if f, err := os.OpenFile("/dev/fuse", os.O_RDWR, 0); err != nil {
		t.Skipf("no FUSE here: %v", err)
	} else {
		f.Close()
	}
	port, exported := nfsServer(t)
	c, err := Dial(context.Background(), "127.0.0.1", "/", dialOpts(port, ""), t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	mnt := t.TempDir()
	inv := Invocation{Server: "127.0.0.1", Path: "/", Target: mnt}
	server, err := Serve(c, inv, dialOpts(port, ",noac"))
	if err != nil {
		t.Skipf("cannot mount FUSE here: %v", err)
	}
	defer func() { _ = server.Unmount() }()
	if err := os.MkdirAll(filepath.Join(mnt, "pgdata", "base"), 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(mnt, "pgdata", "base", "1")
	if err := os.WriteFile(path, []byte("page one"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(", page two"); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := os.Rename(path, path+".done"); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path + ".done")
	if err != nil || string(got) != "page one, page two" {
		t.Fatalf("read through FUSE: %q %v", got, err)
	}
	onServer, _ := os.ReadFile(filepath.Join(exported, "pgdata", "base", "1.done"))
	if string(onServer) != "page one, page two" {
		t.Fatalf("server holds %q", onServer)
	}
	if err := os.Truncate(path+".done", 4); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path + ".done"); err != nil || st.Size() != 4 || st.Mode().Perm() != 0o600 {
		t.Fatalf("stat after truncate: %v %v", st, err)
	}
	entries, err := os.ReadDir(filepath.Join(mnt, "pgdata", "base"))
	if err != nil || len(entries) != 1 || entries[0].Name() != "1.done" {
		t.Fatalf("readdir: %v %v", entries, err)
	}
	if err := os.Remove(path + ".done"); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(mnt, "pgdata")); err != nil {
		t.Fatal(err)
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(mnt, &st); err != nil {
		t.Fatal(err)
	}
}
