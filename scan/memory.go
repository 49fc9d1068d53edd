package scan

import (
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// While a PDF is taken in, the Go runtime is given a soft memory limit
// (debug.SetMemoryLimit): the memory the process held when the intake
// began plus what the intake needs. The intake holds little at any time
// (pdfcpu's copies of the file's streams while it checks the file, then
// two batches of sealed chunks and the store's page copies of one), but
// it makes much garbage: pdfcpu's copies, dropped as soon as the file is
// read, and the store's page buffers, about 60 MB for a 20 MB scan. With
// the runtime's default pacing the heap may grow to twice the most that
// was live before a collection, so a fresh process taking a 20 MB scan
// peaked near 100 MB where a quarter of that was ever in use at once.
// The limit makes the collector run sooner when the intake nears it; it
// is soft (the collector never takes more than about half the CPU to
// keep it, so an intake that needs more than foreseen is slower, never
// stopped), it is only lowered (a limit set by GOMEMLIMIT that is lower
// stays), and it is put back when the intake ends. Measured in
// docs/PERFORMANCE.md (Intake).

// pdfIntakeNeed is what taking in a PDF of size bytes needs above what
// the process held before: pdfcpu's copies of its streams (about its
// size) or the sealing's batches and the cover look (about 16 MB),
// whichever is more, and room for the collector to work in.
func pdfIntakeNeed(size int64) int64 {
	return max(size, 16<<20) + 16<<20
}

// memoryLimit is the limit set for the intakes under way.
type memoryLimit struct {
	sync.Mutex
	need int64 // what they need together
	base int64 // the memory in use when the first of them began
	old  int64 // the limit before
}

var memLimit memoryLimit

// limitMemory lowers the runtime's soft memory limit to the memory in use
// now plus need, for as long as the intake it returns the end of runs.
// Intakes that overlap add their needs.
func limitMemory(need int64) (release func()) {
	m := &memLimit
	m.Lock()
	defer m.Unlock()
	if m.need == 0 {
		m.old = debug.SetMemoryLimit(-1)
		m.base = memoryInUse()
	}
	m.need += need
	m.set()
	var once sync.Once
	return func() {
		once.Do(func() {
			m.Lock()
			defer m.Unlock()
			m.need -= need
			if m.need == 0 {
				debug.SetMemoryLimit(m.old)
				return
			}
			m.set()
		})
	}
}

// set puts the limit at base plus need, never above the limit before.
func (m *memoryLimit) set() {
	debug.SetMemoryLimit(min(m.base+m.need, m.old))
}

// memoryInUse is the memory the runtime counts against its limit: all it
// has mapped, less what it has given back to the system.
func memoryInUse() int64 {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64() - s[1].Value.Uint64())
}
