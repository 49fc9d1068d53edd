package scan

import (
	"errors"
	"time"
)

// DropEvents makes the engine hear nothing more from folder dir, as a
// network share that reports no changes made by other computers. It waits
// for the engine to watch dir first.
func DropEvents(e *Engine, dir string) error {
	<-e.watching
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		for _, f := range e.Folders() {
			if f.Path == dir && f.OK {
				return e.w.Remove(dir)
			}
		}
	}
	return errors.New("the engine never watched " + dir)
}
