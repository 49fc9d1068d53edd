package store

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestDrafts(t *testing.T) {
	// A clock that moves a second at each reading, so the two drafts below
	// are saved at different times (a fast machine saved both within one
	// millisecond, and the newest-first order was then a toss-up).
	clock := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	s, rk := newPractice(t, WithClock(func() time.Time { clock = clock.Add(time.Second); return clock }))
	if _, err := s.AddUser(NewUser{Username: "drtest", Name: "Dee Testperson", Role: RoleClinician, Password: []byte(userPass)}); err != nil {
		t.Fatal(err)
	}
	var before uint64
	s.View(func(tx *Tx) error { before = tx.LastChange(); return nil })
	note := []byte("Testperez, Ana: dry cough for two weeks")
	put := func(name string, data []byte) {
		t.Helper()
		if err := s.Update(func(tx *Tx) error { return tx.PutDraft(name, data) }); err != nil {
			t.Fatal(err)
		}
	}
	get := func(name string) (d Draft, ok bool, err error) {
		err = s.View(func(tx *Tx) error { d, ok, err = tx.Draft(name); return err })
		return d, ok, err
	}
	list := func() []Draft {
		t.Helper()
		var ds []Draft
		if err := s.View(func(tx *Tx) error {
			var err error
			var bad int
			ds, bad, err = tx.Drafts()
			if bad != 0 {
				t.Errorf("%d drafts did not open", bad)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return ds
	}
	if _, ok, err := get("visit/p1/new"); ok || err != nil {
		t.Fatalf("draft in a new store: %v %v", ok, err)
	}
	put("visit/p1/new", note)
	put("problem/p1/r1", []byte("second"))
	d, ok, err := get("visit/p1/new")
	if err != nil || !ok || !bytes.Equal(d.Data, note) || d.Name != "visit/p1/new" || d.Saved.IsZero() {
		t.Fatalf("draft read back: %+v %v %v", d, ok, err)
	}
	if ds := list(); len(ds) != 2 || ds[0].Name != "problem/p1/r1" {
		t.Fatalf("drafts listed: %+v", ds)
	}
	// Not records: the change feed did not move.
	if cs, err := s.Changes(before, 10); err != nil || len(cs) != 0 {
		t.Fatalf("change feed after PutDraft: %v, %v", cs, err)
	}
	// Sealed; the key names neither the form nor the patient.
	raw(t, s, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketDrafts).ForEach(func(k, v []byte) error {
			if bytes.Contains(v, []byte("Testperez")) || bytes.Contains(k, []byte("visit")) {
				t.Errorf("a draft is stored in the clear: %q", k)
			}
			return nil
		})
	})

	// Another user sees none of them and cannot delete them.
	s.Lock()
	if _, _, err := get("visit/p1/new"); !errors.Is(err, ErrLocked) {
		t.Fatalf("draft read while locked: %v", err)
	}
	if err := s.Unlock("drtest", []byte(userPass)); err != nil {
		t.Fatal(err)
	}
	if ds := list(); len(ds) != 0 {
		t.Fatalf("another user lists %d drafts", len(ds))
	}
	if _, ok, _ := get("visit/p1/new"); ok {
		t.Fatal("another user reads the draft")
	}
	if err := s.Update(func(tx *Tx) error { return tx.DeleteDraft("visit/p1/new") }); err != nil {
		t.Fatal(err)
	}
	put("visit/p1/new", []byte("theirs"))
	s.Lock()
	if err := s.Unlock("admin", []byte(adminPass)); err != nil {
		t.Fatal(err)
	}
	if d, _, _ := get("visit/p1/new"); !bytes.Equal(d.Data, note) {
		t.Fatalf("the admin's draft became %q", d.Data)
	}

	// A value moved under another key does not open.
	raw(t, s, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketDrafts)
		var keys, vals [][]byte
		b.ForEach(func(k, v []byte) error {
			keys, vals = append(keys, bytes.Clone(k)), append(vals, bytes.Clone(v))
			return nil
		})
		for i := range keys { // rotate the values among the keys
			if err := b.Put(keys[i], vals[(i+1)%len(vals)]); err != nil {
				return err
			}
		}
		return nil
	})
	if _, _, err := get("visit/p1/new"); !errors.Is(err, ErrTampered) {
		t.Fatalf("a moved draft: %v, want ErrTampered", err)
	}
	var bad int
	s.View(func(tx *Tx) error { _, bad, _ = tx.Drafts(); return nil })
	if bad != 2 {
		t.Fatalf("%d of the admin's moved drafts reported as not opening, want 2", bad)
	}

	// Deleted when saved or discarded.
	put("visit/p1/new", note)
	if err := s.Update(func(tx *Tx) error { return tx.DeleteDraft("visit/p1/new") }); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := get("visit/p1/new"); ok {
		t.Fatal("a deleted draft is still read")
	}
	if err := s.View(func(tx *Tx) error { return tx.PutDraft("x", nil) }); err == nil {
		t.Fatal("PutDraft in a read-only transaction worked")
	}
	if err := s.Update(func(tx *Tx) error { return tx.PutDraft("", nil) }); !errors.Is(err, ErrInvalid) {
		t.Fatalf("PutDraft without a name: %v", err)
	}

	// A restored backup holds no drafts.
	put("visit/p1/new", note)
	file := filepath.Join(t.TempDir(), "b.ckbackup")
	if _, err := s.BackupFile(file); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "restored")
	if err := Restore(file, dir, RestoreOptions{RecoveryKey: rk}); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if err := s2.Unlock("admin", []byte(adminPass)); err != nil {
		t.Fatal(err)
	}
	s2.View(func(tx *Tx) error {
		if ds, _, _ := tx.Drafts(); len(ds) != 0 {
			t.Errorf("a restored backup holds %d drafts", len(ds))
		}
		return nil
	})
}
