package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Defaults from Linux nfs(5) for NFS over TCP:
//   - "hard": "The default is hard" — a request is retried until the server answers;
//   - "timeo": "For NFS over TCP the default timeo value is 600 (60 seconds)", in tenths of a second,
//     with linear backoff: "After each retransmission the timeout is increased by timeo up to the
//     maximum of 600 seconds";
//   - "retrans": "the NFS client tries each ... TCP request twice" (retrans=2); with "soft" the
//     request "fails after retrans retransmissions have been sent";
//   - "retry": "the default is 2 minutes" for a foreground mount.
const (
	defaultTimeo   = 600 * time.Millisecond * 100
	defaultRetrans = 2
	defaultRetry   = 2 * time.Minute
	maxTimeo       = 600 * time.Second
	// nfs(5) acregmin: "the default is 3 seconds"; the FUSE kernel caches attributes and names that long.
	defaultAttrCache = 3 * time.Second
)

// Options are the NFS mount options this client honours (nfs(5) names and units).
type Options struct {
	Hard      bool
	Timeo     time.Duration // per-try timeout of the first transmission (timeo=N tenths of a second)
	Retrans   int
	Retry     time.Duration // how long the mount itself keeps trying (retry=N minutes)
	ReadOnly  bool
	Port      int // NFS port; 0: ask the server's portmapper
	MountPort int // MOUNT port; 0: ask the server's portmapper
	AttrCache time.Duration
	// Accepted but without effect here (e.g. nolock, vers=4.1: this client speaks NFSv3 only).
	Ignored []string
}

// DefaultOptions are nfs(5)'s defaults for a TCP mount.
func DefaultOptions() Options {
	return Options{Hard: true, Timeo: defaultTimeo, Retrans: defaultRetrans, Retry: defaultRetry, AttrCache: defaultAttrCache}
}

// ParseOptions reads a comma-separated -o list as mount.nfs does. Unknown options are an error,
// as with mount.nfs ("an incorrect mount option was specified").
func ParseOptions(list string) (Options, error) {
	o := DefaultOptions()
	for _, opt := range strings.Split(list, ",") {
		opt = strings.TrimSpace(opt)
		if opt == "" {
			continue
		}
		name, value, hasValue := strings.Cut(opt, "=")
		number := func() (int, error) {
			if !hasValue {
				return 0, fmt.Errorf("option %s needs a value", name)
			}
			n, err := strconv.Atoi(value)
			if err != nil || n < 0 {
				return 0, fmt.Errorf("option %s: %q is not a number", name, value)
			}
			return n, nil
		}
		switch name {
		case "hard":
			o.Hard = true
		case "soft", "softerr":
			o.Hard = false
		case "timeo":
			n, err := number()
			if err != nil {
				return o, err
			}
			if n == 0 {
				return o, fmt.Errorf("timeo must be positive")
			}
			o.Timeo = time.Duration(n) * 100 * time.Millisecond
			if o.Timeo > maxTimeo {
				o.Timeo = maxTimeo
			}
		case "retrans":
			n, err := number()
			if err != nil {
				return o, err
			}
			o.Retrans = n
		case "retry":
			n, err := number()
			if err != nil {
				return o, err
			}
			o.Retry = time.Duration(n) * time.Minute
		case "port":
			n, err := number()
			if err != nil {
				return o, err
			}
			o.Port = n
		case "mountport":
			n, err := number()
			if err != nil {
				return o, err
			}
			o.MountPort = n
		case "actimeo", "acregmin":
			n, err := number()
			if err != nil {
				return o, err
			}
			o.AttrCache = time.Duration(n) * time.Second
		case "noac":
			o.AttrCache = 0
		case "ro":
			o.ReadOnly = true
		case "rw":
			o.ReadOnly = false
		case "proto", "mountproto":
			if value != "tcp" {
				return o, fmt.Errorf("%s=%s: this client speaks TCP only", name, value)
			}
		case "vers", "nfsvers":
			if value != "3" && !strings.HasPrefix(value, "4") {
				return o, fmt.Errorf("%s=%s: this client speaks NFSv3 (asked for NFSv4 it uses NFSv3 too)", name, value)
			}
			if value != "3" {
				o.Ignored = append(o.Ignored, opt)
			}
		case "sec":
			if value != "sys" {
				return o, fmt.Errorf("sec=%s: only sec=sys (AUTH_UNIX) is supported", value)
			}
		case "acregmax", "acdirmin", "acdirmax", "rsize", "wsize", "nolock", "lock", "intr", "nointr",
			"noatime", "atime", "nodiratime", "relatime", "bg", "fg", "cto", "nocto", "resvport", "noresvport",
			"sharecache", "nosharecache", "lookupcache", "local_lock", "minorversion", "namlen", "fsc", "nofsc",
			"defaults", "_netdev", "nosuid", "suid", "nodev", "dev", "noexec", "exec", "auto", "noauto",
			"user", "nouser", "sloppy", "addr", "clientaddr", "mounthost", "mountvers", "rdirplus", "nordirplus":
			o.Ignored = append(o.Ignored, opt)
		default:
			return o, fmt.Errorf("unknown mount option %q", opt)
		}
	}
	return o, nil
}

// Invocation is mount.nfs's command line: `mount.nfs remotetarget dir [-rvVwfnsh] [-o options]`,
// as util-linux mount(8) calls a /sbin/mount.<type> helper.
type Invocation struct {
	Server  string // host name or address
	Path    string // the export's path on the server
	Target  string // the local directory
	Options string
	Type    string // nfs or nfs4 (from the program's name or -t)
	Verbose bool
}

// ParseInvocation reads mount.nfs's arguments (program name first).
func ParseInvocation(argv []string) (Invocation, error) {
	inv := Invocation{Type: "nfs"}
	if len(argv) > 0 && strings.HasSuffix(argv[0], "nfs4") {
		inv.Type = "nfs4"
	}
	var positional, options []string
	readOnly := false
	for i := 1; i < len(argv); i++ {
		a := argv[i]
		if !strings.HasPrefix(a, "-") || a == "-" {
			positional = append(positional, a)
			continue
		}
		flag := a[1:]
		takesValue := func() (string, error) {
			if len(flag) > 1 {
				return flag[1:], nil
			}
			if i+1 >= len(argv) {
				return "", fmt.Errorf("option -%c needs a value", flag[0])
			}
			i++
			return argv[i], nil
		}
		switch flag[0] {
		case 'o':
			v, err := takesValue()
			if err != nil {
				return inv, err
			}
			options = append(options, v)
		case 't':
			v, err := takesValue()
			if err != nil {
				return inv, err
			}
			if v == "nfs4" || v == "nfs" {
				inv.Type = v
			}
		case 'N':
			if _, err := takesValue(); err != nil {
				return inv, err
			}
		case 'r':
			readOnly = true
		case 'v':
			inv.Verbose = true
		case 'w', 'f', 'n', 's', 'i', 'V', 'h':
		default:
			return inv, fmt.Errorf("unknown flag %s", a)
		}
	}
	if len(positional) != 2 {
		return inv, fmt.Errorf("usage: mount.nfs remotetarget dir [-rvVwfnsih] [-o nfsoptions]")
	}
	remote := positional[0]
	// server:/path, or [ipv6]:/path
	var host, path string
	if strings.HasPrefix(remote, "[") {
		end := strings.Index(remote, "]:")
		if end < 0 {
			return inv, fmt.Errorf("remote target %q is not [address]:/path", remote)
		}
		host, path = remote[1:end], remote[end+2:]
	} else {
		var ok bool
		host, path, ok = strings.Cut(remote, ":")
		if !ok {
			return inv, fmt.Errorf("remote target %q is not server:/path", remote)
		}
	}
	if host == "" || !strings.HasPrefix(path, "/") {
		return inv, fmt.Errorf("remote target %q is not server:/path", remote)
	}
	inv.Server, inv.Path, inv.Target = host, path, positional[1]
	if readOnly {
		options = append(options, "ro")
	}
	inv.Options = strings.Join(options, ",")
	return inv, nil
}
