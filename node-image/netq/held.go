package main

import (
	"sync"
	"time"
)

// heldPacket is a packet waiting out its delay.
type heldPacket struct {
	id      uint32
	release time.Time
}

// fifo holds packets in the order they arrived and lets each go at its release time, never before
// the one ahead of it: a link keeps its packets in order, also when the delay shrinks.
type fifo struct {
	mu      sync.Mutex
	wake    *sync.Cond
	packets []heldPacket
	closed  bool
}

func newFifo() *fifo {
	f := &fifo{}
	f.wake = sync.NewCond(&f.mu)
	return f
}

func (f *fifo) push(p heldPacket) {
	f.mu.Lock()
	f.packets = append(f.packets, p)
	f.mu.Unlock()
	f.wake.Signal()
}

// next waits for a packet and returns it with whether the queue is still open; after close it
// returns every packet left at once, then ok false.
func (f *fifo) next() (heldPacket, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for len(f.packets) == 0 && !f.closed {
		f.wake.Wait()
	}
	if len(f.packets) == 0 {
		return heldPacket{}, false
	}
	p := f.packets[0]
	f.packets[0] = heldPacket{}
	f.packets = f.packets[1:]
	if f.closed {
		p.release = time.Time{}
	}
	return p, true
}

func (f *fifo) close() {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	f.wake.Broadcast()
}
