package ui

import "time"

// Tests run background work at once, tick the idle lock by hand and read
// the idle clock from a variable.
var (
	manualTick func()
	clockNow   = time.Now()
)

func init() {
	runInBackground = func(work func()) { work() }
	idleTicker = func(_ time.Duration, tick func()) func() {
		manualTick = tick
		return func() {}
	}
	now = func() time.Time { return clockNow }
	demoPatientCount = 12
}
