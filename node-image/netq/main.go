// twin-netq adds a link-degrade's delay and loss to the packets a node sends, where the kernel's tc
// has no netem (node-image/README.md, "Delay and loss"). An iptables rule in the node's own network
// namespace (`-j NFQUEUE --queue-num N --queue-bypass`, added by twin-link) queues every packet leaving
// eth0 to this process, which drops each with the configured probability and lets the rest go after
// the configured delay, in order.
//
//	twin-netq --queue 7 --config /etc/twin/link
//
// SIGHUP reads the file again; SIGTERM lets every held packet go, unbinds and exits. The queue is
// fail-open and the rule has --queue-bypass, so a full queue or a stopped twin-netq passes packets on
// instead of cutting the node off.
package main

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	queue := flag.Uint("queue", 7, "NFQUEUE number to bind (the iptables rule's --queue-num)")
	path := flag.String("config", "/etc/twin/link", "file with `delay SECONDS` and `loss PROBABILITY` lines")
	flag.Parse()
	if *queue > 65535 {
		fail("--queue %d: a queue number is 0–65535", *queue)
	}
	q := &netq{queue: uint16(*queue), path: *path, held: newFifo(), done: make(chan struct{})}
	if err := q.load(); err != nil {
		fail("%s: %v", *path, err)
	}
	if err := q.open(); err != nil {
		fail("queue %d: %v", *queue, err)
	}
	fmt.Printf("twin-netq: queue %d bound (%v)\n", q.queue, q.cfg.Load())

	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT)
	var released sync.WaitGroup
	released.Add(1)
	go func() { defer released.Done(); q.release() }()
	go q.receive()
	for s := range signals {
		if s == syscall.SIGHUP {
			if err := q.load(); err != nil {
				fmt.Fprintf(os.Stderr, "twin-netq: %s: %v; keeping %v\n", q.path, err, q.cfg.Load())
			} else {
				fmt.Printf("twin-netq: %v\n", q.cfg.Load())
			}
			continue
		}
		// Stop: every held packet goes now, then the queue is unbound; packets the rule sends
		// after that pass (--queue-bypass).
		close(q.done)
		q.held.close()
		released.Wait()
		_ = q.send(unbindMessage(q.queue))
		fmt.Printf("twin-netq: stopped on %v after %d packets passed, %d dropped\n", s, q.passed.Load(), q.dropped.Load())
		return
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "twin-netq: "+format+"\n", args...)
	os.Exit(1)
}

type netq struct {
	queue   uint16
	path    string
	fd      int
	cfg     atomic.Pointer[config]
	held    *fifo
	done    chan struct{}
	passed  atomic.Uint64
	dropped atomic.Uint64
}

func (q *netq) load() error {
	f, err := os.Open(q.path)
	if err != nil {
		return err
	}
	defer f.Close()
	c, err := parseConfig(f)
	if err != nil {
		return err
	}
	q.cfg.Store(&c)
	return nil
}

// open binds the queue over a NETLINK_NETFILTER socket and waits for the kernel's acknowledgements.
func (q *netq) open() error {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_NETFILTER)
	if err != nil {
		return fmt.Errorf("netlink socket: %w", err)
	}
	q.fd = fd
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("netlink bind: %w", err)
	}
	// Room for a full queue's messages; without it a burst overflows the socket and the kernel keeps
	// the packets it could not announce until the queue is unbound.
	if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 8<<20) != nil {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 8<<20)
	}
	_ = unix.SetsockoptInt(fd, unix.SOL_NETLINK, unix.NETLINK_NO_ENOBUFS, 1)
	buf := make([]byte, 1<<16)
	for _, m := range bindMessages(q.queue) {
		if err := q.send(m); err != nil {
			return err
		}
		seq := nativeSeq(m)
		for acked := false; !acked; {
			n, _, err := unix.Recvfrom(fd, buf, 0)
			if errors.Is(err, unix.EINTR) {
				continue
			}
			if err != nil {
				return fmt.Errorf("netlink receive: %w", err)
			}
			msgs, err := parse(buf[:n])
			if err != nil {
				return err
			}
			for _, r := range msgs {
				switch {
				case r.packet:
					_ = q.send(verdictMessage(q.queue, r.id, verdictAccept))
				case r.ack && r.ackedSeq == seq:
					if r.errno != 0 {
						return fmt.Errorf("the kernel refused the queue's configuration: %w", unix.Errno(-r.errno))
					}
					acked = true
				}
			}
		}
	}
	return nil
}

func nativeSeq(m []byte) uint32 { return binary.NativeEndian.Uint32(m[8:]) }

func (q *netq) send(m []byte) error {
	if err := unix.Sendto(q.fd, m, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("netlink send: %w", err)
	}
	return nil
}

// receive takes each queued packet: dropped at once with the loss's probability, held otherwise.
func (q *netq) receive() {
	buf := make([]byte, 1<<16)
	for {
		n, _, err := unix.Recvfrom(q.fd, buf, 0)
		if errors.Is(err, unix.EINTR) || errors.Is(err, unix.ENOBUFS) {
			continue
		}
		if err != nil {
			fail("netlink receive: %v", err)
		}
		msgs, err := parse(buf[:n])
		if err != nil {
			fmt.Fprintf(os.Stderr, "twin-netq: %v\n", err)
		}
		now := time.Now()
		c := q.cfg.Load()
		for _, r := range msgs {
			if !r.packet {
				continue
			}
			if c.loss > 0 && rand.Float64() < c.loss {
				q.dropped.Add(1)
				_ = q.send(verdictMessage(q.queue, r.id, verdictDrop))
				continue
			}
			q.held.push(heldPacket{id: r.id, release: now.Add(c.delay)})
		}
	}
}

// release lets each held packet go at its time; after stop, every one left at once.
func (q *netq) release() {
	for {
		p, ok := q.held.next()
		if !ok {
			return
		}
		if wait := time.Until(p.release); wait > 0 {
			timer := time.NewTimer(wait)
			select {
			case <-timer.C:
			case <-q.done:
				timer.Stop()
			}
		}
		q.passed.Add(1)
		if err := q.send(verdictMessage(q.queue, p.id, verdictAccept)); err != nil {
			fmt.Fprintf(os.Stderr, "twin-netq: packet %d: %v\n", p.id, err)
		}
	}
}
