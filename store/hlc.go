package store

import (
	"sync"
	"time"
)

// HLC is a hybrid logical clock time: milliseconds since the Unix epoch in
// the high 48 bits, a logical counter in the low 16. It never goes backwards
// on one workstation, even when the wall clock does, and it orders events
// across workstations whose clocks disagree.
type HLC uint64

// Time is the wall-clock part of the HLC.
func (h HLC) Time() time.Time { return time.UnixMilli(int64(h >> 16)) }

// Logical is the counter part of the HLC.
func (h HLC) Logical() uint16 { return uint16(h) }

func makeHLC(ms int64, logical uint16) HLC { return HLC(uint64(ms)<<16 | uint64(logical)) }

// MaxClockSkew is how far a peer's clock may be from ours before a warning.
const MaxClockSkew = 5 * time.Minute

// clock issues HLC times.
type clock struct {
	mu   sync.Mutex
	now  func() time.Time
	last HLC
}

// next returns a time later than every time issued or observed before.
func (c *clock) next() HLC {
	c.mu.Lock()
	defer c.mu.Unlock()
	wall := makeHLC(c.now().UnixMilli(), 0)
	if wall > c.last {
		c.last = wall
	} else {
		c.last++
	}
	return c.last
}

// observe merges a time seen from elsewhere (a synced revision) so that our
// later times follow it. It reports whether the peer's clock is more than
// [MaxClockSkew] away from ours.
func (c *clock) observe(remote HLC) (skewed bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	wallMS := c.now().UnixMilli()
	d := time.Duration(int64(remote>>16)-wallMS) * time.Millisecond
	if remote > c.last {
		c.last = remote
	}
	return d > MaxClockSkew || d < -MaxClockSkew
}
