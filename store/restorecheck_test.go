package store

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// TestDamagedBackup: a backup cut short, or with one byte changed in the
// middle, is refused by restore before it says anything is restored, and
// the folder it was to restore into is left as it was: no store, no
// device file, no half-copied ".restoring" file.
func TestDamagedBackup(t *testing.T) {
	s, rk := newPractice(t)
	seedSome(t, s)
	// A scan of about 3 MB makes up most of the file, so the middle byte
	// of the backup is inside a sealed value.
	rnd := rand.New(rand.NewPCG(1, 2))
	scan := make([]byte, 3<<20)
	for i := range scan {
		scan[i] = byte(rnd.IntN(256))
	}
	if _, err := s.PutBlob(bytes.NewReader(scan)); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "practice.ckbackup")
	if _, err := s.BackupFile(file); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := Restore(file, filepath.Join(t.TempDir(), "ok"), RestoreOptions{RecoveryKey: rk}); err != nil {
		t.Fatalf("the undamaged backup: %v", err)
	}

	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 0x20
	damaged := map[string][]byte{
		"cut short":        good[:len(good)*6/10],
		"cut to one page":  good[:4096],
		"one byte changed": flipped,
	}
	for name, content := range damaged {
		for how, opts := range map[string]RestoreOptions{"recovery key": {RecoveryKey: rk}, "secret from": {SecretFrom: s.Dir()}} {
			if name == "one byte changed" && how == "secret from" {
				continue // without the data key only the file's structure can be checked
			}
			t.Run(name+", "+how, func(t *testing.T) {
				bad := filepath.Join(t.TempDir(), "damaged.ckbackup")
				if err := os.WriteFile(bad, content, 0o600); err != nil {
					t.Fatal(err)
				}
				for _, existing := range []bool{false, true} {
					dir := filepath.Join(t.TempDir(), "restored")
					if existing {
						if err := os.Mkdir(dir, 0o700); err != nil {
							t.Fatal(err)
						}
					}
					err := Restore(bad, dir, opts)
					if !errors.Is(err, ErrBadBackup) {
						t.Fatalf("restore of a backup %s (folder existed: %v): %v, want ErrBadBackup", name, existing, err)
					}
					entries, rerr := os.ReadDir(dir)
					switch {
					case existing && rerr != nil:
						t.Errorf("the folder that was there is gone: %v", rerr)
					case !existing && !errors.Is(rerr, os.ErrNotExist):
						t.Errorf("a folder was left behind (%v)", rerr)
					}
					for _, e := range entries {
						t.Errorf("left behind in %s: %s", dir, e.Name())
					}
				}
			})
		}
	}
}
