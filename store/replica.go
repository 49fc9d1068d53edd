package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	gosync "sync"
)

// Replication: the store's side of sync. A revision leaves a workstation in
// its wire form ([WireRev]) and enters another through [Tx.ImportRev].
//
// What the server sees in clear is what it needs to route and deduplicate:
// the record ID (random, no patient data), the revision ID, its parents,
// and the size of the sealed bytes. Everything else — the record's type,
// the authoring device, the HLC time, the author and the body — is inside
// Sealed: the stored envelope sealed once more under the data key, bound to
// the record and revision ("wire" | record ID | revision). The server cannot
// read it, and cannot make a workstation accept anything it did not write:
// the importing workstation opens the wrapper, checks the revision ID is the
// hash of the envelope, checks the parents the server routed by are the
// envelope's own, and opens the payload with its associated data.

// ErrMissingParent means an imported revision names a parent this store
// does not hold yet; import the parent first.
var ErrMissingParent = errors.New("a parent of the revision has not arrived yet")

// MaxWireSize bounds the sealed bytes of one revision on the wire.
const MaxWireSize = 8 << 20

// WireRev is one revision in its sealed wire form.
type WireRev struct {
	RecordID string
	Rev      string
	Parents  []string
	Sealed   []byte
}

// ImportResult says what [Tx.ImportRev] did.
type ImportResult struct {
	Inserted bool // false: the store already held the revision
	// Skewed is set when the revision's HLC time is more than
	// [MaxClockSkew] away from this workstation's clock.
	Skewed bool
	HLC    HLC
}

// ValidRecordID reports whether id is a well-formed record ID (what the
// server accepts before routing a revision).
func ValidRecordID(id string) bool { return checkID("record ID", id) == nil }

func wireAD(id string, rev Rev) []byte { return adBuilder("wire").str(id).bytes(rev.key()) }

// ExportRev returns revision rev of record id in its wire form. The stored
// revision is checked against its ID first, so local damage is not spread.
func (tx *Tx) ExportRev(id, rev string) (WireRev, error) {
	r, err := ParseRev(rev)
	if err != nil {
		return WireRev{}, err
	}
	v := tx.btx.Bucket(bucketRevs).Get(revKey(id, r))
	if v == nil {
		return WireRev{}, fmt.Errorf("record %s revision %s: %w", id, rev, ErrNotFound)
	}
	env, err := decodeEnvelope(v)
	if err != nil {
		return WireRev{}, fmt.Errorf("record %s revision %s: %w", id, rev, err)
	}
	if !revIDMatches(id, r, v, &env) {
		return WireRev{}, fmt.Errorf("record %s revision %s: %w: content does not match its revision ID", id, rev, ErrTampered)
	}
	w := WireRev{RecordID: id, Rev: rev, Sealed: tx.sess.key.seal(nil, v, wireAD(id, r))}
	for _, p := range env.Parents {
		w.Parents = append(w.Parents, p.String())
	}
	return w, nil
}

// HasRev reports whether the store holds revision rev of record id.
func (tx *Tx) HasRev(id, rev string) bool {
	r, err := ParseRev(rev)
	if err != nil || checkID("record ID", id) != nil {
		return false
	}
	return tx.btx.Bucket(bucketRevs).Get(revKey(id, r)) != nil
}

// ImportRev stores a revision that came from another workstation through
// the server, if the store does not hold it already. It refuses, with
// [ErrTampered], anything this practice's data key did not seal for exactly
// this record and revision, and with [ErrMissingParent] a revision whose
// parents have not arrived. The record's heads are updated by the same rule
// as local writes: the parents stop being heads, and a revision that
// collides with a local edit stays beside it as a second head, the winner
// being chosen the same way on every replica. The change feed gets an entry
// marked [Change.Remote]. Nothing else is written: concurrent heads that
// merge are shown merged by [Tx.Get] (see merge.go).
func (tx *Tx) ImportRev(w WireRev) (ImportResult, error) {
	c := CheckedRev{w: w}
	c.rev, c.perr = parseWire(w)
	return tx.ImportChecked(&c) // checks c: it has not been yet
}

// ImportRevs imports a batch in one transaction; see [Tx.ImportRev]. The
// revisions are checked on every core first ([Store.CheckRevs]).
func (s *Store) ImportRevs(ws []WireRev) (inserted int, err error) {
	cs := s.CheckRevs(ws)
	err = s.Update(func(tx *Tx) error {
		for i := range cs {
			r, err := tx.ImportChecked(&cs[i])
			if err != nil {
				return err
			}
			if r.Inserted {
				inserted++
			}
		}
		return nil
	})
	return inserted, err
}

// SyncMark reads a sync checkpoint (0 when never set). Sync keeps its
// positions here, in the store file, so a checkpoint moves in the same
// transaction as the revisions it accounts for.
func (tx *Tx) SyncMark(name string) uint64 {
	v := tx.btx.Bucket(bucketSync).Get([]byte(name))
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// SetSyncMark writes a sync checkpoint.
func (tx *Tx) SetSyncMark(name string, v uint64) error {
	if !tx.write {
		return fmt.Errorf("store: write in a read-only transaction")
	}
	if name == "" || len(name) > maxIDLen {
		return fmt.Errorf("%w: sync mark name", ErrInvalid)
	}
	return tx.btx.Bucket(bucketSync).Put([]byte(name), binary.BigEndian.AppendUint64(nil, v))
}

// PendingChanges counts the local (not [Change.Remote]) changes after seq.
func (tx *Tx) PendingChanges(since uint64) (int, error) {
	n := 0
	c := tx.btx.Bucket(bucketChanges).Cursor()
	for k, v := c.Seek(binary.BigEndian.AppendUint64(nil, since+1)); k != nil; k, v = c.Next() {
		ch, err := decodeChange(binary.BigEndian.Uint64(k), v)
		if err != nil {
			return n, err
		}
		if !ch.Remote {
			n++
		}
	}
	return n, nil
}

// ChangeSignal returns a channel that is closed after the next commit that
// adds to the change feed (a local edit or an imported revision). Sync
// waits on it to push soon after an edit.
func (s *Store) ChangeSignal() <-chan struct{} { return s.changed.wait() }

// changeSignal is a broadcast: every waiter's channel closes on fire.
type changeSignal struct {
	mu gosync.Mutex
	ch chan struct{}
}

func (c *changeSignal) wait() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ch == nil {
		c.ch = make(chan struct{})
	}
	return c.ch
}

func (c *changeSignal) fire() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ch != nil {
		close(c.ch)
		c.ch = nil
	}
}
