// Command twin-runc is an OCI runtime wrapper for hosts whose own capability bounding set is
// smaller than the full set (sandboxes often withhold CAP_SYS_RESOURCE). Docker grants a
// privileged container every capability it knows, which runc then cannot apply ("unable to
// apply caps: operation not permitted"); k3d's node containers are all privileged. Before
// `runc create|run`, this trims the bundle's capability sets to what the host has, then execs runc.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// capNames are the Linux capabilities by number (linux/capability.h).
var capNames = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
	"CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
	"CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
	"CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
	"CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
}

// hostCaps is the set of capability names in this process's bounding set.
func hostCaps() (map[string]bool, error) {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "CapBnd:"); ok {
			mask, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				return nil, err
			}
			have := map[string]bool{}
			for i, name := range capNames {
				if mask&(1<<uint(i)) != 0 {
					have[name] = true
				}
			}
			return have, nil
		}
	}
	return nil, fmt.Errorf("no CapBnd in /proc/self/status")
}

// processFileOf is the --process file of `runc exec`, whose capabilities need the same trim.
func processFileOf(args []string) string {
	exec := false
	file := ""
	for i, a := range args {
		switch {
		case a == "exec":
			exec = true
		case a == "--process" || a == "-p":
			if i+1 < len(args) {
				file = args[i+1]
			}
		case strings.HasPrefix(a, "--process="):
			file = strings.TrimPrefix(a, "--process=")
		}
	}
	if !exec {
		return ""
	}
	return file
}

func bundleOf(args []string) (string, bool) {
	create := false
	bundle := "."
	for i, a := range args {
		switch {
		case a == "create" || a == "run":
			create = true
		case (a == "--bundle" || a == "-b") && i+1 < len(args):
			bundle = args[i+1]
		case strings.HasPrefix(a, "--bundle="):
			bundle = strings.TrimPrefix(a, "--bundle=")
		}
	}
	return bundle, create
}

func trim(bundle string) error { return trimFile(filepath.Join(bundle, "config.json"), true) }

// trimFile trims the capability sets in an OCI runtime spec (nested under "process") or in a
// bare process spec (runc exec --process).
func trimFile(path string, nested bool) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var spec map[string]any
	if err := json.Unmarshal(raw, &spec); err != nil {
		return err
	}
	process := spec
	if nested {
		process, _ = spec["process"].(map[string]any)
	}
	caps, _ := process["capabilities"].(map[string]any)
	if caps == nil {
		return nil
	}
	have, err := hostCaps()
	if err != nil {
		return err
	}
	for set, list := range caps {
		names, _ := list.([]any)
		kept := []any{}
		for _, n := range names {
			if s, _ := n.(string); have[s] {
				kept = append(kept, n)
			}
		}
		caps[set] = kept
	}
	out, err := json.Marshal(spec)
	if err != nil {
		return err
	}
	return os.WriteFile(path, out, 0o600)
}

func main() {
	args := os.Args[1:]
	if bundle, create := bundleOf(args); create {
		if err := trim(bundle); err != nil {
			fmt.Fprintf(os.Stderr, "twin-runc: %v\n", err)
			os.Exit(1)
		}
	}
	if file := processFileOf(args); file != "" {
		if err := trimFile(file, false); err != nil {
			fmt.Fprintf(os.Stderr, "twin-runc: %v\n", err)
			os.Exit(1)
		}
	}
	runc := os.Getenv("TWIN_RUNC")
	if runc == "" {
		var err error
		if runc, err = exec.LookPath("runc"); err != nil {
			fmt.Fprintln(os.Stderr, "twin-runc: runc not found")
			os.Exit(1)
		}
	}
	if err := syscall.Exec(runc, append([]string{runc}, args...), os.Environ()); err != nil {
		fmt.Fprintf(os.Stderr, "twin-runc: exec %s: %v\n", runc, err)
		os.Exit(1)
	}
}
