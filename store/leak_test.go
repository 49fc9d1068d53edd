package store

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestNoPlaintextOnDisk writes users, records, blobs and audit entries that
// carry marker strings, then searches every raw file in the data folder and
// a backup for them, in UTF-8 and UTF-16 forms.
func TestNoPlaintextOnDisk(t *testing.T) {
	markers := []string{"ZQXMARKERFAMILY", "Ωμέγαμαρκερ", "Маркерович", "ZQXUSERMARK", "zqxloginmark", "ZQXBLOBMARK", "ZQXAUDITMARK", "ZQXPRACTICEMARK"}
	dir := filepath.Join(t.TempDir(), "data")
	s, _, err := Create(dir, NewPractice{Name: "ZQXPRACTICEMARK clinic", AdminName: "Admin ZQXUSERMARK", AdminUser: "zqxloginmark", AdminPassword: []byte(adminPass)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.AddUser(NewUser{Username: "clin", Name: "Dr ZQXUSERMARK Ωμέγαμαρκερ", Role: RoleClinician, Password: []byte(userPass)}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		body := fmt.Sprintf(`{"family":"ZQXMARKERFAMILY","given":"Маркерович %d","note":"Ωμέγαμαρκερ"}`, i)
		r, err := s.Put("patient", "", "", []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Put("patient", r.ID, r.Rev, []byte(body+" ")); err != nil {
			t.Fatal(err)
		}
	}
	blob := bytes.Repeat([]byte("page of ZQXBLOBMARK scanned text\n"), 100000)
	if _, err := s.PutBlob(bytes.NewReader(blob)); err != nil {
		t.Fatal(err)
	}
	if err := s.Audit(AuditEvent{Action: "view", Detail: "ZQXAUDITMARK"}); err != nil {
		t.Fatal(err)
	}
	s.Lock()
	s.Unlock("zqxloginmark", []byte("wrong password ZQXMARKERFAMILY"))
	backup := filepath.Join(t.TempDir(), "b.ckbackup")
	if err := s.Unlock("zqxloginmark", []byte(adminPass)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.BackupFile(backup); err != nil {
		t.Fatal(err)
	}
	files := []string{backup}
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range markers {
			for _, form := range [][]byte{[]byte(m), bytes.ToLower([]byte(m)), utf16le(m)} {
				if bytes.Contains(raw, form) {
					t.Errorf("%s contains %q in plain text", filepath.Base(f), m)
				}
			}
		}
	}
}

func utf16le(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r), byte(r>>8))
	}
	return b
}
