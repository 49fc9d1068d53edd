package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBackupRestore(t *testing.T) {
	s, rk := newPractice(t)
	r := seedSome(t, s)
	bdir := t.TempDir()
	file := filepath.Join(bdir, "practice.ckbackup")
	n, err := s.BackupFile(file)
	if err != nil || n == 0 {
		t.Fatalf("backup: %d %v", n, err)
	}
	if _, err := os.Stat(filepath.Join(bdir, deviceFileName)); err == nil {
		t.Fatal("backup wrote a device file")
	}
	// A write after the backup is not in it.
	later, _ := s.Put("patient", "", "", []byte("after backup"))

	if err := Restore(file, filepath.Join(t.TempDir(), "nokey"), RestoreOptions{}); !errors.Is(err, ErrNoPracticeSecret) {
		t.Fatalf("restore without secret: %v", err)
	}
	if err := Restore(file, filepath.Join(t.TempDir(), "badkey"), RestoreOptions{RecoveryKey: "0000-0000-0000-0000-0000-0000-0000-0000"}); !errors.Is(err, ErrWrongRecoveryKey) {
		t.Fatalf("restore with a wrong key: %v", err)
	}
	if err := Restore(file, s.Dir(), RestoreOptions{RecoveryKey: rk}); !errors.Is(err, ErrPracticeExists) {
		t.Fatalf("restore over a practice: %v", err)
	}
	for name, opts := range map[string]RestoreOptions{"recovery key": {RecoveryKey: rk}, "secret from": {SecretFrom: s.Dir()}} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "restored")
			if err := Restore(file, dir, opts); err != nil {
				t.Fatal(err)
			}
			s2, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer s2.Close()
			if s2.DeviceID() == s.DeviceID() || s2.PracticeID() != s.PracticeID() {
				t.Fatal("restored folder should be a new device of the same practice")
			}
			if err := s2.Unlock("admin", []byte(adminPass)); err != nil {
				t.Fatal(err)
			}
			if got, err := s2.Get(r.ID); err != nil || !bytes.Equal(got.Body, r.Body) {
				t.Fatalf("restored record: %v", err)
			}
			if _, err := s2.Get(later.ID); !errors.Is(err, ErrNotFound) {
				t.Fatalf("record written after the backup: %v", err)
			}
			rep, err := s2.Verify()
			if err != nil || !rep.OK() || rep.Blobs != 1 {
				t.Fatalf("verify restored: %+v %v", rep, err)
			}
		})
	}
	os.WriteFile(filepath.Join(bdir, "junk"), []byte(strings.Repeat("not a backup ", 1000)), 0o600)
	if err := Restore(filepath.Join(bdir, "junk"), filepath.Join(t.TempDir(), "j"), RestoreOptions{RecoveryKey: rk}); !errors.Is(err, ErrBadBackup) {
		t.Fatalf("restore from junk: %v", err)
	}
}
