package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// config is what /etc/twin/link asks for: the delay added to every packet the node sends, and the
// probability that each is dropped.
type config struct {
	delay time.Duration
	loss  float64
}

// maxDelay matches the scenario's bound on a link-degrade's delay (src/scenario/faults.ts).
const maxDelay = 60 * time.Second

// parseConfig reads `delay SECONDS` and `loss PROBABILITY` lines; blank lines and `#` comments are
// skipped, and anything else is an error naming the line.
func parseConfig(r io.Reader) (config, error) {
	var c config
	s := bufio.NewScanner(r)
	for n := 1; s.Scan(); n++ {
		line := strings.TrimSpace(s.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 {
			return config{}, fmt.Errorf("line %d %q: want `delay SECONDS` or `loss PROBABILITY`", n, line)
		}
		v, err := strconv.ParseFloat(f[1], 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return config{}, fmt.Errorf("line %d: %s %q is not a number", n, f[0], f[1])
		}
		switch f[0] {
		case "delay":
			if v < 0 || v > maxDelay.Seconds() {
				return config{}, fmt.Errorf("line %d: delay %v s is outside 0–%v s", n, v, maxDelay.Seconds())
			}
			c.delay = time.Duration(v * float64(time.Second))
		case "loss":
			if v < 0 || v > 1 {
				return config{}, fmt.Errorf("line %d: loss %v is outside 0–1", n, v)
			}
			c.loss = v
		default:
			return config{}, fmt.Errorf("line %d: unknown setting %q (delay or loss)", n, f[0])
		}
	}
	return c, s.Err()
}

func (c config) String() string {
	return fmt.Sprintf("delay %v, loss %v", c.delay, c.loss)
}
