package store

import (
	"bytes"
	"crypto/cipher"
	"encoding/binary"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// Record is one revision of a document, decrypted.
type Record struct {
	ID        string
	Type      string
	Rev       string
	Parents   []string
	HLC       HLC
	Author    string // user ID
	Device    string // device ID
	Deleted   bool   // a tombstone: the record was deleted, with Reason
	Reason    string
	Body      []byte
	Conflicts []string // other live heads, when concurrent edits collided and did not merge (merge.go)
	Merged    []string // other heads Get merged into Body (then not this revision's own); the next edit takes them as parents
}

// Tx is a transaction over an unlocked store. Everything written in one
// [Store.Update] commits together, durably, or not at all.
type Tx struct {
	s     *Store
	btx   *bolt.Tx
	sess  *session
	write bool
	// signalled is set once the transaction has arranged to wake
	// [Store.ChangeSignal] waiters on commit.
	signalled bool
	// auditEpub and auditAEAD seal this transaction's audit entries to
	// the practice's audit key (audit.go).
	auditEpub []byte
	auditAEAD cipher.AEAD
	// auditLinksOnly: walking the audit log checks the links of entries
	// the session cannot open instead of refusing (verify).
	auditLinksOnly bool
	// ownRecord: the transaction imported a revision of the signed-in
	// user's record, whose grants may hold newer keys (rotate.go).
	ownRecord bool
	// clinicalOp opens values sealed to the clinical document key
	// (clinicaldocs.go), made on first need.
	clinicalOp *clinicalOpener
	// digest is the state digest opened for this transaction, and
	// digestEdited the entries its writes found edited (digest.go).
	digest       *digestState
	digestEdited []Problem
	// adminCh is the administration key's chain as read in this
	// transaction (adminkey.go), and adminLinkWrite set while a rotation
	// writes its link.
	adminCh        *adminChain
	adminLinkWrite bool
}

// Update runs fn in a read-write transaction and commits it durably (fsync)
// before returning. If fn returns an error nothing is written.
func (s *Store) Update(fn func(*Tx) error) error {
	own, err := s.update(fn)
	if err == nil && own {
		s.takeNewKeys()
	}
	return err
}

func (s *Store) update(fn func(*Tx) error) (own bool, err error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.sess == nil {
		return false, ErrLocked
	}
	err = s.db.Update(func(btx *bolt.Tx) error {
		tx := &Tx{s: s, btx: btx, sess: s.sess, write: true}
		err := fn(tx)
		own = tx.ownRecord
		return err
	})
	return own, err
}

// View runs fn in a read-only transaction.
func (s *Store) View(fn func(*Tx) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.sess == nil {
		return ErrLocked
	}
	return s.db.View(func(btx *bolt.Tx) error {
		return fn(&Tx{s: s, btx: btx, sess: s.sess})
	})
}

// User is the signed-in user of the transaction.
func (tx *Tx) User() User { return tx.sess.user }

// Put, Get, Delete, History and List on the store run one transaction each.

// Put writes a new revision of record id; see [Tx.Put].
func (s *Store) Put(typ, id, parent string, body []byte) (r Record, err error) {
	err = s.Update(func(tx *Tx) error { r, err = tx.Put(typ, id, parent, body); return err })
	return r, err
}

// Get reads the current revision of a record; see [Tx.Get].
func (s *Store) Get(id string) (r Record, err error) {
	err = s.View(func(tx *Tx) error { r, err = tx.Get(id); return err })
	return r, err
}

// Delete writes a tombstone; see [Tx.Delete].
func (s *Store) Delete(id, parent, reason string) (r Record, err error) {
	err = s.Update(func(tx *Tx) error { r, err = tx.Delete(id, parent, reason); return err })
	return r, err
}

// History reads every revision of a record; see [Tx.History].
func (s *Store) History(id string) (rs []Record, err error) {
	err = s.View(func(tx *Tx) error { rs, err = tx.History(id); return err })
	return rs, err
}

// List calls fn with the current revision of every live record of a type.
func (s *Store) List(typ string, fn func(Record) error) error {
	return s.View(func(tx *Tx) error { return tx.List(typ, fn) })
}

func checkID(kind, id string) error {
	if id == "" || len(id) > 64 {
		return fmt.Errorf("%w: %s %q must have 1 to 64 characters", ErrInvalid, kind, id)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return fmt.Errorf("%w: %s %q may only use letters, digits, '-', '_', '.' and ':'", ErrInvalid, kind, id)
		}
	}
	return nil
}

func headKey(id string) []byte { return append([]byte(id), 0, headSuffix) }

func revKey(id string, r Rev) []byte { return append(append([]byte(id), 0, 'r'), r.key()...) }

func typeKey(typ, id string) []byte { return append(append([]byte(typ), 0), id...) }

// Put writes a new revision of record id with the given body. For a new
// record pass id "" (a random ID is chosen) or a new ID, and parent "". For
// an existing record, parent must be a current head (normally [Record.Rev]
// as read); otherwise the record changed meanwhile and Put returns
// [ErrConflict]. On the winner of concurrent heads, body is an edit of what
// [Tx.Get] showed: the heads in [Record.Merged] become parents too.
func (tx *Tx) Put(typ, id, parent string, body []byte) (Record, error) {
	return tx.put(typ, id, parent, payload{Body: body})
}

// Delete writes a tombstone revision with a reason. The history stays.
func (tx *Tx) Delete(id, parent, reason string) (Record, error) {
	if reason == "" {
		return Record{}, fmt.Errorf("%w: a deletion needs a reason", ErrInvalid)
	}
	cur, err := tx.Get(id)
	if err != nil {
		return Record{}, err
	}
	return tx.put(cur.Type, id, parent, payload{Deleted: true, Reason: reason})
}

func (tx *Tx) put(typ, id, parent string, p payload) (Record, error) {
	if !tx.write {
		return Record{}, fmt.Errorf("store: write in a read-only transaction")
	}
	if id == "" {
		id = NewID()
	}
	if typ == TypeAdminKey && !tx.adminLinkWrite {
		return Record{}, fmt.Errorf("%w: %w", ErrPermission, errAdminLinkWrite)
	}
	if err := checkID("record ID", id); err != nil {
		return Record{}, err
	}
	if err := checkID("record type", typ); err != nil {
		return Record{}, err
	}
	parentRev, err := ParseRev(parent)
	if err != nil {
		return Record{}, err
	}
	revs := tx.btx.Bucket(bucketRevs)
	var leaves []leaf
	if hv := revs.Get(headKey(id)); hv != nil {
		if leaves, err = decodeLeaves(hv); err != nil {
			return Record{}, err
		}
	}
	env := envelope{Type: typ, Gen: 1, Device: tx.s.DeviceID()}
	if len(leaves) == 0 {
		if !parentRev.IsZero() {
			return Record{}, fmt.Errorf("record %s: %w", id, ErrNotFound)
		}
		if err := tx.btx.Bucket(bucketTypes).Put(typeKey(typ, id), nil); err != nil {
			return Record{}, err
		}
	} else {
		i := slices.IndexFunc(leaves, func(l leaf) bool { return l.Rev == parentRev })
		if i < 0 {
			return Record{}, fmt.Errorf("record %s: %w", id, ErrConflict)
		}
		penv, err := decodeEnvelope(revs.Get(revKey(id, parentRev)))
		if err != nil {
			return Record{}, err
		}
		if penv.Type != typ {
			return Record{}, fmt.Errorf("%w: record %s is a %s, not a %s", ErrInvalid, id, penv.Type, typ)
		}
		env.Gen = parentRev.Gen + 1
		env.Parents = []Rev{parentRev}
		if len(leaves) > 1 {
			// Concurrent heads: an edit of the merged view takes the
			// merged heads as parents too (merge.go).
			if env.Parents, leaves, err = tx.absorbMerged(id, parentRev, leaves); err != nil {
				return Record{}, err
			}
			for _, pr := range env.Parents {
				env.Gen = max(env.Gen, pr.Gen+1)
			}
		} else {
			leaves = slices.Delete(leaves, i, i+1)
		}
	}
	return tx.writeRev(id, env, p, leaves)
}

func (tx *Tx) record(id string, rev Rev, env envelope, p payload, leaves []leaf) Record {
	r := Record{ID: id, Type: env.Type, Rev: rev.String(), HLC: p.HLC, Author: p.Author, Device: env.Device,
		Deleted: p.Deleted, Reason: p.Reason, Body: p.Body}
	for _, pr := range env.Parents {
		r.Parents = append(r.Parents, pr.String())
	}
	for _, l := range leaves {
		if l.Rev != rev && !l.Deleted {
			r.Conflicts = append(r.Conflicts, l.Rev.String())
		}
	}
	return r
}

// Get returns the current revision of a record: its winning head, with the
// other heads that merge cleanly merged into its body (see merge.go and
// [Record.Merged]). A deleted record is returned as its tombstone (Deleted
// set).
func (tx *Tx) Get(id string) (Record, error) {
	if err := checkID("record ID", id); err != nil {
		return Record{}, err
	}
	hv := tx.btx.Bucket(bucketRevs).Get(headKey(id))
	if hv == nil {
		return Record{}, fmt.Errorf("record %s: %w", id, ErrNotFound)
	}
	leaves, err := decodeLeaves(hv)
	if err != nil {
		return Record{}, err
	}
	if len(leaves) > 1 {
		// Concurrent heads: the winner may depend on their content
		// ([MergeRule.Rank]), and what merges is shown merged (merge.go).
		hs, view, err := tx.openHeads(id, leaves)
		if err != nil {
			return Record{}, err
		}
		r := hs[0].rec
		r.Body = view
		return r, nil
	}
	return tx.load(id, leaves[0].Rev, leaves)
}

// GetRev returns one revision of a record.
func (tx *Tx) GetRev(id, rev string) (Record, error) {
	r, err := ParseRev(rev)
	if err != nil {
		return Record{}, err
	}
	return tx.load(id, r, nil)
}

// load reads, authenticates and decrypts one revision.
func (tx *Tx) load(id string, rev Rev, leaves []leaf) (Record, error) {
	v := tx.btx.Bucket(bucketRevs).Get(revKey(id, rev))
	if v == nil {
		return Record{}, fmt.Errorf("record %s revision %s: %w", id, rev, ErrNotFound)
	}
	env, p, err := tx.openRev(id, rev, v)
	if err != nil {
		return Record{}, err
	}
	return tx.record(id, rev, env, p, leaves), nil
}

// openRev checks a stored revision against its ID and opens its payload.
func (tx *Tx) openRev(id string, rev Rev, v []byte) (envelope, payload, error) {
	env, err := decodeEnvelope(v)
	if err != nil {
		return env, payload{}, fmt.Errorf("record %s revision %s: %w", id, rev, err)
	}
	if !revIDMatches(id, rev, v, &env) {
		return env, payload{}, fmt.Errorf("record %s revision %s: %w: content does not match its revision ID", id, rev, ErrTampered)
	}
	key, err := tx.readKey(env.Type, env.Sealed)
	if err != nil {
		return env, payload{}, fmt.Errorf("record %s revision %s: %w", id, rev, err)
	}
	pt, err := key.open(nil, env.Sealed, payloadAD(id, rev, &env))
	if err != nil {
		return env, payload{}, fmt.Errorf("record %s revision %s: %w", id, rev, err)
	}
	p, err := decodePayload(pt)
	if err != nil {
		return env, payload{}, fmt.Errorf("record %s revision %s: %w", id, rev, err)
	}
	if err := checkMeta(&env, &p); err != nil {
		return env, payload{}, fmt.Errorf("record %s revision %s: %w", id, rev, err)
	}
	return env, p, nil
}

// History returns every revision of a record, oldest generation first.
func (tx *Tx) History(id string) ([]Record, error) {
	if err := checkID("record ID", id); err != nil {
		return nil, err
	}
	prefix := append([]byte(id), 0, 'r')
	var out []Record
	c := tx.btx.Bucket(bucketRevs).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		rev, err := revFromKey(k[len(prefix):])
		if err != nil {
			return nil, err
		}
		env, p, err := tx.openRev(id, rev, v)
		if err != nil {
			return nil, err
		}
		out = append(out, tx.record(id, rev, env, p, nil))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("record %s: %w", id, ErrNotFound)
	}
	return out, nil
}

// List calls fn with the current revision of every live (not deleted)
// record of type typ, in ID order. Returning an error from fn stops the walk.
func (tx *Tx) List(typ string, fn func(Record) error) error {
	return tx.ListPrefix(typ, "", fn)
}

// ListPrefix is [Tx.List] restricted to the records whose ID starts with
// idPrefix. It seeks straight to them, so records that share a prefix (a
// patient's visits, say) are read without walking the rest of the type.
func (tx *Tx) ListPrefix(typ, idPrefix string, fn func(Record) error) error {
	prefix := append([]byte(typ), 0)
	c := tx.btx.Bucket(bucketTypes).Cursor()
	seek := append(slices.Clip(prefix), idPrefix...)
	for k, _ := c.Seek(seek); k != nil && bytes.HasPrefix(k, seek); k, _ = c.Next() {
		r, err := tx.Get(string(k[len(prefix):]))
		if err != nil {
			return err
		}
		if r.Deleted {
			continue
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// Change is one entry of the local change feed.
type Change struct {
	Seq      uint64
	RecordID string
	Rev      string
	HLC      HLC
	// Remote is set for a revision that arrived through sync
	// ([Tx.ImportRev]) rather than being written here; sync does not push
	// those back.
	Remote bool
}

// changeRemote is the flag byte that follows a remote change's HLC. Local
// changes carry no flag byte (the format of schema 1).
const changeRemote = 1

func (tx *Tx) appendChange(id string, rev Rev, h HLC, remote bool) error {
	b := tx.btx.Bucket(bucketChanges)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	v := appendString(make([]byte, 0, len(id)+2+revKeySize+8), id)
	v = append(v, rev.key()...)
	v = binary.BigEndian.AppendUint64(v, uint64(h))
	if remote {
		v = append(v, changeRemote)
	}
	if !tx.signalled {
		tx.signalled = true
		tx.btx.OnCommit(tx.s.changed.fire)
	}
	return b.Put(binary.BigEndian.AppendUint64(nil, seq), v)
}

func decodeChange(seq uint64, v []byte) (Change, error) {
	r := reader{b: v}
	id := r.string(maxIDLen)
	rk := r.take(revKeySize)
	h := r.u64()
	var remote bool
	if r.err == nil && len(r.b) == 1 && r.b[0] == changeRemote {
		remote = true
		r.b = nil
	}
	if r.err != nil || len(r.b) != 0 {
		return Change{}, fmt.Errorf("%w: change feed entry %d", ErrTampered, seq)
	}
	rev, _ := revFromKey(rk)
	return Change{Seq: seq, RecordID: id, Rev: rev.String(), HLC: HLC(h), Remote: remote}, nil
}

// Changes returns up to limit changes with a sequence number above since,
// in order. Sync reads it to find what to push.
func (tx *Tx) Changes(since uint64, limit int) ([]Change, error) {
	var out []Change
	c := tx.btx.Bucket(bucketChanges).Cursor()
	for k, v := c.Seek(binary.BigEndian.AppendUint64(nil, since+1)); k != nil && len(out) < limit; k, v = c.Next() {
		ch, err := decodeChange(binary.BigEndian.Uint64(k), v)
		if err != nil {
			return nil, err
		}
		out = append(out, ch)
	}
	return out, nil
}

// Changes reads the change feed; see [Tx.Changes].
func (s *Store) Changes(since uint64, limit int) (cs []Change, err error) {
	err = s.View(func(tx *Tx) error { cs, err = tx.Changes(since, limit); return err })
	return cs, err
}

// headSuffix follows the revision marker 'r' so that a record's heads sort
// right after its newest revision: saving an edit then usually dirties one
// leaf page of the revs bucket instead of two.
const headSuffix = 's'

// LastChange is the sequence number of the newest entry of the change feed
// (0 when there is none). A reader that has seen everything up to it can
// later ask [Tx.Changes] for what came after.
func (tx *Tx) LastChange() uint64 {
	return tx.btx.Bucket(bucketChanges).Sequence()
}
