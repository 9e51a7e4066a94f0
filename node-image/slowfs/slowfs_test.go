package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestSyncTakesTheLatency(t *testing.T) {
	dev := NewDevice(40*time.Millisecond, "")
	start := time.Now()
	if err := dev.Sync(context.Background(), func() error { return nil }); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 40*time.Millisecond || took > 400*time.Millisecond {
		t.Fatalf("one synchronous write took %v, want 40 ms", took)
	}
}

func TestSyncsQueueOneAtATime(t *testing.T) {
	dev := NewDevice(30*time.Millisecond, "")
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = dev.Sync(context.Background(), func() error { return nil })
		}()
	}
	wg.Wait()
	if took := time.Since(start); took < 120*time.Millisecond {
		t.Fatalf("four concurrent synchronous writes took %v: at queue depth 1 they take 4 × 30 ms", took)
	}
	if dev.Syncs() != 4 {
		t.Fatalf("syncs = %d, want 4", dev.Syncs())
	}
}

func TestAWriteSlowerThanTheLatencyKeepsItsTime(t *testing.T) {
	dev := NewDevice(10*time.Millisecond, "")
	start := time.Now()
	_ = dev.Sync(context.Background(), func() error { time.Sleep(50 * time.Millisecond); return nil })
	if took := time.Since(start); took > 45*time.Millisecond+50*time.Millisecond {
		t.Fatalf("took %v: the latency is a floor, not added to the host's own time", took)
	}
}

func TestAnInterruptedSyncStopsWaiting(t *testing.T) {
	dev := NewDevice(10*time.Second, "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	start := time.Now()
	_ = dev.Sync(ctx, func() error { return nil })
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("an interrupted request waited %v", took)
	}
}

func TestTheLatencyFileOverridesAndIsReloaded(t *testing.T) {
	file := filepath.Join(t.TempDir(), "latency")
	dev := NewDevice(time.Millisecond, file)
	if err := dev.Reload(); err != nil || dev.Latency() != time.Millisecond {
		t.Fatalf("without the file: %v, %v; want the fallback 1ms", dev.Latency(), err)
	}
	if err := os.WriteFile(file, []byte("4s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := dev.Reload(); err != nil || dev.Latency() != 4*time.Second {
		t.Fatalf("with 4s in the file: %v, %v", dev.Latency(), err)
	}
	if err := os.WriteFile(file, []byte("soon"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := dev.Reload(); err == nil || dev.Latency() != 4*time.Second {
		t.Fatalf("a bad file: %v, %v; want an error and the latency kept", dev.Latency(), err)
	}
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	if err := dev.Reload(); err != nil || dev.Latency() != time.Millisecond {
		t.Fatalf("file removed: %v, %v; want the fallback again", dev.Latency(), err)
	}
}

// A real FUSE mount, where the machine allows one (root and /dev/fuse): fsync and O_DSYNC writes
// take the latency, buffered writes do not, and the data lands in the source directory.
func TestMountedDirectory(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("FUSE mount test skipped: needs root (mount(2) without fusermount)")
	}
	if _, err := os.Stat("/dev/fuse"); err != nil {
		t.Skip("FUSE mount test skipped: no /dev/fuse on this machine")
	}
	source, target := t.TempDir(), t.TempDir()
	latency := 60 * time.Millisecond
	dev := NewDevice(latency, "")
	server, err := Mount(source, target, dev)
	if err != nil {
		t.Skipf("FUSE mount test skipped: mount refused here: %v", err)
	}
	defer func() { _ = server.Unmount() }()

	f, err := os.Create(filepath.Join(target, "wal"))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for i := 0; i < 5; i++ {
		if _, err := f.Write(make([]byte, 4096)); err != nil {
			t.Fatal(err)
		}
	}
	if took := time.Since(start); took >= latency {
		t.Fatalf("5 buffered writes took %v: only synchronous writes wait", took)
	}
	start = time.Now()
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < latency {
		t.Fatalf("fsync took %v, want at least %v", took, latency)
	}
	_ = f.Close()

	d, err := os.OpenFile(filepath.Join(target, "journal"), os.O_CREATE|os.O_WRONLY|syscall.O_DSYNC, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	for i := 0; i < 3; i++ {
		if _, err := d.Write(make([]byte, 4096)); err != nil {
			t.Fatal(err)
		}
	}
	if took := time.Since(start); took < 3*latency {
		t.Fatalf("3 O_DSYNC writes took %v, want at least 3 × %v", took, latency)
	}
	_ = d.Close()

	// A directory's fsync (etcd and SQLite sync a directory after creating a file in it) waits too.
	dirFile, err := os.Open(target)
	if err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	if err := dirFile.Sync(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < latency {
		t.Fatalf("a directory fsync took %v, want at least %v", took, latency)
	}
	_ = dirFile.Close()

	// The kernel checks permissions against the files' modes (default_permissions), as on a real disk.
	mounts, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, line := range strings.Split(string(mounts), "\n") {
		if fields := strings.Fields(line); len(fields) > 3 && fields[1] == target {
			found = strings.Contains(fields[3], "default_permissions")
		}
	}
	if !found {
		t.Fatalf("%s is not mounted with default_permissions:\n%s", target, mounts)
	}

	st, err := os.Stat(filepath.Join(source, "wal"))
	if err != nil || st.Size() != 5*4096 {
		t.Fatalf("the source holds %v (%v), want the 20480 bytes written through the mount", st, err)
	}
}
