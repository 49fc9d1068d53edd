package report_test

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/oned"
	"github.com/makiuchi-d/gozxing/qrcode"

	"chartkeeper/chart"
	"chartkeeper/report"
)

// tool finds a poppler tool. Outside CI a missing tool skips the test; under
// CI it fails it, so a CI machine without poppler-utils cannot pass quietly.
func tool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is missing: install it (make deps: poppler-utils, tesseract-ocr)", name)
	}
	t.Skipf("%s is missing: install it (poppler-utils, tesseract-ocr) to run this test", name)
	return ""
}

// writePDF keeps the PDF in the test's temporary folder.
func writePDF(t testing.TB, pdf []byte) string {
	t.Helper()
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %.20q", pdf)
	}
	if dir := os.Getenv("REPORT_KEEP"); dir != "" { // to look at by hand
		os.WriteFile(filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "_")+".pdf"), pdf, 0o600)
	}
	path := filepath.Join(t.TempDir(), "out.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(tool(t, name), args...).Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("%s %s: %v %s", name, strings.Join(args, " "), err, msg)
	}
	return string(out)
}

// pages is the text of each page as pdftotext -layout extracts it.
func pages(t testing.TB, pdf []byte) []string {
	t.Helper()
	out := run(t, "pdftotext", "-layout", "-enc", "UTF-8", writePDF(t, pdf), "-")
	ps := strings.Split(out, "\f")
	if len(ps) > 0 && strings.TrimSpace(ps[len(ps)-1]) == "" {
		ps = ps[:len(ps)-1]
	}
	return ps
}

// info is pdfinfo's answer as a map.
func info(t testing.TB, pdf []byte) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, l := range strings.Split(run(t, "pdfinfo", writePDF(t, pdf)), "\n") {
		k, v, ok := strings.Cut(l, ":")
		if ok {
			m[k] = strings.TrimSpace(v)
		}
	}
	return m
}

func pageCount(t testing.TB, pdf []byte) int {
	t.Helper()
	n, err := strconv.Atoi(info(t, pdf)["Pages"])
	if err != nil {
		t.Fatalf("pdfinfo pages: %v", err)
	}
	return n
}

// render draws one page as pdftoppm does at dpi.
func render(t testing.TB, pdf []byte, page, dpi int) image.Image {
	t.Helper()
	dir := t.TempDir()
	p := strconv.Itoa(page)
	run(t, "pdftoppm", "-r", strconv.Itoa(dpi), "-png", "-gray", "-f", p, "-l", p, "-singlefile", writePDF(t, pdf), filepath.Join(dir, "page"))
	f, err := os.Open(filepath.Join(dir, "page.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

var tryHarder = map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}

func decodeQR(t testing.TB, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, tryHarder)
	if err != nil {
		t.Fatalf("no QR code read: %v", err)
	}
	return res.GetText()
}

func decodeCode128(t testing.TB, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := oned.NewCode128Reader().Decode(bmp, tryHarder)
	if err != nil {
		t.Fatalf("no Code 128 barcode read: %v", err)
	}
	return res.GetText()
}

// crop cuts a rectangle given in millimetres out of a page rendered at dpi.
func crop(img image.Image, dpi int, x, y, w, h float64) image.Image {
	px := func(mm float64) int { return int(mm / 25.4 * float64(dpi)) }
	r := image.Rect(px(x), px(y), px(x+w), px(y+h)).Add(img.Bounds().Min)
	return img.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(r)
}

// word is one word of pdftotext -bbox, in points from the top left.
type word struct {
	page                   int
	xMin, yMin, xMax, yMax float64
	text                   string
}

var (
	bboxPage = regexp.MustCompile(`<page `)
	bboxWord = regexp.MustCompile(`<word xMin="([0-9.]+)" yMin="([0-9.]+)" xMax="([0-9.]+)" yMax="([0-9.]+)">([^<]*)</word>`)
)

func words(t testing.TB, pdf []byte) []word {
	t.Helper()
	out := run(t, "pdftotext", "-bbox", writePDF(t, pdf), "-")
	var ws []word
	page := 0
	for _, l := range strings.Split(out, "\n") {
		if bboxPage.MatchString(l) {
			page++
			continue
		}
		m := bboxWord.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		f := func(s string) float64 { v, _ := strconv.ParseFloat(s, 64); return v }
		ws = append(ws, word{page, f(m[1]), f(m[2]), f(m[3]), f(m[4]), m[5]})
	}
	return ws
}

// furniture checks that every page carries the page furniture.
func furniture(t *testing.T, ps []string, pg report.Page, p chart.Patient) {
	t.Helper()
	if len(ps) == 0 {
		t.Fatal("no pages")
	}
	printed := fmt.Sprintf("Printed by %s at %s", pg.PrintedBy, pg.PrintedAt.Format("2006-01-02 15:04"))
	for i, text := range ps {
		for _, want := range []string{
			pg.Practice, p.Name(), "MRN " + p.MRN, "Born " + p.DOB, printed,
			fmt.Sprintf("Page %d of %d", i+1, len(ps)),
			"Confidential patient information.",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("page %d of %d lacks %q:\n%s", i+1, len(ps), want, text)
			}
		}
	}
}

// contains checks that text has each of want.
func contains(t *testing.T, what, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

// --- synthetic data: every name is invented ---

var printedAt = time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)

func testPage() report.Page {
	return report.Page{Practice: "Hillside Test Clinic", PrintedBy: "Dr Ada Testwell", PrintedAt: printedAt}
}

// mrn makes a valid MRN from 7 digits by finding its check digit.
func mrn(t testing.TB, digits string) string {
	for c := '0'; c <= '9'; c++ {
		if m := digits + string(c); chart.ValidMRN(m) {
			return m
		}
	}
	t.Fatalf("no check digit for %s", digits)
	return ""
}

func patient(t testing.TB, family, given string) chart.Patient {
	return chart.Patient{
		ID: "0f1e2d3c4b5a69788796a5b4c3d2e1f0", MRN: mrn(t, "4815162"),
		Family: family, Given: given, DOB: "1984-03-09", Sex: chart.Female,
		Identifiers: []chart.Identifier{{System: "national-id", Value: "TEST-000-111"}},
		Phone:       "+420 555 010 203",
		Address:     chart.Address{Line: "Testovací 12", City: "Brno", PostalCode: "602 00", Country: "CZ"},
		Emergency:   chart.Contact{Name: "Testový Adam", Relation: "brother", Phone: "+420 555 010 999"},
		Language:    "cs",
	}
}

func meta(pid string, n int) chart.Meta {
	return chart.Meta{ID: fmt.Sprintf("%s.v%04d", pid, n), Patient: pid}
}

// testChart is a chart with every section filled and visits visits, newest
// first, each with a reason that names its number.
func testChart(t testing.TB, visits int) *chart.Chart {
	p := patient(t, "Testová", "Žofie")
	c := &chart.Chart{Patient: p}
	c.Allergies = []chart.Allergy{
		{Meta: meta(p.ID, 1), Substance: "Penicillin", Reaction: "Anaphylaxis, throat swelling", Severity: "severe", Status: "active"},
		{Meta: meta(p.ID, 2), Substance: "Latex", Reaction: "Rash", Severity: "mild", Status: "inactive"},
	}
	c.Problems = []chart.Problem{
		{Meta: meta(p.ID, 3), Code: "E119", Description: "Type 2 diabetes mellitus without complications", Onset: "2019-05-01", Status: "active", Note: "Diet-controlled until 2023"},
		{Meta: meta(p.ID, 4), Code: "J45909", Description: "Unspecified asthma, uncomplicated", Status: "resolved"},
	}
	c.Medications = []chart.Medication{
		{Meta: meta(p.ID, 5), Name: "Metformin", Dose: "500 mg", Route: "oral", Frequency: "twice daily", Start: "2023-02-01"},
		{Meta: meta(p.ID, 6), Name: "Salbutamol inhaler", Dose: "100 µg", Route: "inhaled", Frequency: "as needed", Start: "2015-01-01", Stop: "2020-06-30"},
	}
	c.Vitals = []chart.Vitals{
		{Meta: meta(p.ID, 7), Taken: time.Date(2026, 10, 2, 10, 15, 0, 0, time.UTC), Systolic: 128, Diastolic: 82, Pulse: 71, TempC: 36.8, WeightKg: 70, HeightCm: 165, SpO2: 98},
		{Meta: meta(p.ID, 8), Taken: time.Date(2025, 4, 3, 8, 0, 0, 0, time.UTC), Systolic: 135, Diastolic: 88, Pulse: 80},
	}
	c.Immunizations = []chart.Immunization{
		{Meta: meta(p.ID, 9), Vaccine: "Tetanus-diphtheria (Td)", Date: "2021-09-14", Dose: "booster", Lot: "TD-TEST-42", Site: "left deltoid"},
	}
	c.Documents = []chart.Document{
		{Meta: meta(p.ID, 10), Title: "HbA1c result October", Category: "lab", ClinicalDate: "2026-10-05", Pages: 2},
		{Meta: meta(p.ID, 11), Title: "Insurance card", Category: "insurance", ClinicalDate: "2024-01-10", Pages: 1},
	}
	day := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i := range visits {
		n := visits - i // newest first: the highest number
		v := chart.Visit{
			Meta:        meta(p.ID, 1000+n),
			Date:        day.AddDate(0, 0, -7*i).Format("2006-01-02"),
			ClinicianID: "u1", Clinician: "Dr Ada Testwell",
			Reason:     fmt.Sprintf("Reason-%03d follow-up of diabetes", n),
			Subjective: fmt.Sprintf("Visit %d. Feels well, no hypoglycaemia, walks 30 minutes a day. Occasional tingling in both feet in the evening.", n),
			Objective:  "BP 128/82, pulse 71 regular. Feet: pulses present, monofilament sensation intact.",
			Assessment: "Type 2 diabetes, stable on metformin.",
			Plan:       "Continue metformin 500 mg twice daily. HbA1c in 3 months. Foot check yearly.",
			Diagnoses:  []chart.Diagnosis{{Code: "E119", Description: "Type 2 diabetes mellitus without complications", Primary: true}, {Code: "Z7984", Description: "Long term use of oral hypoglycemic drugs"}},
			Procedures: []chart.Procedure{{Code: "FOOT1", Description: "Diabetic foot examination"}},
			Signed:     i != 0,
			SignedBy:   "Dr Ada Testwell", SignedByID: "u1",
			SignedAt: day.AddDate(0, 0, -7*i).Add(11 * time.Hour),
		}
		if i == 0 {
			v.SignedBy, v.SignedByID, v.SignedAt = "", "", time.Time{}
		}
		c.Visits = append(c.Visits, v)
	}
	if visits > 1 {
		c.Amendments = []chart.Amendment{{
			Meta: meta(p.ID, 5000), Target: c.Visits[1].ID, Text: "Metformin dose was 850 mg, not 500 mg.",
			Reason: "Dose typed wrongly", Author: "Dr Ada Testwell", AuthorID: "u1", At: day.Add(-24 * time.Hour),
		}}
	}
	return c
}
