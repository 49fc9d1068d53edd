package chart

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"chartkeeper/chart/search"
	"chartkeeper/store"
)

func TestFindPatients(t *testing.T) {
	p := newPractice(t)
	a := p.patient("Ñúñez-Testa", "José", "1977-04-05")
	b := p.patient("Παπαδοπούλου", "Ζωή", "1990-10-10")
	c := p.patient("山田", "花子", "1985-03-03")
	d := p.patient("Schmidt", "Testine", "1962-12-24")
	s := p.as(store.RoleCoder)
	for _, tc := range []struct {
		q    string
		want string
		kind search.Kind
	}{
		{"nune", a.ID, search.Prefix},
		{"nunez", a.ID, search.Exact},
		{"NÚÑEZ-TESTA JOSE", a.ID, search.Exact},
		{"παπαδ", b.ID, search.Prefix},
		{"παπαδοπουλου", b.ID, search.Exact},
		{"山", c.ID, search.Prefix},
		{"shmidt", d.ID, search.Typo},
		{"1962-12-24", d.ID, search.DOB},
		{"24.12.1962", d.ID, search.DOB},
		{d.MRN, d.ID, search.MRN},
		{"555 0100 1224", d.ID, search.Phone},
	} {
		hits, err := s.Find(tc.q, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) != 1 || hits[0].ID != tc.want || hits[0].Match != tc.kind {
			t.Errorf("Find(%q) = %+v, want %s by %v", tc.q, hits, tc.want, tc.kind)
		}
	}
	// a birth date with slashes: day first in FindAs(DayFirst), either way in Find
	if hits, _ := s.FindAs("24/12/1962", 10, search.DayFirst); len(hits) != 1 || hits[0].ID != d.ID || hits[0].Match != search.DOB {
		t.Errorf("FindAs(24/12/1962, DayFirst) = %+v, want %s by DOB", hits, d.ID)
	}
	if hits, _ := s.FindAs("05/04/77", 10, search.DayFirst); len(hits) != 1 || hits[0].ID != a.ID {
		t.Errorf("FindAs(05/04/77, DayFirst) = %+v, want %s", hits, a.ID)
	}
	if hits, _ := s.Find("04/05/1977", 10); len(hits) != 1 || hits[0].ID != a.ID {
		t.Errorf("Find(04/05/1977) = %+v, want %s (month first)", hits, a.ID)
	}
	if hits, _ := s.FindAs("04/05/1977", 10, search.DayFirst); len(hits) != 0 {
		t.Errorf("FindAs(04/05/1977, DayFirst) = %+v, want nobody (4 May)", hits)
	}
	if hits, _ := s.Find("smxdtt", 10); len(hits) != 0 {
		t.Errorf("two typos matched: %+v", hits)
	}
	// a patient written by something else (sync) is found too
	body, _ := json.Marshal(Patient{MRN: "12345674", Family: "Vonsync", Given: "Test", DOB: "2001-01-01", Sex: Other})
	if _, err := p.st.Put(TypePatient, store.NewID(), "", body); err != nil {
		t.Fatal(err)
	}
	if hits, _ := s.Find("vonsy", 10); len(hits) != 1 || hits[0].MRN != "12345674" {
		t.Errorf("synced patient not found: %+v", hits)
	}
	if id, err := s.PatientByMRN("12345674"); err != nil || id == "" {
		t.Errorf("by MRN: %v", err)
	}
	if _, err := s.PatientByMRN("99999997"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown MRN: %v", err)
	}
	// an edited name is found by the new name only
	p.as(store.RoleFrontDesk)
	d.Family = "Schmitt"
	if _, err := p.svc.UpdatePatient(d); err != nil {
		t.Fatal(err)
	}
	if hits, _ := p.svc.Find("schmitt", 10); len(hits) != 1 {
		t.Errorf("new name: %+v", hits)
	}
	if hits, _ := p.svc.Find("schmidt t", 10); len(hits) != 1 || hits[0].Match != search.Typo {
		t.Errorf("old name should only match as a typo: %+v", hits)
	}
}

func TestMRNs(t *testing.T) {
	p := newPractice(t)
	seen := map[string]bool{}
	p.as(store.RoleHIM)
	ps := make([]Patient, 500)
	for i := range ps {
		ps[i] = Patient{Family: "Massen", Given: "Test", DOB: "1980-01-01", Sex: Unknown}
	}
	out, err := p.svc.ImportPatients(ps, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, pt := range out {
		if !ValidMRN(pt.MRN) || seen[pt.MRN] {
			t.Fatalf("MRN %q invalid or repeated", pt.MRN)
		}
		seen[pt.MRN] = true
	}
	if ValidMRN("12345670") == ValidMRN("12345674") {
		t.Error("check digit does not catch a changed digit")
	}
	ps[3].Family = ""
	if _, err := p.svc.ImportPatients(ps, ""); err == nil {
		t.Error("import with an invalid patient went through")
	}
	if hits, _ := p.svc.Find("massen", 0); len(hits) != 500 {
		t.Errorf("%d patients after the refused import, want 500", len(hits))
	}
}

func TestDuplicatesMergeAndUndo(t *testing.T) {
	p := newPractice(t)
	keep := p.patient("Kowalczyk", "Agnieszka", "1984-07-19")
	v := p.visit(keep, "2026-04-01")
	s := p.as(store.RoleFrontDesk)
	dups, err := s.Duplicates(Patient{Family: "Kowalcyk", Given: "Agnieszka", DOB: "1984-07-19"})
	if err != nil || len(dups) != 1 || dups[0].ID != keep.ID {
		t.Fatalf("duplicate check: %+v %v", dups, err)
	}
	dup, warn, err := s.RegisterPatient(Patient{Family: "Kowalcyk", Given: "Agnieszka", DOB: "1984-07-19", Sex: Female})
	if err != nil || len(warn) != 1 || warn[0].MRN != keep.MRN {
		t.Fatalf("register a duplicate: %+v %v", warn, err)
	}
	if d, _ := s.Duplicates(Patient{Family: "Other", Given: "Person", DOB: "1984-07-19"}); len(d) != 0 {
		t.Errorf("different name, same birth date: %+v", d)
	}
	if d, _ := s.Duplicates(Patient{Family: "Other", Given: "Person", DOB: "1950-01-01", Phone: keep.Phone}); len(d) != 0 {
		t.Errorf("same phone only (a household): %+v", d)
	}
	if d, _ := s.Duplicates(Patient{Family: "Kowalczyk", Given: "A.", DOB: "1950-01-01", Phone: keep.Phone}); len(d) != 1 {
		t.Errorf("same phone, similar name: %+v", d)
	}
	dv := p.visit(dup, "2026-04-20")

	if err := p.as(store.RoleClinician).MergePatients(keep.ID, dup.ID, "same person"); !errors.Is(err, store.ErrPermission) {
		t.Fatalf("clinician merged: %v", err)
	}
	s = p.as(store.RoleHIM)
	pairs, err := s.DuplicateCandidates(0)
	if err != nil || len(pairs) != 1 {
		t.Fatalf("candidates: %+v %v", pairs, err)
	}
	if err := s.MergePatients(keep.ID, dup.ID, ""); err == nil {
		t.Error("merge without a reason")
	}
	if err := s.MergePatients(keep.ID, dup.ID, "same person, typo in family name"); err != nil {
		t.Fatal(err)
	}
	if hits, _ := s.Find("kowal agn", 10); len(hits) != 1 || hits[0].ID != keep.ID {
		t.Errorf("after merge search shows %+v", hits)
	}
	if id, _ := s.PatientByMRN(dup.MRN); id != keep.ID {
		t.Errorf("the merged MRN leads to %s, want the survivor", id)
	}
	c, err := s.OpenChart(keep.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Visits) != 2 || len(c.Merged) != 1 || c.Merged[0].ID != dup.ID {
		t.Fatalf("merged chart: %d visits, merged %+v", len(c.Visits), c.Merged)
	}
	if pairs, _ := s.DuplicateCandidates(0); len(pairs) != 0 {
		t.Errorf("merged pair still a candidate: %+v", pairs)
	}
	if err := p.as(store.RoleClinician).Save(&Problem{Meta: Meta{Patient: dup.ID}, Description: "x"}); !errors.Is(err, ErrMerged) {
		t.Errorf("write to a merged patient: %v", err)
	}
	s = p.as(store.RoleHIM)
	if err := s.UndoMerge(dup.ID, "not the same person after all"); err != nil {
		t.Fatal(err)
	}
	c, _ = s.OpenChart(keep.ID)
	if len(c.Visits) != 1 || c.Visits[0].ID != v.ID || len(c.Merged) != 0 {
		t.Errorf("after undo: %+v", c.Visits)
	}
	c, _ = s.OpenChart(dup.ID)
	if len(c.Visits) != 1 || c.Visits[0].ID != dv.ID {
		t.Errorf("separated chart: %+v", c.Visits)
	}
	if hits, _ := s.Find(dup.MRN, 10); len(hits) != 1 || hits[0].ID != dup.ID {
		t.Errorf("separated patient not findable: %+v", hits)
	}
	if err := s.UndoMerge(dup.ID, "again"); err == nil {
		t.Error("undo of a merge that is not there")
	}
	p.wantAudit("admin patient.merge " + keep.ID)
	p.wantAudit("admin patient.merge " + dup.ID)
	p.wantAudit("admin patient.unmerge " + dup.ID)
}

func TestWorklists(t *testing.T) {
	p := newPractice(t)
	pt := p.patient("Liste", "Test", "1955-05-05")
	old := p.visit(pt, "2026-05-01")   // 13 days unsigned
	fresh := p.visit(pt, "2026-05-13") // 1 day unsigned
	toCode := p.visit(pt, "2026-05-02")
	s := p.as(store.RoleClinician)
	if _, err := s.SignVisit(toCode.ID, toCode.Rev); err != nil {
		t.Fatal(err)
	}
	coded := p.visit(pt, "2026-05-03")
	coded.Diagnoses = []Diagnosis{{Code: "I10", Primary: true}}
	if err := s.SaveVisit(&coded); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SignVisit(coded.ID, coded.Rev); err != nil {
		t.Fatal(err)
	}

	s = p.as(store.RoleHIM)
	unsigned, err := s.UnsignedVisits(7)
	if err != nil || len(unsigned) != 1 || unsigned[0].Visit.ID != old.ID || unsigned[0].Age != 13 || unsigned[0].Patient.MRN != pt.MRN {
		t.Errorf("unsigned after 7 days: %+v %v", unsigned, err)
	}
	if all, _ := s.UnsignedVisits(0); len(all) != 2 || all[1].Visit.ID != fresh.ID {
		t.Errorf("unsigned: %+v", all)
	}
	if _, err := p.as(store.RoleFrontDesk).UnsignedVisits(7); !errors.Is(err, store.ErrPermission) {
		t.Errorf("front desk read the unsigned list: %v", err)
	}
	queue, err := p.as(store.RoleCoder).UncodedVisits()
	if err != nil || len(queue) != 1 || queue[0].Visit.ID != toCode.ID {
		t.Errorf("coders' queue: %+v %v", queue, err)
	}

	// documents waiting to be filed
	s = p.as(store.RoleFrontDesk)
	in, err := s.AddDocument(bytes.NewReader([]byte("%PDF scan")), Document{ContentType: "application/pdf", Source: "scan-0042.pdf", Pages: 2})
	if err != nil {
		t.Fatal(err)
	}
	if todo, _ := s.DocumentsToFile(); len(todo) != 1 || todo[0].ID != in.ID || todo[0].Source != "scan-0042.pdf" {
		t.Errorf("inbox: %+v", todo)
	}
	_, err = s.FileDocument(in.ID, pt.ID, "", "2026-05-10", "")
	wantField(t, err, "category", "is required")
	filed, err := s.FileDocument(in.ID, pt.ID, "consent", "2026-05-10", "signed at the desk")
	if err != nil {
		t.Fatal(err)
	}
	if todo, _ := s.DocumentsToFile(); len(todo) != 0 {
		t.Errorf("inbox after filing: %+v", todo)
	}
	if _, err := s.FileDocument(in.ID, pt.ID, "consent", "2026-05-10", ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("filed twice: %v", err)
	}
	if c, _ := s.OpenChart(pt.ID); len(c.Documents) != 1 || c.Documents[0].ID != filed.ID || c.Documents[0].Pages != 2 {
		t.Errorf("chart documents: %+v", c.Documents)
	}
	if err := readDoc(s, filed.ID); err != nil {
		t.Errorf("front desk reads a consent form: %v", err)
	}

	// open amendment requests
	s = p.as(store.RoleHIM)
	r1, err := s.RequestAmendment(AmendmentRequest{Meta: Meta{Patient: pt.ID}, Requester: "Test Liste (patient)", Received: "2026-05-12", Target: toCode.ID, Text: "I reported the cough for three weeks, not two."})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := s.RequestAmendment(AmendmentRequest{Meta: Meta{Patient: pt.ID}, Requester: "Test Liste (patient)", Received: "2026-05-13", Text: "Remove the smoking history."})
	if err != nil {
		t.Fatal(err)
	}
	if open, _ := s.OpenAmendmentRequests(); len(open) != 2 {
		t.Errorf("open requests: %+v", open)
	}
	if _, err := s.DecideAmendment(r2.ID, false, "", ""); err == nil {
		t.Error("denied without a reason")
	}
	if d, err := s.DecideAmendment(r2.ID, false, "The history is accurate as recorded.", ""); err != nil || d.Status != RequestDenied {
		t.Errorf("deny: %+v %v", d, err)
	}
	acc, err := s.DecideAmendment(r1.ID, true, "", "")
	if err != nil || acc.Status != RequestAccepted || acc.Amendment == "" {
		t.Fatalf("accept: %+v %v", acc, err)
	}
	if open, _ := s.OpenAmendmentRequests(); len(open) != 0 {
		t.Errorf("open requests after decisions: %+v", open)
	}
	c, _ := s.OpenChart(pt.ID)
	am := c.AmendmentsOf(toCode.ID)
	if len(am) != 1 || am[0].Request != r1.ID || am[0].Text != r1.Text {
		t.Errorf("accepted amendment: %+v", am)
	}
	for _, v := range c.Visits {
		if v.ID == toCode.ID && v.Subjective != "Cough for two weeks." {
			t.Errorf("the original note changed: %q", v.Subjective)
		}
	}
	if _, err := s.DecideAmendment(r1.ID, false, "changed my mind", ""); err == nil {
		t.Error("decided twice")
	}
}
