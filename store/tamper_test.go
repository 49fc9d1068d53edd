package store

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// raw runs fn on the store's bbolt file directly, as an attacker with the
// file would.
func raw(t *testing.T, s *Store, fn func(tx *bolt.Tx) error) {
	t.Helper()
	if err := s.db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

// sealedValues lists every bucket/key whose value is (or ends in) sealed bytes.
func sealedValues(t *testing.T, s *Store) [][2][]byte {
	var out [][2][]byte
	if err := s.db.View(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketRevs, bucketBlobs, bucketAudit} {
			c := tx.Bucket(b).Cursor()
			for k, _ := c.First(); k != nil; k, _ = c.Next() {
				if bytes.Equal(b, bucketRevs) && isHeadKey(k) {
					continue // heads are clear metadata, checked against revisions
				}
				out = append(out, [2][]byte{b, append([]byte(nil), k...)})
			}
		}
		out = append(out, [2][]byte{bucketMeta, keyAuditHead})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func isHeadKey(k []byte) bool {
	i := bytes.IndexByte(k, 0)
	return i >= 0 && i+1 < len(k) && k[i+1] == headSuffix && i+2 == len(k)
}

func seedSome(t *testing.T, s *Store) Record {
	t.Helper()
	r, err := s.Put("patient", "", "", []byte(`{"family":"Testová"}`))
	if err != nil {
		t.Fatal(err)
	}
	if r, err = s.Put("patient", r.ID, r.Rev, []byte(`{"family":"Testová-Ng"}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutBlob(bytes.NewReader(bytes.Repeat([]byte("scan"), BlobChunkSize/2))); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestByteFlipEverywhere flips one byte in each sealed value in turn and
// expects verification to report tampering and nothing else to be affected.
func TestByteFlipEverywhere(t *testing.T) {
	s, _ := newPractice(t)
	seedSome(t, s)
	if rep, err := s.Verify(); err != nil || !rep.OK() {
		t.Fatalf("fresh store: %+v %v", rep, err)
	}
	vals := sealedValues(t, s)
	if len(vals) < 8 {
		t.Fatalf("only %d sealed values", len(vals))
	}
	for _, bk := range vals {
		for _, pos := range []int{0, 7, -1} { // header, nonce, tag
			var orig []byte
			raw(t, s, func(tx *bolt.Tx) error {
				b := tx.Bucket(bk[0])
				orig = append([]byte(nil), b.Get(bk[1])...)
				mod := append([]byte(nil), orig...)
				p := pos
				if p < 0 {
					p = len(mod) - 1
				}
				mod[p] ^= 0x40
				return b.Put(bk[1], mod)
			})
			rep, err := s.Verify()
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK() {
				t.Errorf("flip at %d in %s/%q not detected", pos, bk[0], bk[1])
			}
			raw(t, s, func(tx *bolt.Tx) error { return tx.Bucket(bk[0]).Put(bk[1], orig) })
		}
	}
	if rep, _ := s.Verify(); !rep.OK() {
		t.Fatalf("after restoring every value: %v", rep.Problems)
	}
}

// TestGetReportsTampering checks the error a reader sees.
func TestGetReportsTampering(t *testing.T) {
	s, _ := newPractice(t)
	r := seedSome(t, s)
	rev, _ := ParseRev(r.Rev)
	raw(t, s, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRevs)
		v := append([]byte(nil), b.Get(revKey(r.ID, rev))...)
		v[len(v)-5] ^= 1
		return b.Put(revKey(r.ID, rev), v)
	})
	if _, err := s.Get(r.ID); !errors.Is(err, ErrTampered) {
		t.Fatalf("Get of a flipped revision: %v, want ErrTampered", err)
	}
}

// TestMovedValue copies one record's sealed revision under another record's
// key (and another revision's place): both are detected.
func TestMovedValue(t *testing.T) {
	s, _ := newPractice(t)
	a, _ := s.Put("patient", "", "", []byte("alpha"))
	b, _ := s.Put("patient", "", "", []byte("bravo"))
	ra, _ := ParseRev(a.Rev)
	rb, _ := ParseRev(b.Rev)
	raw(t, s, func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketRevs)
		return bk.Put(revKey(b.ID, rb), append([]byte(nil), bk.Get(revKey(a.ID, ra))...))
	})
	if _, err := s.Get(b.ID); !errors.Is(err, ErrTampered) {
		t.Fatalf("moved revision read back: %v", err)
	}
	// Even recomputing the revision ID for the new place does not help: the
	// sealed payload is bound to record a.
	raw(t, s, func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketRevs)
		v := append([]byte(nil), bk.Get(revKey(a.ID, ra))...)
		nr := revFor(b.ID, v, 1)
		if err := bk.Put(revKey(b.ID, nr), v); err != nil {
			return err
		}
		return bk.Put(headKey(b.ID), encodeLeaves([]leaf{{Rev: nr}}))
	})
	if _, err := s.Get(b.ID); !errors.Is(err, ErrTampered) {
		t.Fatalf("moved revision with recomputed ID read back: %v", err)
	}
	rep, _ := s.Verify()
	if rep.OK() {
		t.Fatal("verify missed a moved revision")
	}
}

// TestMovedIntoHistory puts a revision's sealed payload at another point of
// the same record's history (as a child of a different parent).
func TestMovedIntoHistory(t *testing.T) {
	s, _ := newPractice(t)
	r1, _ := s.Put("patient", "", "", []byte("v1"))
	r2, _ := s.Put("patient", r1.ID, r1.Rev, []byte("v2"))
	rv2, _ := ParseRev(r2.Rev)
	raw(t, s, func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketRevs)
		env, err := decodeEnvelope(bk.Get(revKey(r1.ID, rv2)))
		if err != nil {
			return err
		}
		env.Parents = nil // pretend v2 was the first revision
		env.Gen = 1
		enc := env.encode()
		nr := revFor(r1.ID, enc, 1)
		if err := bk.Put(revKey(r1.ID, nr), enc); err != nil {
			return err
		}
		return bk.Put(headKey(r1.ID), encodeLeaves([]leaf{{Rev: nr}}))
	})
	if _, err := s.Get(r1.ID); !errors.Is(err, ErrTampered) {
		t.Fatalf("re-parented revision read back: %v", err)
	}
}

func TestAuditDamage(t *testing.T) {
	cases := map[string]func(t *testing.T, tx *bolt.Tx){
		"changed": func(t *testing.T, tx *bolt.Tx) {
			b := tx.Bucket(bucketAudit)
			v := append([]byte(nil), b.Get(auditKey(3))...)
			v[len(v)-20] ^= 1
			b.Put(auditKey(3), v)
		},
		"deleted": func(t *testing.T, tx *bolt.Tx) {
			tx.Bucket(bucketAudit).Delete(auditKey(3))
		},
		"deleted and renumbered": func(t *testing.T, tx *bolt.Tx) {
			b := tx.Bucket(bucketAudit)
			last, _ := b.Cursor().Last()
			n := int(last[7])
			for i := 3; i < n; i++ {
				b.Put(auditKey(uint64(i)), append([]byte(nil), b.Get(auditKey(uint64(i+1)))...))
			}
			b.Delete(auditKey(uint64(n)))
		},
		"reordered": func(t *testing.T, tx *bolt.Tx) {
			b := tx.Bucket(bucketAudit)
			v3 := append([]byte(nil), b.Get(auditKey(3))...)
			v4 := append([]byte(nil), b.Get(auditKey(4))...)
			b.Put(auditKey(3), v4)
			b.Put(auditKey(4), v3)
		},
		"truncated": func(t *testing.T, tx *bolt.Tx) {
			b := tx.Bucket(bucketAudit)
			last, _ := b.Cursor().Last()
			b.Delete(last)
		},
		"truncated with the old head put back": func(t *testing.T, tx *bolt.Tx) {
			// An attacker cannot make a head for the shorter log; the
			// closest they can do is drop the head entirely.
			b := tx.Bucket(bucketAudit)
			last, _ := b.Cursor().Last()
			b.Delete(last)
			tx.Bucket(bucketMeta).Delete(keyAuditHead)
		},
		"head changed": func(t *testing.T, tx *bolt.Tx) {
			m := tx.Bucket(bucketMeta)
			v := append([]byte(nil), m.Get(keyAuditHead)...)
			v[len(v)-1] ^= 1
			m.Put(keyAuditHead, v)
		},
	}
	for name, damage := range cases {
		t.Run(name, func(t *testing.T) {
			s, _ := newPractice(t)
			for i := 0; i < 6; i++ {
				if err := s.Audit(AuditEvent{Action: "view", Subject: "p1"}); err != nil {
					t.Fatal(err)
				}
			}
			if rep, _ := s.Verify(); !rep.OK() {
				t.Fatalf("before damage: %v", rep.Problems)
			}
			raw(t, s, func(tx *bolt.Tx) error { damage(t, tx); return nil })
			rep, err := s.Verify()
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK() {
				t.Fatal("damage not detected")
			}
			if !strings.Contains(strings.Join(rep.Problems, "\n"), "audit") {
				t.Fatalf("problems do not mention the audit log: %v", rep.Problems)
			}
			if err := s.AuditLog(1, func(AuditEvent) error { return nil }); !errors.Is(err, ErrTampered) {
				t.Fatalf("reading the damaged log: %v", err)
			}
		})
	}
}
