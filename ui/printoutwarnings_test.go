package ui

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"chartkeeper/chart"
	"chartkeeper/report"
)

// TestPrintoutWarningsInFrench: with French chosen, the printout's
// "Check the printout" line names the field of a list's line and the
// script the fonts cannot draw in French, as report writes them with the
// workstation's translator.
func TestPrintoutWarningsInFrench(t *testing.T) {
	p := newPractice(t)
	ws, w := open(t, p.dir)
	setLanguageSetting(ws.app, "fr")
	applyLanguage(ws.app)
	t.Cleanup(func() { // the translations are Fyne's, shared by the package's tests
		setLanguageSetting(ws.app, "")
		applyLanguage(ws.app)
	})
	c := &chart.Chart{Patient: p.patient, Allergies: []chart.Allergy{
		{Substance: "Penicillin", Status: "active"},
		{Substance: "Latex 𠀋𠀌", Status: "inactive"}, // Han beyond the Basic Multilingual Plane: no bundled font
	}}
	var buf bytes.Buffer
	warns, err := report.Summary(&buf, report.Page{T: translateMessage, Practice: "Test Clinic", PrintedBy: "Dr Smith", PrintedAt: time.Now()}, c, 0)
	if err != nil {
		t.Fatal(err)
	}
	ws.showPrintout(&printout{title: "Résumé", file: "summary.pdf", pdf: buf.Bytes(), warnings: warns})
	top := w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no printout dialog")
	}
	wantText(t, top, "Vérifiez")
	wantText(t, top, "allergie 2, substance : 2 caractères (idéogrammes han)")
	for _, english := range []string{"allergy", "Han)", "cannot be drawn"} {
		for _, s := range texts(top) {
			if strings.Contains(s, english) {
				t.Errorf("the printout dialog says %q: %s", english, s)
			}
		}
	}
}
