package report_test

import (
	"bytes"
	"errors"
	"strings"
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
	want := report.CoverPayload(practiceID, p.ID, p.MRN, "lab")
	if got != want {
		t.Fatalf("QR reads %q, want %q", got, want)
	}
	prac, pid, m, cat, err := report.ParseCoverPayload(got)
	if err != nil || prac != practiceID || pid != p.ID || m != p.MRN || cat != "lab" {
		t.Errorf("ParseCoverPayload(%q) = %q %q %q %q %v", got, prac, pid, m, cat, err)
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

func TestCoverQRImage(t *testing.T) {
	for _, c := range chart.Categories {
		payload := report.CoverPayload(practiceID, "0f1e2d3c4b5a69788796a5b4c3d2e1f0", mrn(t, "1234567"), c.Name)
		img, err := report.CoverQRImage(payload)
		if err != nil {
			t.Fatal(err)
		}
		if got := decodeQR(t, img); got != payload {
			t.Errorf("QR image reads %q, want %q", got, payload)
		}
	}
}

func TestCoverPayload(t *testing.T) {
	m := mrn(t, "7654321")
	good := report.CoverPayload("prac_1", "pat-2", m, "consent")
	if want := "CK1:COVER:prac_1:pat-2:" + m + ":consent"; good != want {
		t.Errorf("payload %q, want %q", good, want)
	}
	for _, tc := range []struct{ in, why string }{
		{"", "does not start"},
		{"hello", "does not start"},
		{"https://example.test/CK1:COVER:a:b:" + m + ":lab", "does not start"},
		{"ck1:cover:a:b:" + m + ":lab", "does not start"},
		{"CK2:COVER:a:b:" + m + ":lab", `version "2"`},
		{"CK1:COVER:a:b:" + m, "4 fields"},
		{"CK1:COVER:a:b:" + m + ":lab:extra", "4 fields"},
		{"CK1:COVER::b:" + m + ":lab", "practice ID is empty"},
		{"CK1:COVER:a::" + m + ":lab", "patient ID is empty"},
		{"CK1:COVER:a b:c:" + m + ":lab", "practice ID has the character"},
		{"CK1:COVER:a:" + strings.Repeat("x", 65) + ":" + m + ":lab", "at most 64"},
		{"CK1:COVER:a:b:12345678:lab", "not a valid MRN"},
		{"CK1:COVER:a:b:" + m + ":recipes", "not a document category"},
		{"CK1:COVER:a:b:" + m + ":lab\n", "not a document category"},
		{"CK1:COVER:a:b:" + m + ":" + strings.Repeat("z", 300), "at most 256"},
	} {
		_, _, _, _, err := report.ParseCoverPayload(tc.in)
		if err == nil || !errors.Is(err, report.ErrNotCover) || !strings.Contains(err.Error(), tc.why) {
			t.Errorf("ParseCoverPayload(%q) = %v, want an ErrNotCover saying %q", tc.in, err, tc.why)
		}
	}
}

func FuzzParseCoverPayload(f *testing.F) {
	f.Add(report.CoverPayload(practiceID, "0f1e2d3c4b5a69788796a5b4c3d2e1f0", "48151625", "lab"))
	f.Add("CK1:COVER:a:b:48151625:identity")
	f.Add("CK2:COVER:a:b:48151625:lab")
	f.Add("CK1:COVER:::::")
	f.Add("CK1:COVER:a:b:c:d")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		prac, pid, m, cat, err := report.ParseCoverPayload(s)
		if err != nil {
			if !errors.Is(err, report.ErrNotCover) {
				t.Fatalf("error %v does not match ErrNotCover", err)
			}
			if prac != "" || pid != "" || m != "" || cat != "" {
				t.Fatalf("an error with fields %q %q %q %q", prac, pid, m, cat)
			}
			return
		}
		// What parses is exactly what CoverPayload writes for its fields.
		if back := report.CoverPayload(prac, pid, m, cat); back != s {
			t.Fatalf("parsed %q into fields that write back as %q", s, back)
		}
		if !chart.ValidMRN(m) {
			t.Fatalf("accepted MRN %q", m)
		}
		if _, ok := chart.CategoryByName(cat); !ok {
			t.Fatalf("accepted category %q", cat)
		}
	})
}
