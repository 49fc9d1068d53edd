package store

import (
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// The recovery signing key.
//
// The practice's recovery key (the emergency kit's) also stands for the
// practice where a signature is needed and the administration key cannot
// be trusted: after a disaster, the sync server accepts a new
// administration key for the practice only with the recovery key's
// signature. The Ed25519 key is derived from the recovery key with HKDF
// (SHA-256, salt the practice ID, its own info string, so it is
// independent of the key that wraps the recovery slot), so the same kit
// always gives the same key and nothing of it needs to be stored.

// recoverySigningInfo separates the recovery signing key from every other
// key derived from the recovery key.
const recoverySigningInfo = "chartkeeper recovery signing key v1"

// RecoverySigningKey derives the practice's recovery signing key from its
// recovery key. The key must open this store's recovery slot
// (ErrWrongRecoveryKey otherwise), so a mistyped key is caught here and
// not registered anywhere; no session is needed. Wipe the key after use.
func (s *Store) RecoverySigningKey(recoveryKey string) (*SigningKey, error) {
	var sl *keyslot
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		sl, err = getSlot(tx, recoverySlotID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("the recovery slot: %w", err)
	}
	rc, err := openRecoverySlot(s.practiceID, sl, recoveryKey)
	if err != nil {
		return nil, err
	}
	rc.wipe()
	return recoverySigningKey(s.practiceID, recoveryKey)
}

// recoverySigningKey derives the key without checking the recovery slot.
func recoverySigningKey(practiceID, recoveryKey string) (*SigningKey, error) {
	rk, err := parseRecoveryKey(recoveryKey)
	if err != nil {
		return nil, err
	}
	defer clear(rk)
	seed, err := hkdf.Key(sha256.New, rk, []byte(practiceID), recoverySigningInfo, ed25519.SeedSize)
	if err != nil {
		return nil, err
	}
	return signingKeyFromSeed(seed), nil
}

// Wipe zeroes the private key; the key signs nothing afterwards.
func (k *SigningKey) Wipe() { k.wipe() }
