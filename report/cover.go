package report

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"chartkeeper/chart"
)

// ErrNotCover is what [ParseCoverPayload] returns, wrapped with the reason,
// for a code that is not a Chartkeeper cover sheet's.
var ErrNotCover = errors.New("not a Chartkeeper cover sheet")

const (
	coverMagic   = "CK"
	coverVersion = "1"
	coverKind    = "COVER"
	coverPrefix  = coverMagic + coverVersion + ":" + coverKind + ":"
	// maxCoverPayload bounds what ParseCoverPayload reads: a real payload
	// is about 100 characters.
	maxCoverPayload = 256
	maxCoverID      = 64
)

// CoverPayload is the text of a cover sheet's QR code, which scan intake
// reads back with [ParseCoverPayload]:
//
//	CK1:COVER:<practiceID>:<patientID>:<MRN>:<category>
//
// The version (CK1) lets a later Chartkeeper change the form while still
// reading old sheets. The MRN is there so intake can check that the patient
// ID still leads to the patient the sheet was printed for.
func CoverPayload(practiceID, patientID, mrn, category string) string {
	return coverPrefix + practiceID + ":" + patientID + ":" + mrn + ":" + category
}

// ParseCoverPayload reads a cover sheet's QR text. It accepts exactly what
// [CoverPayload] writes for valid fields: IDs of 1 to 64 letters, digits,
// '-' or '_', a valid MRN and a known document category; anything else is
// an error matching [ErrNotCover] that says what is wrong.
func ParseCoverPayload(s string) (practiceID, patientID, mrn, category string, err error) {
	fail := func(format string, args ...any) (string, string, string, string, error) {
		return "", "", "", "", fmt.Errorf("%w: %s", ErrNotCover, fmt.Sprintf(format, args...))
	}
	if len(s) > maxCoverPayload {
		return fail("the code holds %d bytes; a cover sheet's holds at most %d", len(s), maxCoverPayload)
	}
	if !strings.HasPrefix(s, coverPrefix) {
		if v, ok := otherVersion(s); ok {
			return fail("cover sheet version %q is not one this Chartkeeper reads (it reads %s); was it printed by a newer version?", v, coverVersion)
		}
		return fail("the code does not start with %q", coverPrefix)
	}
	parts := strings.Split(s[len(coverPrefix):], ":")
	if len(parts) != 4 {
		return fail("expected 4 fields after %q (practice, patient, MRN, category), found %d", coverPrefix, len(parts))
	}
	practiceID, patientID, mrn, category = parts[0], parts[1], parts[2], parts[3]
	if err := checkID(practiceID); err != nil {
		return fail("practice ID %s", err)
	}
	if err := checkID(patientID); err != nil {
		return fail("patient ID %s", err)
	}
	if !chart.ValidMRN(mrn) {
		return fail("%q is not a valid MRN", mrn)
	}
	if c, ok := chart.CategoryByName(category); !ok || c.Name != category {
		return fail("%q is not a document category", category)
	}
	return practiceID, patientID, mrn, category, nil
}

// otherVersion finds the version of a "CK<version>:COVER:" prefix.
func otherVersion(s string) (string, bool) {
	rest, ok := strings.CutPrefix(s, coverMagic)
	if !ok {
		return "", false
	}
	v, rest, ok := strings.Cut(rest, ":")
	if !ok || v == "" || len(v) > 8 || !strings.HasPrefix(rest, coverKind+":") {
		return "", false
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return "", false
		}
	}
	return v, true
}

func checkID(id string) error {
	if id == "" {
		return errors.New("is empty")
	}
	if len(id) > maxCoverID {
		return fmt.Errorf("is %d characters long; at most %d", len(id), maxCoverID)
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("has the character %q; only letters, digits, '-' and '_' are allowed", c)
		}
	}
	return nil
}

// CoverSheet prints a cover sheet for scanning paper into patient p's chart
// under a document category: the patient's name, MRN and the category in
// large type, and a QR code of [CoverPayload] that intake reads to file the
// pages behind the sheet.
func CoverSheet(w io.Writer, pg Page, practiceID string, p chart.Patient, category string) (Warnings, error) {
	cat, ok := chart.CategoryByName(category)
	if !ok {
		return nil, fmt.Errorf("report: %q is not a document category", category)
	}
	payload := CoverPayload(practiceID, p.ID, p.MRN, cat.Name)
	if _, _, _, _, err := ParseCoverPayload(payload); err != nil {
		return nil, fmt.Errorf("report: cannot print a cover sheet for this patient: %w", err)
	}
	bc, err := qrCode(payload)
	if err != nil {
		return nil, fmt.Errorf("report: QR code: %w", err)
	}

	d := newDoc("Scan cover sheet", pg, &p)
	pdf := d.pdf
	pdf.AddPage()
	w0 := d.width()
	center := func(size float64, style string, h float64, s string) {
		pdf.SetFont(famSans, style, size)
		for _, l := range d.lines(s, w0) {
			pdf.SetX(marginX)
			pdf.CellFormat(w0, h, l, "", 1, "C", false, 0, "")
		}
	}
	pdf.Ln(4)
	center(13, "B", 7, "SCAN COVER SHEET")
	pdf.Ln(3)
	center(26, "B", 11, d.t.line("patient name", p.Name()))
	pdf.Ln(1)
	center(16, "", 8, fmt.Sprintf("MRN %s    Born %s", d.t.line("MRN", p.MRN), d.t.line("birth date", p.DOB)))
	pdf.Ln(5)
	pdf.SetFillColor(235, 235, 235)
	pdf.SetFont(famSans, "B", 28)
	pdf.SetX(marginX)
	pdf.CellFormat(w0, 16, cat.Title, "1", 1, "C", true, 0, "")
	pdf.Ln(8)

	// The QR code: at most 70 mm, each module at least 1 mm wide where the
	// payload allows, centred, with its quiet zone left white.
	n := float64(bc.Bounds().Dx())
	module := min(70/n, 2.0)
	side := n * module
	x := (d.pageW - side) / 2
	y := pdf.GetY() + qrQuiet*module
	drawMatrix(pdf, bc, x, y, module)
	pdf.SetY(y + side + qrQuiet*module)

	pdf.SetFont(famSans, "B", 12)
	d.para("Place this sheet on top of the documents and scan.")
	pdf.SetFont(famSans, "", 10.5)
	pdf.Ln(1)
	d.para(fmt.Sprintf("Chartkeeper reads the code above and files the pages behind this sheet into the chart of %s (MRN %s) as %s. "+
		"Use one cover sheet for each document, keep the code clean and unfolded, and print a new sheet rather than copy one for another patient.",
		d.t.line("patient name", p.Name()), d.t.line("MRN", p.MRN), strings.ToLower(cat.Title)))
	return d.finish(w)
}
