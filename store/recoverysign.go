package store

import (
	"bytes"
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

// keyRecoveryPub holds, in the meta bucket, the recovery signing key's
// public half followed by the administration key's signature of it. It is
// written when the practice is made (the one moment the recovery key is
// known without asking), so that registering the practice at a sync server
// can give the server the recovery public key without the emergency kit.
var keyRecoveryPub = []byte("recoverypub")

const recoveryPubPurpose = "recovery.public-key"

// recordRecoveryPublicKey keeps the recovery signing key's public half,
// signed by the administration key of sess.
func recordRecoveryPublicKey(btx *bolt.Tx, practiceID, recoveryKey string, sess *session) error {
	if sess.admin == nil { // cannot sign it: keep none rather than an old kit's
		return btx.Bucket(bucketMeta).Delete(keyRecoveryPub)
	}
	k, err := recoverySigningKey(practiceID, recoveryKey)
	if err != nil {
		return err
	}
	defer k.Wipe()
	pub := k.PublicKey()
	sig := ed25519.Sign(sess.admin, adminMessage(recoveryPubPurpose, append([]byte(practiceID), pub...)))
	return btx.Bucket(bucketMeta).Put(keyRecoveryPub, append(pub, sig...))
}

// RecoveryPublicKey is the recovery signing key's public half as the
// practice recorded it when it was made, or nil when this workstation does
// not hold it (it joined the practice, or the practice was made before the
// key was kept) or when what it holds is not signed by the practice's
// administration key. A practice without it registers at a sync server
// with the recovery key typed in (see syncclient's RegisterOptions).
func (s *Store) RecoveryPublicKey() []byte {
	var v []byte
	_ = s.db.View(func(btx *bolt.Tx) error {
		v = bytes.Clone(btx.Bucket(bucketMeta).Get(keyRecoveryPub))
		return nil
	})
	if len(v) != ed25519.PublicKeySize+ed25519.SignatureSize {
		return nil
	}
	pub, sig := v[:ed25519.PublicKeySize], v[ed25519.PublicKeySize:]
	if !VerifyAdmin(s.AdminPublicKey(), recoveryPubPurpose, append([]byte(s.practiceID), pub...), sig) {
		return nil
	}
	return pub
}
