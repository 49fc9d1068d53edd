package report

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/boombuler/barcode"

	"chartkeeper/chart"
)

// Avery 5160 (and its equivalents: 8160, 5260, ...): US Letter, 3 columns
// of 10 labels of 2⅝" × 1", a ½" margin at top and bottom, 3⁄16" at the
// sides and ⅛" between columns. In millimetres:
const (
	labelInch    = 25.4
	labelW       = 2.625 * labelInch
	labelH       = 1 * labelInch
	labelTop     = 0.5 * labelInch
	labelLeft    = 0.1875 * labelInch
	labelPitchX  = 2.75 * labelInch
	labelCols    = 3
	labelRows    = 10
	labelsPage   = labelCols * labelRows
	maxLabels    = 50 * labelsPage
	labelPad     = 2.5 // inside a label: labels have rounded corners
	labelBarUnit = 0.33
)

// Labels prints count patient labels on Avery 5160 sheets (US Letter,
// 30 to a sheet, filled row by row), each with the patient's name, birth
// date and sex, and the MRN as text and as a Code 128 barcode. The margins
// above and below the labels carry the page furniture. A name too long for
// a label even in small type is shortened with "…" and a warning.
func Labels(w io.Writer, pg Page, p chart.Patient, count int) (Warnings, error) {
	switch {
	case count < 1:
		return nil, errors.New("report: print at least 1 label")
	case count > maxLabels:
		return nil, fmt.Errorf("report: %d labels is more than the %d (%d sheets) printed at once", count, maxLabels, maxLabels/labelsPage)
	}
	bars, err := code128Bars(p.MRN)
	if err != nil {
		return nil, fmt.Errorf("report: the MRN %q cannot be a barcode: %w", p.MRN, err)
	}
	pg.Paper = Letter
	d := newDoc(pg.tr("Patient labels"), pg, &p)
	d.addFonts(famMono)
	pdf := d.pdf
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetHeaderFuncMode(d.keepingFont(d.labelHeader), false)
	pdf.SetFooterFunc(d.keepingFont(d.labelFooter))

	name := d.t.line(fPatientName, p.Name())
	mrn := d.t.line(fMRN, p.MRN)
	born := fmt.Sprintf(d.tr("Born %s"), d.date(d.t.line(fBirthDate, p.DOB)))
	if sex := d.t.line(fSex, d.sexText(p.Sex)); sex != "" && p.Sex != chart.Unknown {
		born += "   " + strings.ToUpper(sex[:1]) + sex[1:]
	}
	name, size := d.fitName(name, labelW-2*labelPad)

	for i := range count {
		if i%labelsPage == 0 {
			pdf.AddPage()
		}
		col, row := i%labelCols, (i%labelsPage)/labelCols
		x := labelLeft + float64(col)*labelPitchX
		y := labelTop + float64(row)*labelH
		d.label(x, y, name, size, born, mrn, bars)
	}
	return d.finish(w)
}

// fitName shrinks the name's type until it fits one label line, and as a
// last resort shortens it.
func (d *doc) fitName(name string, w float64) (string, float64) {
	size := 10.5
	for ; size > 6.5; size -= 0.5 {
		d.setFont(famSans, "B", size)
		if d.textWidth(name)+2 <= w {
			return name, size
		}
	}
	d.setFont(famSans, "B", size)
	rs := []rune(name)
	for len(rs) > 1 && d.textWidth(string(rs)+"…")+2 > w {
		rs = rs[:len(rs)-1]
	}
	d.t.note(d.tr("patient name: too long for a label even in small type; shortened with …"))
	return strings.TrimSpace(string(rs)) + "…", size
}

// label draws one label with its top left corner at x, y.
func (d *doc) label(x, y float64, name string, size float64, born, mrn string, bars barcode.Barcode) {
	pdf := d.pdf
	inner := labelW - 2*labelPad
	d.setFont(famSans, "B", size)
	pdf.SetXY(x+labelPad, y+1.6)
	d.cell(inner, 4.6, name, "", 0, "L", false, 0, "")
	d.setFont(famSans, "", 8)
	pdf.SetXY(x+labelPad, y+6.2)
	d.cell(inner, 3.6, born, "", 0, "L", false, 0, "")

	// The barcode with a quiet zone of 10 modules to its left (from the
	// label's edge) and the MRN in print to its right.
	modules := float64(bars.Bounds().Dx())
	bx := x + 10*labelBarUnit
	by := y + 10.8
	drawBars(pdf, bars, bx, by, labelBarUnit, 11.4)
	tx := bx + (modules+10)*labelBarUnit
	d.setFont(famMono, "B", 11)
	pdf.SetXY(tx, by+2)
	d.cell(x+labelW-labelPad-tx, 4.5, mrn, "", 0, "L", false, 0, "")
	d.setFont(famSans, "", 6.5)
	pdf.SetXY(tx, by+6.6)
	d.cell(x+labelW-labelPad-tx, 3, "MRN", "", 0, "L", false, 0, "")
}

// labelHeader is the furniture in the half inch above the labels.
func (d *doc) labelHeader() {
	pdf := d.pdf
	pdf.SetTextColor(0, 0, 0)
	d.setFont(famSans, "", 6.5)
	pdf.SetXY(labelLeft, 5)
	d.cell(d.pageW-2*labelLeft, 3, d.practice+"    "+d.title+":    "+d.patient, "", 0, "L", false, 0, "")
}

// labelFooter is the furniture in the half inch below the labels.
func (d *doc) labelFooter() {
	pdf := d.pdf
	pdf.SetTextColor(0, 0, 0)
	d.setFont(famSans, "", 6.5)
	w := d.pageW - 2*labelLeft
	pdf.SetXY(labelLeft, d.pageH-11.5)
	d.cell(w, 3, d.confidential(), "", 0, "L", false, 0, "")
	pdf.SetXY(labelLeft, d.pageH-8.3)
	d.cell(w, 3, d.printed+"    "+fmt.Sprintf(d.tr("Page %d of %s"), pdf.PageNo(), pageCountAlias), "", 0, "L", false, 0, "")
}
