package ui

import (
	"fmt"
	"image"
	"image/color"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
)

// bannerText is everything the chart's allergy banner says.
func bannerText(t *testing.T, v *chartView) string {
	t.Helper()
	if v == nil || v.banner == nil {
		t.Fatal("no chart with an allergy banner is open")
	}
	var parts []string
	walk(v.banner, func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.RichText:
			parts = append(parts, x.String())
		case *widget.Label:
			parts = append(parts, x.Text)
		}
	})
	return strings.Join(parts, " ")
}

// bannerRed lists the banner's text shown in the error (red) colour.
func bannerRed(v *chartView) string {
	var out []string
	walk(v.banner, func(o fyne.CanvasObject) {
		if rt, ok := o.(*widget.RichText); ok {
			for _, sg := range rt.Segments {
				if ts, ok := sg.(*widget.TextSegment); ok && ts.Style.ColorName == theme.ColorNameError {
					out = append(out, ts.Text)
				}
			}
		}
	})
	return strings.Join(out, "")
}

// tableRow is what row r of a table shows, column by column.
func tableRow(tb *recordTable, r int) []string {
	out := make([]string, len(tb.cols))
	for c, col := range tb.cols {
		out[c] = col.text(tb.order[r])
	}
	return out
}

// column lists what one column of a table shows, top to bottom.
func column(tb *recordTable, c int) []string {
	var out []string
	for r := range tb.order {
		out = append(out, tableRow(tb, r)[c])
	}
	return out
}

// tapRow clicks the first row of a table that shows text in a cell.
func tapRow(t *testing.T, tb *recordTable, text string) {
	t.Helper()
	if tb == nil {
		t.Fatal("no table is shown")
	}
	for r := range tb.order {
		for _, cell := range tableRow(tb, r) {
			if strings.Contains(cell, text) {
				tb.Select(widget.TableCellID{Row: r, Col: 0})
				return
			}
		}
	}
	t.Fatalf("no row shows %q", text)
}

// headerButton is the header of a table's column, as drawn.
func headerButton(t *testing.T, tb *recordTable, title string) *widget.Button {
	t.Helper()
	return find(t, tb, func(b *widget.Button) bool { return b.Text == title })
}

// The banner says one of three things, always above the tabs: the active
// allergies in red, "No known allergies" as a clinician recorded it (and
// recording an allergy supersedes it), or "Allergies not recorded". A role
// that does not see the clinical chart is told so.
func TestAllergyBannerStates(t *testing.T) {
	p := newPractice(t)
	s, w := openChartAs(t, p, "drsmith")
	if got := bannerRed(s.chart); !contains(got, "Penicillin") || !contains(got, "severe") {
		t.Errorf("the banner's red text is %q, want the allergy", got)
	}

	pt, _, err := s.svc.RegisterPatient(chart.Patient{Family: "Nováková", Given: "Zuzana", DOB: "1988-11-30", Sex: chart.Female})
	if err != nil {
		t.Fatal(err)
	}
	s.openChart(pt.ID)
	if got := bannerText(t, s.chart); !contains(got, "Allergies not recorded") {
		t.Fatalf("a chart without allergies: the banner says %q", got)
	}
	if bannerRed(s.chart) != "" {
		t.Error("the banner shows red text without an allergy")
	}
	// Every tab keeps the banner in view.
	for i := range s.chart.tabs.Items {
		s.chart.tabs.SelectIndex(i)
		if !s.chart.banner.Visible() {
			t.Errorf("tab %d hides the banner", i)
		}
	}

	test.Tap(button(t, s.chart.banner, "No known allergies…"))
	test.Tap(button(t, dialogOn(t, w), "Record no known allergies"))
	got := bannerText(t, s.chart)
	if !contains(got, "No known allergies") || !contains(got, "by Dana Smith") || contains(got, "not recorded") {
		t.Errorf("after recording: the banner says %q", got)
	}
	s.chart.tabs.SelectIndex(tabAllergies)
	wantText(t, s.detail, "No known allergies, recorded")

	// Recording an allergy supersedes it.
	test.Tap(button(t, s.detail, "Add allergy"))
	substance := entryWith(t, s.detail, "what the patient reacts to")
	test.Type(substance, "Latex")
	test.Type(entryWith(t, s.detail, "optional"), "Hives")
	substance.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if got := bannerRed(s.chart); !contains(got, "Latex") || !contains(got, "Hives") {
		t.Errorf("after an allergy: the banner's red text is %q", got)
	}
	if got := bannerText(t, s.chart); contains(got, "No known allergies") {
		t.Errorf("a superseded statement still shows: %q", got)
	}
	if n := s.chart.c.NoKnownAllergies; len(n) != 1 || !n[0].Superseded {
		t.Errorf("the statement after an allergy: %+v", n)
	}
	if hasButton(s.detail, "Record no known allergies…") {
		t.Error("no known allergies is offered while an allergy is active")
	}
	// The allergies table shows the active one in red.
	tb := s.chart.tables[tabAllergies]
	if r := tb.rowOf(0); r < 0 || !tb.danger(0) {
		t.Error("the active allergy is not shown in red")
	}

	s.lock()
	signInAs(t, w, "desk", testPassword)
	s = sessionOf(t, s.ws)
	s.openChart(pt.ID)
	if got := bannerText(t, s.chart); !contains(got, bannerHidden) || contains(got, "Latex") {
		t.Errorf("front desk's banner says %q", got)
	}
}

// glancePractice adds to the test patient's chart what the summary shows:
// problems, medications, vital signs and visits.
func glancePractice(t *testing.T) (*practice, *session, fyne.Window) {
	t.Helper()
	p := newPractice(t)
	s, w := openChartAs(t, p, "drsmith")
	pid := p.patient.ID
	save := func(it chart.Item) {
		t.Helper()
		if err := s.svc.Save(it); err != nil {
			t.Fatal(err)
		}
	}
	save(&chart.Problem{Meta: chart.Meta{Patient: pid}, Code: "E11.9", Description: "Type 2 diabetes mellitus without complications", Onset: "2019-05", Status: "active"})
	save(&chart.Problem{Meta: chart.Meta{Patient: pid}, Code: "I10", Description: "Essential (primary) hypertension", Onset: "2021-02-03", Status: "active"})
	save(&chart.Problem{Meta: chart.Meta{Patient: pid}, Code: "J45909", Description: "Unspecified asthma, uncomplicated", Onset: "2004", Status: "resolved"})
	save(&chart.Medication{Meta: chart.Meta{Patient: pid}, Name: "Metformin", Dose: "500 mg", Route: "oral", Frequency: "twice daily", Start: "2023-02-01"})
	save(&chart.Medication{Meta: chart.Meta{Patient: pid}, Name: "Salbutamol inhaler", Start: "2004-01-01", Stop: "2010-06-30"})
	for _, x := range []struct {
		days            int
		sys, dia, pulse int
		weight, tempC   float64
		spo2            int
	}{
		{400, 142, 91, 80, 96.5, 0, 0},
		{200, 135, 86, 76, 92, 0, 0},
		{10, 128, 82, 71, 88.2, 36.8, 98},
	} {
		save(&chart.Vitals{Meta: chart.Meta{Patient: pid}, Taken: time.Now().AddDate(0, 0, -x.days).Truncate(time.Minute),
			Systolic: x.sys, Diastolic: x.dia, WeightKg: x.weight, HeightCm: 178, Pulse: x.pulse, TempC: x.tempC, SpO2: x.spo2})
	}
	for i := range 7 {
		v := chart.Visit{Meta: chart.Meta{Patient: pid}, Date: time.Now().AddDate(0, -i, 0).Format(time.DateOnly),
			Reason: fmt.Sprintf("Review %d of diabetes", 7-i), Subjective: "Well."}
		if err := s.svc.SaveVisit(&v); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if _, err := s.svc.SignVisit(v.ID, v.Rev); err != nil {
				t.Fatal(err)
			}
		}
	}
	s.openChart(pid)
	return p, s, w
}

// The summary tab shows the active problems with dotted codes, the current
// medications, the last vital signs and the recent visits themselves, not
// counts of them.
func TestSummaryAtAGlance(t *testing.T) {
	_, s, _ := glancePractice(t)
	s.chart.tabs.SelectIndex(tabSummary)
	sum := s.chart.tabs.Selected().Content
	for _, want := range []string{
		"Active problems", "E11.9", "Type 2 diabetes mellitus without complications · since 2019-05", "I10",
		"Current medications", "Metformin", "500 mg · oral · twice daily · since 2023-02-01",
		"Last vital signs", time.Now().AddDate(0, 0, -10).Format(time.DateOnly),
		"BP 128/82 mmHg · pulse 71/min · 36.8 °C · SpO₂ 98 % · 88.2 kg · 178 cm · BMI 27.8",
		"Recent visits (5 of 7; all under Visits)", "Review 7 of diabetes · Dana Smith · signed", "Review 3 of diabetes",
		"Contact and identifiers", "555-0100",
	} {
		wantText(t, sum, want)
	}
	for _, bad := range []string{"J45", "asthma", "Salbutamol", "Review 2 of", "active problem", "current medication", "142/91", "E119"} {
		noText(t, sum, bad)
	}
}

// Problems, medications, vital signs and visits are tables, newest first;
// a click on a header sorts by it, a second reverses; the keyboard moves
// along the rows and Enter opens one. Codes show with their dot.
func TestTablesSortAndOpen(t *testing.T) {
	_, s, _ := glancePractice(t)
	v := s.chart

	v.tabs.SelectIndex(tabProblems)
	pt := v.tables[tabProblems]
	if got := column(pt, 0); strings.Join(got, " ") != "I10 E11.9 J45.909" {
		t.Errorf("problem codes by onset, newest first: %q", got)
	}
	test.Tap(headerButton(t, pt, "Problem"))
	if got := column(pt, 1); !strings.HasPrefix(got[0], "Essential") || !strings.HasPrefix(got[2], "Unspecified") {
		t.Errorf("problems A to Z: %q", got)
	}
	test.Tap(headerButton(t, pt, "Problem"))
	if got := column(pt, 1); !strings.HasPrefix(got[0], "Unspecified") {
		t.Errorf("problems Z to A: %q", got)
	}

	v.tabs.SelectIndex(tabMedications)
	if got := column(v.tables[tabMedications], 0); strings.Join(got, ", ") != "Metformin, Salbutamol inhaler" {
		t.Errorf("medications newest first: %q", got)
	}

	v.tabs.SelectIndex(tabVitals)
	vt := v.tables[tabVitals]
	if got := column(vt, 1); strings.Join(got, " ") != "128/82 135/86 142/91" {
		t.Errorf("vital signs newest first: %q", got)
	}
	test.Tap(headerButton(t, vt, "kg"))
	if got := column(vt, 5); strings.Join(got, " ") != "96.5 92 88.2" {
		t.Errorf("by weight, heaviest first: %q", got)
	}

	v.tabs.SelectIndex(tabVisits)
	vs := v.tables[tabVisits]
	if got := column(vs, 1); got[0] != "Review 7 of diabetes" || got[6] != "Review 1 of diabetes" {
		t.Errorf("visits newest first: %q", got)
	}
	test.Tap(headerButton(t, vs, "Date"))
	if got := column(vs, 1); got[0] != "Review 1 of diabetes" {
		t.Errorf("visits oldest first after a click on Date: %q", got)
	}
}

// Enter on the visits table opens the visit the keyboard is on.
func TestTableKeyboardOpensRow(t *testing.T) {
	_, s, w := glancePractice(t)
	s.chart.tabs.SelectIndex(tabVisits)
	vs := s.chart.tables[tabVisits]
	// Tab from "New visit" reaches the table (through its headers).
	w.Canvas().Focus(button(t, s.detail, "New visit"))
	for range 12 {
		if w.Canvas().Focused() == vs {
			break
		}
		w.Canvas().FocusNext()
	}
	if w.Canvas().Focused() != vs {
		t.Fatalf("Tab from New visit does not reach the visits table; the focus is on %T", w.Canvas().Focused())
	}
	vs.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
	vs.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
	vs.TypedKey(&fyne.KeyEvent{Name: fyne.KeyUp})
	vs.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	// The second row is the second newest visit, unsigned: its editor.
	e := entryWith(t, s.detail, "why the patient came")
	if e.Text != "Review 6 of diabetes" {
		t.Errorf("Enter opened %q, want the second row", e.Text)
	}
}

// The vital signs tab plots weight, BMI and blood pressure from the
// recorded vital signs.
func TestVitalsTrendPlot(t *testing.T) {
	_, s, w := glancePractice(t)
	s.chart.tabs.SelectIndex(tabVitals)
	v := s.chart
	c := v.trend.chart
	if c.Title != "Weight" || len(c.Series) != 1 || len(c.Series[0].Points) != 3 {
		t.Fatalf("the weight plot: %+v", c)
	}
	weights := map[float64]bool{}
	for _, pt := range c.Series[0].Points {
		weights[pt.Value] = true
	}
	if !weights[96.5] || !weights[92] || !weights[88.2] {
		t.Errorf("weights plotted: %v", weights)
	}
	w.Resize(fyne.NewSize(1024, 700))
	img := v.trend.img.Image
	if img == nil || !v.trend.img.Visible() {
		t.Fatal("the weight plot was not drawn")
	}
	if !hasColour(img, color.RGBA{R: 0x1f, G: 0x4e, B: 0x99, A: 0xff}) {
		t.Error("the weight plot has no line in its colour")
	}

	v.trendChoice.SetSelected(trendBP)
	c = v.trend.chart
	if c.Title != "Blood pressure" || len(c.Series) != 2 || len(c.Series[0].Points) != 3 || c.Series[1].Points[0].Value != 82 {
		t.Errorf("the blood pressure plot: %+v", c)
	}
	v.trendChoice.SetSelected(trendBMI)
	c = v.trend.chart
	if c.Band == nil || len(c.Series[0].Points) != 3 || c.Series[0].Points[0].Value != 27.8 {
		t.Errorf("the BMI plot: %+v", c)
	}
	w.Resize(fyne.NewSize(1000, 690))
	if v.trend.img.Image == nil || !hasColour(v.trend.img.Image, color.RGBA{R: 0x1f, G: 0x4e, B: 0x99, A: 0xff}) {
		t.Error("the BMI plot was not drawn")
	}
}

func hasColour(img image.Image, want color.RGBA) bool {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if uint8(r>>8) == want.R && uint8(g>>8) == want.G && uint8(bl>>8) == want.B {
				return true
			}
		}
	}
	return false
}
