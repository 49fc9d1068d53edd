package report

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/jung-kurt/gofpdf"

	"chartkeeper/chart"
	"chartkeeper/internal/words"
)

// Page is the furniture printed on every page of a document besides the
// patient's name, MRN and birth date, which come from the document's
// patient.
type Page struct {
	// T translates the printed labels (section titles, table headers,
	// the furniture); nil prints them in English. Data is never
	// translated. The workstation passes its translator.
	T func(string) string

	Practice  string
	PrintedBy string    // the signed-in user's name
	PrintedAt time.Time // printed in its own location, "2006-01-02 15:04"
	Paper     Paper     // A4 when empty; labels are always US Letter

	// Dates writes a stored ISO date ("2026-12-07") or date and time
	// ("2026-12-07 14:05", seconds optional) in the reader's form; text
	// that is not an ISO date must come back as it is. Nil prints dates as
	// stored.
	Dates func(iso string) string
	// Number writes a measurement with decimals decimals (negative: as few
	// as needed) in the reader's form. Nil writes a decimal point.
	Number func(x float64, decimals int) string
}

// Paper is a paper size.
type Paper string

// The paper sizes documents print on.
const (
	A4     Paper = "A4"
	Letter Paper = "Letter"
)

// The page geometry, in millimetres.
const (
	marginX      = 15.0
	contentTop   = 23.0 // below the header furniture
	footerHeight = 21.0 // the page break comes this far above the bottom edge
	lineBody     = 4.4  // line height of 9.5 pt body text
	bodySize     = 9.5
	smallSize    = 8.0
)

// pageCountAlias stands for the number of pages until gofpdf writes the
// document. Its control characters cannot come from cleaned text, so a
// note that says "{nb}" prints as it is.
const pageCountAlias = "\x02nb\x02"

// doc is one PDF being made: gofpdf, the text cleaner and the furniture.
type doc struct {
	pdf   *gofpdf.Fpdf
	t     *texter
	title string

	translate func(string) string // Page.T

	// the reader's date and number forms (Page.Dates, Page.Number)
	dates  func(iso string) string
	number func(x float64, decimals int) string

	// the current font, which text in other scripts returns to
	family, style string
	registered    map[int]bool // bundled fonts added to the document

	// furniture, cleaned once
	practice, patient, printed string
	kit                        bool // the emergency kit's own furniture

	// cont says at the top of a page what continues there from the page
	// before ("Problems, continued"); top is where the page's content
	// starts, below the furniture and that line.
	cont string
	top  float64

	pageW, pageH float64
}

// newDoc starts a document with furniture for patient p (nil for none).
func newDoc(title string, pg Page, p *chart.Patient) *doc {
	size := "A4"
	if pg.Paper == Letter {
		size = "Letter"
	}
	pdf := gofpdf.New("P", "mm", size, "")
	d := &doc{pdf: pdf, t: &texter{}, title: title, translate: pg.T, dates: pg.Dates, number: pg.Number}
	d.setup(pg.PrintedAt)
	d.practice = d.t.line(fPracticeName, pg.Practice)
	if p != nil {
		d.patient = d.patientLine(*p)
	}
	d.printed = fmt.Sprintf(d.tr("Printed by %s at %s"), d.t.line(fPrintedBy, pg.PrintedBy), d.stamp(pg.PrintedAt))
	pdf.SetHeaderFuncMode(d.keepingFont(d.header), false)
	pdf.SetFooterFunc(d.keepingFont(d.footer))
	return d
}

// setup registers the fonts and the settings every document shares.
func (d *doc) setup(created time.Time) {
	pdf := d.pdf
	d.addFonts(famSans)
	pdf.AliasNbPages(pageCountAlias)
	pdf.SetCatalogSort(true)
	if created.IsZero() {
		created = time.Unix(0, 0)
	}
	pdf.SetCreationDate(created)
	pdf.SetModificationDate(created)
	pdf.SetTitle("Chartkeeper: "+d.title, true)
	pdf.SetCreator("Chartkeeper", true)
	pdf.SetMargins(marginX, contentTop, marginX)
	pdf.SetAutoPageBreak(true, footerHeight)
	pdf.SetCellMargin(1)
	pdf.SetDrawColor(0, 0, 0)
	d.setFont(famSans, "", bodySize)
	d.pageW, d.pageH = pdf.GetPageSize()
}

// addFonts registers a font family. Documents register Go Mono only when
// they use it: gofpdf embeds every registered font, and preparing one costs
// a few milliseconds.
func (d *doc) addFonts(family string) {
	for _, f := range fontFiles {
		if f.family == family {
			d.pdf.AddUTF8FontFromBytes(f.family, f.style, f.ttf)
		}
	}
}

// patientLine is the patient furniture: name, MRN and birth date.
func (d *doc) patientLine(p chart.Patient) string {
	name := d.t.line(fPatientName, p.Name())
	line := name + "    " + fmt.Sprintf(d.tr("MRN %s"), d.t.line(fMRN, p.MRN)) + "    " + fmt.Sprintf(d.tr("Born %s"), d.date(d.t.line(fBirthDate, p.DOB)))
	if died := d.deathText(p); died != "" {
		line += "    " + died
	}
	return line
}

// deathText is chart.Patient.DeathText in the document's language.
func (d *doc) deathText(p chart.Patient) string {
	switch {
	case p.DeceasedDate != "":
		return fmt.Sprintf(d.tr("Died %s"), d.date(d.t.line(fDeathDate, p.DeceasedDate)))
	case p.Deceased:
		return d.tr("Deceased")
	}
	return ""
}

// tr translates a printed label with Page.T. Call it with the English
// literal: the translation checker collects the keys from tr("...") calls.
func (d *doc) tr(s string) string {
	if d.translate == nil {
		return s
	}
	return d.translate(s)
}

// tr is doc.tr for a document that is not started yet (its title).
func (pg Page) tr(s string) string {
	if pg.T == nil {
		return s
	}
	return pg.T(s)
}

// confidential is the confidentiality line on every page of a patient
// document.
func (d *doc) confidential() string {
	return d.tr("Confidential patient information. Share only with those who need it for the patient's care; if found, return it to the practice.")
}

// keepingFont wraps a header or footer: gofpdf sets the font back to the
// page's own after them, so the font setFont noted must go back too.
func (d *doc) keepingFont(f func()) func() {
	return func() {
		family, style := d.family, d.style
		f()
		d.family, d.style = family, style
	}
}

// stamp formats a time as stored, "2006-01-02 15:04".
func stamp(t time.Time) string {
	return t.Format("2006-01-02 15:04")
}

// stamp formats a time as the document's pages show it, in the reader's
// date form.
func (d *doc) stamp(t time.Time) string {
	if t.IsZero() {
		return d.tr("(no time)")
	}
	return d.date(stamp(t))
}

// date is a stored ISO date, or date and time, in the reader's form.
func (d *doc) date(iso string) string {
	if d.dates == nil || iso == "" {
		return iso
	}
	return d.dates(iso)
}

// decimal is a measurement with places decimals in the reader's form.
func (d *doc) decimal(x float64, places int) string {
	if d.number == nil {
		if places < 0 {
			return strconv.FormatFloat(x, 'f', -1, 64)
		}
		return chart.Decimal(x, places)
	}
	return d.number(x, places)
}

// numbers is stored text holding numbers written with a decimal point (a
// result's value or range, "4.0–5.6") with the printout's decimal
// separator: each point between two digits is changed, nothing else.
func (d *doc) numbers(s string) string {
	if d.number == nil {
		return s
	}
	return words.Decimals(s, strings.Trim(d.number(1.5, 1), "15"))
}

func (d *doc) header() {
	pdf := d.pdf
	pdf.SetTextColor(0, 0, 0)
	pdf.SetXY(marginX, 8)
	w := d.pageW - 2*marginX
	d.setFont(famSans, "B", 9)
	tw := pdf.GetStringWidth(d.title) + 4
	d.cell(w-tw, 4.5, d.practice, "", 0, "L", false, 0, "")
	d.cell(tw, 4.5, d.title, "", 1, "R", false, 0, "")
	pdf.SetX(marginX)
	if d.kit {
		d.setFont(famSans, "B", 9)
		d.cell(w, 4.5, d.tr("Keep this sheet locked away"), "", 1, "L", false, 0, "")
	} else if d.patient != "" {
		d.setFont(famSans, "", 9)
		d.cell(w, 4.5, d.patient, "", 1, "L", false, 0, "")
	}
	pdf.SetLineWidth(0.3)
	pdf.Line(marginX, 18.5, d.pageW-marginX, 18.5)
	pdf.SetXY(marginX, contentTop)
	if d.cont != "" {
		d.setFont(famSans, "", smallSize)
		pdf.SetTextColor(90, 90, 90)
		d.cell(w, lineBody, d.cont, "", 1, "L", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
		pdf.Ln(0.6)
	}
	d.top = pdf.GetY()
}

func (d *doc) footer() {
	pdf := d.pdf
	pdf.SetTextColor(0, 0, 0)
	y := d.pageH - 18
	pdf.SetLineWidth(0.3)
	pdf.Line(marginX, y, d.pageW-marginX, y)
	w := d.pageW - 2*marginX
	pdf.SetXY(marginX, y+0.8)
	d.setFont(famSans, "", 7)
	if d.kit {
		d.cell(w, 4, fmt.Sprintf(d.tr("%s: the recovery key on this sheet opens every record of the practice. Keep this sheet locked away."), d.practice), "", 1, "L", false, 0, "")
	} else {
		d.cell(w, 4, d.confidential(), "", 1, "L", false, 0, "")
	}
	pdf.SetX(marginX)
	d.setFont(famSans, "", smallSize)
	// The alias is replaced by the page count when the document is written,
	// so the page number is drawn from a fixed place rather than
	// right-aligned.
	pageOf := d.tr("Page %d of %s")
	pw := pdf.GetStringWidth(fmt.Sprintf(pageOf, 9999, "9999")) + 2
	d.cell(w-pw, 4.5, d.printed, "", 0, "L", false, 0, "")
	d.cell(pw, 4.5, fmt.Sprintf(pageOf, pdf.PageNo(), pageCountAlias), "", 1, "L", false, 0, "")
}

// finish writes the PDF to w and returns the warnings.
func (d *doc) finish(w io.Writer) (Warnings, error) {
	var buf bytes.Buffer
	if err := d.pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("report: %s: %w", d.title, err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return nil, err
	}
	return d.t.warnings(d.tr), nil
}

// --- flow ---

// width is the width between the margins.
func (d *doc) width() float64 { return d.pageW - 2*marginX }

// bottom is where the page breaks.
func (d *doc) bottom() float64 { return d.pageH - footerHeight }

// room is how much height is left on the page.
func (d *doc) room() float64 { return d.bottom() - d.pdf.GetY() }

// need starts a new page unless h fits on this one.
func (d *doc) need(h float64) {
	// the same test as gofpdf's automatic break, so the two agree
	if d.pdf.GetY()+h > d.bottom() && d.pdf.GetY() > d.top+0.01 {
		d.pdf.AddPage()
	}
}

// gap adds vertical space, unless at the top of a page.
func (d *doc) gap(h float64) {
	if d.pdf.GetY() > d.top+0.01 {
		d.pdf.Ln(h)
	}
	d.pdf.SetX(marginX)
}

// lines splits s into lines of width w in the current font. An empty s is
// one empty line.
func (d *doc) lines(s string, w float64) []string {
	if s == "" {
		return []string{""}
	}
	var ls []string
	if needsLayout(s) {
		ls = d.wrap(s, w-2*d.pdf.GetCellMargin())
	} else {
		ls = d.pdf.SplitText(s, w)
	}
	if len(ls) == 0 {
		return []string{""}
	}
	return ls
}

// heading starts a section, kept together with the first lines after it.
func (d *doc) heading(s string) {
	d.gap(3)
	d.need(7 + 3*lineBody)
	d.cont = fmt.Sprintf(d.tr("%s, continued"), s)
	pdf := d.pdf
	d.setFont(famSans, "B", 11.5)
	d.cell(d.width(), 6, s, "B", 1, "L", false, 0, "")
	pdf.Ln(1)
	d.setFont(famSans, "", bodySize)
}

// para prints wrapped text between the margins, breaking pages between
// lines.
func (d *doc) para(s string) {
	d.paraAt(marginX, d.width(), s)
}

func (d *doc) paraAt(x, w float64, s string) {
	pdf := d.pdf
	for _, l := range d.lines(s, w) {
		d.need(lineBody)
		pdf.SetX(x)
		d.cell(w, lineBody, l, "", 1, "L", false, 0, "")
	}
	pdf.SetX(marginX)
}

// labelled prints a bold label in a left column and its wrapped value
// beside it; the value may run over pages.
func (d *doc) labelled(label string, lw float64, value string) {
	pdf := d.pdf
	d.setFont(famSans, "", bodySize)
	ls := d.lines(value, d.width()-lw)
	d.need(lineBody * math.Min(float64(len(ls)), 2))
	for i, l := range ls {
		d.need(lineBody)
		pdf.SetX(marginX)
		if i == 0 {
			d.setFont(famSans, "B", bodySize)
			d.cell(lw, lineBody, label, "", 0, "L", false, 0, "")
			d.setFont(famSans, "", bodySize)
		} else {
			pdf.SetX(marginX + lw)
		}
		d.cell(d.width()-lw, lineBody, l, "", 1, "L", false, 0, "")
	}
	pdf.SetX(marginX)
}

// muted prints a grey line such as "Not shown for your role".
func (d *doc) muted(s string) {
	d.pdf.SetTextColor(90, 90, 90)
	d.para(s)
	d.pdf.SetTextColor(0, 0, 0)
}

// --- tables ---

// column is a table column: its title, its share of the width and its
// alignment ("L", "R" or "C").
type column struct {
	title string
	share float64
	align string
}

// table draws rows under a header that is repeated on every page the table
// spans. Cells wrap; a row that does not fit on the rest of a page moves to
// the next, and a row taller than a whole page is split across pages.
type table struct {
	d      *doc
	cols   []column
	widths []float64
	x      float64
	shown  bool // the header is on the current page
	page   int
	fill   [3]int // the header's background
}

func (d *doc) table(cols ...column) *table {
	t := &table{d: d, cols: cols, x: marginX, fill: [3]int{225, 225, 225}}
	total := 0.0
	for _, c := range cols {
		total += c.share
	}
	for _, c := range cols {
		t.widths = append(t.widths, d.width()*c.share/total)
	}
	return t
}

func (t *table) header() {
	pdf := t.d.pdf
	t.d.setFont(famSans, "B", smallSize+0.5)
	n := 1
	cells := make([][]string, len(t.cols))
	for i, c := range t.cols {
		cells[i] = t.d.lines(c.title, t.widths[i])
		n = max(n, len(cells[i]))
	}
	t.draw(cells, 0, n, lineBody, true)
	t.d.setFont(famSans, "", bodySize)
	t.shown = true
	t.page = pdf.PageNo()
}

// row adds one row; cells are already cleaned.
func (t *table) row(cells ...string) {
	d, pdf := t.d, t.d.pdf
	d.setFont(famSans, "", bodySize)
	split := make([][]string, len(t.cols))
	n := 1
	for i := range t.cols {
		s := ""
		if i < len(cells) {
			s = cells[i]
		}
		split[i] = d.lines(s, t.widths[i])
		n = max(n, len(split[i]))
	}
	if t.page != pdf.PageNo() {
		t.shown = false // a page break came from outside the table
	}
	body := d.bottom() - contentTop - 3*lineBody // a fresh page's room under the furniture, a continuation line and the table header
	done := 0
	for done < n {
		if !t.shown {
			// keep the header with the row, or with a few lines of a long one
			d.need(lineBody + math.Min(float64(n-done), 3)*lineBody)
			t.header()
		}
		fit := int(math.Floor(d.room()/lineBody + 1e-9))
		left := n - done
		switch {
		case left <= fit:
			t.draw(split, done, n, lineBody, false)
			done = n
		case done == 0 && float64(left)*lineBody <= body:
			t.newPage() // the whole row fits on the next page
		default:
			if fit > 0 {
				t.draw(split, done, done+fit, lineBody, false)
				done += fit
			}
			t.newPage()
		}
	}
	pdf.SetX(marginX)
}

func (t *table) newPage() {
	t.d.pdf.AddPage()
	t.shown = false
}

// draw prints lines [from, to) of each cell as one band with cell borders.
func (t *table) draw(cells [][]string, from, to int, lh float64, head bool) {
	pdf := t.d.pdf
	y := pdf.GetY()
	h := float64(to-from) * lh
	x := t.x
	pdf.SetLineWidth(0.2)
	pdf.SetDrawColor(150, 150, 150)
	// row already checked that the band fits: no automatic break inside it
	pdf.SetAutoPageBreak(false, footerHeight)
	defer pdf.SetAutoPageBreak(true, footerHeight)
	for i, w := range t.widths {
		if head {
			pdf.SetFillColor(t.fill[0], t.fill[1], t.fill[2])
			pdf.Rect(x, y, w, h, "FD")
		} else {
			pdf.Rect(x, y, w, h, "D")
		}
		for j := from; j < to && j < len(cells[i]); j++ {
			pdf.SetXY(x, y+float64(j-from)*lh)
			t.d.cell(w, lh, cells[i][j], "", 0, t.cols[i].align, false, 0, "")
		}
		x += w
	}
	pdf.SetDrawColor(0, 0, 0)
	pdf.SetXY(marginX, y+h)
}
