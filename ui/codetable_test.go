package ui

import (
	"io"
	"os"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"chartkeeper/chart"
	"chartkeeper/store"
)

const noTableLine = "No ICD-10-CM table is installed on this practice"

// TestNoCodeTableSaysSo: without a code table, the problem form and the
// visit's codes screen say that codes are neither looked up nor checked,
// and how an HIM manager installs the CMS file; the HIM manager installs
// one from the practice settings.
func TestNoCodeTableSaysSo(t *testing.T) {
	p := newPractice(t)
	s, w := openChartAs(t, p, "drsmith")
	s.chart.tabs.SelectIndex(tabProblems)
	test.Tap(button(t, w.Content(), "Add problem"))
	wantText(t, w.Content(), noTableLine)
	wantText(t, w.Content(), "ckadmin codes import icd10cm-codes-2025.txt")
	if hasButton(w.Content(), "Import ICD-10-CM table…") {
		t.Error("a clinician is offered the code table import")
	}

	visit := chart.Visit{Meta: chart.Meta{Patient: p.patient.ID}, Date: "2025-01-10", Reason: "Thirst"}
	if err := s.svc.SaveVisit(&visit); err != nil {
		t.Fatal(err)
	}
	s.chart.tabs.SelectIndex(tabVisits)
	s.chart.codeVisit(visit)
	wantText(t, w.Content(), "Codes of the visit of 2025-01-10")
	wantText(t, w.Content(), noTableLine)

	// The HIM manager imports a table from the settings.
	s.lock()
	signInAs(t, w, "mlopez", testPassword)
	s = sessionOf(t, s.ws)
	s.admin()
	s.adm.tabs.SelectIndex(adminSettings)
	pane := s.adm.panes[adminSettings]
	wantText(t, pane, noTableLine)
	old := chooseOpenFile
	t.Cleanup(func() { chooseOpenFile = old })
	chooseOpenFile = func(_ fyne.Window, done func(io.ReadCloser, string, error)) {
		f, err := os.Open("../chart/icd10/testdata/icd10cm-codes-test.txt")
		done(f, "icd10cm-codes-test.txt", err)
	}
	test.Tap(button(t, pane, "Import ICD-10-CM table…"))
	wantText(t, pane, "Codes are searched and checked in icd10cm-codes-test.txt")
	noText(t, pane, noTableLine)
	if info, ok := s.svc.CodeTable(); !ok || info.Codes == 0 {
		t.Errorf("no table after the import: %+v", info)
	}

	// With a table, the line is gone and the search finds codes.
	s.lock()
	signInAs(t, w, "drsmith", testPassword)
	s = sessionOf(t, s.ws)
	s.openChart(p.patient.ID)
	s.chart.tabs.SelectIndex(tabVisits)
	s.chart.codeVisit(visit)
	noText(t, w.Content(), noTableLine)
	test.Type(entryWith(t, w.Content(), "find a diagnosis: code or words, Enter adds it"), "diabetes")
	if !hasButton(w.Content(), "E11.9  Type 2 diabetes mellitus without complications") {
		t.Errorf("searching diabetes shows no E11.9: %q", texts(w.Content()))
	}
}

// TestDemoPracticeHasCodes: a demo practice has the built-in table, and its
// coder finds E11.9 by words.
func TestDemoPracticeHasCodes(t *testing.T) {
	dir := t.TempDir()
	st, d, err := NewDemoPractice(dir, 12, nil)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	ws, w := open(t, dir)
	signInAs(t, w, "demo-coder", d.Password)
	s := sessionOf(t, ws)
	var patients []string
	s.svc.Store().List(chart.TypePatient, func(r store.Record) error {
		patients = append(patients, r.ID)
		return nil
	})
	for _, id := range patients {
		if s.openChart(id); s.chart != nil && len(s.chart.c.Visits) > 0 {
			break
		}
	}
	if s.chart == nil || len(s.chart.c.Visits) == 0 {
		t.Fatalf("none of the %d demo patients has a visit", len(patients))
	}
	s.chart.tabs.SelectIndex(tabVisits)
	s.chart.codeVisit(s.chart.c.Visits[0])
	noText(t, w.Content(), noTableLine)
	test.Type(entryWith(t, w.Content(), "find a diagnosis: code or words, Enter adds it"), "type 2 diabetes without complications")
	if !hasButton(w.Content(), "E11.9  Type 2 diabetes mellitus without complications") {
		t.Errorf("the demo practice's search shows no E11.9: %q", texts(w.Content()))
	}
}
