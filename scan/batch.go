package scan

import (
	"os"
	"path/filepath"
	"time"
)

// Batch takes every complete file in folder f once, for back-scanning old
// paper charts: temporary names are skipped, and a file is complete when
// its size and time stay unchanged over settle (one wait for the whole
// folder; a file still being written is reported as deferred and left).
// report sees every file's result, in name order.
func Batch(in *Intake, f Folder, settle time.Duration, report func(Result)) error {
	if err := CheckFolder(f); err != nil {
		return err
	}
	des, err := os.ReadDir(f.Path)
	if err != nil {
		return err
	}
	type seen struct {
		path string
		fi   os.FileInfo
	}
	var files []seen
	for _, de := range des {
		if !de.Type().IsRegular() || Temporary(de.Name()) {
			continue
		}
		p := filepath.Join(f.Path, de.Name())
		if fi, err := os.Stat(p); err == nil {
			files = append(files, seen{p, fi})
		}
	}
	if len(files) > 0 && settle > 0 {
		time.Sleep(settle)
	}
	for _, s := range files {
		if changed(s.path, s.fi) {
			if _, err := os.Stat(s.path); err == nil {
				report(Result{Path: s.path, Outcome: Deferred, Reason: "the file is still being written; run intake again when the scanner is done"})
			}
			continue
		}
		report(in.Take(s.path, f))
	}
	return nil
}
