package chart

import (
	"testing"

	"chartkeeper/store"
)

func TestDraftsArePersonalAndNotRecords(t *testing.T) {
	p := newPractice(t)
	pt := p.patient("Testperez", "Ana", "1980-04-01")
	doc := p.as(store.RoleClinician)
	last := func() (n uint64) {
		p.st.View(func(tx *store.Tx) error { n = tx.LastChange(); return nil })
		return n
	}
	before := last()
	audit := len(p.auditLines())
	key := "visit/" + pt.ID + "/new"
	d := Draft{Key: key, Patient: pt.ID, Fields: map[string]string{"reason": "Cough", "subjective": "Dry cough for two weeks."}}
	if err := doc.SaveDraft(d); err != nil {
		t.Fatal(err)
	}
	got, ok, err := doc.Draft(key)
	if err != nil || !ok || got.Fields["subjective"] != "Dry cough for two weeks." || got.Patient != pt.ID || got.Saved.IsZero() {
		t.Fatalf("draft read back: %+v %v %v", got, ok, err)
	}
	if last() != before {
		t.Error("saving a draft wrote a record")
	}
	if n := len(p.auditLines()); n != audit {
		t.Errorf("saving and reading a draft added %d audit entries", n-audit)
	}

	// Another user of the workstation sees nothing.
	desk := p.as(store.RoleFrontDesk)
	if ds, err := desk.Drafts(); err != nil || len(ds) != 0 {
		t.Fatalf("front desk lists %d drafts (%v)", len(ds), err)
	}
	if err := desk.SaveDraft(Draft{Key: "patient/" + pt.ID, Fields: map[string]string{"phone": "555-0199"}}); err != nil {
		t.Fatalf("a front desk user may keep drafts: %v", err)
	}

	doc = p.as(store.RoleClinician)
	ds, err := doc.Drafts()
	if err != nil || len(ds) != 1 || ds[0].Key != key {
		t.Fatalf("the clinician's drafts: %+v %v", ds, err)
	}
	if err := doc.DiscardDraft(key); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := doc.Draft(key); ok {
		t.Fatal("a discarded draft is still there")
	}
	p.st.Lock()
	if err := doc.SaveDraft(d); err == nil {
		t.Fatal("a draft was saved while locked")
	}
}
