package ui

import (
	"slices"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
)

// TestChartInFrench: with the workstation in French, the chart's tabs,
// summary, forms and questions are French, and the vital signs trend,
// whose choice shows French names, still plots the measure chosen.
func TestChartInFrench(t *testing.T) {
	p, s, w := glancePractice(t)
	t.Cleanup(func() { // the translations are Fyne's, shared by the package's tests
		setLanguageSetting(s.ws.app, "")
		applyLanguage(s.ws.app)
	})
	setLanguageSetting(s.ws.app, "fr")
	applyLanguage(s.ws.app)
	s.openChart(p.patient.ID)
	v := s.chart

	var tabs []string
	for _, it := range v.tabs.Items {
		tabs = append(tabs, it.Text)
	}
	if tabs[tabVisits] != "Consultations" || tabs[tabVitals] != "Constantes" || tabs[tabImmunizations] != "Vaccinations" {
		t.Errorf("the chart's tabs in French: %q", tabs)
	}
	wantText(t, w.Content(), "Problèmes actifs")
	wantText(t, w.Content(), " ans · ") // the header's age
	wantText(t, w.Content(), "né(e) le ")
	wantText(t, w.Content(), "Consultations récentes (5 sur 7 ; toutes sous Consultations)")
	noText(t, w.Content(), "Recent visits")

	v.tabs.SelectIndex(tabVitals)
	v = s.chart
	if got := v.trendChoice.Options; len(got) != 3 || got[0] != "Poids" || got[1] != "IMC" || got[2] != "Tension artérielle" {
		t.Errorf("the trend's choices in French: %q", got)
	}
	if c := v.trend.chart; c.Title != "Poids" || len(c.Series) != 1 || len(c.Series[0].Points) != 3 {
		t.Errorf("the weight plot: %+v", c)
	}
	v.trendChoice.SetSelected("Tension artérielle")
	c := v.trend.chart
	if c.Title != "Tension artérielle" || len(c.Series) != 2 || c.Series[0].Name != "Systolique" || c.Series[1].Points[0].Value != 82 {
		t.Errorf("the blood pressure plot in French: %+v", c)
	}
	v.trendChoice.SetSelected(trendBMI) // by its constant, as the tour does
	if c := v.trend.chart; v.trendChoice.Selected != "IMC" || c.Title != "IMC" || c.Band == nil {
		t.Errorf("chosen by its constant, the trend shows %q: %+v", v.trendChoice.Selected, c)
	}

	// A new problem typed, then left: the question is one French sentence.
	v.tabs.SelectIndex(tabProblems)
	test.Tap(button(t, w.Content(), "Ajouter un problème"))
	wantText(t, w.Content(), "Nouveau problème")
	test.Type(entryWith(t, w.Content(), "saisissez un code ou des mots à rechercher"), "I10")
	w.Canvas().Focused().(*entry).TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	d := dialogOn(t, w)
	wantText(t, d, "Abandonner vos modifications : le nouveau problème de "+p.patient.Name()+" ?")
	test.Tap(button(t, d, "Abandonner"))
	wantText(t, w.Content(), "Essential (primary) hypertension") // the list again
	wantText(t, w.Content(), "résolu")                           // a stored status, in words

	// An allergy chosen "sévère" is stored as the chart's word for it.
	s.chart.tabs.SelectIndex(tabAllergies)
	test.Tap(button(t, w.Content(), "Ajouter une allergie"))
	test.Type(entryWith(t, w.Content(), "ce à quoi le patient réagit"), "Latex")
	sev := find(t, w.Content(), func(sel *widget.Select) bool { return slices.Contains(sel.Options, "sévère") })
	if sev.Selected != "inconnu" {
		t.Errorf("a new allergy's severity shows %q", sev.Selected)
	}
	sev.SetSelected("sévère")
	test.Tap(button(t, w.Content(), "Enregistrer"))
	var latex *chart.Allergy
	for i, a := range s.chart.c.Allergies {
		if a.Substance == "Latex" {
			latex = &s.chart.c.Allergies[i]
		}
	}
	if latex == nil || latex.Severity != "severe" || latex.Status != "active" {
		t.Fatalf("the allergy stored: %+v", latex)
	}
	wantText(t, w.Content(), "Latex (sévère)") // the banner
}

// TestAgeTextAsChart: in English the chart header's age reads as the
// chart package words it (chart.AgeText), stopped at a death.
func TestAgeTextAsChart(t *testing.T) {
	on := time.Date(2026, 12, 7, 15, 0, 0, 0, time.Local)
	for d := 0; d < 4000; d += 3 {
		p := chart.Patient{DOB: on.AddDate(0, 0, -d).Format(time.DateOnly)}
		if got, want := ageText(p, on), p.AgeText(on); got != want {
			t.Fatalf("born %s: the header says %q, the chart %q", p.DOB, got, want)
		}
	}
	for _, p := range []chart.Patient{
		{DOB: "1950-01-31", Deceased: true, DeceasedDate: "2020-06-01"},
		{DOB: "1950-01-31", Deceased: true},
		{DOB: "2027-01-01"},
		{DOB: "1950"},
	} {
		if got, want := ageText(p, on), p.AgeText(on); got != want {
			t.Errorf("%+v: the header says %q, the chart %q", p, got, want)
		}
	}
}
