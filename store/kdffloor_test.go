package store

import (
	"testing"
	"time"
)

// TestKDFFloorOnALoadedMachine: however slow the measurement says the
// machine is (a busy machine measures slow), calibration never settles
// below RFC 9106's second recommended option, t=3 at 64 MiB.
func TestKDFFloorOnALoadedMachine(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []kdfCost{
		{fixed: 100 * ms, pass: 400 * ms},
		{fixed: 2 * time.Second, pass: 3 * time.Second},
		{fixed: 0, pass: time.Minute},
		{fixed: time.Hour, pass: 0},
		{fixed: 0, pass: 1},
	} {
		p := calibrateKDF(func() kdfCost { return c })
		if p.Time < 3 || p.Memory < 64*1024 || p.Threads < 1 {
			t.Errorf("measured %+v: calibrated to t=%d m=%d KiB p=%d, below t=3 m=65536 KiB", c, p.Time, p.Memory, p.Threads)
		}
	}
}
