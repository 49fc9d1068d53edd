package store

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// The recovery signing key is the recovery key's alone: the same kit gives
// the same key, a locked store derives it too, another practice's kit and
// a mistyped key give none, and it is independent of the administration
// key.
func TestRecoverySigningKey(t *testing.T) {
	s, rk := newPractice(t)
	k1, err := s.RecoverySigningKey(rk)
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("replace the administration key")
	sig, err := k1.Sign("chartkeeper test recovery", msg)
	if err != nil {
		t.Fatal(err)
	}
	s.Lock()
	k2, err := s.RecoverySigningKey(strings.ToLower(rk)) // as typed from the kit
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k1.PublicKey(), k2.PublicKey()) {
		t.Fatal("the same recovery key gives two signing keys")
	}
	if !VerifySignature(k2.PublicKey(), "chartkeeper test recovery", msg, sig) {
		t.Fatal("the recovery key's signature does not verify")
	}
	if bytes.Equal(k1.PublicKey(), s.AdminPublicKey()) {
		t.Fatal("the recovery signing key is the administration key")
	}
	other, otherRK := newPractice(t)
	if _, err := s.RecoverySigningKey(otherRK); !errors.Is(err, ErrWrongRecoveryKey) {
		t.Fatalf("another practice's recovery key: %v", err)
	}
	if _, err := s.RecoverySigningKey("0000-0000-0000-0000-0000-0000-0000-0000"); !errors.Is(err, ErrWrongRecoveryKey) {
		t.Fatalf("a wrong recovery key: %v", err)
	}
	ko, err := other.RecoverySigningKey(otherRK)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(ko.PublicKey(), k1.PublicKey()) {
		t.Fatal("two practices share a recovery signing key")
	}
	k1.Wipe()
	if _, err := k1.Sign("chartkeeper test recovery", msg); !errors.Is(err, ErrLocked) {
		t.Fatalf("a wiped key signs: %v", err)
	}
}
