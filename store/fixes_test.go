package store

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestOpenEmptyFileIsDamage(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(FilePath(dir), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir); !errors.Is(err, ErrTampered) {
		t.Fatalf("Open of an empty store file: %v", err)
	}
	if fi, _ := os.Stat(FilePath(dir)); fi.Size() != 0 {
		t.Fatal("Open wrote into an empty store file")
	}
}

func TestOpenDoesNotWrite(t *testing.T) {
	s, _ := newPractice(t)
	dir := s.Dir()
	s.Close()
	before, _ := os.ReadFile(FilePath(dir))
	s2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	s2.Close()
	after, _ := os.ReadFile(FilePath(dir))
	if sha256.Sum256(before) != sha256.Sum256(after) {
		t.Fatal("opening and closing a locked store changed its file")
	}
}

func TestBackupNeedsHIM(t *testing.T) {
	s, _ := newPractice(t)
	if _, err := s.AddUser(NewUser{Username: "desk", Name: "Fron Tdesk", Role: RoleFrontDesk, Password: []byte(userPass)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Unlock("desk", []byte(userPass)); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := s.Backup(&buf); !errors.Is(err, ErrPermission) || buf.Len() != 0 {
		t.Fatalf("front desk backup: %v (%d bytes)", err, buf.Len())
	}
}

func TestDamagedDeviceFileRecovers(t *testing.T) {
	s, rk := newPractice(t)
	r, _ := s.Put("patient", "", "", []byte("still here"))
	dir := s.Dir()
	s.Close()
	if err := os.WriteFile(filepath.Join(dir, deviceFileName), []byte("{garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(dir)
	if err != nil {
		t.Fatalf("Open with a damaged device file: %v", err)
	}
	defer s2.Close()
	if err := s2.Unlock("admin", []byte(adminPass)); !errors.Is(err, ErrNoPracticeSecret) {
		t.Fatalf("Unlock with a damaged device file: %v", err)
	}
	if err := s2.UnlockWithRecovery(rk, "admin", []byte("recovered-Lantern-Pier-7")); err != nil {
		t.Fatal(err)
	}
	if got, err := s2.Get(r.ID); err != nil || string(got.Body) != "still here" {
		t.Fatalf("after recovery: %v", err)
	}
	if _, err := readDeviceFile(dir); err != nil {
		t.Fatalf("device file not rewritten: %v", err)
	}
}

func TestRestoreFailureLeavesNoFolder(t *testing.T) {
	s, _ := newPractice(t)
	file := filepath.Join(t.TempDir(), "b")
	if _, err := s.BackupFile(file); err != nil {
		t.Fatal(err)
	}
	other, _ := newPractice(t)
	target := filepath.Join(t.TempDir(), "new")
	if err := Restore(file, target, RestoreOptions{SecretFrom: other.Dir()}); !errors.Is(err, ErrNoPracticeSecret) {
		t.Fatalf("restore with another practice's secret: %v", err)
	}
	if _, err := os.Stat(target); !os.IsNotExist(err) {
		t.Fatal("a failed restore left its folder behind")
	}
}
