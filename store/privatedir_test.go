//go:build !windows

package store

import (
	"os"
	"path/filepath"
	"testing"
)

// TestPrivateDir: a data folder made, or found already made by someone
// else with a looser mode, is left open to its user alone.
func TestPrivateDir(t *testing.T) {
	for _, pre := range []bool{false, true} {
		dir := filepath.Join(t.TempDir(), "a", "practice")
		if pre {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := makePrivateDir(dir); err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if m := st.Mode().Perm(); m != 0o700 {
			t.Errorf("existing=%v: mode %o, want 700", pre, m)
		}
	}
}
