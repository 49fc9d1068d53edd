package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime/debug"

	bolt "go.etcd.io/bbolt"
)

// VerifyReport is what [Store.Verify] found. OK is true when nothing is
// damaged; each problem is a sentence for the person running the check.
type VerifyReport struct {
	Revisions, Records, Blobs, AuditEntries, Changes int
	// NotOpened counts revisions and blobs sealed under a key the user
	// does not hold (their IDs, links and sums are checked, not their
	// content).
	NotOpened int
	Problems  []string
	// Found are the same problems with their values apart, for the
	// workstation to show them in the person's language ([Problem]).
	Found []Problem
	// Incomplete lists blobs whose writing was interrupted (a crash during
	// an import): harmless, nothing refers to them.
	Incomplete []string
}

// OK reports whether verification found no damage.
func (r *VerifyReport) OK() bool { return len(r.Problems) == 0 }

func (r *VerifyReport) problem(format string, args ...any) {
	if len(r.Problems) < 1000 {
		r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
		r.Found = append(r.Found, Problemf(format, args...))
	}
}

// Verify checks the whole store: bbolt's own page structure, then every
// sealed value (each revision against its ID, each blob chunk, the audit
// chain, the change feed and the indexes). Damage is reported, never
// repaired, and never causes a panic.
func (s *Store) Verify() (rep *VerifyReport, err error) {
	rep = &VerifyReport{}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.sess == nil {
		return nil, ErrLocked
	}
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	defer func() {
		if r := recover(); r != nil {
			rep.problem(T("the store file is damaged and could not be read to the end (%v); restore it from a backup"), r)
			err = nil
		}
	}()
	err = s.db.View(func(btx *bolt.Tx) error {
		// Fault in every page here, where a fault is a recoverable panic,
		// before bbolt's check reads them on a goroutine of its own.
		touchEveryPage(btx)
		for e := range btx.Check() {
			rep.problem(T("store file structure: %v"), e)
		}
		if !rep.OK() {
			return nil // walking a broken tree could fault; the structure report says enough
		}
		tx := &Tx{s: s, btx: btx, sess: s.sess, auditLinksOnly: true}
		tx.verifyRevs(rep)
		tx.verifyTypes(rep)
		tx.verifyChanges(rep)
		tx.verifyBlobs(rep)
		n := 0
		if err := tx.walkAudit(1, func(AuditEvent) error { n++; return nil }); err != nil {
			rep.problem("%v", err)
		}
		rep.AuditEntries = n
		tx.verifyAuditPeers(rep) // other workstations' chains (auditsync.go)
		tx.verifyDigest(rep)     // the state digest (digest.go)
		c := btx.Bucket(bucketSlots).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			sl, err := decodeSlot(v)
			if err == nil && sl.KDF != nil {
				err = sl.KDF.check()
			}
			if err != nil {
				rep.problem(T("keyslot %x: %v"), k, err)
			}
		}
		return nil
	})
	return rep, err
}

func (tx *Tx) verifyRevs(rep *VerifyReport) {
	c := tx.btx.Bucket(bucketRevs).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		i := bytes.IndexByte(k, 0)
		if i <= 0 || i+1 >= len(k) {
			rep.problem(T("revisions: malformed key %q"), k)
			continue
		}
		id := string(k[:i])
		switch k[i+1] {
		case headSuffix:
			rep.Records++
			leaves, err := decodeLeaves(v)
			if err != nil {
				rep.problem(T("record %s heads: %v"), id, err)
				continue
			}
			for _, l := range leaves {
				if tx.btx.Bucket(bucketRevs).Get(revKey(id, l.Rev)) == nil {
					rep.problem(T("record %s: head revision %s is missing"), id, l.Rev)
				}
			}
		case 'r':
			rep.Revisions++
			rev, err := revFromKey(k[i+2:])
			if err != nil {
				rep.problem(T("record %s: %v"), id, err)
				continue
			}
			env, p, err := tx.openRev(id, rev, v)
			if errors.Is(err, ErrNoKey) {
				// The user's keys do not reach this compartment: the
				// revision's ID and parents are still checked.
				rep.NotOpened++
				env, err = decodeEnvelope(v)
				if err != nil || !revIDMatches(id, rev, v, &env) {
					rep.problem(T("record %s revision %s: %v: content does not match its revision ID"), id, rev, ErrTampered)
					continue
				}
			} else if err != nil {
				rep.problem("%v", err)
				continue
			} else if err := tx.checkSigned(id, rev, &env, &p); err != nil && (!tx.sess.legacyOK || tx.isHead(id, rev)) {
				// Before a practice moved to the key hierarchy nothing was
				// signed; since, every revision is, and the current one
				// always.
				rep.problem(T("record %s revision %s: %v"), id, rev, err)
			}
			for _, p := range env.Parents {
				if tx.btx.Bucket(bucketRevs).Get(revKey(id, p)) == nil {
					rep.problem(T("record %s revision %s: parent %s is missing"), id, rev, p)
				}
			}
		default:
			rep.problem(T("revisions: malformed key %q"), k)
		}
	}
}

func (tx *Tx) verifyTypes(rep *VerifyReport) {
	c := tx.btx.Bucket(bucketTypes).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		i := bytes.IndexByte(k, 0)
		if i < 0 || tx.btx.Bucket(bucketRevs).Get(headKey(string(k[i+1:]))) == nil {
			rep.problem(T("type index: entry %q names no record"), k)
		}
	}
}

func (tx *Tx) verifyChanges(rep *VerifyReport) {
	c := tx.btx.Bucket(bucketChanges).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		rep.Changes++
		if len(k) != 8 {
			rep.add(Problemf(T("change feed: malformed key")))
			continue
		}
		ch, err := decodeChange(binary.BigEndian.Uint64(k), v)
		if err != nil {
			rep.problem("%v", err)
			continue
		}
		rev, _ := ParseRev(ch.Rev)
		if tx.btx.Bucket(bucketRevs).Get(revKey(ch.RecordID, rev)) == nil {
			rep.problem(T("change %d names revision %s of record %s, which is missing"), ch.Seq, ch.Rev, ch.RecordID)
		}
	}
}

func (tx *Tx) verifyBlobs(rep *VerifyReport) {
	b := tx.btx.Bucket(bucketBlobs)
	c := b.Cursor()
	chunks := map[string]uint32{}
	var headers []string
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		i := bytes.IndexByte(k, 0)
		if i <= 0 || i+1 >= len(k) {
			rep.problem(T("blobs: malformed key %q"), k)
			continue
		}
		switch id := string(k[:i]); k[i+1] {
		case 'h':
			headers = append(headers, id)
		case 'c':
			chunks[id]++
		default:
			rep.problem(T("blobs: malformed key %q"), k)
		}
	}
	for _, id := range headers {
		rep.Blobs++
		hdr, err := tx.blobHeader(id)
		if err != nil {
			rep.problem("%v", err)
			continue
		}
		info := hdr.BlobInfo
		h := sha256.New()
		var size int64
		ok := true
		// Content sealed to the clinical document key, or under a rotated
		// epoch of the general key, is checked against its header's root,
		// and opened only with that key.
		sumsOnly := hdr.opaque(tx.sess)
		if sumsOnly {
			rep.NotOpened++
		}
		if hdr.hasRoot() && chunks[id] == info.Chunks {
			if err := hdr.checkRoot(func(i uint32) []byte { return b.Get(blobChunkKey(id, i)) }); err != nil {
				rep.problem("%v", err)
				ok = false
			}
		}
		var op *clinicalOpener
		for i := uint32(0); i < info.Chunks; i++ {
			v := b.Get(blobChunkKey(id, i))
			if v == nil {
				rep.problem(T("blob %s: chunk %d of %d is missing"), id, i+1, info.Chunks)
				ok = false
				break
			}
			if sumsOnly || !ok {
				continue
			}
			pt, err := tx.openChunk(&hdr, i, v, &op)
			if err != nil {
				rep.problem(T("blob %s chunk %d of %d: %v"), id, i+1, info.Chunks, err)
				ok = false
				break
			}
			h.Write(pt)
			size += int64(len(pt))
		}
		if ok && !sumsOnly && (size != info.Size || !bytes.Equal(h.Sum(nil), info.SHA256[:])) {
			rep.problem(T("blob %s: %v: content does not match its header"), id, ErrTampered)
		}
		if ok && chunks[id] != info.Chunks {
			rep.problem(T("blob %s: %d chunks stored, header says %d"), id, chunks[id], info.Chunks)
		}
		delete(chunks, id)
		// A blob under a rotated epoch imported by a session without it
		// was not indexed (blobepoch.go).
		if info.Epoch == 0 && tx.btx.Bucket(bucketBlobIndex).Get(tx.sess.blobIndexKey(&hdr)) == nil {
			rep.problem(T("blob %s: missing from the content index"), id)
		}
	}
	for id := range chunks {
		rep.Incomplete = append(rep.Incomplete, id)
	}
	ic := tx.btx.Bucket(bucketBlobIndex).Cursor()
	for k, v := ic.First(); k != nil; k, v = ic.Next() {
		if b.Get(blobHeaderKey(string(v))) == nil {
			rep.problem(T("content index entry names blob %q, which is missing"), v)
		}
	}
}

// isHead reports whether rev is a current head of record id.
func (tx *Tx) isHead(id string, rev Rev) bool {
	ls, err := decodeLeaves(tx.btx.Bucket(bucketRevs).Get(headKey(id)))
	if err != nil {
		return false
	}
	for _, l := range ls {
		if l.Rev == rev && !l.Deleted {
			return true
		}
	}
	return false
}
