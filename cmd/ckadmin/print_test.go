package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"chartkeeper/chart"
)

// pdfText extracts a PDF's text with pdftotext (poppler-utils, installed
// by make test).
func pdfText(t *testing.T, path string) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil && os.Getenv("CI") == "" {
		t.Skip("pdftotext is not installed (make test installs poppler-utils)")
	}
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", path, err)
	}
	return string(out)
}

func TestPrint(t *testing.T) {
	p := newPractice(t)
	p.addStaff()
	r := p.as("desk", userPass, "patient", "add", "--family", "Παπαδοπούλου-Τεστ", "--given", "Ζωή", "--dob", "1979-09-21", "--sex", "female")
	wantCode(t, "patient add", r, 0)
	mrn := lastLine(r.stdout)
	var visitID string
	p.withChart("doc", func(svc *chart.Service) {
		id, err := svc.PatientByMRN(mrn)
		if err != nil {
			t.Fatal(err)
		}
		v := chart.Visit{Meta: chart.Meta{Patient: id}, Date: "2026-03-02", Reason: "Testreason sore throat", Plan: "Rest and fluids."}
		if err := svc.SaveVisit(&v); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SignVisit(v.ID, v.Rev); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AmendVisit(v.ID, "Testamendment: throat swab negative.", "result arrived"); err != nil {
			t.Fatal(err)
		}
		visitID = v.ID
	})
	dir := t.TempDir()
	out := func(name string) string { return filepath.Join(dir, name) }

	r = p.as("doc", userPass, "print", "summary", "--mrn", mrn, "--out", out("summary.pdf"))
	wantCode(t, "print summary", r, 0)
	text := pdfText(t, out("summary.pdf"))
	for _, want := range []string{"Παπαδοπούλου-Τεστ", "Ζωή", mrn, "Testreason sore throat", "Printed by Dana Doctor"} {
		if !strings.Contains(text, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	if fi, err := os.Stat(out("summary.pdf")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("summary.pdf mode %v, %v: want 0600", fi.Mode().Perm(), err)
	}

	r = p.as("doc", userPass, "print", "visit", "--id", visitID, "--out", out("visit.pdf"))
	wantCode(t, "print visit", r, 0)
	if text := pdfText(t, out("visit.pdf")); !strings.Contains(text, "Testamendment: throat swab negative.") || !strings.Contains(text, "Rest and fluids.") {
		t.Errorf("visit note:\n%s", text)
	}

	r = p.as("desk", userPass, "print", "cover", "--mrn", mrn, "--category", "lab", "--out", out("cover.pdf"))
	wantCode(t, "print cover", r, 0)
	r = p.as("desk", userPass, "print", "labels", "--mrn", mrn, "--out", out("labels.pdf"))
	wantCode(t, "print labels", r, 0)
	if text := pdfText(t, out("labels.pdf")); strings.Count(text, mrn) < 30 {
		t.Errorf("labels: %d MRNs on the sheet", strings.Count(text, mrn))
	}

	// refusals name the roles that may, and write no file
	r = p.as("desk", userPass, "print", "summary", "--mrn", mrn, "--out", out("desk-summary.pdf"))
	wantCode(t, "front desk prints a summary", r, exitRefused)
	wantOutput(t, "front desk prints a summary", r, "only clinicians or health information managers may")
	r = p.as("coder", userPass, "print", "labels", "--mrn", mrn, "--out", out("coder-labels.pdf"))
	wantCode(t, "coder prints labels", r, exitRefused)
	wantOutput(t, "coder prints labels", r, "only front desk staff, clinicians or health information managers may")
	for _, f := range []string{"desk-summary.pdf", "coder-labels.pdf"} {
		if _, err := os.Stat(out(f)); err == nil {
			t.Errorf("%s was written after a refusal", f)
		}
	}
	r = p.as("desk", userPass, "print", "cover", "--mrn", mrn, "--category", "x-rays", "--out", out("c.pdf"))
	wantCode(t, "unknown category", r, exitUsage)

	// every print is audited
	r = p.admin("audit", "list", "--mrn", mrn)
	for _, want := range []string{"doc\tprint.summary\t" + mrn, "doc\tprint.visit\t" + mrn, "desk\tprint.cover\t" + mrn, "desk\tprint.labels\t" + mrn} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("audit lacks %q", want)
		}
	}
}
