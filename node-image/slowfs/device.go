package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Device is the storage behind a mount: one synchronous write at a time (queue depth 1), each
// taking at least its latency. A write the host's disk takes longer over keeps the host's time.
type Device struct {
	mu          sync.Mutex // held for the whole of one synchronous write
	fallback    time.Duration
	latencyFile string
	latency     atomic.Int64 // nanoseconds
	syncs       atomic.Int64
}

// NewDevice is a device of latency `fallback`, or of what latencyFile says once it exists.
func NewDevice(fallback time.Duration, latencyFile string) *Device {
	d := &Device{fallback: fallback, latencyFile: latencyFile}
	d.latency.Store(int64(fallback))
	return d
}

// Reload reads the latency file again; without one (or while it is absent) the fallback holds.
func (d *Device) Reload() error {
	if d.latencyFile == "" {
		return nil
	}
	data, err := os.ReadFile(d.latencyFile)
	if os.IsNotExist(err) {
		d.latency.Store(int64(d.fallback))
		return nil
	}
	if err != nil {
		return err
	}
	text := strings.TrimSpace(string(data))
	latency, err := time.ParseDuration(text)
	if err != nil || latency < 0 {
		return fmt.Errorf("%s: %q is not a latency (a duration such as 1ms or 4s)", d.latencyFile, text)
	}
	d.latency.Store(int64(latency))
	return nil
}

// Latency is the current latency of one synchronous write.
func (d *Device) Latency() time.Duration { return time.Duration(d.latency.Load()) }

// Syncs is how many synchronous writes the device has served.
func (d *Device) Syncs() int64 { return d.syncs.Load() }

// Sync runs one synchronous write: waits its turn, runs it, and holds the device until the
// latency has passed since the write began. A request the kernel interrupts (its process was
// killed) stops waiting.
func (d *Device) Sync(ctx context.Context, write func() error) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.syncs.Add(1)
	start := time.Now()
	err := write()
	if rest := d.Latency() - time.Since(start); rest > 0 {
		timer := time.NewTimer(rest)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-ctx.Done():
		}
	}
	return err
}
