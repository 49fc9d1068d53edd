package chart

import (
	"errors"
	"strings"
	"testing"
	"time"

	"chartkeeper/store"
)

func TestImportChartWholeOrNothing(t *testing.T) {
	p := newPractice(t)
	svc := p.as(store.RoleHIM)
	c := ImportedChart{
		Patient:   Patient{Family: "Testimport", Given: "Ana", DOB: "1970-01-01", Sex: Female},
		Problems:  []Problem{{Description: "Test problem", Code: "I10"}},
		Vitals:    []Vitals{{Taken: p.clk.now().Add(-time.Hour), Pulse: 70}},
		Visits:    []ImportedVisit{{Visit: Visit{Date: "2026-01-02", Reason: "Test visit", Signed: true, SignedBy: "Dr Other", SignedAt: p.clk.now().Add(-time.Hour)}, Amendments: []Amendment{{Text: "Test amendment", Reason: "late result", Author: "Dr Other", At: p.clk.now()}}}},
		Documents: []ImportedDocument{{Document: Document{Category: "lab", ClinicalDate: "2026-01-03", ContentType: "text/plain"}, Content: []byte("test content")}},
	}
	var before uint64
	last := func() uint64 {
		var n uint64
		p.st.View(func(tx *store.Tx) error { n = tx.LastChange(); return nil })
		return n
	}
	// a bad record anywhere refuses the whole chart, naming the record
	bad := c
	bad.Immunizations = []Immunization{{Vaccine: "Test vaccine", Date: "2999-01-01"}}
	before = last()
	_, err := svc.ImportChart(bad, "test")
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Field("immunization 1: date") != "is in the future" {
		t.Fatalf("bad chart: %v", err)
	}
	if last() != before {
		t.Fatal("a refused chart changed the store")
	}
	// the roles: only HIM managers
	if _, err := p.as(store.RoleClinician).ImportChart(c, "test"); !errors.Is(err, store.ErrPermission) {
		t.Errorf("a clinician imported a chart: %v", err)
	}
	pt, err := p.as(store.RoleHIM).ImportChart(c, "test")
	if err != nil {
		t.Fatal(err)
	}
	if !ValidMRN(pt.MRN) {
		t.Errorf("MRN %q", pt.MRN)
	}
	ch, err := svc.OpenChart(pt.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Problems) != 1 || ch.Problems[0].Code != "I10" || len(ch.Vitals) != 1 || len(ch.Visits) != 1 || !ch.Visits[0].Signed ||
		len(ch.AmendmentsOf(ch.Visits[0].ID)) != 1 || len(ch.Documents) != 1 || ch.Documents[0].Size != 12 || ch.Documents[0].FiledBy != "admin" {
		t.Errorf("imported chart: %+v", ch)
	}
	// a signed visit stays signed: no edit
	v := ch.Visits[0]
	v.Reason = "changed"
	if err := p.as(store.RoleClinician).SaveVisit(&v); !errors.Is(err, ErrSigned) {
		t.Errorf("an imported signed visit was edited: %v", err)
	}
}

func TestImportPatientsAndExportPractice(t *testing.T) {
	p := newPractice(t)
	svc := p.as(store.RoleFrontDesk)
	ps, err := svc.ImportPatients([]Patient{{Family: "Testone", Given: "A", DOB: "1990-01-01"}, {Family: "Testtwo", Given: "B", DOB: "1991-01-01"}}, "list.csv")
	if err != nil || len(ps) != 2 || ps[0].MRN == ps[1].MRN {
		t.Fatalf("%+v %v", ps, err)
	}
	if _, err := svc.ImportPatients([]Patient{{Family: "Testthree", Given: "C", DOB: "1992-01-01"}, {Family: "", Given: "D", DOB: "1993-01-01"}}, "x"); err == nil || !strings.Contains(err.Error(), "patient 2") {
		t.Errorf("a list with a bad patient: %v", err)
	}
	if hits, _ := svc.Find("Testthree", 5); len(hits) != 0 {
		t.Error("a refused list was half registered")
	}
	if _, err := p.as(store.RoleClinician).ExportPractice("test"); !errors.Is(err, store.ErrPermission) {
		t.Errorf("a clinician exported the practice: %v", err)
	}
	ids, err := p.as(store.RoleHIM).ExportPractice("test")
	if err != nil || len(ids) != 2 {
		t.Errorf("export ids %v %v", ids, err)
	}
}
