package ui

import (
	"fmt"
	"image/color"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/lang"
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

// labResult is a laboratory result of the patient, days ago, with a LOINC
// code when loinc is not empty.
func labResult(patient, name, loinc, value, unit, low, high string, days int) *chart.Result {
	r := &chart.Result{Meta: chart.Meta{Patient: patient}, Taken: time.Now().Add(-time.Duration(days) * 24 * time.Hour), Name: name,
		Category: "laboratory", Value: value, Unit: unit, Low: low, High: high}
	if loinc != "" {
		r.Codings = []chart.Coding{{System: chart.SystemLOINC, Code: loinc, Display: name}}
	}
	return r
}

// TestResultsTrend: the Results tab plots the chosen test over time with
// its range and flagged values; a row of the table picks its test; a test
// with fewer than two values in numbers says so instead of plotting.
func TestResultsTrend(t *testing.T) {
	p := newPractice(t)
	s, w := openChartAs(t, p, "drsmith")
	id := p.patient.ID
	for _, r := range []*chart.Result{
		labResult(id, "Hemoglobin A1c", "4548-4", "7.9", "%", "4.0", "5.6", 300),
		labResult(id, "HbA1c", "4548-4", "7.1", "%", "4.0", "5.6", 200), // the same test by its code, another name
		labResult(id, "Hemoglobin A1c", "4548-4", "5.4", "%", "4.0", "5.6", 100),
		labResult(id, "Cholesterol", "2093-3", "231", "mg/dL", "", "200", 50),
		{Meta: chart.Meta{Patient: id}, Taken: time.Now().Add(-time.Hour), Name: "Tobacco smoking status", Category: "social-history", Text: "Never smoked"},
	} {
		if err := s.svc.Save(r); err != nil {
			t.Fatal(err)
		}
	}
	s.openChart(id)
	w.Resize(fyne.NewSize(1366, 768))
	s.chart.tabs.SelectIndex(tabResults)
	rt := s.chart.labTrend
	if rt == nil || rt.shown != "loinc:4548-4" {
		t.Fatalf("the tab shows the trend of %q, want the HbA1c's (its newest result with two values)", rt.shown)
	}
	c := rt.plot.chart
	if len(c.Series) != 1 || len(c.Series[0].Points) != 3 || c.Band == nil || c.Band[0] != 4 || c.Band[1] != 5.6 || c.Unit != "%" {
		t.Fatalf("the HbA1c chart: %+v", c)
	}
	flagged := 0
	for _, pt := range c.Series[0].Points {
		if pt.Flagged {
			flagged++
		}
	}
	if flagged != 2 {
		t.Errorf("%d values flagged, want 2", flagged)
	}
	img := rt.plot.img.Image
	if img == nil || !rt.plot.Visible() || !rt.plot.img.Visible() {
		t.Fatal("the HbA1c trend was not drawn")
	}
	if !hasColour(img, color.RGBA{R: 0x1f, G: 0x4e, B: 0x99, A: 0xff}) || !hasColour(img, color.RGBA{R: 0xe3, G: 0xf1, B: 0xe3, A: 0xff}) {
		t.Error("the HbA1c trend has no line or no range band")
	}
	if !hasColour(img, color.RGBA{R: 0xd0, G: 0x10, B: 0x10, A: 0xff}) {
		t.Error("the flagged values are not marked")
	}
	wantText(t, s.detail, "Hemoglobin A1c (3)")

	// A row of the table: the cholesterol's single value.
	for i, r := range rt.rows {
		if r.Name == "Cholesterol" {
			rt.table.Select(widget.TableCellID{Row: i, Col: 1})
		}
	}
	if rt.shown != "loinc:2093-3" || rt.plot.Visible() {
		t.Fatalf("selecting the cholesterol row shows %q (plot visible %v)", rt.shown, rt.plot.Visible())
	}
	wantText(t, s.detail, "Cholesterol has only one value in numbers (231 mg/dL on ")
	wantText(t, s.detail, "a trend needs at least two.")

	// The picker: a result in words.
	for _, o := range rt.pick.Options {
		if strings.HasPrefix(o, "Tobacco smoking status") {
			rt.pick.SetSelected(o)
		}
	}
	wantText(t, s.detail, "Tobacco smoking status has no value in numbers to plot over time.")
	rt.pick.SetSelected(rt.opts["loinc:4548-4"])
	if !rt.plot.Visible() || rt.say.Visible() {
		t.Error("back to the HbA1c, the plot is not shown")
	}

	// The summary lists the newest results outside their range.
	s.chart.tabs.SelectIndex(tabSummary)
	wantText(t, s.detail, "Results outside their range")
	wantText(t, s.detail, "Cholesterol · 231 mg/dL (H) · range ≤ 200")
	wantText(t, s.detail, "HbA1c · 7.1 % (H) · range 4.0–5.6")
}

// TestResultsOnTheHomes: a result filed to the clinician's patient after
// they signed in shows on their home (flagged), opens the chart at the
// Results tab on its test, and is gone from the home after; the front
// desk's home has no results and no error.
func TestResultsOnTheHomes(t *testing.T) {
	p := newPractice(t)
	as(t, p.dir, "drsmith", func(svc *chart.Service) {
		signedVisit(t, svc, p.patient.ID, time.Now().AddDate(0, 0, -9).Format(time.DateOnly), "a review", true)
		if err := svc.Save(labResult(p.patient.ID, "Glucose", "2345-7", "92", "mg/dL", "70", "99", 8)); err != nil {
			t.Fatal(err)
		}
	})
	ws, w := open(t, p.dir)
	w.Resize(fitLimit)
	signInAs(t, w, "drsmith", testPassword) // the mark of this sign-in
	time.Sleep(10 * time.Millisecond)
	// Imported after the sign-in (here in the same session, as an import
	// would).
	if err := sessionOf(t, ws).svc.Save(labResult(p.patient.ID, "Hemoglobin A1c", "4548-4", "8.1", "%", "4.0", "5.6", 1)); err != nil {
		t.Fatal(err)
	}
	sessionOf(t, ws).signOut()

	signInAs(t, w, "desk", testPassword)
	noText(t, w.Content(), "results")
	noText(t, w.Content(), "could not")
	sessionOf(t, ws).signOut()

	signInAs(t, w, "drsmith", testPassword)
	s := sessionOf(t, ws)
	wantText(t, w.Content(), "New results for your patients (1), outside their range first")
	noText(t, w.Content(), "Glucose") // before the last sign-in
	if m := w.Content().MinSize(); m.Width > fitLimit.Width || m.Height > fitLimit.Height {
		t.Errorf("the clinician home needs %.0f×%.0f", m.Width, m.Height)
	}
	openRow(t, w, "Okafor, Chidi · Hemoglobin A1c · 8.1 % (H) · ")
	if s.chart == nil || s.chart.tabs.SelectedIndex() != tabResults || s.chart.labTrend == nil || s.chart.labTrend.shown != "loinc:4548-4" {
		t.Fatal("the result did not open the chart at its Results tab, on its test")
	}
	s.goHome()
	wantText(t, w.Content(), "No new results for the patients you have seen.")
}

// TestResultsColumnsInView: the Results table's unit, range and flag stay
// within the table's width, without scrolling sideways, on a 1024×768
// screen at scale 1 (the find pane beside the chart) and at scale 1.5
// (683×512 units, the chart alone); the columns are wide enough for their
// text, and a test name too long for its column wraps onto a taller row.
// CHARTKEEPER_LANG=fr (or es, pt, sw) checks the headings in that language.
func TestResultsColumnsInView(t *testing.T) {
	p := newPractice(t)
	ws, w := open(t, p.dir)
	fitLanguage(t, ws)
	signInAs(t, w, "drsmith", testPassword)
	s := sessionOf(t, ws)
	id := p.patient.ID
	long := "Cholesterol in LDL [Mass/volume] in Serum or Plasma by calculation"
	for _, r := range []*chart.Result{
		labResult(id, "Hemoglobin A1c", "4548-4", "8.0", "%", "4.0", "5.6", 30),
		labResult(id, long, "13457-7", "162", "mg/dL", "", "130", 20),
		labResult(id, "Glucose", "2345-7", "209", "mg/dL", "70", "99", 10),
	} {
		if err := s.svc.Save(r); err != nil {
			t.Fatal(err)
		}
	}
	atBothFits(w, func(at string) {
		s.openChart(id)
		s.chart.tabs.SelectIndex(tabResults)
		table := find(t, s.chart.tabs.Selected().Content, func(*widget.Table) bool { return true })
		d := fyne.CurrentApp().Driver()
		edge := d.AbsolutePositionForObject(table).X + table.Size().Width
		if win := w.Canvas().Size().Width; edge > win+0.5 {
			t.Fatalf("%s: the table ends at %.0f, past the window's %.0f", at, edge, win)
		}
		// Every shown cell shows its whole text, and no column's end is
		// beyond the table's.
		labels := map[string]*widget.Label{}
		walk(table, func(o fyne.CanvasObject) {
			if l, ok := o.(*widget.Label); ok && l.Text != "" {
				labels[l.Text] = l
				if r := d.AbsolutePositionForObject(l).X + l.Size().Width; r > edge+0.5 {
					t.Errorf("%s: %q ends at %.0f, past the table's %.0f", at, l.Text, r, edge)
				}
				if shown := shownText(l); strings.Join(strings.Fields(shown), "") != strings.Join(strings.Fields(l.Text), "") {
					t.Errorf("%s: %q shows as %q in a column %.0f wide", at, l.Text, shown, l.Size().Width)
				}
			}
		})
		for _, want := range []string{lang.L("Unit"), lang.L("Flag"), lang.L("Range"), "mg/dL", "H", "70–99"} {
			if labels[want] == nil {
				t.Errorf("%s: %q is not shown in the table", at, want)
			}
		}
		name, one := labels[long], labels["Glucose"]
		switch {
		case name == nil || one == nil:
			t.Errorf("%s: the long and short test names are not both shown", at)
		case name.Size().Height < name.MinSize().Height-0.5 || name.Size().Height <= one.Size().Height:
			t.Errorf("%s: the long test name is %.0f high (it needs %.0f; a one-line name %.0f)", at, name.Size().Height, name.MinSize().Height, one.Size().Height)
		}
	})
}

// shownText is the text a label draws, its lines joined with spaces: a
// label too narrow for its text ends it with "…".
func shownText(l *widget.Label) string {
	var parts []string
	walk(l, func(o fyne.CanvasObject) {
		if t, ok := o.(*canvas.Text); ok && t.Text != "" {
			parts = append(parts, strings.TrimSpace(t.Text))
		}
	})
	return strings.Join(parts, " ")
}

// TestVitalsCellsWhole: the vital signs table shows every measure, date
// and heading whole at 1024×700 and at 683×512 units, in the chosen
// language; a table wider than its room scrolls across rather than cut
// "37.2" to "3…".
func TestVitalsCellsWhole(t *testing.T) {
	p := newPractice(t)
	ws, w := open(t, p.dir)
	fitLanguage(t, ws)
	signInAs(t, w, "drsmith", testPassword)
	s := sessionOf(t, ws)
	id := p.patient.ID
	for i, x := range []chart.Vitals{
		{Systolic: 142, Diastolic: 91, Pulse: 108, TempC: 37.2, SpO2: 100, WeightKg: 104.6, HeightCm: 178.5},
		{Systolic: 118, Diastolic: 76, Pulse: 64, TempC: 39.8, SpO2: 97, WeightKg: 74.6, HeightCm: 178},
	} {
		x.Meta = chart.Meta{Patient: id}
		x.Taken = time.Date(2024, 11, 11, 16, 5+i, 0, 0, time.Local)
		if err := s.svc.Save(&x); err != nil {
			t.Fatal(err)
		}
	}
	atBothFits(w, func(at string) {
		s.openChart(id)
		s.chart.tabs.SelectIndex(tabVitals)
		table := find(t, s.chart.tabs.Selected().Content, func(*recordTable) bool { return true })
		shown := map[string]bool{}
		check := func(text, drawn string, width float32) {
			if text == "" {
				return
			}
			shown[text] = true
			if strings.Join(strings.Fields(drawn), "") != strings.Join(strings.Fields(text), "") {
				t.Errorf("%s: %q shows as %q in a column %.0f wide", at, text, drawn, width)
			}
		}
		walk(table, func(o fyne.CanvasObject) {
			switch x := o.(type) {
			case *widget.Label:
				check(x.Text, shownText(x), x.Size().Width)
			case *widget.Button:
				if x.Text != "" && x.Size().Width < x.MinSize().Width-0.5 {
					t.Errorf("%s: the heading %q is %.0f wide; it needs %.0f", at, x.Text, x.Size().Width, x.MinSize().Width)
				}
			}
		})
		for _, want := range []string{"142/91", showNumber(37.2, 1), showNumber(104.6, 1), showNumber(178.5, 1)} {
			if !shown[want] {
				t.Errorf("%s: %q is not in the table", at, want)
			}
		}
	})
}

// atBothFits runs check with the window at the fit tests' two sizes:
// 1024×700 at scale 1, and 683×512 units (1024×768 at scale 1.5); at
// names the size for messages.
func atBothFits(w fyne.Window, check func(at string)) {
	for _, size := range []struct {
		scale  float32
		window fyne.Size
	}{{1, fitLimit}, {1.5, fitSmallScaled}} {
		w.Canvas().(test.WindowlessCanvas).SetScale(size.scale)
		w.Resize(size.window)
		check(fmt.Sprintf("%.0f×%.0f at scale %.1f", size.window.Width, size.window.Height, size.scale))
	}
}
