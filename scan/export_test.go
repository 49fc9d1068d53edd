package scan

// DropEvents makes the engine hear nothing more from folder dir, as a
// network share that reports no changes made by other computers.
func DropEvents(e *Engine, dir string) error {
	<-e.watching
	return e.w.Remove(dir)
}
