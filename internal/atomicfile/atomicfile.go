// Package atomicfile writes files so that a crash or a power cut leaves
// either the old content or the new, never a mix and never a torn file.
//
// Every write goes the same way: a temporary file in the destination's own
// folder (so the rename stays on one file system), the content, fsync, the
// mode, rename over the destination, and fsync of the folder so that the
// rename itself is durable. On any failure the temporary file is removed and
// the destination is untouched.
//
// Every file the programs write goes through this package: store device
// files and backups, sync and scan settings, certificates, printed PDFs,
// exports.
package atomicfile

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
)

// WriteFile writes data to path atomically with permissions perm.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	_, err := Write(path, perm, func(w io.Writer) error {
		_, err := io.Copy(w, bytes.NewReader(data))
		return err
	})
	return err
}

// Write streams the content that fill writes into path atomically with
// permissions perm, and returns the number of bytes written. If fill fails,
// path is left as it was and fill's error is returned.
func Write(path string, perm os.FileMode, fill func(w io.Writer) error) (n int64, err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	cw := &countingWriter{w: tmp}
	if err = fill(cw); err != nil {
		return 0, err
	}
	if err = tmp.Chmod(perm); err != nil {
		return 0, err
	}
	if err = tmp.Sync(); err != nil {
		return 0, err
	}
	if err = tmp.Close(); err != nil {
		return 0, err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return 0, err
	}
	if err = SyncDir(dir); err != nil {
		return 0, fmt.Errorf("making the new %s durable: %w", filepath.Base(path), err)
	}
	return cw.n, nil
}

// SyncDir makes the entries of dir (a rename or a new file) durable.
func SyncDir(dir string) error {
	if runtime.GOOS == "windows" {
		// Windows has no directory fsync (FlushFileBuffers on a folder's
		// handle is refused); NTFS journals a rename itself once the
		// file's own data was flushed, which Write does first.
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
