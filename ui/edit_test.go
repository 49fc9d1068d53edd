package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"chartkeeper/chart"
)

// openChartAs signs in and opens the practice's patient.
func openChartAs(t *testing.T, p *practice, username string) (*session, fyne.Window) {
	t.Helper()
	ws, w := open(t, p.dir)
	signInAs(t, w, username, testPassword)
	s := sessionOf(t, ws)
	s.openChart(p.patient.ID)
	if s.chart == nil {
		t.Fatal("the chart did not open")
	}
	return s, w
}

func TestEditAllergyShowsErrorInline(t *testing.T) {
	p := newPractice(t)
	s, w := openChartAs(t, p, "drsmith")
	s.chart.tabs.SelectIndex(tabAllergies)
	test.Tap(button(t, w.Content(), "Add allergy"))
	substance := w.Canvas().Focused().(*entry)
	if substance.PlaceHolder != "what the patient reacts to" {
		t.Fatalf("the cursor is in %q, not the substance", substance.PlaceHolder)
	}
	substance.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	wantText(t, w.Content(), "Is required.")
	if len(s.chart.c.Allergies) != 1 {
		t.Fatal("a refused allergy was stored")
	}

	test.Type(substance, "Latex")
	substance.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	wantText(t, w.Content(), "Latex")
	if got := bannerText(t, s.chart); !contains(got, "Latex") || !contains(got, "Penicillin") {
		t.Errorf("the allergy banner says %q", got)
	}
}

func TestVitalsShowBMIAndRangeError(t *testing.T) {
	p := newPractice(t)
	s, w := openChartAs(t, p, "drsmith")
	s.chart.tabs.SelectIndex(tabVitals)
	test.Tap(button(t, w.Content(), "Record vital signs"))
	form := s.detail
	test.Type(find(t, form, func(e *entry) bool { return e == w.Canvas().Focused() }), "120")
	// Fill by position: systolic has the focus; the others are empty and
	// found in form order.
	var empty []*entry
	walk(form, func(o fyne.CanvasObject) {
		if e, ok := o.(*entry); ok && e.Text == "" {
			empty = append(empty, e)
		}
	})
	// diastolic, pulse, temperature, SpO2, weight, height
	test.Type(empty[0], "80")
	test.Type(empty[1], "400")
	test.Type(empty[4], "80")
	test.Type(empty[5], "180")
	wantText(t, w.Content(), "24.7")
	empty[5].TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	wantText(t, w.Content(), "400 beats per minute is not possible; expected 20 to 300.")

	empty[1].SetText("72")
	empty[1].TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if n := len(s.chart.c.Vitals); n != 1 {
		t.Fatalf("%d sets of vital signs stored, want 1", n)
	}
	row := tableRow(s.chart.tables[tabVitals], 0)
	if row[1] != "120/80" || row[2] != "72" || row[7] != "24.7" {
		t.Errorf("the vital signs table shows %q", row)
	}
}

func TestEditDemographics(t *testing.T) {
	p := newPractice(t)
	s, w := openChartAs(t, p, "desk")
	test.Tap(button(t, w.Content(), "Edit demographics"))
	wantText(t, w.Content(), "Demographics of Okafor, Chidi")
	dob := entryWith(t, s.detail, "YYYY-MM-DD")
	dob.SetText("2999-01-01")
	dob.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	wantText(t, w.Content(), "Is in the future.")
	dob.SetText("1975-03-12")
	dob.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	wantText(t, w.Content(), "born 1975-03-12")
	if s.chart.c.Patient.Phone != "555-0100" {
		t.Errorf("the phone became %q", s.chart.c.Patient.Phone)
	}
}

func TestCoderCodesSignedVisit(t *testing.T) {
	p := newPractice(t)
	s, w := openChartAs(t, p, "drsmith")
	visit := chart.Visit{Meta: chart.Meta{Patient: p.patient.ID}, Date: "2025-01-10", Reason: "Thirst", Assessment: "Diabetes"}
	if err := s.svc.SaveVisit(&visit); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.SignVisit(visit.ID, visit.Rev); err != nil {
		t.Fatal(err)
	}
	s.lock()
	signInAs(t, w, "coder", testPassword)
	s = sessionOf(t, s.ws)
	s.openChart(p.patient.ID)
	s.chart.tabs.SelectIndex(tabVisits)
	tapRow(t, s.chart.tables[tabVisits], "Thirst")
	test.Tap(button(t, w.Content(), "Code this visit…"))
	search := entryWith(t, w.Content(), "find a diagnosis: code or words, Enter adds it")
	test.Type(search, "E11.9")
	search.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	test.Type(search, "Z00")
	search.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	// Two primaries are refused inline.
	checks := 0
	walk(w.Content(), func(o fyne.CanvasObject) {
		if c, ok := o.(*widgetCheck); ok && c.Text == "Primary" && !c.Checked && checks == 0 {
			checks++
			c.SetChecked(true)
		}
	})
	test.Tap(button(t, w.Content(), "Add procedure"))
	test.Tap(button(t, w.Content(), "Save codes"))
	wantText(t, w.Content(), "Is required.") // the procedure's description
	desc := entryWith(t, w.Content(), "what was done")
	test.Type(desc, "Foot examination")
	test.Tap(button(t, w.Content(), "Save codes"))
	wantText(t, w.Content(), "Diagnosis: Z00")
	wantText(t, w.Content(), "(primary)")
	wantText(t, w.Content(), "Procedure: Foot examination")
	var got chart.Visit
	for _, v := range s.chart.c.Visits {
		got = v
	}
	if len(got.Diagnoses) != 2 || got.Diagnoses[0].Code != "E119" || got.Diagnoses[0].Primary || !got.Diagnoses[1].Primary {
		t.Errorf("diagnoses stored: %+v", got.Diagnoses)
	}
}
