package ui

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"chartkeeper/chart"
	"chartkeeper/internal/plain"
	"chartkeeper/report"
)

// TestMessagesInFrench: with French chosen, the sentences internal/plain
// makes for the workstation (field names and problems from chart among
// them) and the labels of a printout are French; data stays as typed.
func TestMessagesInFrench(t *testing.T) {
	a := test.NewTempApp(t)
	setLanguageSetting(a, "fr")
	applyLanguage(a)
	t.Cleanup(func() { // the translations are Fyne's, shared by the package's tests
		setLanguageSetting(a, "")
		applyLanguage(a)
	})

	ve := &chart.ValidationError{What: "filing", Fields: []chart.FieldError{{Field: "category", Message: "is required"}}}
	if got, want := plain.Sentence(plain.Workstation, ve), "Le classement n'a pas été enregistré. Catégorie : obligatoire."; got != want {
		t.Errorf("the refused filing reads %q, want %q", got, want)
	}

	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext is not installed")
	}
	var buf bytes.Buffer
	p := chart.Patient{Family: "Testová", Given: "Žofie", MRN: "48151625", DOB: "1984-03-09"}
	v := chart.Visit{Date: "2026-11-01", Reason: "Contrôle test", Clinician: "Dr Ada Testwell"}
	if _, err := report.VisitNote(&buf, report.Page{T: translateMessage, Practice: "Hillside Test Clinic", PrintedBy: "Dr Ada Testwell"}, p, v, nil); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "note.pdf")
	if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(pdftotext, file, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	for _, want := range []string{"Note de consultation", "Page 1 sur 1", "NON SIGNÉE", "Testová, Žofie", "Contrôle test"} {
		if !strings.Contains(text, want) {
			t.Errorf("the French visit note lacks %q:\n%s", want, text)
		}
	}
	for _, english := range []string{"Visit note", "Page 1 of", "NOT SIGNED", "Printed by"} {
		if strings.Contains(text, english) {
			t.Errorf("the French visit note still says %q", english)
		}
	}
}
