package report

import (
	"fmt"
	"io"
	"strings"

	"chartkeeper/chart"
)

// CoverSheet prints a cover sheet for scanning paper into patient p's chart
// under a document category: the patient's name, MRN and the category in
// large type, and a QR code of the [chart.CoverSheet] payload that intake
// reads to file the pages behind the sheet.
func CoverSheet(w io.Writer, pg Page, practiceID string, p chart.Patient, category string) (Warnings, error) {
	cat, ok := chart.CategoryByName(category)
	if !ok {
		return nil, fmt.Errorf("report: %q is not a document category", category)
	}
	payload := chart.CoverSheet{PracticeID: practiceID, PatientID: p.ID, MRN: p.MRN, Category: cat.Name}.Payload()
	if _, err := chart.ParseCoverSheet(payload); err != nil {
		return nil, fmt.Errorf("report: cannot print a cover sheet for this patient: %w", err)
	}
	bc, err := qrCode(payload)
	if err != nil {
		return nil, fmt.Errorf("report: QR code: %w", err)
	}

	d := newDoc(pg.tr("Scan cover sheet"), pg, &p)
	pdf := d.pdf
	pdf.AddPage()
	w0 := d.width()
	center := func(size float64, style string, h float64, s string) {
		d.setFont(famSans, style, size)
		for _, l := range d.lines(s, w0) {
			pdf.SetX(marginX)
			d.cell(w0, h, l, "", 1, "C", false, 0, "")
		}
	}
	pdf.Ln(4)
	center(13, "B", 7, d.tr("SCAN COVER SHEET"))
	pdf.Ln(3)
	center(26, "B", 11, d.t.line(fPatientName, p.Name()))
	pdf.Ln(1)
	center(16, "", 8, fmt.Sprintf(d.tr("MRN %s"), d.t.line(fMRN, p.MRN))+"    "+fmt.Sprintf(d.tr("Born %s"), d.date(d.t.line(fBirthDate, p.DOB))))
	pdf.Ln(5)
	pdf.SetFillColor(235, 235, 235)
	d.setFont(famSans, "B", 28)
	pdf.SetX(marginX)
	title := d.tr(cat.Title) // marked for translation in chart
	d.cell(w0, 16, title, "1", 1, "C", true, 0, "")
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

	d.setFont(famSans, "B", 12)
	d.para(d.tr("Place this sheet on top of the documents and scan."))
	d.setFont(famSans, "", 10.5)
	pdf.Ln(1)
	d.para(fmt.Sprintf(d.tr("Chartkeeper reads the code above and files the pages behind this sheet into the chart of %s (MRN %s) as %s. "+
		"Use one cover sheet for each document, keep the code clean and unfolded, and print a new sheet rather than copy one for another patient."),
		d.t.line(fPatientName, p.Name()), d.t.line(fMRN, p.MRN), strings.ToLower(title)))
	return d.finish(w)
}
