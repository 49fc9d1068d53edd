package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/chacha20poly1305"
)

// Keyslots travel between the workstations of a practice as records of type
// [TypeKeyslot], one per slot, with record ID "keyslot.<slot ID>". The
// record's body is the slot exactly as the slots bucket holds it; the slots
// bucket stays the place sign-in reads (it needs the slot before there is a
// data key), and it always holds the winning revision of each slot record:
// a local password change writes both in one transaction, and an imported
// revision of a slot record writes the record's new winner into the bucket
// (see [Tx.ImportRev]). Slots are safe to sync: a password slot opens only
// with a key derived from the password and the practice secret, which the
// server never has, and the record is sealed under the data key besides.
//
// Concurrent changes of one user's password on two workstations keep both
// revisions like any record; the later one (by hybrid logical clock) wins
// everywhere, and the other password stops working once it arrives.

// TypeKeyslot is the record type of synced keyslots.
const TypeKeyslot = "keyslot"

const slotRecordPrefix = "keyslot."

func slotRecordID(slotID string) string { return slotRecordPrefix + slotID }

// storeSlot writes a keyslot into the slots bucket and as a new revision of
// its record, in this transaction.
func (tx *Tx) storeSlot(id string, sl *keyslot) error {
	b, err := json.Marshal(sl)
	if err != nil {
		return err
	}
	if err := tx.digestSet(tagSlot, []byte(id), b, ""); err != nil {
		return err
	}
	if err := tx.btx.Bucket(bucketSlots).Put([]byte(id), b); err != nil {
		return err
	}
	return tx.shareSlot(id, b)
}

// shareSlot writes slot bytes b as the next revision of the slot's record,
// unless its winning revision holds them already.
func (tx *Tx) shareSlot(id string, b []byte) error {
	rid := slotRecordID(id)
	parent := ""
	cur, err := tx.Get(rid)
	switch {
	case err == nil && !cur.Deleted && bytes.Equal(cur.Body, b):
		return nil
	case err == nil:
		parent = cur.Rev
	case !errors.Is(err, ErrNotFound):
		return err
	}
	_, err = tx.Put(TypeKeyslot, rid, parent, b)
	return err
}

// applySlotRecord writes the winning revision of slot record rid into the
// slots bucket, after an import changed the record's heads.
func (tx *Tx) applySlotRecord(rid string) error {
	id, ok := strings.CutPrefix(rid, slotRecordPrefix)
	if !ok || id == "" {
		return fmt.Errorf("%w: keyslot record %s", ErrTampered, rid)
	}
	r, err := tx.Get(rid)
	if err != nil {
		return err
	}
	if r.Deleted {
		return nil // slots are never deleted; a tombstone changes nothing
	}
	if _, err := decodeSlot(r.Body); err != nil {
		return fmt.Errorf("keyslot record %s: %w", rid, err)
	}
	if err := tx.digestSet(tagSlot, []byte(id), r.Body, ""); err != nil {
		return err
	}
	return tx.btx.Bucket(bucketSlots).Put([]byte(id), r.Body)
}

// ShareKeyslots makes a record for every keyslot that has none yet, so that
// sync carries it to the practice's other workstations. Slots written by
// this version always have one; slots from a store made before keyslots
// synced get theirs here (sync calls it before each push). It returns how
// many records it wrote.
func (s *Store) ShareKeyslots() (int, error) {
	var missing []string
	err := s.View(func(tx *Tx) error {
		return tx.btx.Bucket(bucketSlots).ForEach(func(k, v []byte) error {
			if tx.btx.Bucket(bucketRevs).Get(headKey(slotRecordID(string(k)))) == nil {
				missing = append(missing, string(k))
			}
			return nil
		})
	})
	if err != nil || len(missing) == 0 {
		return 0, err
	}
	n := 0
	err = s.Update(func(tx *Tx) error {
		n = 0
		for _, id := range missing {
			v := tx.btx.Bucket(bucketSlots).Get([]byte(id))
			if v == nil {
				continue
			}
			if err := tx.shareSlot(id, bytes.Clone(v)); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// Enrollment: an HIM manager on an enrolled workstation hands the practice
// secret and the data key to a new workstation through the server without
// the server being able to read them. The issuing workstation seals them
// under a random key that travels only inside the enrollment code
// ([Store.SealEnrollment]); the server keeps the sealed bytes until the
// code is redeemed, and the new workstation opens them ([Join]).

// EnrollmentKeySize is the size of the key that seals an enrollment.
const EnrollmentKeySize = keySize

func enrollAD(practiceID string) []byte { return adBuilder("enroll").str(practiceID) }

// SealEnrollment seals the practice secret and the data key under key (32
// bytes) for a new workstation. Only an HIM manager may; it is audited.
func (s *Store) SealEnrollment(key []byte, detail string) ([]byte, error) {
	if len(key) != EnrollmentKeySize {
		return nil, fmt.Errorf("%w: an enrollment key is %d bytes", ErrInvalid, EnrollmentKeySize)
	}
	secret := s.secret()
	if secret == nil {
		return nil, ErrNoPracticeSecret
	}
	var sealed []byte
	err := s.Update(func(tx *Tx) error {
		if err := tx.requireHIM("enroll workstations"); err != nil {
			return err
		}
		aead, err := chacha20poly1305.NewX(key)
		if err != nil {
			return err
		}
		pt := make([]byte, 0, 4*keySize+4)
		pt = append(pt, secret...)
		pt = binary.BigEndian.AppendUint32(pt, tx.sess.key.epoch)
		pt = append(pt, tx.sess.key.key[:]...)
		// The administration and audit public keys, so the new
		// workstation checks the signatures of what its first sync
		// brings, and seals its audit entries to the HIM managers.
		// The administration key is the chain's anchor (adminkey.go):
		// the new workstation follows the chain from it as it imports.
		pub := tx.adminPub()
		if ch, err := tx.adminChain(); err != nil {
			return err
		} else if ch != nil {
			pub = ch.keys[0]
		}
		if pub != nil && tx.sess.auditPub != nil {
			pt = append(append(pt, pub...), tx.sess.auditPub...)
		}
		sealed = sealWith(aead, 0, nil, pt, enrollAD(tx.s.practiceID))
		clear(pt)
		return tx.Audit(AuditEvent{Action: "device.enroll", Detail: detail})
	})
	return sealed, err
}

// JoinInfo is what a new workstation needs to join a practice: what the
// enrollment code and the server gave it.
type JoinInfo struct {
	PracticeID string
	DeviceID   string // the new workstation's device ID
	Key        []byte // the enrollment key from the code
	Sealed     []byte // the sealed secrets the server kept
	// Credentials, when given, are sealed as the new workstation's sync
	// credentials in the transaction that makes the store.
	Credentials *DeviceCredentials
}

// ErrWrongEnrollment means the sealed secrets did not open with the
// enrollment code's key for its practice.
var ErrWrongEnrollment = errors.New("the enrollment could not be opened with this code (wrong practice, or changed on the server)")

// Join makes dir (which must not hold a practice) a new, empty workstation
// of the practice and returns it unlocked by the enrollment itself: there
// are no users yet, so the session has no role and may do nothing but
// import what sync brings (users, their keyslots, records). Close it once
// the first pull is done; the practice's users then sign in with their own
// passwords. On failure dir is left without a store.
func Join(dir string, j JoinInfo, opts ...Option) (_ *Store, err error) {
	if checkID("practice ID", j.PracticeID) != nil || checkID("device ID", j.DeviceID) != nil {
		return nil, fmt.Errorf("%w: practice or device ID", ErrInvalid)
	}
	if len(j.Key) != EnrollmentKeySize {
		return nil, fmt.Errorf("%w: an enrollment key is %d bytes", ErrInvalid, EnrollmentKeySize)
	}
	if Exists(dir) {
		return nil, fmt.Errorf("%s: %w; join into a new folder", dir, ErrPracticeExists)
	}
	aead, err := chacha20poly1305.NewX(j.Key)
	if err != nil {
		return nil, err
	}
	pt, err := openWith(aead, 0, nil, j.Sealed, enrollAD(j.PracticeID))
	if err != nil || len(pt) != 2*keySize+4 && len(pt) != 4*keySize+4 {
		return nil, ErrWrongEnrollment
	}
	defer clear(pt)
	secret := bytes.Clone(pt[:keySize])
	epoch := binary.BigEndian.Uint32(pt[keySize:])
	var adminPub, auditPub []byte
	if len(pt) == 4*keySize+4 {
		adminPub = bytes.Clone(pt[2*keySize+4 : 3*keySize+4])
		auditPub = bytes.Clone(pt[3*keySize+4:])
	}
	key, err := newDataKey(epoch, bytes.Clone(pt[keySize+4:2*keySize+4]))
	if err != nil {
		return nil, err
	}
	if err := makePrivateDir(dir); err != nil {
		key.wipe()
		return nil, err
	}
	dev := &deviceFile{PracticeID: j.PracticeID, DeviceID: j.DeviceID, PracticeSecret: secret}
	defer func() {
		if err != nil {
			key.wipe()
			os.Remove(filepath.Join(dir, dbFileName))
			os.Remove(filepath.Join(dir, deviceFileName))
		}
	}()
	if err := writeDeviceFile(dir, dev); err != nil {
		return nil, err
	}
	s, err := openDB(dir, opts...)
	if err != nil {
		return nil, err
	}
	s.practiceID, s.device = j.PracticeID, dev
	sess := &session{key: key, adminPub: adminPub, auditPub: auditPub, user: User{Username: "enrollment"}}
	err = s.db.Update(func(btx *bolt.Tx) error {
		if err := btx.Bucket(bucketMeta).Put(keyPractice, []byte(j.PracticeID)); err != nil {
			return err
		}
		if adminPub != nil {
			if err := btx.Bucket(bucketMeta).Put(keyAdminPub, bytes.Clone(adminPub)); err != nil {
				return err
			}
		}
		tx := &Tx{s: s, btx: btx, sess: sess, write: true}
		if j.Credentials != nil {
			if err := tx.putDeviceCredentials(j.Credentials); err != nil {
				return err
			}
		}
		if err := tx.buildDigest(); err != nil {
			return err
		}
		return tx.Audit(AuditEvent{Action: "device.join"})
	})
	if err != nil {
		s.db.Close()
		return nil, err
	}
	if j.Credentials != nil {
		sess.keepCredentials(j.Credentials)
	}
	s.mu.Lock()
	s.sess = sess
	s.mu.Unlock()
	return s, nil
}
