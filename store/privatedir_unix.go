//go:build !windows

package store

import "os"

func restrictToUser(dir string) error { return os.Chmod(dir, 0o700) }
