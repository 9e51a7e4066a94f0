package main

// The k3s service as systemd runs it on a Pi (K3s's unit: Restart=always, RestartSec=5s,
// KillMode=process). On a real node, `systemctl stop k3s` stops K3s but not the pods: their
// containerd shims live on until k3s-killall.sh. A container has no systemd, so the node
// process is this small service manager: it runs `k3s server|agent` as its child, and
// `k3s service stop|start|restart` (from `docker exec`) stops and starts that child while the
// shims, and so the pods, keep running. twin's k3d engine uses it for control-plane-down and
// k3s-restart faults.

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	servicePidFile = "/run/k3s-service.pid"
	serviceEnv     = "TWIN_K3S_SERVICE"
	restartDelay   = 5 * time.Second // RestartSec=5s in K3s's systemd unit
)

// runService supervises `k3s <sub> args…`; it returns when the container is told to stop.
func runService(sub string, args []string) int {
	exe, err := os.Executable()
	if err != nil {
		return fatalf("%v", err)
	}
	if err := os.WriteFile(servicePidFile, []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		logf("k3s service: cannot write %s: %v", servicePidFile, err)
	}
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGHUP)
	var child *exec.Cmd
	exited := make(chan error, 1)
	start := func() {
		cmd := exec.Command(exe, append([]string{sub}, args...)...)
		cmd.Env = append(os.Environ(), serviceEnv+"=1")
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Start(); err != nil {
			logf("k3s service: start failed: %v", err)
			return
		}
		child = cmd
		go func() { exited <- cmd.Wait() }()
	}
	// stop sends SIGTERM and waits up to 90 s (systemd's default TimeoutStopSec), then kills.
	stop := func() {
		if child == nil {
			return
		}
		_ = child.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(90 * time.Second):
			_ = child.Process.Kill()
			<-exited
		}
		child = nil
	}
	start()
	var restart <-chan time.Time
	for {
		select {
		case err := <-exited:
			child = nil
			logf("k3s service: main process exited (%v); restarting in %s", err, restartDelay)
			restart = time.After(restartDelay)
		case <-restart:
			restart = nil
			start()
		case s := <-signals:
			switch s {
			case syscall.SIGUSR1:
				logf("k3s service: stopping (pods keep running)")
				restart = nil
				stop()
				logf("k3s service: stopped")
			case syscall.SIGUSR2:
				if child == nil {
					restart = nil
					logf("k3s service: starting")
					start()
				}
			case syscall.SIGHUP:
				logf("k3s service: restarting")
				restart = nil
				stop()
				start()
			default:
				stop()
				_ = os.Remove(servicePidFile)
				return 0
			}
		}
	}
}

// serviceCommand is `k3s service stop|start|restart`: it signals the service manager.
func serviceCommand(args []string) int {
	signals := map[string]syscall.Signal{"stop": syscall.SIGUSR1, "start": syscall.SIGUSR2, "restart": syscall.SIGHUP}
	if len(args) != 1 || signals[args[0]] == 0 {
		fmt.Fprintln(os.Stderr, "usage: k3s service stop|start|restart")
		return 2
	}
	raw, err := os.ReadFile(servicePidFile)
	if err != nil {
		fmt.Fprintf(os.Stderr, "k3s service: not running under the service manager (%v)\n", err)
		return 1
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		fmt.Fprintf(os.Stderr, "k3s service: bad pid file %s\n", servicePidFile)
		return 1
	}
	if err := syscall.Kill(pid, signals[args[0]]); err != nil {
		fmt.Fprintf(os.Stderr, "k3s service: %v\n", err)
		return 1
	}
	return 0
}
