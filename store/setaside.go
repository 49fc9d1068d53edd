package store

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Items set aside: what came from the sync server and failed its checks on
// import (a revision, an audit entry, a document's chunk or header). Such
// an item is never applied; it is kept here as received, with what the
// server said about it and why it was refused, so an HIM manager can see
// it, and sync goes on past it (see docs/SYNC.md, "Items that fail their
// checks"). One bad item, pushed with a stolen device credential or
// damaged on the server, cannot stop a workstation's sync.
//
//	setaside/                made on first use
//	  <kind><SHA-256 of what it is>   sealed JSON SetAside
//
// The key is the item's kind (one letter) and a hash of its identity
// (record and revision, device and audit sequence, document and chunk), so
// the same item pulled again is kept once. The value is sealed under the
// data key with the bucket and key as associated data. At most
// maxSetAside items keep their bytes; past that, only what is known of
// them.
var bucketSetAside = []byte("setaside")

// Kinds of items set aside.
const (
	SetAsideRevision = "revision"
	SetAsideAudit    = "audit entry"
	SetAsideChunk    = "document chunk"
	SetAsideHeader   = "document header"
)

// maxSetAside bounds how many set-aside items keep their bytes.
const maxSetAside = 10000

// SetAside is one item from the sync server that failed its checks.
type SetAside struct {
	Kind string `json:"kind"` // SetAsideRevision, SetAsideAudit, ...
	// Device is the device that sent it, as the server reports it.
	Device string `json:"device,omitempty"`
	// ID is the record ID (revision), the document ID (chunk, header) or
	// the audit stream's device ID (audit entry).
	ID string `json:"id,omitempty"`
	// Rev is the revision ID a revision claimed.
	Rev string `json:"rev,omitempty"`
	// Seq is the server's sequence number of a revision, the sequence
	// number of an audit entry in its device's log, or a chunk's index.
	Seq    uint64    `json:"seq"`
	At     time.Time `json:"at"`     // when it was set aside here
	Reason string    `json:"reason"` // why, in plain words
	// Bytes are the sealed bytes as received (nil past maxSetAside).
	Bytes []byte `json:"bytes,omitempty"`
	// Dropped says the bytes were not kept (too many items set aside).
	Dropped bool `json:"dropped,omitempty"`
	// ChainHash is an audit entry's chain hash (over its bytes), kept
	// even when the bytes are not: the imported chain runs through it.
	ChainHash []byte `json:"chain_hash,omitempty"`
}

func setAsideKey(kind, id, rev string, seq uint64) []byte {
	h := sha256.New()
	for _, s := range []string{kind, id, rev} {
		h.Write(binary.AppendUvarint(nil, uint64(len(s))))
		h.Write([]byte(s))
	}
	h.Write(binary.BigEndian.AppendUint64(nil, seq))
	return h.Sum([]byte{kind[0]})
}

func (it *SetAside) key() []byte {
	switch it.Kind {
	case SetAsideRevision:
		// A revision is known by its record and revision IDs, whatever
		// server sequence it came under.
		return setAsideKey(it.Kind, it.ID, it.Rev, 0)
	case SetAsideHeader:
		return setAsideKey(it.Kind, it.ID, "", 0)
	}
	return setAsideKey(it.Kind, it.ID, "", it.Seq)
}

func setAsideAD(key []byte) []byte { return adBuilder("setaside").bytes(key) }

// PutSetAside keeps it among the items set aside (replacing an earlier
// copy of the same item; added says it was not there yet). It.At is set
// to now when zero.
func (tx *Tx) PutSetAside(it SetAside) (added bool, err error) {
	if !tx.write {
		return false, fmt.Errorf("store: write in a read-only transaction")
	}
	if tx.sess == nil || tx.sess.key == nil {
		return false, ErrLocked
	}
	switch it.Kind {
	case SetAsideRevision, SetAsideAudit, SetAsideChunk, SetAsideHeader:
	default:
		return false, fmt.Errorf("%w: kind of item set aside", ErrInvalid)
	}
	if it.At.IsZero() {
		it.At = tx.s.now().UTC()
	}
	b, err := tx.btx.CreateBucketIfNotExists(bucketSetAside)
	if err != nil {
		return false, err
	}
	key := it.key()
	added = b.Get(key) == nil
	if added && b.Stats().KeyN >= maxSetAside {
		it.Bytes, it.Dropped = nil, true
	}
	it.Bytes = slices.Clone(it.Bytes)
	v, err := json.Marshal(it)
	if err != nil {
		return false, err
	}
	return added, b.Put(key, tx.sess.key.seal(nil, v, setAsideAD(key)))
}

// IsSetAside reports whether the revision rev of record id was set aside.
func (tx *Tx) IsSetAside(id, rev string) bool {
	b := tx.btx.Bucket(bucketSetAside)
	return b != nil && b.Get(setAsideKey(SetAsideRevision, id, rev, 0)) != nil
}

// setAsideAuditHash returns the chain hash of device's audit entry seq if
// it was set aside.
func (tx *Tx) setAsideAuditHash(device string, seq uint64) ([auditHashSize]byte, bool) {
	var h [auditHashSize]byte
	b := tx.btx.Bucket(bucketSetAside)
	if b == nil || tx.sess == nil {
		return h, false
	}
	key := setAsideKey(SetAsideAudit, device, "", seq)
	v := b.Get(key)
	if v == nil {
		return h, false
	}
	it, err := tx.openSetAside(key, v)
	if err != nil || len(it.ChainHash) != auditHashSize {
		return h, false
	}
	return [auditHashSize]byte(it.ChainHash), true
}

func (tx *Tx) openSetAside(key, v []byte) (SetAside, error) {
	var it SetAside
	pt, err := tx.sess.key.open(nil, v, setAsideAD(key))
	if err != nil {
		return it, fmt.Errorf("item set aside: %w", err)
	}
	if err := json.Unmarshal(pt, &it); err != nil {
		return it, fmt.Errorf("item set aside: %w: %v", ErrTampered, err)
	}
	return it, nil
}

// SetAsideItems lists the items set aside, newest first.
func (tx *Tx) SetAsideItems() ([]SetAside, error) {
	if tx.sess == nil || tx.sess.key == nil {
		return nil, ErrLocked
	}
	b := tx.btx.Bucket(bucketSetAside)
	if b == nil {
		return nil, nil
	}
	var out []SetAside
	err := b.ForEach(func(k, v []byte) error {
		it, err := tx.openSetAside(k, v)
		if err != nil {
			return err
		}
		out = append(out, it)
		return nil
	})
	slices.SortStableFunc(out, func(a, b SetAside) int {
		if c := b.At.Compare(a.At); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, err
}

// SetAsideItems lists the items set aside, newest first.
func (s *Store) SetAsideItems() (items []SetAside, err error) {
	err = s.View(func(tx *Tx) error {
		items, err = tx.SetAsideItems()
		return err
	})
	return items, err
}

// BadItemError is an item from the sync server refused by its own checks
// (not by a fault of this workstation): the caller sets it aside
// ([Tx.PutSetAside]) and goes on. Reason says why in plain words.
type BadItemError struct {
	Reason string
	Err    error
}

func (e *BadItemError) Error() string { return e.Err.Error() }
func (e *BadItemError) Unwrap() error { return e.Err }

func badItem(reason string, err error) error { return &BadItemError{Reason: reason, Err: err} }
