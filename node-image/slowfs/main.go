// Command twin-slowfs gives a directory the write latency of a Raspberry Pi's storage: it serves
// SOURCE at MOUNTPOINT through FUSE, passing every operation through to SOURCE, and makes each
// synchronous write (fsync and fdatasync, which the kernel also sends after a write to a file
// opened O_SYNC or O_DSYNC) take at least the storage's latency, one at a time, as a card or disk
// does at queue depth 1. The node image mounts it over the datastore and the local-path volumes
// (node-image/README.md, "Storage at the board's latency").
//
// The latency is read from -latency-file (a Go duration such as "1ms" or "4s") at start and on
// SIGHUP, so a slow-storage fault changes it while K3s runs; -latency is used while the file is
// absent. SIGTERM or SIGINT unmounts and exits.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

func main() {
	latencyFile := flag.String("latency-file", "", "file holding the latency of one synchronous write (re-read on SIGHUP)")
	latency := flag.Duration("latency", 0, "latency of one synchronous write while -latency-file is absent")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: twin-slowfs [-latency D] [-latency-file F] SOURCE MOUNTPOINT [SOURCE MOUNTPOINT ...]")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 || flag.NArg()%2 != 0 {
		flag.Usage()
		os.Exit(2)
	}
	// Signals first: a slow-storage fault's SIGHUP can come as soon as the mounts appear, and would
	// otherwise end the process.
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT)
	dev := NewDevice(*latency, *latencyFile)
	if err := dev.Reload(); err != nil {
		log.Fatalf("twin-slowfs: %v", err)
	}
	// Every mount shares the one device: they are directories on the same card or disk.
	var servers []*fuse.Server
	for i := 0; i < flag.NArg(); i += 2 {
		source, target := flag.Arg(i), flag.Arg(i+1)
		server, err := Mount(source, target, dev)
		if err != nil {
			unmountAll(servers)
			log.Fatalf("twin-slowfs: mount %s on %s: %v", source, target, err)
		}
		servers = append(servers, server)
		log.Printf("twin-slowfs: %s on %s", source, target)
	}
	log.Printf("twin-slowfs: %v per synchronous write", dev.Latency())

	go func() {
		for sig := range signals {
			if sig == syscall.SIGHUP {
				if err := dev.Reload(); err != nil {
					log.Printf("twin-slowfs: %v (latency stays %v)", err, dev.Latency())
				} else {
					log.Printf("twin-slowfs: %v per synchronous write", dev.Latency())
				}
				continue
			}
			unmountAll(servers)
			return
		}
	}()
	for _, server := range servers {
		server.Wait()
	}
}

func unmountAll(servers []*fuse.Server) {
	for _, server := range servers {
		if err := server.Unmount(); err != nil {
			log.Printf("twin-slowfs: unmount: %v", err)
		}
	}
}

// Mount serves source at target with dev's latency on every synchronous write.
func Mount(source, target string, dev *Device) (*fuse.Server, error) {
	root, err := newRoot(source, dev)
	if err != nil {
		return nil, err
	}
	return fs.Mount(target, root, &fs.Options{
		MountOptions: fuse.MountOptions{
			AllowOther: true, // pods (local-path volumes) run as other users than the mounting root
			// ...and the kernel checks their permissions against the files' modes, as on the card itself.
			Options:     []string{"default_permissions"},
			FsName:      source,
			Name:        "twin-slowfs", // the mount's type reads fuse.twin-slowfs
			DirectMount: true,          // mount(2) as root: the node image has no fusermount
			MaxWrite:    1 << 20,
			Debug:       os.Getenv("TWIN_SLOWFS_DEBUG") != "",
		},
	})
}
