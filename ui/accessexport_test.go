package ui

import (
	"archive/zip"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2/test"
)

func TestPatientAccessExport(t *testing.T) {
	p := newPractice(t)
	s, w := openChartAs(t, p, "mlopez")
	out := filepath.Join(t.TempDir(), "record.zip")
	saveTo(t, out)

	shortcut(w, shortcutPrint)
	test.Tap(button(t, dialogOn(t, w), "Patient access export…"))
	d := dialogOn(t, w)
	recipient := entryWith(t, d, "the patient, or their representative's name")
	recipient.SetText("")
	test.Type(recipient, "Ngozi Okafor (daughter), test")
	test.Tap(button(t, d, "Choose where to save…"))

	wantText(t, dialogOn(t, w), "Saved as "+out)
	info, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("the export has mode %v, want 0600", info.Mode().Perm())
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if len(zr.File) != 3 || zr.File[1].Name != "summary.pdf" || zr.File[2].Name != "record.fhir.json" {
		t.Errorf("the zip holds %d files", len(zr.File))
	}
	ds, err := s.svc.Disclosures(p.patient.ID)
	if err != nil || len(ds) != 1 || ds[0].Recipient != "Ngozi Okafor (daughter), test" {
		t.Errorf("disclosures: %+v, %v", ds, err)
	}
}

// Front desk staff are not offered it.
func TestPatientAccessExportNotOfferedToFrontDesk(t *testing.T) {
	p := newPractice(t)
	_, w := openChartAs(t, p, "desk")
	shortcut(w, shortcutPrint)
	if hasButton(dialogOn(t, w), "Patient access export…") {
		t.Error("front desk staff are offered the patient access export")
	}
}
