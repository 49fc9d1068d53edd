package report_test

import (
	"bytes"
	"testing"

	"chartkeeper/chart"
	"chartkeeper/report"
)

const practiceID = "3f7a9c1e5b2d4f60817263544a5b6c7d"

func TestCoverSheet(t *testing.T) {
	p := patient(t, "Иванова-Тестова", "Мария")
	var buf bytes.Buffer
	ws, err := report.CoverSheet(&buf, testPage(), practiceID, p, "lab")
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 0 {
		t.Errorf("warnings: %q", ws)
	}
	pdf := buf.Bytes()
	if n := pageCount(t, pdf); n != 1 {
		t.Errorf("cover sheet has %d pages, want 1", n)
	}
	ps := pages(t, pdf)
	furniture(t, ps, testPage(), p)
	contains(t, "cover sheet", ps[0], "SCAN COVER SHEET", "Иванова-Тестова, Мария", "MRN "+p.MRN, "Laboratory result",
		"Place this sheet on top of the documents and scan.")

	// The QR code on the printed page reads back as the payload.
	got := decodeQR(t, render(t, pdf, 1, 150))
	sheet := chart.CoverSheet{PracticeID: practiceID, PatientID: p.ID, MRN: p.MRN, Category: "lab"}
	if want := sheet.Payload(); got != want {
		t.Fatalf("QR reads %q, want %q", got, want)
	}
	if c, err := chart.ParseCoverSheet(got); err != nil || c != sheet {
		t.Errorf("ParseCoverSheet(%q) = %+v %v", got, c, err)
	}
}

func TestCoverSheetRefuses(t *testing.T) {
	p := patient(t, "Testová", "Žofie")
	if _, err := report.CoverSheet(&bytes.Buffer{}, testPage(), practiceID, p, "recipes"); err == nil {
		t.Error("a cover sheet for an unknown category printed")
	}
	bad := p
	bad.MRN = "12345678"
	if _, err := report.CoverSheet(&bytes.Buffer{}, testPage(), practiceID, bad, "lab"); err == nil {
		t.Error("a cover sheet with an invalid MRN printed")
	}
	if _, err := report.CoverSheet(&bytes.Buffer{}, testPage(), "", p, "lab"); err == nil {
		t.Error("a cover sheet without a practice ID printed")
	}
}
