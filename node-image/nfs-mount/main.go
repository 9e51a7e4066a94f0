// Command mount.nfs is twin's userspace NFSv3 client for nodes whose kernel has no NFS client:
// installed in the node image as /sbin/mount.nfs and /sbin/mount.nfs4, it is what util-linux
// mount(8) runs for `mount -t nfs server:/path dir -o options` — the command the kubelet's NFS
// volume plugin runs — and serves the export at dir through FUSE. The command returns once the
// mount is live; a detached process serves it and exits when it is unmounted. See
// node-image/README.md ("NFS volumes without a kernel NFS client").
package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

const (
	childEnv = "TWIN_NFS_MOUNT_SERVE"
	// mount(8)'s exit code for a failed mount ("mount failure").
	exitMountFailure = 32
	defaultLog       = "/var/log/twin-nfs-mount.log"
)

func main() {
	inv, err := ParseInvocation(os.Args)
	if err != nil {
		fmt.Fprintf(os.Stderr, "mount.nfs: %v\n", err)
		os.Exit(1)
	}
	opts, err := ParseOptions(inv.Options)
	if err != nil {
		fmt.Fprintf(os.Stderr, "mount.nfs: %v\n", err)
		os.Exit(1)
	}
	if os.Getenv(childEnv) != "" {
		os.Exit(serve(inv, opts))
	}
	if st, err := os.Stat(inv.Target); err != nil || !st.IsDir() {
		fmt.Fprintf(os.Stderr, "mount.nfs: mount point %s does not exist\n", inv.Target)
		os.Exit(exitMountFailure)
	}
	os.Exit(daemonize(inv))
}

// daemonize starts the serving process in a session of its own and waits for its word: "ok"
// once the FUSE mount is live, or the reason it failed.
func daemonize(inv Invocation) int {
	r, w, err := os.Pipe()
	if err != nil {
		fmt.Fprintf(os.Stderr, "mount.nfs: %v\n", err)
		return exitMountFailure
	}
	logPath := os.Getenv("TWIN_NFS_MOUNT_LOG")
	if logPath == "" {
		logPath = defaultLog
	}
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		logFile, _ = os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	}
	self, err := os.Executable()
	if err != nil {
		self = "/proc/self/exe"
	}
	cmd := exec.Command(self, os.Args[1:]...)
	cmd.Args[0] = os.Args[0]
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.ExtraFiles = []*os.File{w} // fd 3
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Dir = "/"
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "mount.nfs: %v\n", err)
		return exitMountFailure
	}
	w.Close()
	logFile.Close()
	word, _ := io.ReadAll(bufio.NewReader(r))
	msg := strings.TrimSpace(string(word))
	if msg == "ok" {
		_ = cmd.Process.Release()
		return 0
	}
	_ = cmd.Wait()
	if msg == "" {
		msg = "the serving process ended before the mount was live"
	}
	fmt.Fprintf(os.Stderr, "mount.nfs: %s:%s on %s: %s\n", inv.Server, inv.Path, inv.Target, msg)
	return exitMountFailure
}

// serve is the detached process: it mounts the export (retrying for nfs(5)'s retry=), mounts
// FUSE at the target, says "ok" on fd 3 and serves until unmounted.
func serve(inv Invocation, opts Options) int {
	status := os.NewFile(3, "status")
	logger := log.New(os.Stderr, fmt.Sprintf("[mount.nfs %d %s:%s] ", os.Getpid(), inv.Server, inv.Path), log.LstdFlags)
	fail := func(err error) int {
		logger.Printf("mount failed: %v", err)
		if status != nil {
			fmt.Fprintln(status, err.Error())
		}
		return exitMountFailure
	}
	mode := "hard"
	if !opts.Hard {
		mode = "soft"
	}
	logger.Printf("mounting on %s (%s, timeo=%d, retrans=%d; ignored: %s)", inv.Target, mode, opts.Timeo/(100*time.Millisecond), opts.Retrans, strings.Join(opts.Ignored, ","))
	ctx, cancel := context.WithTimeout(context.Background(), opts.Retry)
	var client *Client
	var err error
	for {
		// The mount itself is soft: it gives up after retry= (nfs(5)), as mount.nfs does.
		mountOpts := opts
		mountOpts.Hard = false
		client, err = Dial(ctx, inv.Server, inv.Path, mountOpts, logger.Printf)
		if err == nil || ctx.Err() != nil {
			break
		}
		logger.Printf("mount: %v; trying again", err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
	cancel()
	if err != nil {
		return fail(err)
	}
	client.nfs.opts = opts // the mount's own rules from here on
	server, err := Serve(client, inv, opts)
	if err != nil {
		client.Close()
		return fail(fmt.Errorf("FUSE mount at %s: %w", inv.Target, err))
	}
	logger.Printf("mounted on %s", inv.Target)
	fmt.Fprintln(status, "ok")
	status.Close()
	server.Wait()
	client.Close()
	logger.Printf("unmounted from %s", inv.Target)
	return 0
}
