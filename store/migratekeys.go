package store

import (
	"crypto/ed25519"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Moving a practice from its one data key to the key hierarchy (keys.go).
//
// Schema migration 4 marks a store made before the hierarchy (it needs no
// key). The move itself needs the keys and an HIM manager's password, so
// it runs at the first sign-in of an HIM manager after the update
// ([Tx.moveToKeyHierarchy]). Until then everyone works as before. After:
//
//   - the one data key stays the general key: every existing slot still
//     opens it, so every user still signs in and reads demographics;
//   - a new clinical key seals clinical records written from then on; the
//     ones written before stay sealed under the general key (so they stay
//     readable with an old slot until the general key is rotated);
//   - a new administration key signs the current revision of every user,
//     keyslot, settings and break-glass record, and every one after;
//   - the HIM manager's slot is rewritten with a key seed of their own, and
//     their record gets the clinical and administration keys;
//   - the recovery slot is replaced under a new recovery key, handed out
//     once by [Store.TakeNewRecoveryKey] (the old one opens nothing new);
//   - every other user keeps their old slot, which reaches only the general
//     key: an HIM manager sets a new password for each (Administration,
//     Users), which gives them their own key seed and their role's keys.

// markOneKeyStore is schema migration 4.
func markOneKeyStore(btx *bolt.Tx) error {
	meta := btx.Bucket(bucketMeta)
	if meta.Get(keyPractice) == nil || meta.Get(keyAdminPub) != nil {
		return nil // a new store: Create makes the hierarchy
	}
	return meta.Put(keyKeyModel, []byte("one data key"))
}

// moveToKeyHierarchy moves the practice to the key hierarchy at the
// sign-in of the HIM manager tx.sess.user (whose password it is).
func (tx *Tx) moveToKeyHierarchy(password []byte) error {
	meta := tx.btx.Bucket(bucketMeta)
	if meta.Get(keyKeyModel) == nil {
		return nil // a joined workstation: the practice moves where it was marked
	}
	sess := tx.sess
	secret := tx.s.secret()
	if secret == nil {
		return ErrNoPracticeSecret
	}
	clinical, err := newCompartmentKey(CompartmentClinical, 1, randomBytes(keySize))
	if err != nil {
		return err
	}
	seed := randomBytes(ed25519.SeedSize)
	sess.clinical = clinical
	sess.admin = ed25519.NewKeyFromSeed(seed)
	clear(seed)
	sess.adminPub = sess.admin.Public().(ed25519.PublicKey)
	if err := sess.newAuditKey(); err != nil {
		return err
	}
	sess.legacyOK = true
	if err := meta.Put(keyAdminPub, append([]byte(nil), sess.adminPub...)); err != nil {
		return err
	}
	if err := meta.Delete(keyKeyModel); err != nil {
		return err
	}
	if err := tx.putPracticeKeys(true); err != nil {
		return err
	}
	// The HIM manager's own keys, record and slot.
	u := sess.user
	own := randomBytes(keySize)
	keys, err := tx.keysFor(u, own)
	if err != nil {
		return err
	}
	if sess.user, err = tx.putUserKeys(u, &keys); err != nil {
		return err
	}
	if err := sess.setOwn(own); err != nil {
		return err
	}
	if err := tx.writeSlot(sess.user, password, own); err != nil {
		return err
	}
	clear(own)
	// A new recovery key that holds every key.
	rk, sl, err := newRecoverySlot(tx.s.practiceID, sess, secret)
	if err != nil {
		return err
	}
	if err := tx.storeSlot(recoverySlotID, sl); err != nil {
		return err
	}
	if err := recordRecoveryPublicKey(tx.btx, tx.s.practiceID, rk, sess); err != nil {
		return err
	}
	s := tx.s
	tx.btx.OnCommit(func() {
		s.mu.Lock()
		s.newRecovery = rk
		s.mu.Unlock()
	})
	// Every keyslot gets a record, and every signed record's current
	// revision a signature.
	if err := tx.btx.Bucket(bucketSlots).ForEach(func(k, v []byte) error {
		if tx.btx.Bucket(bucketRevs).Get(headKey(slotRecordID(string(k)))) != nil {
			return nil
		}
		return tx.shareSlot(string(k), append([]byte(nil), v...))
	}); err != nil {
		return err
	}
	for _, typ := range tx.s.signedTypes() {
		var todo []Record
		if err := tx.List(typ, func(r Record) error {
			if tx.checkHeadSigned(r) != nil {
				todo = append(todo, r)
			}
			return nil
		}); err != nil {
			return err
		}
		for _, r := range todo {
			if _, err := tx.Put(r.Type, r.ID, r.Rev, r.Body); err != nil && !errors.Is(err, ErrConflict) {
				return fmt.Errorf("signing %s record %s: %w", r.Type, r.ID, err)
			}
		}
	}
	return tx.Audit(AuditEvent{Action: "keys.migrate", Detail: detailKeysMigrated, Flagged: true})
}

// signedTypes lists the record types whose revisions are signed.
func (s *Store) signedTypes() []string {
	var out []string
	for t, r := range storeTypeRules {
		if r.Signed != Unsigned {
			out = append(out, t)
		}
	}
	for t, r := range s.types {
		if _, own := storeTypeRules[t]; !own && r.Signed != Unsigned {
			out = append(out, t)
		}
	}
	return out
}

// TakeNewRecoveryKey returns, once, the recovery key made when this
// practice moved to the key hierarchy at this sign-in ("" when there is
// none). It must be shown to the HIM manager and printed, like the first
// one: it is the only key that opens every compartment of a backup.
func (s *Store) TakeNewRecoveryKey() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	rk := s.newRecovery
	s.newRecovery = ""
	return rk
}

// NeedsNewKeys reports whether the signed-in user's slot predates the key
// hierarchy of their practice: they reach only the general compartment
// until an HIM manager sets a new password for them.
func (s *Store) NeedsNewKeys() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.sess != nil && s.sess.renew && len(roleGrants(s.sess.user.Role)) > 0
}
