package store

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sort"

	bolt "go.etcd.io/bbolt"
)

// Concurrent revisions. Two workstations that change one record while apart
// each write a revision on the same parent; once both have synced, the
// record has two heads. Nothing is dropped: both stay, and
//
//   - if the record's type has a [MergeRule] and the heads changed
//     different things, [Tx.Get] shows their merge: the winner's body with
//     each other head merged in by the rule's three-way merge against their
//     latest common ancestor ([Record.Merged] lists them). The merge is
//     computed on read from the heads alone, so every workstation holding
//     the same heads shows the same record, and nothing is written when
//     revisions arrive: no merge revisions racing each other between
//     workstations, whatever order sync delivers in. It is written lazily:
//     the next edit of the record ([Tx.Put] on the winner) takes every
//     merged head as a parent, so the merge becomes that revision.
//     Byte-identical heads count as one version the same way.
//   - what does not merge stays side by side (a conflict). Every replica
//     shows the same winner: a live head beats a deletion, then the higher
//     [MergeRule.Rank], then the later HLC, then the larger revision ID; the
//     heads not merged into it are in [Record.Conflicts]. [Tx.Resolve] ends
//     a conflict with one revision whose parents are all the heads.
//
// The conflicts bucket indexes the records that have more than one head, so
// a review queue does not walk the store.

// bucketConflicts holds the ID of every record with more than one head.
var bucketConflicts = []byte("conflicts")

// ErrCollision is what a [MergeRule]'s Merge returns when the two revisions
// changed the same thing in different ways.
var ErrCollision = errors.New("concurrent edits changed the same field differently")

// MergeRule tells the store how to combine concurrent revisions of one
// record type. The store keeps no knowledge of bodies; the program that
// opens a store gives it the rules of the types it reads, with
// [WithMergeRules]. The zero MergeRule is a rule too: nothing merges, and
// the winner is the later revision.
type MergeRule struct {
	// Merge returns the body that keeps both the changes a made to base
	// and those b made, or an error (normally [ErrCollision]) when they
	// cannot both be kept. base is nil when a and b share no ancestor or
	// the ancestor is a deletion. It must be deterministic and symmetric:
	// every workstation must get the same bytes from the same three bodies,
	// whichever of a and b it is given first.
	Merge func(base, a, b []byte) ([]byte, error)
	// Rank, when set, orders live heads before their HLC when the store
	// picks the winner of a conflict: a higher rank wins (a signed note
	// over a later unsigned edit, say).
	Rank func(body []byte) int
}

// MergeRules are the merge rules of record types, by type.
type MergeRules map[string]MergeRule

// ownTypes are the record types the store itself writes. Nothing of theirs
// merges; their rule is the zero one, whatever rules the store is given.
var ownTypes = map[string]bool{TypeUser: true, TypeKeyslot: true, TypePractice: true}

// WithMergeRules gives the store the merge rules of the record types it
// holds. Every program that opens a practice's stores must give the same
// rules, or its replicas could show different winners; a record type with
// no rule is not guessed at: reading a record of that type that has
// concurrent revisions fails with [ErrNoMergeRule]. Given more than once,
// the rules add up (a later rule of a type replaces an earlier one). Rules
// for the store's own types ([TypeUser], [TypeKeyslot], [TypePractice])
// are ignored.
func WithMergeRules(rules MergeRules) Option {
	return func(s *Store) {
		if s.rules == nil {
			s.rules = make(MergeRules, len(rules))
		}
		for typ, r := range rules {
			if !ownTypes[typ] {
				s.rules[typ] = r
			}
		}
	}
}

// HasMergeRule reports whether the store was given a merge rule for
// record type typ (the store's own types always have one).
func (s *Store) HasMergeRule(typ string) bool {
	_, ok := s.mergeRule(typ)
	return ok
}

func (s *Store) mergeRule(typ string) (MergeRule, bool) {
	if ownTypes[typ] {
		return MergeRule{}, true
	}
	r, ok := s.rules[typ]
	return r, ok
}

// writeHeads stores a record's heads and keeps the conflicts index.
func (tx *Tx) writeHeads(id string, leaves []leaf) error {
	hv := encodeLeaves(leaves)
	if err := tx.digestSet(tagRev, headKey(id), hv, ""); err != nil {
		return err
	}
	if err := tx.btx.Bucket(bucketRevs).Put(headKey(id), hv); err != nil {
		return err
	}
	b := tx.btx.Bucket(bucketConflicts)
	if b == nil { // a damaged file; the migration makes it
		var err error
		if b, err = tx.btx.CreateBucketIfNotExists(bucketConflicts); err != nil {
			return err
		}
	}
	if len(leaves) > 1 {
		return b.Put([]byte(id), nil)
	}
	return b.Delete([]byte(id)) // changes nothing when absent
}

// readLeaves reads the heads of record id (nil when there is no record).
func (tx *Tx) readLeaves(id string) ([]leaf, error) {
	hv := tx.btx.Bucket(bucketRevs).Get(headKey(id))
	if hv == nil {
		return nil, nil
	}
	return decodeLeaves(hv)
}

// MultiHeaded calls fn with the ID of every record that has more than one
// head (concurrent revisions not merged or resolved yet, or identical ones
// not yet collapsed by an edit), in ID order.
func (tx *Tx) MultiHeaded(fn func(id string) error) error {
	b := tx.btx.Bucket(bucketConflicts)
	if b == nil {
		return nil
	}
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if err := fn(string(k)); err != nil {
			return err
		}
	}
	return nil
}

// headRec is one head, opened.
type headRec struct {
	leaf leaf
	rec  Record
}

// openHeads opens every head of a record and sorts them winner first. The
// winner gets Conflicts and Merged; view is the body [Tx.Get] shows.
func (tx *Tx) openHeads(id string, leaves []leaf) (hs []headRec, view []byte, err error) {
	hs = make([]headRec, 0, len(leaves))
	for _, l := range leaves {
		r, err := tx.load(id, l.Rev, nil)
		if err != nil {
			return nil, nil, err
		}
		hs = append(hs, headRec{leaf: l, rec: r})
	}
	var rule MergeRule
	if len(hs) > 1 {
		var ok bool
		if rule, ok = tx.s.mergeRule(hs[0].rec.Type); !ok {
			return nil, nil, fmt.Errorf("record %s: %w %q", id, ErrNoMergeRule, hs[0].rec.Type)
		}
	}
	rank := func(h headRec) int {
		if rule.Rank == nil || h.rec.Deleted {
			return 0
		}
		return rule.Rank(h.rec.Body)
	}
	sort.SliceStable(hs, func(i, j int) bool {
		a, b := hs[i], hs[j]
		if a.leaf.Deleted != b.leaf.Deleted {
			return !a.leaf.Deleted
		}
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra > rb
		}
		return leafBeats(a.leaf, b.leaf)
	})
	w := &hs[0].rec
	w.Conflicts, w.Merged = nil, nil
	view = w.Body
	if w.Deleted {
		return hs, view, nil
	}
	// The other live heads, in revision order (the same on every replica),
	// each merged into the view when it can be.
	others := slices.Clone(hs[1:])
	slices.SortFunc(others, func(x, y headRec) int { return x.leaf.Rev.compare(y.leaf.Rev) })
	for _, h := range others {
		if h.rec.Deleted {
			continue
		}
		if bytes.Equal(h.rec.Body, w.Body) {
			w.Merged = append(w.Merged, h.rec.Rev)
			continue
		}
		if rule.Merge != nil {
			var base []byte
			br, ok, err := tx.mergeBaseRec(id, hs[0].leaf.Rev, h.leaf.Rev)
			if err != nil {
				return nil, nil, err
			}
			if ok && !br.Deleted {
				base = br.Body
			}
			if out, err := rule.Merge(base, view, h.rec.Body); err == nil {
				view = out
				w.Merged = append(w.Merged, h.rec.Rev)
				continue
			}
		}
		w.Conflicts = append(w.Conflicts, h.rec.Rev)
	}
	return hs, view, nil
}

// Heads returns every head of a record as stored: the winner first (with
// Conflicts and Merged set as [Tx.Get] has them, but its own body), then
// the others in the order they lose. A record without concurrent revisions
// has one head.
func (tx *Tx) Heads(id string) ([]Record, error) {
	if err := checkID("record ID", id); err != nil {
		return nil, err
	}
	leaves, err := tx.readLeaves(id)
	if err != nil {
		return nil, err
	}
	if leaves == nil {
		return nil, fmt.Errorf("record %s: %w", id, ErrNotFound)
	}
	hs, _, err := tx.openHeads(id, leaves)
	if err != nil {
		return nil, err
	}
	out := make([]Record, len(hs))
	for i, h := range hs {
		out[i] = h.rec
	}
	return out, nil
}

// MergeBase returns the revision that a merge of revisions a and b of a
// record compares them against: their latest common ancestor (the one with
// the highest generation, then the larger hash, so every replica picks the
// same). ok is false when they share none.
func (tx *Tx) MergeBase(id, a, b string) (r Record, ok bool, err error) {
	ra, err := ParseRev(a)
	if err != nil {
		return r, false, err
	}
	rb, err := ParseRev(b)
	if err != nil {
		return r, false, err
	}
	return tx.mergeBaseRec(id, ra, rb)
}

func (tx *Tx) mergeBaseRec(id string, a, b Rev) (Record, bool, error) {
	base, ok, err := tx.mergeBase(id, a, b)
	if err != nil || !ok {
		return Record{}, ok, err
	}
	r, err := tx.load(id, base, nil)
	return r, err == nil, err
}

func (tx *Tx) ancestors(id string, r Rev, fn func(Rev) bool) error {
	seen := map[Rev]bool{r: true}
	queue := []Rev{r}
	revs := tx.btx.Bucket(bucketRevs)
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		if !fn(cur) {
			return nil
		}
		v := revs.Get(revKey(id, cur))
		if v == nil {
			return fmt.Errorf("record %s revision %s: %w", id, cur, ErrNotFound)
		}
		env, err := decodeEnvelope(v)
		if err != nil {
			return fmt.Errorf("record %s revision %s: %w", id, cur, err)
		}
		for _, p := range env.Parents {
			if !seen[p] {
				seen[p] = true
				queue = append(queue, p)
			}
		}
	}
	return nil
}

func (tx *Tx) mergeBase(id string, a, b Rev) (Rev, bool, error) {
	inA := map[Rev]bool{}
	if err := tx.ancestors(id, a, func(r Rev) bool { inA[r] = true; return true }); err != nil {
		return Rev{}, false, err
	}
	var best Rev
	found := false
	err := tx.ancestors(id, b, func(r Rev) bool {
		if inA[r] && (!found || r.compare(best) > 0) {
			best, found = r, true
		}
		return true
	})
	return best, found, err
}

// Resolve ends a conflict: it writes body as one revision whose parents
// are all the record's heads. heads must name exactly the current heads
// (as read with [Tx.Heads], in any order); if the record changed since,
// Resolve returns [ErrConflict] and the caller reads the heads again.
func (tx *Tx) Resolve(id string, heads []string, body []byte) (Record, error) {
	return tx.resolve(id, heads, payload{Body: body})
}

// ResolveDelete is [Tx.Resolve] ending in a deletion (a tombstone with a
// reason whose parents are all the heads).
func (tx *Tx) ResolveDelete(id string, heads []string, reason string) (Record, error) {
	if reason == "" {
		return Record{}, fmt.Errorf("%w: a deletion needs a reason", ErrInvalid)
	}
	return tx.resolve(id, heads, payload{Deleted: true, Reason: reason})
}

func (tx *Tx) resolve(id string, heads []string, p payload) (Record, error) {
	if !tx.write {
		return Record{}, fmt.Errorf("store: write in a read-only transaction")
	}
	if err := checkID("record ID", id); err != nil {
		return Record{}, err
	}
	leaves, err := tx.readLeaves(id)
	if err != nil {
		return Record{}, err
	}
	if leaves == nil {
		return Record{}, fmt.Errorf("record %s: %w", id, ErrNotFound)
	}
	want := make([]Rev, 0, len(heads))
	for _, h := range heads {
		r, err := ParseRev(h)
		if err != nil {
			return Record{}, err
		}
		if !slices.Contains(want, r) {
			want = append(want, r)
		}
	}
	if len(want) != len(leaves) || len(want) > maxParents {
		return Record{}, fmt.Errorf("record %s: %w", id, ErrConflict)
	}
	for _, l := range leaves {
		if !slices.Contains(want, l.Rev) {
			return Record{}, fmt.Errorf("record %s: %w", id, ErrConflict)
		}
	}
	penv, err := decodeEnvelope(tx.btx.Bucket(bucketRevs).Get(revKey(id, leaves[0].Rev)))
	if err != nil {
		return Record{}, fmt.Errorf("record %s: %w", id, err)
	}
	env := envelope{Type: penv.Type, Device: tx.s.DeviceID(), Parents: want}
	for _, r := range want {
		env.Gen = max(env.Gen, r.Gen)
	}
	env.Gen++
	slices.SortFunc(env.Parents, Rev.compare)
	return tx.writeRev(id, env, p, nil)
}

// writeRev seals and stores a new local revision that replaces its parents
// as heads (keep are the heads that stay beside it).
func (tx *Tx) writeRev(id string, env envelope, p payload, keep []leaf) (Record, error) {
	key, err := tx.writeKey(env.Type)
	if err != nil {
		return Record{}, err
	}
	p.HLC = tx.s.clock.next()
	p.Author = tx.sess.user.ID
	if err := tx.sign(id, &env, &p); err != nil {
		return Record{}, err
	}
	if key.comp != CompartmentGeneral || key.epoch != tx.sess.key.epoch {
		env.Meta, env.HLC, env.Deleted = true, p.HLC, p.Deleted
	}
	env.Sealed = key.seal(nil, p.encode(), revAD(id, &env))
	enc := env.encode()
	rev := revFor(id, enc, env.Gen)
	if err := tx.digestSet(tagRev, revKey(id, rev), enc, env.Type); err != nil {
		return Record{}, err
	}
	if err := tx.btx.Bucket(bucketRevs).Put(revKey(id, rev), enc); err != nil {
		return Record{}, err
	}
	leaves := append(slices.Clip(keep), leaf{Rev: rev, Deleted: p.Deleted, HLC: p.HLC})
	if err := tx.writeHeads(id, leaves); err != nil {
		return Record{}, err
	}
	if err := tx.appendChange(id, rev, p.HLC, false); err != nil {
		return Record{}, err
	}
	return tx.record(id, rev, env, p, leaves), nil
}

// migrateConflictIndex fills the conflicts bucket (schema 3).
func migrateConflictIndex(btx *bolt.Tx) error {
	idx, err := btx.CreateBucketIfNotExists(bucketConflicts)
	if err != nil {
		return err
	}
	revs := btx.Bucket(bucketRevs)
	if revs == nil {
		return nil
	}
	c := revs.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		i := bytes.IndexByte(k, 0)
		if i > 0 && len(k) == i+2 && k[i+1] == headSuffix && len(v) > leafSize {
			if err := idx.Put(slices.Clone(k[:i]), nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// absorbMerged returns the parents of an edit of head parent, and the
// heads that stay beside the edit. An edit of the winner was made on the
// merged view [Tx.Get] showed, so it takes every merged head as a parent;
// an edit of another head takes the heads byte-identical to it.
func (tx *Tx) absorbMerged(id string, parent Rev, leaves []leaf) ([]Rev, []leaf, error) {
	hs, _, err := tx.openHeads(id, leaves)
	if err != nil {
		return nil, nil, err
	}
	parents := []Rev{parent}
	var pr Record
	for _, h := range hs {
		if h.leaf.Rev == parent {
			pr = h.rec
		}
	}
	var keep []leaf
	for _, h := range hs {
		switch {
		case h.leaf.Rev == parent:
		case hs[0].leaf.Rev == parent && slices.Contains(hs[0].rec.Merged, h.rec.Rev),
			h.rec.Deleted == pr.Deleted && h.rec.Reason == pr.Reason && bytes.Equal(h.rec.Body, pr.Body):
			parents = append(parents, h.leaf.Rev)
		default:
			keep = append(keep, h.leaf)
		}
	}
	slices.SortFunc(parents, Rev.compare)
	return parents, keep, nil
}
