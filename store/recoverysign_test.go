package store

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
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

// The recovery public key kept when the practice was made is the kit's,
// and one replaced in the file behind the store's back (an attacker's, to
// be registered at the sync server in the practice's name) is not given.
func TestRecoveryPublicKeyKept(t *testing.T) {
	s, rk := newPractice(t)
	k, err := s.RecoverySigningKey(rk)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Wipe()
	if got := s.RecoveryPublicKey(); !bytes.Equal(got, k.PublicKey()) {
		t.Fatalf("kept recovery public key %x, the kit's is %x", got, k.PublicKey())
	}
	other, otherRK := newPractice(t)
	ok, err := other.RecoverySigningKey(otherRK)
	if err != nil {
		t.Fatal(err)
	}
	defer ok.Wipe()
	if err := s.db.Update(func(btx *bolt.Tx) error {
		v := bytes.Clone(btx.Bucket(bucketMeta).Get(keyRecoveryPub))
		copy(v, ok.PublicKey()) // another key, the old signature
		return btx.Bucket(bucketMeta).Put(keyRecoveryPub, v)
	}); err != nil {
		t.Fatal(err)
	}
	if got := s.RecoveryPublicKey(); got != nil {
		t.Fatalf("a replaced recovery public key was given: %x", got)
	}
}
