package store

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	gosync "sync"
)

// Importing a batch from the server in two steps. Checking a revision needs
// only the data key: open the wire seal, hash the envelope, compare the
// parents, open the payload. [Store.CheckRevs] does that for a whole batch
// on every core, outside any transaction (so it can run while another
// batch is being written); [Tx.ImportChecked] then writes each revision
// under the write lock, with the checks that need the store (is it held
// already, have its parents arrived, does it keep the record's type). The
// result is the same as [Tx.ImportRev] on each revision in turn: the same
// revisions are stored and the same errors reported, in the same order.

// CheckedRev is a revision from the server that has been through the
// checks that need only the data key, with their outcome. Make it with
// [Store.CheckRevs]; it is written (or its failure reported) by
// [Tx.ImportChecked].
type CheckedRev struct {
	w   WireRev
	rev Rev
	// perr is a malformed record or revision ID: reported even when the
	// store holds the revision, as ImportRev does.
	perr error
	// sess is the session the checks ran with (nil: not checked yet).
	// ImportChecked checks again when its transaction's is another.
	sess *session
	s    *Store
	// err is the first failed check; reported only for a revision the
	// store does not hold. reason says it in plain words.
	err    error
	reason string
	// What a passed check found, for the write.
	v       []byte // the envelope as stored
	env     envelope
	hlc     HLC
	deleted bool
	p       payload // the payload, when the session's keys opened it
}

// parseWire reads the clear routing fields of a wire revision.
func parseWire(w WireRev) (Rev, error) {
	if err := checkID("record ID", w.RecordID); err != nil {
		return Rev{}, err
	}
	rev, err := ParseRev(w.Rev)
	if err != nil {
		return rev, err
	}
	if rev.IsZero() {
		return rev, fmt.Errorf("%w: empty revision", ErrInvalid)
	}
	return rev, nil
}

// checkParallelMin is the batch size from which CheckRevs uses several
// goroutines.
const checkParallelMin = 64

// CheckRevs runs the checks of [Tx.ImportRev] that need only the data key
// on each revision of ws, spread over the machine's cores, and returns the
// outcomes for [Tx.ImportChecked], in the order of ws. A revision that
// fails is not reported here: ImportChecked reports it (or skips it when
// the store already holds it, as ImportRev does). On a locked store
// nothing is checked, and the import's transaction reports the lock.
func (s *Store) CheckRevs(ws []WireRev) []CheckedRev {
	cs := make([]CheckedRev, len(ws))
	for i, w := range ws {
		cs[i].w = w
		cs[i].rev, cs[i].perr = parseWire(w)
	}
	s.mu.RLock() // keeps the key from being wiped while in use
	defer s.mu.RUnlock()
	if s.sess == nil {
		return cs
	}
	sess := s.sess
	check := func(part []CheckedRev) {
		for i := range part {
			if part[i].perr == nil {
				part[i].sess, part[i].s = sess, s
				part[i].check()
			}
		}
	}
	n := min(runtime.GOMAXPROCS(0), len(cs)/checkParallelMin)
	if n <= 1 {
		check(cs)
		return cs
	}
	var wg gosync.WaitGroup
	for part := range slices.Chunk(cs, (len(cs)+n-1)/n) {
		wg.Go(func() { check(part) })
	}
	wg.Wait()
	return cs
}

// check opens and checks c with c.key: the wrapper must open for exactly
// this record and revision, the revision ID must be the hash of the
// envelope, the parents the server routed by must be the envelope's own,
// and the payload must open with its associated data.
func (c *CheckedRev) check() {
	c.err = nil
	fail := func(format string, args ...any) {
		c.err = fmt.Errorf("record %s revision %s from the server: %w: %s", c.w.RecordID, c.w.Rev, ErrTampered, fmt.Sprintf(format, args...))
		c.reason = "it " + format
		if len(args) > 0 {
			c.reason = "it is not a well-formed revision"
		}
	}
	w, id, rev := &c.w, c.w.RecordID, c.rev
	if len(w.Sealed) > MaxWireSize {
		fail("is too large (%d bytes)", len(w.Sealed))
		return
	}
	v, err := c.sess.key.open(nil, w.Sealed, wireAD(id, rev))
	if err != nil {
		fail("was not sealed by this practice for this record and revision")
		return
	}
	env, err := decodeEnvelope(v)
	if err != nil {
		fail("%v", err)
		return
	}
	if !revIDMatches(id, rev, v, &env) {
		fail("does not match its revision ID")
		return
	}
	if len(env.Parents) != len(w.Parents) {
		fail("came with other parents than its own")
		return
	}
	var maxGen uint32
	for i, p := range env.Parents {
		if p.String() != w.Parents[i] {
			fail("came with other parents than its own")
			return
		}
		maxGen = max(maxGen, p.Gen)
	}
	if env.Gen != maxGen+1 {
		fail("has a generation that does not follow its parents (%d)", env.Gen)
		return
	}
	if checkID("record type", env.Type) != nil {
		fail("has a malformed record type")
		return
	}
	key, err := c.s.readKey(c.sess, env.Type, env.Sealed)
	var ke *KeyError
	if errors.As(err, &ke) && env.Meta {
		// The user's keys do not reach this compartment: the payload is
		// checked by whoever reads it; the heads need only the clear
		// time and deletion.
		c.v, c.env, c.hlc, c.deleted = v, env, env.HLC, env.Deleted
		return
	}
	if err != nil {
		fail("%v", err)
		return
	}
	pt, err := key.open(nil, env.Sealed, payloadAD(id, rev, &env))
	if err != nil {
		fail("has content that does not open")
		return
	}
	p, err := decodePayload(pt)
	if err != nil {
		fail("%v", err)
		return
	}
	if err := checkMeta(&env, &p); err != nil {
		fail("%v", err)
		return
	}
	c.v, c.env, c.hlc, c.deleted, c.p = v, env, p.HLC, p.Deleted, p
}

// holds reports whether the store has revision rev of record id.
func (tx *Tx) holds(id string, rev Rev) bool {
	return tx.btx.Bucket(bucketRevs).Get(revKey(id, rev)) != nil
}

// ImportChecked stores a revision checked by [Store.CheckRevs], exactly as
// [Tx.ImportRev] would store it (and refuses it with the same errors). A
// revision checked with another data key than this transaction's (the
// store was locked and unlocked in between) is checked again first.
func (tx *Tx) ImportChecked(c *CheckedRev) (ImportResult, error) {
	var res ImportResult
	if !tx.write {
		return res, fmt.Errorf("store: import in a read-only transaction")
	}
	if c.perr != nil {
		return res, badItem("its record or revision ID is malformed", c.perr)
	}
	id, rev := c.w.RecordID, c.rev
	if tx.holds(id, rev) {
		return res, nil
	}
	if c.sess == nil || c.sess != tx.sess {
		c.sess, c.s = tx.sess, tx.s
		c.check()
	}
	if c.err != nil {
		return res, badItem(c.reason, c.err)
	}
	env := &c.env
	if err := tx.checkImportedKeys(id, rev, env, &c.p); err != nil {
		return res, fmt.Errorf("record %s revision %s from the server: %w", id, c.w.Rev, err)
	}
	revs := tx.btx.Bucket(bucketRevs)
	for _, pr := range env.Parents {
		if revs.Get(revKey(id, pr)) == nil {
			err := fmt.Errorf("record %s revision %s: parent %s: %w", id, c.w.Rev, pr, ErrMissingParent)
			if tx.IsSetAside(id, pr.String()) {
				// It continues a revision that was set aside: it cannot
				// apply here, and must not stop what comes after it.
				return res, badItem("it continues a revision that was set aside", err)
			}
			return res, err
		}
	}
	var leaves []leaf
	if hv := revs.Get(headKey(id)); hv != nil {
		var err error
		if leaves, err = decodeLeaves(hv); err != nil {
			return res, err
		}
		// All revisions of a record have one type.
		ev, err := decodeEnvelope(revs.Get(revKey(id, leaves[0].Rev)))
		if err != nil {
			return res, fmt.Errorf("record %s: %w", id, err)
		}
		if ev.Type != env.Type {
			return res, badItem("it changes the record's type", fmt.Errorf("record %s revision %s from the server: %w: it changes the record's type", id, c.w.Rev, ErrTampered))
		}
	} else {
		if len(env.Parents) > 0 {
			err := fmt.Errorf("record %s revision %s: %w", id, c.w.Rev, ErrMissingParent)
			for _, pr := range env.Parents {
				if tx.IsSetAside(id, pr.String()) {
					return res, badItem("it continues a revision that was set aside", err)
				}
			}
			return res, err
		}
		if err := tx.btx.Bucket(bucketTypes).Put(typeKey(env.Type, id), nil); err != nil {
			return res, err
		}
	}
	// The parents stop being heads. Parents always arrive first (the
	// server only accepts a revision whose parents it holds, and serves
	// them in order), so the new revision is always a head.
	leaves = slices.DeleteFunc(leaves, func(l leaf) bool { return slices.Contains(env.Parents, l.Rev) })
	leaves = append(leaves, leaf{Rev: rev, Deleted: c.deleted, HLC: c.hlc})
	if err := tx.digestSet(tagRev, revKey(id, rev), c.v, env.Type); err != nil {
		return res, err
	}
	if err := revs.Put(revKey(id, rev), c.v); err != nil {
		return res, err
	}
	if err := tx.writeHeads(id, leaves); err != nil {
		return res, err
	}
	if err := tx.appendChange(id, rev, c.hlc, true); err != nil {
		return res, err
	}
	if env.Type == TypeUser && id == tx.sess.user.ID {
		tx.ownRecord = true // it may hold newer keys (rotate.go)
	}
	if env.Type == TypeKeyslot {
		// Sign-in reads the slots bucket: keep it at the record's winner.
		if err := tx.applySlotRecord(id); err != nil {
			return res, err
		}
	}
	if tx.IsSetAside(id, c.w.Rev) {
		// The server now serves this revision as it was made: it no
		// longer needs a look.
		if err := tx.btx.Bucket(bucketSetAside).Delete(setAsideKey(SetAsideRevision, id, c.w.Rev, 0)); err != nil {
			return res, err
		}
	}
	res.Inserted, res.HLC = true, c.hlc
	res.Skewed = tx.s.clock.observe(c.hlc)
	return res, nil
}

// checkImportedKeys checks the signature of an imported revision whose
// type needs one, and takes the practice's administration public key from
// the practice keys record when this store has none yet (a store made
// before the key hierarchy learns it from the workstation that moved the
// practice); a record naming another key than the one held is refused.
func (tx *Tx) checkImportedKeys(id string, rev Rev, env *envelope, p *payload) error {
	if env.Type == TypeAdminKey {
		return tx.importAdminLink(id, env, p)
	}
	if env.Type != TypePracticeKeys {
		if p.Signer == signerAuthor {
			// A disabled user's own signature no longer counts.
			if u, err := tx.Get(p.Author); err == nil && u.Type == TypeUser {
				if du, err := decodeUser(u); err == nil && du.Disabled {
					return fmt.Errorf("%w: %s record %s is signed by a disabled user", ErrTampered, env.Type, id)
				}
			}
		}
		return tx.checkSigned(id, rev, env, p)
	}
	var pk practiceKeys
	if id != PracticeKeysID || p.Deleted || json.Unmarshal(p.Body, &pk) != nil || len(pk.AdminPub) != ed25519.PublicKeySize {
		return fmt.Errorf("%w: a damaged practice keys record", ErrTampered)
	}
	cur := tx.adminPub()
	if cur != nil {
		// A key of the practice's chain (adminkey.go), and signed as
		// every signed record is.
		if !tx.inAdminChain(pk.AdminPub) {
			return fmt.Errorf("%w: the practice keys record names another administration key than this practice's", ErrTampered)
		}
		return tx.checkSigned(id, rev, env, p)
	}
	if p.Signer != signerAdmin || len(p.Sig) != ed25519.SignatureSize || !ed25519.Verify(ed25519.PublicKey(pk.AdminPub), sigMessage(id, env, p), p.Sig) {
		return fmt.Errorf("%w: the practice keys record is not signed by its administration key", ErrTampered)
	}
	if cur == nil {
		return tx.btx.Bucket(bucketMeta).Put(keyAdminPub, bytes.Clone(pk.AdminPub))
	}
	return nil
}
