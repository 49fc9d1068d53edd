package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"chartkeeper/chart"
	"chartkeeper/store"
)

func TestBackupAndRestore(t *testing.T) {
	p := newPractice(t)
	newPW := writeFile(t, t.TempDir(), "new.pw", userPass)
	wantCode(t, "user add", p.admin("user", "add", "--name", "Maria Lopez", "--username", "maria", "--role", "clinician", "--new-password-file", newPW), 0)
	id, body := p.seed(150)

	backup := filepath.Join(t.TempDir(), "clinic.ckbackup")
	r := p.admin("backup", "--out", backup)
	wantCode(t, "backup", r, 0)
	wantOutput(t, "backup", r, backup, "bytes")
	if fi, err := os.Stat(backup); err != nil || fi.Size() == 0 {
		t.Fatalf("backup file: %v", err)
	}

	// With the recovery key, into a new folder on a computer that has no
	// Chartkeeper folder of its own (another XDG_DATA_HOME).
	elsewhere := t.TempDir()
	restored := filepath.Join(elsewhere, "restored")
	keyFile := writeFile(t, t.TempDir(), "recovery.txt", p.recoveryKey+"\n")
	r = runCkadmin(t, elsewhere, nil, "restore", "--from", backup, "--data", restored, "--recovery-key-file", keyFile)
	wantCode(t, "restore with the recovery key", r, 0)
	r = runCkadmin(t, elsewhere, nil, "verify", "--data", restored, "--user", "admin", "--password-file", p.adminPWFile)
	wantCode(t, "verify the restored folder", r, 0)
	if !strings.HasSuffix(r.stdout, "\nok\n") {
		t.Fatalf("verify of the restored folder:\n%s", r.output())
	}
	r = runCkadmin(t, elsewhere, []string{"CHARTKEEPER_USER=maria", "CHARTKEEPER_PASSWORD=" + userPass}, "user", "list", "--data", restored)
	wantCode(t, "user list in the restored folder", r, 0)
	if !strings.Contains(r.stdout, "admin\thim\t") || !strings.Contains(r.stdout, "maria\tclinician\tMaria Lopez") {
		t.Fatalf("users after restore:\n%s", r.stdout)
	}
	s, err := chart.OpenStore(restored)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Unlock("admin", []byte(adminPass)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(id)
	s.Close()
	if err != nil || !bytes.Equal(got.Body, body) {
		t.Fatalf("a record after restore: %v", err)
	}

	// Restoring over a practice is refused.
	r = runCkadmin(t, elsewhere, nil, "restore", "--from", backup, "--data", restored, "--recovery-key-file", keyFile)
	wantCode(t, "restore over a practice", r, 1)
	wantOutput(t, "restore over a practice", r, "already holds a practice")

	// With neither key nor secret, on a computer without the practice.
	target := filepath.Join(elsewhere, "nokey")
	r = runCkadmin(t, elsewhere, nil, "restore", "--from", backup, "--data", target)
	if r.code == 0 {
		t.Fatalf("restore without a key succeeded:\n%s", r.output())
	}
	wantOutput(t, "restore without a key", r, "recovery key", "--recovery-key-file")
	if store.Exists(target) {
		t.Fatal("a failed restore left a store behind")
	}

	// A wrong recovery key.
	wrongKey := writeFile(t, t.TempDir(), "wrong.txt", "0000-0000-0000-0000-0000-0000-0000-0000")
	r = runCkadmin(t, elsewhere, nil, "restore", "--from", backup, "--data", target, "--recovery-key-file", wrongKey)
	wantCode(t, "restore with a wrong key", r, 4)
	wantOutput(t, "restore with a wrong key", r, "wrong recovery key")

	// On the practice's own computer the default data folder supplies the
	// practice secret, and no key is needed.
	r = p.run(nil, "restore", "--from", backup, "--data", filepath.Join(t.TempDir(), "here"))
	wantCode(t, "restore on the practice's own computer", r, 0)

	// A file that is not a backup.
	junk := writeFile(t, t.TempDir(), "junk", strings.Repeat("not a backup ", 1000))
	r = runCkadmin(t, elsewhere, nil, "restore", "--from", junk, "--data", filepath.Join(elsewhere, "junk"), "--recovery-key-file", keyFile)
	wantCode(t, "restore from junk", r, 1)
	wantOutput(t, "restore from junk", r, "not a readable Chartkeeper backup")

	// A backup cut short: refused before anything is said to be restored,
	// and nothing is left in the folder.
	whole, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	cut := writeFile(t, t.TempDir(), "cut.ckbackup", string(whole[:len(whole)/2]))
	target = filepath.Join(elsewhere, "cut")
	r = runCkadmin(t, elsewhere, nil, "restore", "--from", cut, "--data", target, "--recovery-key-file", keyFile)
	wantCode(t, "restore from a backup cut short", r, 1)
	wantOutput(t, "restore from a backup cut short", r, "not a readable Chartkeeper backup")
	if strings.Contains(r.stdout, "Restored") {
		t.Errorf("a backup cut short was said to be restored:\n%s", r.output())
	}
	if _, err := os.Stat(target); !os.IsNotExist(err) {
		t.Errorf("a failed restore left %s behind (%v)", target, err)
	}
}

func TestRecoverAfterLosingTheDeviceFile(t *testing.T) {
	p := newPractice(t)
	if err := os.Remove(filepath.Join(p.dir, "device.json")); err != nil {
		t.Fatal(err)
	}
	r := p.admin("user", "list")
	wantCode(t, "sign in without the practice secret", r, 1)
	wantOutput(t, "sign in without the practice secret", r, "recovery key", "ckadmin recover")

	keyFile := writeFile(t, t.TempDir(), "recovery.txt", strings.ToLower(p.recoveryKey)+"\n")
	wrong := writeFile(t, t.TempDir(), "wrong.txt", "0000-0000-0000-0000-0000-0000-0000-0000")
	r = p.run([]string{"CHARTKEEPER_NEW_PASSWORD=a-brand-new-password"}, "recover", "--data", p.dir, "--user", "admin", "--recovery-key-file", wrong)
	wantCode(t, "recover with a wrong key", r, 4)

	r = p.run([]string{"CHARTKEEPER_NEW_PASSWORD=a-brand-new-password"}, "recover", "--data", p.dir, "--user", "admin", "--recovery-key-file", keyFile)
	wantCode(t, "recover", r, 0)
	wantOutput(t, "recover", r, "new password for admin", "practice secret")

	wantCode(t, "the old password", p.as("admin", adminPass, "user", "list", "--data", p.dir), 4)
	r = p.as("admin", "a-brand-new-password", "verify", "--data", p.dir)
	wantCode(t, "verify with the new password", r, 0)

	// The key may also come from the environment.
	r = p.run([]string{"CHARTKEEPER_RECOVERY_KEY=" + p.recoveryKey, "CHARTKEEPER_NEW_PASSWORD=yet-another-Velvet-Quince", "CHARTKEEPER_USER=admin"}, "recover")
	wantCode(t, "recover with the key from the environment", r, 0)
	wantCode(t, "sign in after the second recovery", p.as("admin", "yet-another-Velvet-Quince", "user", "list"), 0)
}
