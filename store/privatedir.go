package store

import "os"

// makePrivateDir makes dir, and any missing parents, as a data folder only
// its user may open: mode 0700 on Linux and macOS; on Windows a protected
// access list granting only the user (and the system account, which
// backup and indexing services run as) full control, inherited by
// everything made inside it. An existing folder is restricted the same
// way.
func makePrivateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return restrictToUser(dir)
}
