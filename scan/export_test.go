package scan

import (
	"errors"
	"io"
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

// AnalyzePDFFile is analyzePDF: a PDF read from r, its large streams
// left there.
func AnalyzePDFFile(r io.ReaderAt, size int64) (Info, error) { return analyzePDF(r, size) }

// LeftStreams counts the streams of info's PDF still left in its file.
func LeftStreams(info Info) int {
	if info.left == nil {
		return 0
	}
	return len(info.left.left)
}

// SkimmedStreams counts the streams of info's PDF that pdfcpu never read
// (see readLeavingStreams).
func SkimmedStreams(info Info) int {
	if info.left == nil {
		return 0
	}
	return info.left.skimmed
}
