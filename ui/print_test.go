package ui

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
)

// saveTo makes "Save a copy…" write to path instead of asking.
func saveTo(t *testing.T, path string) {
	t.Helper()
	old := chooseSaveFile
	chooseSaveFile = func(_ fyne.Window, _ string, done func(io.WriteCloser, string, error)) {
		f, err := os.Create(path)
		done(f, path, err)
	}
	t.Cleanup(func() { chooseSaveFile = old })
}

func TestPrintSummaryToSavedCopy(t *testing.T) {
	p := newPractice(t)
	s, w := openChartAs(t, p, "drsmith")
	out := filepath.Join(t.TempDir(), "summary.pdf")
	saveTo(t, out)

	shortcut(w, shortcutPrint)
	test.Tap(button(t, dialogOn(t, w), "Patient summary"))
	d := dialogOn(t, w)
	find(t, d, func(r *widget.RadioGroup) bool { return true }).SetSelected("Given to someone outside the practice")
	test.Type(entryWith(t, d, "the person or organisation"), "Dr Ade, Hillside Cardiology")
	test.Type(entryWith(t, d, "e.g. referral, patient's request, insurer"), "referral")
	test.Tap(button(t, d, "Make the PDF"))

	d = dialogOn(t, w)
	wantText(t, d, "Patient summary of Okafor, Chidi is ready")
	test.Tap(button(t, d, "Save a copy…"))
	wantText(t, d, "Saved a copy as "+out)

	info, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("the saved copy has mode %v, want 0600", info.Mode().Perm())
	}
	s.lock()
	signInAs(t, w, "mlopez", testPassword)
	s = sessionOf(t, s.ws)
	ds, err := s.svc.Disclosures(p.patient.ID)
	if err != nil || len(ds) != 1 || ds[0].Recipient != "Dr Ade, Hillside Cardiology" {
		t.Errorf("disclosures: %+v, %v", ds, err)
	}

	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext is missing (poppler-utils)")
		}
		t.Skip("pdftotext is missing (poppler-utils)")
	}
	text, err := exec.Command(pdftotext, out, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(text), "Okafor") || !strings.Contains(string(text), "Penicillin") {
		t.Errorf("the summary does not show the patient:\n%s", text)
	}
}

func TestOpenPrintoutUsesPrivateTempFile(t *testing.T) {
	p := newPractice(t)
	s, w := openChartAs(t, p, "desk")
	var opened string
	old := openInViewer
	openInViewer = func(_ fyne.App, path string) error { opened = path; return nil }
	t.Cleanup(func() { openInViewer = old })

	shortcut(w, shortcutPrint)
	d := dialogOn(t, w)
	if hasButton(d, "Patient summary") {
		t.Error("front desk staff are offered a summary")
	}
	test.Tap(button(t, d, "Labels…"))
	test.Tap(button(t, dialogOn(t, w), "Print"))
	test.Tap(button(t, dialogOn(t, w), "Open in viewer"))
	info, err := os.Stat(opened)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("the temporary PDF has mode %v, want 0600", info.Mode().Perm())
	}
	s.lock()
	if _, err := os.Stat(opened); !os.IsNotExist(err) {
		t.Errorf("the temporary PDF stays after the lock: %v", err)
	}
}

func TestFrontDeskMayNotPrintSummary(t *testing.T) {
	p := newPractice(t)
	s, w := openChartAs(t, p, "desk")
	// The menu leaves the summary out; the service refuses it all the same.
	s.chart.render(chart.PrintSummary, nil, "Patient summary", nil)
	d := dialogOn(t, w)
	wantText(t, d, "Not printed")
	wantText(t, d, "clinicians")
	wantText(t, d, "health information managers")
}
