package report_test

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"chartkeeper/report"
)

// Avery 5160 in points (pdftotext -bbox measures in points from the top
// left): US Letter, labels 2.625" × 1" in 3 columns and 10 rows, ½" top
// margin, 3/16" side margin, 2.75" between the columns' left edges.
const (
	pt       = 72.0
	avTop    = 0.5 * pt
	avLeft   = 0.1875 * pt
	avW, avH = 2.625 * pt, 1 * pt
	avPitchX = 2.75 * pt
	avCols   = 3
	avRows   = 10
	letterW  = 8.5 * pt
	letterH  = 11 * pt
	mmPerPt  = 25.4 / pt
)

func labelsPDF(t *testing.T, count int) []byte {
	t.Helper()
	var buf bytes.Buffer
	ws, err := report.Labels(&buf, testPage(), patient(t, "Παπαδοπούλου", "Ζωή"), count)
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 0 {
		t.Errorf("warnings: %q", ws)
	}
	return buf.Bytes()
}

// cell finds the Avery 5160 label a point lies in.
func cell(x, y float64) (col, row int, ok bool) {
	col = int(math.Floor((x - avLeft) / avPitchX))
	row = int(math.Floor((y - avTop) / avH))
	if col < 0 || col >= avCols || row < 0 || row >= avRows {
		return 0, 0, false
	}
	lx := avLeft + float64(col)*avPitchX
	return col, row, x <= lx+avW
}

func TestLabelsAvery5160(t *testing.T) {
	p := patient(t, "Παπαδοπούλου", "Ζωή")
	pdf := labelsPDF(t, 35)
	in := info(t, pdf)
	if in["Pages"] != "2" {
		t.Errorf("35 labels on %s pages, want 2", in["Pages"])
	}
	if !strings.HasPrefix(in["Page size"], "612 x 792 pts") {
		t.Errorf("page size %q, want US Letter (612 x 792 pts)", in["Page size"])
	}

	// Every label's text lies inside one label of the grid, and each of the
	// 30 places of page 1 and the first 5 of page 2 has exactly one label.
	perCell := map[[3]int]int{}
	for _, w := range words(t, pdf) {
		if w.text != p.MRN {
			continue
		}
		if w.yMin < avTop { // the furniture above the labels
			continue
		}
		col, row, ok := cell(w.xMin, w.yMin)
		if !ok || !(w.xMax <= avLeft+float64(col)*avPitchX+avW && w.yMax <= avTop+float64(row+1)*avH) {
			t.Errorf("the MRN at %.1f,%.1f–%.1f,%.1f on page %d is outside every label", w.xMin, w.yMin, w.xMax, w.yMax, w.page)
			continue
		}
		perCell[[3]int{w.page, row, col}]++
	}
	for i := range 35 {
		k := [3]int{1 + i/30, (i % 30) / avCols, i % avCols}
		if perCell[k] != 1 {
			t.Errorf("label %d (page %d row %d column %d) has the MRN %d times, want once", i+1, k[0], k[1]+1, k[2]+1, perCell[k])
		}
		delete(perCell, k)
	}
	for k, n := range perCell {
		t.Errorf("%d MRNs at page %d row %d column %d, where no label should be", n, k[0], k[1]+1, k[2]+1)
	}

	// The text of each label and the furniture in the margins.
	ps := pages(t, pdf)
	furniture(t, ps, testPage(), p)
	if n := strings.Count(ps[0], "Παπαδοπούλου, Ζωή"); n != 31 { // 30 labels and the furniture
		t.Errorf("page 1 has the name %d times, want 31", n)
	}
	if n := strings.Count(ps[0], "Born 1984-03-09"); n != 31 {
		t.Errorf("page 1 has the birth date %d times, want 31", n)
	}

	// The barcode of a label reads back as the MRN: cut out label (row 4,
	// column 2) of the page rendered at 300 dpi.
	img := render(t, pdf, 1, 300)
	for _, rc := range [][2]int{{0, 0}, {3, 1}, {9, 2}} {
		x := (avLeft + float64(rc[1])*avPitchX) * mmPerPt
		y := (avTop + float64(rc[0])*avH) * mmPerPt
		if got := decodeCode128(t, crop(img, 300, x, y, avW*mmPerPt, avH*mmPerPt)); got != p.MRN {
			t.Errorf("the barcode of row %d column %d reads %q, want %q", rc[0]+1, rc[1]+1, got, p.MRN)
		}
	}
}

func TestLabelsFullSheet(t *testing.T) {
	pdf := labelsPDF(t, 30)
	if n := pageCount(t, pdf); n != 1 {
		t.Errorf("30 labels on %d pages, want 1", n)
	}
}

func TestLabelsRefuse(t *testing.T) {
	p := patient(t, "Testová", "Žofie")
	for _, n := range []int{0, -1, 100000} {
		if _, err := report.Labels(&bytes.Buffer{}, testPage(), p, n); err == nil {
			t.Errorf("%d labels printed", n)
		}
	}
}

func TestLabelsLongName(t *testing.T) {
	p := patient(t, "Wolfeschlegelsteinhausenbergerdorff-Testová-Papadopoulou", "Maria Magdalena Žofie Anastasia")
	var buf bytes.Buffer
	ws, err := report.Labels(&buf, testPage(), p, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 1 || !strings.Contains(ws[0], "shortened") {
		t.Errorf("warnings %q, want one saying the name was shortened", ws)
	}
	text := strings.Join(pages(t, buf.Bytes()), "\n")
	if n := strings.Count(text, "Wolfeschlegelsteinhausenbergerdorff"); n < 4 {
		t.Errorf("the name's start is on %d places, want 3 labels and the furniture", n)
	}
}
