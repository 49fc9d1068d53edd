package store

import (
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// twin makes a second workstation of s's practice (a restored backup).
func twin(t *testing.T, s *Store, opts ...Option) *Store {
	t.Helper()
	if opts == nil {
		opts = []Option{WithMergeRules(testRules)}
	}
	file := filepath.Join(t.TempDir(), "b")
	if _, err := s.BackupFile(file); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "twin")
	if err := Restore(file, dir, RestoreOptions{SecretFrom: s.Dir()}); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(dir, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s2.Close() })
	if err := s2.Unlock("admin", []byte(adminPass)); err != nil {
		t.Fatal(err)
	}
	return s2
}

func export(t *testing.T, s *Store, r Record) WireRev {
	t.Helper()
	var w WireRev
	if err := s.View(func(tx *Tx) (err error) { w, err = tx.ExportRev(r.ID, r.Rev); return err }); err != nil {
		t.Fatal(err)
	}
	return w
}

func TestReplicaImport(t *testing.T) {
	a, _ := newPractice(t)
	b := twin(t, a)
	other, _ := newPractice(t)

	r1, _ := a.Put("patient", "", "", []byte("first"))
	r2, _ := a.Put("patient", r1.ID, r1.Rev, []byte("second"))
	w1, w2 := export(t, a, r1), export(t, a, r2)
	if len(w2.Parents) != 1 || w2.Parents[0] != r1.Rev {
		t.Fatalf("parents %v", w2.Parents)
	}

	// A child before its parent is refused until the parent is there.
	if _, err := b.ImportRevs([]WireRev{w2}); !errors.Is(err, ErrMissingParent) {
		t.Fatalf("child first: %v", err)
	}
	signal := b.ChangeSignal()
	if n, err := b.ImportRevs([]WireRev{w1, w2}); err != nil || n != 2 {
		t.Fatalf("import: %d %v", n, err)
	}
	select {
	case <-signal:
	case <-time.After(time.Second):
		t.Fatal("ChangeSignal did not fire on import")
	}
	if n, err := b.ImportRevs([]WireRev{w1, w2}); err != nil || n != 0 {
		t.Fatalf("import again: %d %v", n, err)
	}
	got, err := b.Get(r1.ID)
	if err != nil || got.Rev != r2.Rev || string(got.Body) != "second" || got.Device != a.DeviceID() {
		t.Fatalf("imported: %+v %v", got, err)
	}
	var pending int
	var last Change
	b.View(func(tx *Tx) error {
		all, _ := tx.Changes(0, 1<<20)
		last = all[len(all)-1]
		pending, _ = tx.PendingChanges(all[len(all)-3].Seq)
		return nil
	})
	if !last.Remote || last.Rev != r2.Rev || pending != 0 {
		t.Fatalf("change feed: %+v pending %d", last, pending)
	}

	// Concurrent edits: both stay, same winner on both sides.
	ea, _ := a.Put("patient", r1.ID, r2.Rev, []byte("edit A"))
	eb, _ := b.Put("patient", r1.ID, r2.Rev, []byte("edit B"))
	if _, err := a.ImportRevs([]WireRev{export(t, b, eb)}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ImportRevs([]WireRev{export(t, a, ea)}); err != nil {
		t.Fatal(err)
	}
	ga, _ := a.Get(r1.ID)
	gb, _ := b.Get(r1.ID)
	if ga.Rev != gb.Rev || len(ga.Conflicts) != 1 || len(gb.Conflicts) != 1 {
		t.Fatalf("winners %s / %s, conflicts %v / %v", ga.Rev, gb.Rev, ga.Conflicts, gb.Conflicts)
	}

	// Tampering, on a revision b does not hold yet.
	ec, _ := a.Put("patient", r1.ID, ga.Rev, []byte("edit C"))
	w := export(t, a, ec)
	for name, bad := range map[string]WireRev{
		"flipped":        {RecordID: w.RecordID, Rev: w.Rev, Parents: w.Parents, Sealed: flip(w.Sealed)},
		"other record":   {RecordID: NewID(), Rev: w.Rev, Parents: w.Parents, Sealed: w.Sealed},
		"other parents":  {RecordID: w.RecordID, Rev: w.Rev, Parents: []string{r1.Rev}, Sealed: w.Sealed},
		"other practice": export(t, other, mustPut(t, other, "patient")),
	} {
		if name == "other practice" {
			bad.Rev = "1-" + bad.Rev[2:]
		}
		if _, err := b.ImportRevs([]WireRev{bad}); !errors.Is(err, ErrTampered) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A revision under another revision ID.
	moved := w
	moved.Rev = ec.Rev[:len(ec.Rev)-1] + "0"
	if moved.Rev == ec.Rev {
		moved.Rev = ec.Rev[:len(ec.Rev)-1] + "1"
	}
	if _, err := b.ImportRevs([]WireRev{moved}); !errors.Is(err, ErrTampered) {
		t.Errorf("moved: %v", err)
	}
	if n, err := b.ImportRevs([]WireRev{w}); err != nil || n != 1 {
		t.Fatalf("the untampered revision: %d %v", n, err)
	}
	rep, err := b.Verify()
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %v", err, rep.Problems)
	}
}

func flip(b []byte) []byte {
	c := append([]byte(nil), b...)
	c[len(c)/2] ^= 1
	return c
}

func mustPut(t *testing.T, s *Store, typ string) Record {
	r, err := s.Put(typ, "", "", []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSyncMarks(t *testing.T) {
	s, _ := newPractice(t)
	if err := s.Update(func(tx *Tx) error { return tx.SetSyncMark("push:x", 42) }); err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		if tx.SyncMark("push:x") != 42 || tx.SyncMark("pull:x") != 0 {
			t.Fatal("marks")
		}
		return nil
	})
}
