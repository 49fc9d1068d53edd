package store

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// The state digest against a store file edited with bbolt directly while
// the store is closed, as someone with the file and no password would.

// editFile closes s, runs fn on its file with bbolt, and opens the store
// again, signed in as the admin.
func editFile(t *testing.T, s *Store, fn func(tx *bolt.Tx) error) *Store {
	t.Helper()
	dir := s.Dir()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(FilePath(dir), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return reopenAs(t, dir, "admin", adminPass)
}

func reopenAs(t *testing.T, dir, user, pass string) *Store {
	t.Helper()
	s, err := Open(dir, WithMergeRules(testRules))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Unlock(user, []byte(pass)); err != nil {
		t.Fatalf("unlock: %v", err)
	}
	return s
}

// stateProblems is what the sign-in's checks found (waiting for the full
// one), and what verify found.
func stateProblems(t *testing.T, s *Store) (unlock, verify string) {
	t.Helper()
	if err := s.StateError(true); err != nil {
		var se *StateError
		if !errors.As(err, &se) || !errors.Is(err, ErrTampered) {
			t.Fatalf("StateError: %T %v", err, err)
		}
		unlock = strings.Join(se.Problems, "\n")
	}
	rep, err := s.Verify()
	if err != nil {
		t.Fatal(err)
	}
	return unlock, strings.Join(rep.Problems, "\n")
}

func mustClean(t *testing.T, s *Store) {
	t.Helper()
	if u, v := stateProblems(t, s); u != "" || v != "" {
		t.Fatalf("a store nobody edited:\nat sign-in: %s\nverify: %s", u, v)
	}
}

func putAllergy(t *testing.T, s *Store, body string) Record {
	t.Helper()
	r, err := s.Put("allergy", "", "", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestDeletedAllergy removes an allergy from the file: first one revision
// of it, then the whole record with its index and change feed entries, so
// that nothing else in the file points at it.
func TestDeletedAllergy(t *testing.T) {
	s, _ := newPractice(t)
	keep := putAllergy(t, s, `{"substance":"penicillin","patient":"Ōkubo Test"}`)
	gone := putAllergy(t, s, `{"substance":"peanut","patient":"Ōkubo Test"}`)
	gone2, err := s.Put("allergy", gone.ID, gone.Rev, []byte(`{"substance":"peanut","severity":"severe","patient":"Ōkubo Test"}`))
	if err != nil {
		t.Fatal(err)
	}
	mustClean(t, s)

	t.Run("one revision", func(t *testing.T) {
		s2 := editFile(t, s, func(tx *bolt.Tx) error {
			r, _ := ParseRev(gone.Rev)
			return tx.Bucket(bucketRevs).Delete(revKey(gone.ID, r))
		})
		u, v := stateProblems(t, s2)
		for what, got := range map[string]string{"sign-in": u, "verify": v} {
			if !strings.Contains(got, "allergy record "+gone.ID+", revision "+gone.Rev+" was removed") {
				t.Errorf("%s does not name the removed revision:\n%s", what, got)
			}
		}
		s = s2
	})

	t.Run("whole record", func(t *testing.T) {
		s2 := editFile(t, s, func(tx *bolt.Tx) error {
			revs := tx.Bucket(bucketRevs)
			var del [][]byte
			c := revs.Cursor()
			prefix := append([]byte(gone.ID), 0)
			for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
				del = append(del, bytes.Clone(k))
			}
			for _, k := range del {
				if err := revs.Delete(k); err != nil {
					return err
				}
			}
			if err := tx.Bucket(bucketTypes).Delete(typeKey("allergy", gone.ID)); err != nil {
				return err
			}
			ch := tx.Bucket(bucketChanges)
			del = nil
			c = ch.Cursor()
			for k, v := c.First(); k != nil; k, v = c.Next() {
				if bytes.Contains(v, []byte(gone.ID)) {
					del = append(del, bytes.Clone(k))
				}
			}
			for _, k := range del {
				if err := ch.Delete(k); err != nil {
					return err
				}
			}
			return nil
		})
		if _, err := s2.Get(gone.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("the allergy is still there: %v", err)
		}
		if _, err := s2.Get(keep.ID); err != nil {
			t.Fatal(err)
		}
		u, v := stateProblems(t, s2)
		for what, got := range map[string]string{"sign-in": u, "verify": v} {
			for _, want := range []string{
				"allergy record " + gone.ID + ", revision " + gone2.Rev + " was removed",
				"the current revisions (heads) of allergy record " + gone.ID + " was removed",
			} {
				if !strings.Contains(got, want) {
					t.Errorf("%s does not say %q:\n%s", what, want, got)
				}
			}
			if strings.Contains(got, keep.ID) {
				t.Errorf("%s names the allergy nobody touched:\n%s", what, got)
			}
		}
	})
}

// TestOldKeyslotPutBack puts a user's keyslot from before a password
// reset back into the file (the old password would open it; the user
// record's keys, made anew by the reset, keep it from signing in).
func TestOldKeyslotPutBack(t *testing.T) {
	s, _ := newPractice(t)
	if _, err := s.AddUser(NewUser{Username: "desk", Name: "Dana Testdesk", Role: RoleFrontDesk, Password: []byte(userPass)}); err != nil {
		t.Fatal(err)
	}
	id := slotIDFor(s.secret(), "desk")
	var oldSlot, oldLeaf []byte
	s.db.View(func(tx *bolt.Tx) error {
		oldSlot = bytes.Clone(tx.Bucket(bucketSlots).Get([]byte(id)))
		oldLeaf = bytes.Clone(tx.Bucket(bucketDigest).Get(leafKey(tagSlot, []byte(id))))
		return nil
	})
	if oldSlot == nil || oldLeaf == nil {
		t.Fatal("no slot or leaf for desk")
	}
	const newPass = "lantern-quiet-meadow-77"
	if err := s.ResetPassword("desk", []byte(newPass)); err != nil {
		t.Fatal(err)
	}
	mustClean(t, s)

	t.Run("slot alone", func(t *testing.T) {
		s2 := editFile(t, s, func(tx *bolt.Tx) error { return tx.Bucket(bucketSlots).Put([]byte(id), oldSlot) })
		u, _ := stateProblems(t, s2)
		if want := "keyslot " + id + " was changed behind the store's back"; !strings.Contains(u, want) {
			t.Errorf("sign-in does not say %q:\n%s", want, u)
		}
		if _, v := stateProblems(t, s2); !strings.Contains(v, "keyslot "+id+" was changed") {
			t.Errorf("verify does not name the slot:\n%s", v)
		}
		s = s2
	})

	t.Run("slot with its leaf", func(t *testing.T) {
		s2 := editFile(t, s, func(tx *bolt.Tx) error {
			if err := tx.Bucket(bucketSlots).Put([]byte(id), oldSlot); err != nil {
				return err
			}
			return tx.Bucket(bucketDigest).Put(leafKey(tagSlot, []byte(id)), oldLeaf)
		})
		u, v := stateProblems(t, s2)
		for what, got := range map[string]string{"sign-in": u, "verify": v} {
			if !strings.Contains(got, "the keyslots differ from what this workstation last wrote") {
				t.Errorf("%s does not say the keyslots differ:\n%s", what, got)
			}
			if strings.Contains(got, "the records differ") || strings.Contains(got, "the users differ") {
				t.Errorf("%s blames another area:\n%s", what, got)
			}
		}
	})
}

// TestChangedRecord sets a record back to its earlier revision by editing
// its heads: every value still opens and every link holds.
func TestChangedRecord(t *testing.T) {
	s, _ := newPractice(t)
	r1, err := s.Put("patient", "", "", []byte(`{"family":"Testová","allergies":"none"}`))
	if err != nil {
		t.Fatal(err)
	}
	var oldHeads []byte
	s.db.View(func(tx *bolt.Tx) error {
		oldHeads = bytes.Clone(tx.Bucket(bucketRevs).Get(headKey(r1.ID)))
		return nil
	})
	if _, err := s.Put("patient", r1.ID, r1.Rev, []byte(`{"family":"Testová","allergies":"latex"}`)); err != nil {
		t.Fatal(err)
	}
	mustClean(t, s)
	s2 := editFile(t, s, func(tx *bolt.Tx) error { return tx.Bucket(bucketRevs).Put(headKey(r1.ID), oldHeads) })
	if got, err := s2.Get(r1.ID); err != nil || got.Rev != r1.Rev {
		t.Fatalf("the edit did not take the record back: %v %v", got.Rev, err)
	}
	u, v := stateProblems(t, s2)
	want := "the current revisions (heads) of patient record " + r1.ID + " was changed"
	for what, got := range map[string]string{"sign-in": u, "verify": v} {
		if !strings.Contains(got, want) {
			t.Errorf("%s does not say %q:\n%s", what, want, got)
		}
	}
}

// TestAuditCutBack cuts the audit log back to what an older copy of the
// file held (its entries after that copy deleted, the copy's sealed head
// put back): the chain is whole, and only the digest tells. Replacing the
// whole file with the older copy cannot be seen here (the sync server
// catches that: syncserver's rollback tests).
func TestAuditCutBack(t *testing.T) {
	s, _ := newPractice(t)
	putAllergy(t, s, `{"substance":"sulfa","patient":"Ōkubo Test"}`)
	dir := s.Dir()
	s.Close()
	old, err := os.ReadFile(FilePath(dir))
	if err != nil {
		t.Fatal(err)
	}
	var oldHead []byte
	var oldSeq uint64
	{
		db, err := bolt.Open(FilePath(dir), 0o600, &bolt.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		db.View(func(tx *bolt.Tx) error {
			oldHead = bytes.Clone(tx.Bucket(bucketMeta).Get(keyAuditHead))
			k, _ := tx.Bucket(bucketAudit).Cursor().Last()
			oldSeq = auditSeqOf(k)
			return nil
		})
		db.Close()
	}
	s = reopenAs(t, dir, "admin", adminPass)
	for i := range 3 {
		if err := s.Audit(AuditEvent{Action: "chart.view", Subject: "p" + string(rune('a'+i))}); err != nil {
			t.Fatal(err)
		}
	}
	mustClean(t, s)

	s2 := editFile(t, s, func(tx *bolt.Tx) error {
		a := tx.Bucket(bucketAudit)
		var del [][]byte
		c := a.Cursor()
		for k, _ := c.Seek(auditKey(oldSeq + 1)); k != nil; k, _ = c.Next() {
			del = append(del, bytes.Clone(k))
		}
		for _, k := range del {
			if err := a.Delete(k); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(keyAuditHead, oldHead)
	})
	// The sign-in names the head it found; it then writes a head of its
	// own, after which verify finds the audit area apart from its sum.
	u, v := stateProblems(t, s2)
	if !strings.Contains(u, "the audit log's head (its last entry) was changed") {
		t.Errorf("sign-in does not name the audit head:\n%s", u)
	}
	if !strings.Contains(v, "the audit log's head differs from what this workstation last wrote") {
		t.Errorf("verify does not name the audit head:\n%s", v)
	}

	// The whole file put back: consistent, so nothing shows here.
	s2.Close()
	if err := os.WriteFile(FilePath(dir), old, 0o600); err != nil {
		t.Fatal(err)
	}
	s3 := reopenAs(t, dir, "admin", adminPass)
	mustClean(t, s3)
}

func auditSeqOf(k []byte) uint64 {
	if len(k) != 8 {
		return 0
	}
	var n uint64
	for _, b := range k {
		n = n<<8 | uint64(b)
	}
	return n
}

// TestDigestMadeOnceForOlderStores: a store from before the digest gets
// one at its first sign-in, with a flagged audit entry, and is checked
// from then on; a store whose digest was removed is reported.
func TestDigestMadeOnceForOlderStores(t *testing.T) {
	s, _ := newPractice(t)
	r := putAllergy(t, s, `{"substance":"iodine","patient":"Ōkubo Test"}`)
	// Make it look like a store of schema 4 that never had a digest.
	s = editFile(t, s, func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketDigest); err != nil {
			return err
		}
		if err := tx.Bucket(bucketMeta).Delete(keyDigest); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchema, []byte{0, 0, 0, 0, 0, 0, 0, 4})
	})
	mustClean(t, s)
	var flagged int
	err := s.View(func(tx *Tx) error {
		return tx.walkAudit(1, func(ev AuditEvent) error {
			if ev.Action == "store.digest" && ev.Flagged {
				flagged++
			}
			return nil
		})
	})
	if err != nil || flagged != 1 {
		t.Fatalf("store.digest entries: %d, %v", flagged, err)
	}
	s2 := editFile(t, s, func(tx *bolt.Tx) error {
		rv, _ := ParseRev(r.Rev)
		return tx.Bucket(bucketRevs).Delete(revKey(r.ID, rv))
	})
	if u, _ := stateProblems(t, s2); !strings.Contains(u, r.ID) {
		t.Fatalf("the digest made at sign-in does not catch a removed revision:\n%s", u)
	}
	s3 := editFile(t, s2, func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Delete(keyDigest) })
	if u, v := stateProblems(t, s3); !strings.Contains(u, "state digest is missing") || !strings.Contains(v, "state digest is missing") {
		t.Fatalf("a removed digest is not reported:\n%s\n%s", u, v)
	}
}
