package store

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// The state digest: a sealed summary of the store's state, kept up to
// date by every commit, so that a file edited behind the store's back (a
// revision deleted, a keyslot put back from an older copy, the audit log
// cut back) is reported by [Store.Verify] and at sign-in.
//
// Every covered entry of the file (each revision and each record's heads
// in revs/, each keyslot in slots/, the audit head in meta/) has a leaf in
// the digest/ bucket:
//
//	digest/<tag><entry key>  area (1) | HMAC (32) | record type (label)
//
// where tag is 'v' (revs/), 's' (slots/) or 'm' (meta/) and the HMAC,
// under a random key of this store, runs over the area, the tag, the
// entry's key and its value. meta/digest holds, sealed under the general
// key, that HMAC key and, for each area (records, users, keyslots, the
// audit head), the number of leaves and the XOR of their HMACs. A commit
// that writes an entry takes the entry's old leaf out of its area's XOR,
// puts the new one in, and seals the summary again: a few microseconds,
// whatever the size of the store. Keys carry no patient data; the type
// label is what types/ holds in clear already.
//
// Someone without a password can change no summary: the sealed value
// does not open for them, and a leaf they write does not fit in it. Every
// role holds the general key, so someone with any user's password and a
// program of their own can compute a new summary: the digest catches
// editing of the file, not a signed-in insider.

var (
	bucketDigest = []byte("digest")
	keyDigest    = []byte("digest")
	// keyDigestDue marks a store made before the digest (schema 5): the
	// digest is made at its next sign-in.
	keyDigestDue = []byte("digestdue")
)

// The areas the digest sums separately, so that a difference can say
// where it is even when it cannot name the entry.
const (
	areaRecords  byte = 'r'
	areaUsers    byte = 'u'
	areaKeyslots byte = 'k'
	areaAudit    byte = 'a'
)

var digestAreas = [...]byte{areaRecords, areaUsers, areaKeyslots, areaAudit}

func areaIndex(a byte) int {
	switch a {
	case areaRecords:
		return 0
	case areaUsers:
		return 1
	case areaKeyslots:
		return 2
	case areaAudit:
		return 3
	}
	return -1
}

// areaDiffers says that area a differs from what this workstation last
// wrote, one whole sentence for each area.
func areaDiffers(a byte) Problem {
	switch a {
	case areaRecords:
		return Problemf(T("the records differ from what this workstation last wrote: an entry was removed, changed or put back from an older copy of the file behind the store's back"))
	case areaUsers:
		return Problemf(T("the users differ from what this workstation last wrote: an entry was removed, changed or put back from an older copy of the file behind the store's back"))
	case areaKeyslots:
		return Problemf(T("the keyslots differ from what this workstation last wrote: an entry was removed, changed or put back from an older copy of the file behind the store's back"))
	case areaAudit:
		return Problemf(T("the audit log's head differs from what this workstation last wrote: an entry was removed, changed or put back from an older copy of the file behind the store's back"))
	}
	return Problemf(T("area %q differs from what this workstation last wrote: an entry was removed, changed or put back from an older copy of the file behind the store's back"), a)
}

// Tags of the leaves: which bucket the entry is in.
const (
	tagRev  byte = 'v'
	tagSlot byte = 's'
	tagMeta byte = 'm'
)

const (
	digestVersion = 1
	digestMACSize = sha256.Size
	leafMin       = 1 + digestMACSize
)

var digestAD = adBuilder("meta").str("digest")

type areaSum struct {
	n uint64
	x [digestMACSize]byte
}

// digestState is the opened summary.
type digestState struct {
	key  [32]byte
	area [len(digestAreas)]areaSum
	mac  hash.Hash
}

func newDigestState(key []byte) *digestState {
	st := &digestState{}
	copy(st.key[:], key)
	st.mac = hmac.New(sha256.New, st.key[:])
	return st
}

func (st *digestState) wipe() {
	if st != nil {
		clear(st.key[:])
		st.mac = nil
	}
}

func (st *digestState) encode() []byte {
	b := make([]byte, 0, 1+32+len(st.area)*(8+digestMACSize))
	b = append(b, digestVersion)
	b = append(b, st.key[:]...)
	for _, a := range st.area {
		b = binary.BigEndian.AppendUint64(b, a.n)
		b = append(b, a.x[:]...)
	}
	return b
}

func decodeDigestState(b []byte) (*digestState, error) {
	if len(b) != 1+32+len(digestAreas)*(8+digestMACSize) || b[0] != digestVersion {
		return nil, fmt.Errorf("%w: the store's state digest is malformed", ErrTampered)
	}
	st := newDigestState(b[1:33])
	r := b[33:]
	for i := range st.area {
		st.area[i].n = binary.BigEndian.Uint64(r)
		copy(st.area[i].x[:], r[8:8+digestMACSize])
		r = r[8+digestMACSize:]
	}
	clear(b)
	return st, nil
}

// leafMAC is the HMAC of one entry.
func (st *digestState) leafMAC(area, tag byte, key, val []byte) []byte {
	st.mac.Reset()
	var hdr [2 + binary.MaxVarintLen64]byte
	hdr[0], hdr[1] = area, tag
	n := binary.PutUvarint(hdr[2:], uint64(len(key)))
	st.mac.Write(hdr[:2+n])
	st.mac.Write(key)
	st.mac.Write(val)
	return st.mac.Sum(nil)
}

func (st *digestState) leaf(area, tag byte, key, val []byte, typ string) []byte {
	l := make([]byte, 0, leafMin+len(typ))
	l = append(l, area)
	l = append(l, st.leafMAC(area, tag, key, val)...)
	return append(l, typ...)
}

// toggle adds a leaf to its area's sum, or takes it out (XOR).
func (st *digestState) toggle(leaf []byte, add bool) {
	i := areaIndex(leaf[0])
	if i < 0 || len(leaf) < leafMin {
		return // a damaged leaf: the sums will not match, which verify reports
	}
	subtle.XORBytes(st.area[i].x[:], st.area[i].x[:], leaf[1:leafMin])
	if add {
		st.area[i].n++
	} else {
		st.area[i].n--
	}
}

func leafKey(tag byte, key []byte) []byte {
	return append([]byte{tag}, key...)
}

// loadDigest opens the summary for this transaction; nil when the store
// has none (a store made before it, until its next sign-in).
func (tx *Tx) loadDigest() (*digestState, error) {
	if tx.digest != nil {
		return tx.digest, nil
	}
	v := tx.btx.Bucket(bucketMeta).Get(keyDigest)
	if v == nil {
		return nil, nil
	}
	pt, err := tx.sess.key.open(nil, v, digestAD)
	if err != nil {
		return nil, fmt.Errorf("the store's state digest: %w", err)
	}
	st, err := decodeDigestState(pt)
	if err != nil {
		return nil, err
	}
	tx.digest = st
	return st, nil
}

func (tx *Tx) saveDigest(st *digestState) error {
	pt := st.encode()
	defer clear(pt)
	return tx.btx.Bucket(bucketMeta).Put(keyDigest, tx.sess.key.seal(nil, pt, digestAD))
}

// digestSet records that the entry key of the bucket tag is about to hold
// val (nil: to be removed). Called by every write of a covered entry, in
// its transaction, before the write. typ is the record's type when the
// caller knows it.
//
// The old leaf leaves its area's sum only if the entry still holds what
// the leaf says: overwriting an entry that was edited behind the store's
// back must not hide the edit, so the sum then stays apart from its
// leaves and every later check reports the area.
func (tx *Tx) digestSet(tag byte, key, val []byte, typ string) error {
	st, err := tx.loadDigest()
	if err != nil || st == nil {
		return err
	}
	b := tx.btx.Bucket(bucketDigest)
	if b == nil {
		return fmt.Errorf("%w: the store's state digest has no leaves", ErrTampered)
	}
	lk := leafKey(tag, key)
	if old := b.Get(lk); old != nil {
		cur := tx.btx.Bucket(tagBucket(tag)).Get(key)
		switch {
		case cur != nil && len(old) >= leafMin && hmac.Equal(old[1:leafMin], st.leafMAC(old[0], tag, key, cur)):
			st.toggle(old, false)
		case cur == nil:
			tx.digestEdited = append(tx.digestEdited, Problemf(T("%s was removed from the store file"), describeEntry(tag, key, typ)))
		default:
			tx.digestEdited = append(tx.digestEdited, Problemf(T("%s was changed behind the store's back"), describeEntry(tag, key, typ)))
		}
	}
	if val == nil {
		if err := b.Delete(lk); err != nil {
			return err
		}
	} else {
		if tag == tagRev && typ == "" {
			typ = tx.recordTypeOf(key)
		}
		l := st.leaf(entryArea(tag, typ), tag, key, val, typ)
		st.toggle(l, true)
		if err := b.Put(lk, l); err != nil {
			return err
		}
	}
	return tx.saveDigest(st)
}

// tagBucket is the bucket of the entries with leaf tag tag.
func tagBucket(tag byte) []byte {
	switch tag {
	case tagSlot:
		return bucketSlots
	case tagMeta:
		return bucketMeta
	}
	return bucketRevs
}

// entryArea is the area of an entry of bucket tag, of a record of type typ.
func entryArea(tag byte, typ string) byte {
	switch {
	case tag == tagSlot || tag == tagRev && typ == TypeKeyslot:
		return areaKeyslots
	case tag == tagMeta:
		return areaAudit
	case typ == TypeUser:
		return areaUsers
	}
	return areaRecords
}

// recordTypeOf is the type of the record whose revs/ key is key, read from
// the clear envelope of its first revision ("" when it has none).
func (tx *Tx) recordTypeOf(key []byte) string {
	i := bytes.IndexByte(key, 0)
	if i <= 0 {
		return ""
	}
	prefix := append(bytes.Clone(key[:i+1]), 'r')
	k, v := tx.btx.Bucket(bucketRevs).Cursor().Seek(prefix)
	if k == nil || !bytes.HasPrefix(k, prefix) {
		return ""
	}
	env, err := decodeEnvelope(v)
	if err != nil {
		return ""
	}
	return env.Type
}

// buildDigest makes the digest afresh over what the file holds, with a
// new key: at creation, and at the first sign-in of a store made before
// the digest.
func (tx *Tx) buildDigest() error {
	if tx.btx.Bucket(bucketDigest) != nil {
		if err := tx.btx.DeleteBucket(bucketDigest); err != nil {
			return err
		}
	}
	b, err := tx.btx.CreateBucket(bucketDigest)
	if err != nil {
		return err
	}
	b.FillPercent = 1 // written in key order
	key := randomBytes(32)
	st := newDigestState(key)
	clear(key)
	err = tx.walkCovered(func(tag byte, k, v []byte, typ string) error {
		l := st.leaf(entryArea(tag, typ), tag, k, v, typ)
		st.toggle(l, true)
		return b.Put(leafKey(tag, k), l)
	})
	if err != nil {
		return err
	}
	if err := tx.btx.Bucket(bucketMeta).Delete(keyDigestDue); err != nil {
		return err
	}
	tx.digest = st
	return tx.saveDigest(st)
}

// walkCovered calls fn for every entry the digest covers, in the order of
// their leaf keys (meta, slots, revs: 'm' < 's' < 'v'), with the record's
// type for revs/ entries.
func (tx *Tx) walkCovered(fn func(tag byte, k, v []byte, typ string) error) error {
	if v := tx.btx.Bucket(bucketMeta).Get(keyAuditHead); v != nil {
		if err := fn(tagMeta, keyAuditHead, v, ""); err != nil {
			return err
		}
	}
	if err := tx.btx.Bucket(bucketSlots).ForEach(func(k, v []byte) error { return fn(tagSlot, k, v, "") }); err != nil {
		return err
	}
	var curID []byte
	var curType string
	return tx.btx.Bucket(bucketRevs).ForEach(func(k, v []byte) error {
		i := bytes.IndexByte(k, 0)
		if i <= 0 || i+1 >= len(k) {
			return fn(tagRev, k, v, "")
		}
		if !bytes.Equal(k[:i], curID) {
			curID, curType = k[:i], ""
		}
		if k[i+1] == 'r' && curType == "" {
			if env, err := decodeEnvelope(v); err == nil {
				curType = env.Type
			}
		}
		return fn(tagRev, k, v, curType)
	})
}

// describeEntry names an entry for the person reading a report: a
// [Problem] that goes into the sentence saying what happened to it. A
// record's type (typ, a stored name such as "allergy") goes in as a
// [RecordType], which the workstation names in the person's language.
func describeEntry(tag byte, k []byte, typ string) Problem {
	switch tag {
	case tagMeta:
		if bytes.Equal(k, keyAuditHead) {
			return Problemf(T("the audit log's head (its last entry)"))
		}
		return Problemf(T("the store setting %q"), k)
	case tagSlot:
		if string(k) == recoverySlotID {
			return Problemf(T("the recovery keyslot"))
		}
		return Problemf(T("keyslot %s"), k)
	case tagRev:
		i := bytes.IndexByte(k, 0)
		if i <= 0 || i+1 >= len(k) {
			return Problemf(T("the revisions entry %q"), k)
		}
		id := string(k[:i])
		head := k[i+1] == headSuffix
		r, err := revFromKey(k[i+2:])
		if typ == "" {
			switch {
			case head:
				return Problemf(T("the current revisions (heads) of record %s"), id)
			case err == nil:
				return Problemf(T("record %s, revision %s"), id, r)
			}
			return Problemf(T("record %s, a revision"), id)
		}
		switch {
		case head:
			return Problemf(T("the current revisions (heads) of %s record %s"), RecordType(typ), id)
		case err == nil:
			return Problemf(T("%s record %s, revision %s"), RecordType(typ), id, r)
		}
		return Problemf(T("%s record %s, a revision"), RecordType(typ), id)
	}
	return Problemf(T("entry %q"), k)
}

// digestSums checks the leaves against the sealed sums; each is also
// passed to leafFn (nil: none).
func (tx *Tx) digestSums(st *digestState, b *bolt.Bucket, problem func(Problem), leafFn func(k, v []byte)) {
	var sums [len(digestAreas)]areaSum
	bad := 0
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		i := -1
		if len(v) >= leafMin {
			i = areaIndex(v[0])
		}
		if i < 0 {
			bad++
			continue
		}
		subtle.XORBytes(sums[i].x[:], sums[i].x[:], v[1:leafMin])
		sums[i].n++
		if leafFn != nil {
			leafFn(k, v)
		}
	}
	if bad > 0 {
		problem(Problemf(T("%d entries of the store's state digest are malformed: the store file was edited behind the store's back"), bad))
	}
	for i, a := range digestAreas {
		if sums[i] != st.area[i] {
			problem(areaDiffers(a))
		}
	}
}

// digestQuick is the check at sign-in: the leaves against the sealed
// sums, and every entry of the small areas (keyslots, users, the audit
// head) against its leaf, both ways. The records' entries are left to the
// full check: walking them costs too much for a sign-in.
func (tx *Tx) digestQuick(st *digestState, problem func(Problem)) {
	b := tx.btx.Bucket(bucketDigest)
	if b == nil {
		problem(Problemf(T("the store's state digest has lost its entries: the store file was edited behind the store's back")))
		return
	}
	tx.digestSums(st, b, problem, func(k, v []byte) {
		if v[0] == areaRecords || len(k) < 2 {
			return
		}
		tag, key := k[0], k[1:]
		typ := string(v[leafMin:])
		cur := tx.btx.Bucket(tagBucket(tag)).Get(key)
		switch {
		case cur == nil:
			problem(Problemf(T("%s was removed from the store file"), describeEntry(tag, key, typ)))
		case !hmac.Equal(v[1:leafMin], st.leafMAC(v[0], tag, key, cur)):
			problem(Problemf(T("%s was changed behind the store's back"), describeEntry(tag, key, typ)))
		}
	})
	added := func(tag byte, k []byte, typ string) {
		if b.Get(leafKey(tag, k)) == nil {
			problem(Problemf(T("%s was added to the store file behind the store's back"), describeEntry(tag, k, typ)))
		}
	}
	if tx.btx.Bucket(bucketMeta).Get(keyAuditHead) != nil {
		added(tagMeta, keyAuditHead, "")
	}
	c := tx.btx.Bucket(bucketSlots).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		added(tagSlot, k, "")
	}
	for _, typ := range []string{TypeUser, TypeKeyslot} {
		prefix := typeKey(typ, "")
		tc := tx.btx.Bucket(bucketTypes).Cursor()
		for k, _ := tc.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = tc.Next() {
			id := k[len(prefix):]
			rp := append(append(bytes.Clone(id), 0), 'r')
			rc := tx.btx.Bucket(bucketRevs).Cursor()
			for rk, _ := rc.Seek(rp); rk != nil && bytes.HasPrefix(rk, rp); rk, _ = rc.Next() {
				added(tagRev, rk, typ)
			}
			added(tagRev, headKey(string(id)), typ)
		}
	}
}

// digestCheck compares the whole file with the digest (verify, and the
// full check after a sign-in). Every difference is passed to problem as a
// sentence. stop, when it returns true, ends the walk.
func (tx *Tx) digestCheck(st *digestState, stop func() bool, problem func(Problem)) {
	b := tx.btx.Bucket(bucketDigest)
	if b == nil {
		problem(Problemf(T("the store's state digest has lost its entries: the store file was edited behind the store's back")))
		return
	}
	tx.digestSums(st, b, problem, nil)
	// The entries against their leaves, both walked in key order.
	lc := b.Cursor()
	lk, lv := lc.First()
	n := 0
	check := func(tag byte, k, v []byte, typ string) error {
		if n++; n%4096 == 0 && stop != nil && stop() {
			return errStopped
		}
		want := leafKey(tag, k)
		for lk != nil && bytes.Compare(lk, want) < 0 {
			missingLeaf(lk, lv, problem)
			lk, lv = lc.Next()
		}
		if lk == nil || !bytes.Equal(lk, want) {
			problem(Problemf(T("%s was added to the store file behind the store's back"), describeEntry(tag, k, typ)))
			return nil
		}
		area := entryArea(tag, typ)
		if len(lv) < leafMin || lv[0] != area || !hmac.Equal(lv[1:leafMin], st.leafMAC(area, tag, k, v)) {
			problem(Problemf(T("%s was changed behind the store's back"), describeEntry(tag, k, typ)))
		}
		lk, lv = lc.Next()
		return nil
	}
	if err := tx.walkCovered(check); err != nil {
		return
	}
	for ; lk != nil; lk, lv = lc.Next() {
		missingLeaf(lk, lv, problem)
	}
}

var errStopped = errors.New("stopped")

func missingLeaf(lk, lv []byte, problem func(Problem)) {
	typ := ""
	if len(lv) > leafMin {
		typ = string(lv[leafMin:])
	}
	if len(lk) == 0 {
		return
	}
	problem(Problemf(T("%s was removed from the store file"), describeEntry(lk[0], lk[1:], typ)))
}

// verifyDigest is [Store.Verify]'s part: the whole file against the digest.
func (tx *Tx) verifyDigest(rep *VerifyReport) {
	if tx.btx.Bucket(bucketMeta).Get(keyDigest) == nil {
		if tx.btx.Bucket(bucketMeta).Get(keyDigestDue) == nil {
			rep.add(Problemf(T("the store's state digest is missing: the store file was edited behind the store's back")))
		}
		return
	}
	st, err := tx.loadDigest()
	if err != nil {
		rep.problem("%v", err)
		return
	}
	tx.digestCheck(st, nil, rep.add)
}

// migrateDigest is schema migration 5: a store made before the digest
// gets it at its next sign-in (no key is at hand while migrating), in
// that sign-in's transaction ([Tx.digestAtSignIn]).
func migrateDigest(btx *bolt.Tx) error {
	if _, err := btx.CreateBucketIfNotExists(bucketDigest); err != nil {
		return err
	}
	if btx.Bucket(bucketMeta).Get(keyDigest) != nil {
		return nil
	}
	return btx.Bucket(bucketMeta).Put(keyDigestDue, []byte{1})
}

// digestAtSignIn makes the digest of a store marked by migration 5, and
// says so in the audit log (flagged: a store that gets its digest twice
// was made to look older than it is).
func (tx *Tx) digestAtSignIn() error {
	meta := tx.btx.Bucket(bucketMeta)
	if meta.Get(keyDigest) != nil || meta.Get(keyDigestDue) == nil {
		return nil
	}
	if err := tx.buildDigest(); err != nil {
		return fmt.Errorf("making the store's state digest: %w", err)
	}
	return tx.Audit(AuditEvent{Action: "store.digest", Detail: detailDigest, Flagged: true})
}

// plainList joins problems for an error message.
func plainList(problems []string) string {
	if len(problems) > 5 {
		return strings.Join(problems[:5], "; ") + fmt.Sprintf("; and %d more", len(problems)-5)
	}
	return strings.Join(problems, "; ")
}
