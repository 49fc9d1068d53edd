package store

import (
	"errors"
	"fmt"
	"testing"
)

// A batch checked on several cores imports exactly as ImportRev would:
// everything arrives, a tampered copy of a held revision is passed over,
// a tampered new one stops the whole batch, and revisions checked before
// the store was locked and unlocked are checked again with the new key.
func TestCheckRevsBatch(t *testing.T) {
	a, _ := newPractice(t)
	b := twin(t, a)
	var ws []WireRev
	for i := range 3 * checkParallelMin {
		r, err := a.Put("patient", "", "", fmt.Appendf(nil, `{"n":%d}`, i))
		if err != nil {
			t.Fatal(err)
		}
		ws = append(ws, export(t, a, r))
		if i%3 == 0 { // a child in the same batch as its parent
			r2, err := a.Put("patient", r.ID, r.Rev, fmt.Appendf(nil, `{"n":%d,"again":true}`, i))
			if err != nil {
				t.Fatal(err)
			}
			ws = append(ws, export(t, a, r2))
		}
	}

	// A tampered revision late in the batch: nothing of it is stored.
	bad := append([]WireRev(nil), ws...)
	last := &bad[len(bad)-1]
	last.Sealed = flip(last.Sealed)
	if _, err := b.ImportRevs(bad); !errors.Is(err, ErrTampered) {
		t.Fatalf("tampered batch: %v", err)
	}
	if b.View(func(tx *Tx) error {
		if tx.HasRev(ws[0].RecordID, ws[0].Rev) {
			t.Error("a revision of the refused batch was stored")
		}
		return nil
	}) != nil {
		t.Fatal("view")
	}

	// Checked, then the store locked and unlocked: checked again, stored.
	cs := b.CheckRevs(ws)
	b.Lock()
	if err := b.Unlock("admin", []byte(adminPass)); err != nil {
		t.Fatal(err)
	}
	inserted := 0
	err := b.Update(func(tx *Tx) error {
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
	if err != nil || inserted != len(ws) {
		t.Fatalf("import: %d of %d, %v", inserted, len(ws), err)
	}
	for _, w := range ws {
		ra, _ := a.Get(w.RecordID)
		rb, err := b.Get(w.RecordID)
		if err != nil || rb.Rev != ra.Rev || string(rb.Body) != string(ra.Body) {
			t.Fatalf("record %s: %+v %v, want %+v", w.RecordID, rb, err, ra)
		}
	}

	// The same batch again, with a tampered copy of a held revision: the
	// store holds it, so it is passed over as ImportRev passes it over.
	if n, err := b.ImportRevs(bad); err != nil || n != 0 {
		t.Fatalf("again: %d %v", n, err)
	}
	// Checked while locked: nothing is checked then; the import checks.
	b.Lock()
	c2 := export(t, a, mustPut(t, a, "patient"))
	cs = b.CheckRevs([]WireRev{c2})
	if cs[0].sess != nil {
		t.Fatal("checked without a key")
	}
	if err := b.Unlock("admin", []byte(adminPass)); err != nil {
		t.Fatal(err)
	}
	if err := b.Update(func(tx *Tx) error { _, err := tx.ImportChecked(&cs[0]); return err }); err != nil {
		t.Fatal(err)
	}
	rep, err := b.Verify()
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %v", err, rep.Problems)
	}
}
