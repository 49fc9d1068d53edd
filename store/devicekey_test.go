package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestSigningKeyDomains(t *testing.T) {
	k := NewSigningKey()
	msg := []byte("push of 3 revisions")
	sig, err := k.Sign("chartkeeper test one", msg)
	if err != nil {
		t.Fatal(err)
	}
	pub := k.PublicKey()
	if !VerifySignature(pub, "chartkeeper test one", msg, sig) {
		t.Fatal("a good signature does not verify")
	}
	if VerifySignature(pub, "chartkeeper test two", msg, sig) {
		t.Fatal("a signature verifies for another domain")
	}
	if VerifySignature(pub, "chartkeeper test one", []byte("push of 4 revisions"), sig) {
		t.Fatal("a signature verifies for another message")
	}
	// Domain and message cannot trade bytes: the zero byte separates them.
	if VerifySignature(pub, "chartkeeper test", append([]byte(" one\x00"), msg...), sig) {
		t.Fatal("a signature verifies with the domain's end moved into the message")
	}
	if VerifySignature(NewSigningKey().PublicKey(), "chartkeeper test one", msg, sig) {
		t.Fatal("a signature verifies under another key")
	}
	if VerifySignature(pub[:31], "chartkeeper test one", msg, sig) || VerifySignature(pub, "chartkeeper test one", msg, sig[:63]) {
		t.Fatal("a short key or signature verifies")
	}
	if _, err := k.Sign("bad\x00domain", msg); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a domain with a zero byte: %v", err)
	}
	k.wipe()
	if _, err := k.Sign("chartkeeper test one", msg); !errors.Is(err, ErrLocked) {
		t.Fatalf("signing with a wiped key: %v", err)
	}
}

func TestDeviceCredentialsSealed(t *testing.T) {
	s, rk := newPractice(t)
	if _, err := s.DeviceCredentials(); !errors.Is(err, ErrNoDeviceCredentials) {
		t.Fatalf("credentials of a store never connected: %v", err)
	}
	token := "tok3n-Zürich-0123456789abcdefghijklmnopqr"
	c := NewDeviceCredentials(token)
	pub := c.PublicKey()
	if err := s.SetDeviceCredentials(c); err != nil {
		t.Fatal(err)
	}
	// Neither the token nor the key's seed is in the file in clear.
	seed, _ := c.key.seed()
	raw, err := os.ReadFile(FilePath(s.Dir()))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(token)) || bytes.Contains(raw, seed) {
		t.Fatal("the store file holds the device credential in clear")
	}

	// Locked, nothing opens them; the credentials handed out stop working.
	s.Lock()
	if _, err := s.DeviceCredentials(); !errors.Is(err, ErrLocked) {
		t.Fatalf("credentials while locked: %v", err)
	}
	if _, err := c.Token(); !errors.Is(err, ErrLocked) {
		t.Fatalf("a token after lock: %v", err)
	}
	if _, err := c.Sign("chartkeeper test", []byte("x")); !errors.Is(err, ErrLocked) {
		t.Fatalf("signing after lock: %v", err)
	}

	// Signed in again, they open as sealed, and sign under the same key.
	if err := s.Unlock("admin", []byte(adminPass)); err != nil {
		t.Fatal(err)
	}
	c2, err := s.DeviceCredentials()
	if err != nil {
		t.Fatal(err)
	}
	if tok, err := c2.Token(); err != nil || tok != token {
		t.Fatalf("token after sign-in: %q %v", tok, err)
	}
	sig, err := c2.Sign("chartkeeper test", []byte("x"))
	if err != nil || !VerifySignature(pub, "chartkeeper test", []byte("x"), sig) {
		t.Fatalf("signature after sign-in: %v", err)
	}
	if c3, _ := s.DeviceCredentials(); c3 != c2 {
		t.Fatal("a second call opened the credentials again")
	}

	// A backup holds them sealed; a restore (a new device) drops them.
	file := filepath.Join(t.TempDir(), "b.ckbackup")
	if _, err := s.BackupFile(file); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "restored")
	if err := Restore(file, dir, RestoreOptions{RecoveryKey: rk}); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(dir, WithMergeRules(testRules))
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if err := s2.Unlock("admin", []byte(adminPass)); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.DeviceCredentials(); !errors.Is(err, ErrNoDeviceCredentials) {
		t.Fatalf("credentials in a restored folder: %v", err)
	}
}

func TestDeviceCredentialsBoundToDevice(t *testing.T) {
	s, _ := newPractice(t)
	if err := s.SetDeviceCredentials(NewDeviceCredentials("some-token")); err != nil {
		t.Fatal(err)
	}
	// The sealed value copied under another device ID does not open.
	s.devMu.Lock()
	s.device.DeviceID = NewID()
	s.devMu.Unlock()
	s.Lock()
	if err := s.Unlock("admin", []byte(adminPass)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeviceCredentials(); !errors.Is(err, ErrTampered) {
		t.Fatalf("credentials sealed for another device: %v", err)
	}
}
