package store

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketDrafts holds what users typed into a form and have not saved yet:
// the workstation writes a draft a few seconds after the last keystroke and
// when it locks, so typed work survives a lock, a crash or a power cut.
//
// Drafts are local and personal. They are not records: they are not in the
// change feed, never sync, and a restore from backup drops them. Each
// belongs to the user who was signed in when it was written, and only that
// user reads, lists or deletes it. The key is the user ID and a keyed hash
// of the draft's name (which names a form and a record), so the file shows
// how many drafts a user has and nothing more; the value is sealed under
// the data key with the draft's name inside, and its associated data binds
// the bucket, the user ID and the key, so a draft moved to another user or
// another name fails to open. The bucket is made on first use and needs no
// migration.
var bucketDrafts = []byte("drafts")

// maxDraftName and maxDraftSize bound a draft.
const (
	maxDraftName = 256
	maxDraftSize = 1 << 20
)

// Draft is one saved draft of the signed-in user.
type Draft struct {
	Name  string    // what the draft is of, as the program named it
	Data  []byte    // the program's own encoding of the typed fields
	Saved time.Time // when it was written
}

// PutDraft seals data as the signed-in user's draft name, replacing the
// draft of that name. It is cheap enough to call every few seconds: one
// small value in one transaction.
func (tx *Tx) PutDraft(name string, data []byte) error {
	if !tx.write {
		return fmt.Errorf("store: write in a read-only transaction")
	}
	if name == "" || len(name) > maxDraftName {
		return fmt.Errorf("%w: draft name", ErrInvalid)
	}
	if len(data) > maxDraftSize {
		return fmt.Errorf("%w: a draft of %d bytes (at most %d)", ErrInvalid, len(data), maxDraftSize)
	}
	if tx.sess == nil || tx.sess.key == nil {
		return ErrLocked
	}
	b, err := tx.btx.CreateBucketIfNotExists(bucketDrafts)
	if err != nil {
		return err
	}
	user := tx.sess.user.ID
	plain := binary.BigEndian.AppendUint64(nil, uint64(tx.s.now().UnixMilli()))
	plain = binary.AppendUvarint(plain, uint64(len(name)))
	plain = append(append(plain, name...), data...)
	key := tx.draftKey(user, name)
	return b.Put(key, tx.sess.localKey().seal(nil, plain, draftAD(user, key)))
}

// Draft opens the signed-in user's draft name; ok is false when there is
// none. A draft that does not open is reported as [ErrTampered].
func (tx *Tx) Draft(name string) (d Draft, ok bool, err error) {
	if tx.sess == nil || tx.sess.key == nil {
		return Draft{}, false, ErrLocked
	}
	b := tx.btx.Bucket(bucketDrafts)
	if b == nil {
		return Draft{}, false, nil
	}
	user := tx.sess.user.ID
	key := tx.draftKey(user, name)
	v := b.Get(key)
	if v == nil {
		return Draft{}, false, nil
	}
	d, err = tx.openDraft(user, key, v)
	return d, err == nil, err
}

// DeleteDraft removes the signed-in user's draft name, if there is one.
func (tx *Tx) DeleteDraft(name string) error {
	if !tx.write {
		return fmt.Errorf("store: write in a read-only transaction")
	}
	if tx.sess == nil || tx.sess.key == nil {
		return ErrLocked
	}
	b := tx.btx.Bucket(bucketDrafts)
	if b == nil {
		return nil
	}
	return b.Delete(tx.draftKey(tx.sess.user.ID, name))
}

// Drafts lists the signed-in user's drafts, the most recently written
// first. Drafts that do not open (damage) are left out; errs counts them.
func (tx *Tx) Drafts() (ds []Draft, errs int, err error) {
	if tx.sess == nil || tx.sess.key == nil {
		return nil, 0, ErrLocked
	}
	b := tx.btx.Bucket(bucketDrafts)
	if b == nil {
		return nil, 0, nil
	}
	user := tx.sess.user.ID
	prefix := append([]byte(user), 0)
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		d, err := tx.openDraft(user, k, v)
		if err != nil {
			errs++
			continue
		}
		ds = append(ds, d)
	}
	slices.SortStableFunc(ds, func(a, b Draft) int { return b.Saved.Compare(a.Saved) })
	return ds, errs, nil
}

// draftKey is user ID | 0 | HMAC(index key, name).
func (tx *Tx) draftKey(user, name string) []byte {
	m := hmac.New(sha256.New, tx.sess.key.indexKey[:])
	m.Write([]byte("draft\x00"))
	m.Write([]byte(name))
	return m.Sum(append([]byte(user), 0))
}

// openDraft opens the sealed draft stored under key and checks that the
// name inside is the one key was made from.
func (tx *Tx) openDraft(user string, key, v []byte) (Draft, error) {
	plain, err := tx.sess.localKey().open(nil, v, draftAD(user, key))
	if err != nil {
		return Draft{}, err
	}
	if len(plain) < 8 {
		return Draft{}, fmt.Errorf("%w: draft too short", ErrTampered)
	}
	at := int64(binary.BigEndian.Uint64(plain))
	n, k := binary.Uvarint(plain[8:])
	if k <= 0 || n > uint64(len(plain)-8-k) {
		return Draft{}, fmt.Errorf("%w: draft name", ErrTampered)
	}
	name := string(plain[8+k : 8+k+int(n)])
	if !bytes.Equal(tx.draftKey(user, name), key) {
		return Draft{}, fmt.Errorf("%w: draft stored under another name", ErrTampered)
	}
	return Draft{Name: name, Data: plain[8+k+int(n):], Saved: time.UnixMilli(at)}, nil
}

// draftAD binds a draft to the bucket, its user and its key.
func draftAD(user string, key []byte) []byte {
	return adBuilder(nil).str("drafts").str(user).bytes(key)
}

// dropLocalState removes every draft from the store file at path (a restored
// backup): drafts belong to the workstation they were typed on. So do its
// sync credentials (devicekey.go), which go too: a restored folder is a
// new device.
func dropLocalState(path string) error {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketMeta).Delete(keyDeviceCred); err != nil {
			return err
		}
		if tx.Bucket(bucketDrafts) == nil {
			return nil
		}
		return tx.DeleteBucket(bucketDrafts)
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	return err
}
