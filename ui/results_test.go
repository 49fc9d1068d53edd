package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
)

// TestResultsTab: the chart's Results tab is a table of the results,
// newest first, with value, unit, range and flag.
func TestResultsTab(t *testing.T) {
	p := newPractice(t)
	s, _ := openChartAs(t, p, "drsmith")
	taken := time.Now().Add(-48 * time.Hour)
	for _, r := range []*chart.Result{
		{Meta: chart.Meta{Patient: p.patient.ID}, Taken: taken, Name: "Hemoglobin A1c", Category: "laboratory", Value: "6.40", Unit: "%", Low: "4.0", High: "5.6"},
		{Meta: chart.Meta{Patient: p.patient.ID}, Taken: taken.Add(time.Hour), Name: "Tobacco smoking status", Category: "social-history", Text: "Never smoked"},
	} {
		if err := s.svc.Save(r); err != nil {
			t.Fatal(err)
		}
	}
	s.openChart(p.patient.ID)
	tabs := s.chart.tabs
	tabs.SelectIndex(len(tabs.Items) - 1)
	if tabs.Selected().Text != "Results" {
		t.Fatalf("the last tab is %q", tabs.Selected().Text)
	}
	table := find(t, tabs.Selected().Content, func(*widget.Table) bool { return true })
	if rows, cols := table.Length(); rows != 2 || cols != 6 {
		t.Fatalf("the results table is %d×%d", rows, cols)
	}
	rs := s.chart.c.Results
	got := []string{resultCell(rs[1], 1), resultCell(rs[1], 2), resultCell(rs[1], 3), resultCell(rs[1], 4), resultCell(rs[1], 5), resultCell(rs[0], 2)}
	want := []string{"Hemoglobin A1c", "6.40", "%", "4.0–5.6", "H", "Never smoked"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("cell %d: %q, want %q", i, got[i], want[i])
		}
	}
}

// TestRecordDeathDialog: a clinician records a death from the
// demographics screen; the chart's header says so; front desk staff are
// not offered it.
func TestRecordDeathDialog(t *testing.T) {
	p := newPractice(t)
	s, w := openChartAs(t, p, "drsmith")
	s.chart.editDemographics()
	test.Tap(button(t, w.Content(), "Record death…"))
	d := dialogOn(t, w)
	date := entryWith(t, d, "YYYY-MM-DD, or empty when not known")
	test.Type(date, "2099-01-01")
	test.Tap(button(t, d, "Record death"))
	wantText(t, dialogOn(t, w), "Is in the future.")
	date.SetText("")
	test.Type(date, "2021-03-04")
	test.Tap(button(t, dialogOn(t, w), "Record death"))
	got, err := s.svc.Patient(p.patient.ID)
	if err != nil || got.DeceasedDate != "2021-03-04" {
		t.Fatalf("patient %+v, %v", got, err)
	}
	if s.chart == nil {
		t.Fatal("the chart did not open again")
	}
	wantText(t, w.Content(), "Died 2021-03-04")

	s2, w2 := openChartAs(t, newPractice(t), "desk")
	s2.chart.editDemographics()
	if hasButton(w2.Content(), "Record death…") || hasButton(w2.Content(), "Correct the death record…") {
		t.Error("front desk staff are offered to record a death")
	}
}
