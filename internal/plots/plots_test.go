package plots

import (
	"bytes"
	"errors"
	"image"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

func weights() Chart {
	d := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	return Chart{Title: "Weight", Unit: "kg", Series: []Series{{Name: "Weight", Points: []Point{
		{At: d.AddDate(0, 2, 0), Value: 74.6}, {At: d, Value: 76.1}, {At: d.AddDate(0, 5, 0), Value: 73.2},
	}}}}
}

func TestImageDrawsSomething(t *testing.T) {
	img, err := weights().Image(400, 240, 96)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 400 || b.Dy() != 240 {
		t.Fatalf("image is %v, want 400×240", b)
	}
	dark := 0
	for y := 0; y < 240; y++ {
		for x := 0; x < 400; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if r < 0x4000 && g < 0x6000 && b > 0x8000 { // the blue line
				dark++
			}
		}
	}
	if dark < 50 {
		t.Fatalf("only %d pixels of the series' colour; the line was not drawn", dark)
	}
}

func TestEmptyChart(t *testing.T) {
	if _, err := (Chart{Title: "Nothing"}).Image(100, 100, 96); !errors.Is(err, ErrEmpty) {
		t.Fatalf("err = %v, want ErrEmpty", err)
	}
}

func TestWritePDFReadsBack(t *testing.T) {
	var buf bytes.Buffer
	if err := weights().Write(&buf, PDF, 400, 250); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", buf.Bytes()[:min(16, buf.Len())])
	}
	tool, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext is needed (poppler-utils)")
		}
		t.Skip("pdftotext not installed")
	}
	path := filepath.Join(t.TempDir(), "w.pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "Weight") || !strings.Contains(string(out), "kg") {
		t.Fatalf("pdftotext found no title or unit:\n%s", out)
	}
}

func TestWritePNG(t *testing.T) {
	var buf bytes.Buffer
	if err := weights().Write(&buf, FormatOf("trend.PNG"), 400, 250); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("\x89PNG")) {
		t.Fatal("not a PNG")
	}
	if FormatOf("a.pdf") != PDF {
		t.Fatal("a.pdf is not PDF")
	}
}

func TestPlainTickLabels(t *testing.T) {
	for _, tk := range (plainTicks{}).Ticks(0, 50) {
		if strings.Contains(tk.Label, ".") {
			t.Errorf("tick %v labelled %q", tk.Value, tk.Label)
		}
	}
}

// backlog is the HIM home's "Unsigned notes by age": three series, the
// highest near the top of the plot from one end of the time axis to the
// other, where a legend in a corner would cover it.
func backlog(names ...string) Chart {
	d := time.Date(2026, 9, 8, 0, 0, 0, 0, time.UTC)
	c := Chart{Title: "Unsigned notes by age", Unit: "notes"}
	for k, name := range names {
		var pts []Point
		for i := range 90 {
			pts = append(pts, Point{At: d.AddDate(0, 0, i), Value: float64(k*50 + i%5)})
		}
		c.Series = append(c.Series, Series{Name: name, Points: pts})
	}
	return c
}

// TestLegendOutsideData: the legend naming the series is drawn in rows
// under the plot, never over the data: the data area holds no black (the
// legend's text is the only black the plot draws besides its axes, which
// are outside it), while the series' colours appear under the time axis
// where the legend shows their lines. Long names take more rows.
func TestLegendOutsideData(t *testing.T) {
	for _, tc := range []struct {
		c    Chart
		w, h int
	}{
		{backlog("up to 3 days old", "4 to 14 days old", "over 14 days old"), 500, 190},
		{backlog("up to 3 days old", "4 to 14 days old", "over 14 days old"), 300, 190},
		{backlog("jusqu'à 3 jours", "de 4 à 14 jours", "plus de 14 jours"), 420, 240},
		{backlog("workstation at the front desk", "the clinician's laptop", "records office", "coding room", "ward B"), 480, 300},
	} {
		img, err := tc.c.Image(tc.w, tc.h, 96)
		if err != nil {
			t.Fatal(err)
		}
		data, below := dataArea(t, tc.c, tc.w, tc.h)
		for y := data.Min.Y + 1; y < data.Max.Y-1; y++ {
			for x := data.Min.X + 1; x < data.Max.X-1; x++ {
				if r, g, b, _ := img.At(x, y).RGBA(); r>>8 < 0x40 && g>>8 < 0x40 && b>>8 < 0x40 {
					t.Fatalf("%d×%d %v: black at (%d,%d) inside the data area %v: the legend covers the data", tc.w, tc.h, tc.c.Series[0].Name, x, y, data)
				}
			}
		}
		for i := range tc.c.Series {
			want := palette[i%len(palette)]
			wr, wg, wb, _ := want.RGBA()
			found := false
			for y := below; y < tc.h && !found; y++ {
				for x := 0; x < tc.w && !found; x++ {
					r, g, b, _ := img.At(x, y).RGBA()
					found = r == wr && g == wg && b == wb
				}
			}
			if !found {
				t.Errorf("%d×%d: no %q in the legend under the plot", tc.w, tc.h, tc.c.Series[i].Name)
			}
		}
	}
}

// dataArea is where c's plot draws its data in an image of w×h pixels at
// 96 dpi, and the row of pixels under which the legend sits.
func dataArea(t *testing.T, c Chart, w, h int) (image.Rectangle, int) {
	t.Helper()
	p, legend, err := c.build()
	if err != nil {
		t.Fatal(err)
	}
	cv := vgimg.NewWith(vgimg.UseWH(vg.Length(w)*vg.Inch/96, vg.Length(h)*vg.Inch/96), vgimg.UseDPI(96))
	dc := draw.New(cv)
	_, height := legendRows(legend, dc.Max.X-dc.Min.X)
	if height == 0 {
		t.Fatalf("%d×%d: no legend", w, h)
	}
	d := p.DataCanvas(draw.Crop(dc, 0, 0, height, 0))
	px := func(l vg.Length) int { return int(math.Round(l.Dots(96))) }
	return image.Rect(px(d.Min.X), h-px(d.Max.Y), px(d.Max.X), h-px(d.Min.Y)), h - px(height)
}

// glucose is a lab test's trend: a reference range and two values above it.
func glucose(lo, hi float64) Chart {
	d := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	return Chart{Title: "Glucose", Unit: "mg/dL", Band: &[2]float64{lo, hi}, BandName: "shaded: Reference range", FlaggedName: "red discs: Outside the range",
		Series: []Series{{Name: "Glucose", Points: []Point{
			{At: d, Value: 92}, {At: d.AddDate(0, 3, 0), Value: 131, Flagged: true}, {At: d.AddDate(0, 6, 0), Value: 88}, {At: d.AddDate(0, 9, 0), Value: 142, Flagged: true},
		}}}}
}

// count counts the pixels of img for which keep is true.
func count(t *testing.T, c Chart, keep func(r, g, b uint32) bool) int {
	t.Helper()
	img, err := c.Image(480, 300, 96)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for y := 0; y < 300; y++ {
		for x := 0; x < 480; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if keep(r>>8, g>>8, b>>8) {
				n++
			}
		}
	}
	return n
}

func isBand(r, g, b uint32) bool { return r == 0xe3 && g == 0xf1 && b == 0xe3 }
func isRing(r, g, b uint32) bool { return r > 0xb0 && g < 0x40 && b < 0x40 }

// TestBandAndFlags: a range is shaded, a flagged value sits on a red disc,
// and a range open on one side is shaded too, past the points.
func TestBandAndFlags(t *testing.T) {
	closed := count(t, glucose(70, 99), isBand)
	if closed < 2000 {
		t.Errorf("the band 70–99 covers %d pixels", closed)
	}
	if n := count(t, glucose(70, 99), isRing); n < 30 {
		t.Errorf("flagged values: %d red pixels", n)
	}
	plain := glucose(70, 99)
	plain.Series[0].Points[1].Flagged, plain.Series[0].Points[3].Flagged = false, false
	if n := count(t, plain, isRing); n > 0 {
		t.Errorf("nothing flagged, yet %d red pixels", n)
	}
	if n := count(t, glucose(math.NaN(), 99), isBand); n < 2000 {
		t.Errorf("an open low side shades %d pixels", n)
	}
	if p, err := glucose(math.NaN(), 99).Plot(); err != nil || p.Y.Min >= 88 {
		t.Errorf("a range below 99 does not reach below the lowest value: y min %v %v", p.Y.Min, err)
	}
	if n := count(t, glucose(math.NaN(), 60), isBand); n < 2000 {
		t.Errorf("a range below 60, every value above it, shades %d pixels", n)
	}
	if n := count(t, glucose(math.NaN(), math.NaN()), isBand); n > 0 {
		t.Errorf("no bound at all shades %d pixels", n)
	}
	p, err := glucose(200, math.NaN()).Plot()
	if err != nil {
		t.Fatal(err)
	}
	if p.Y.Max < 200 {
		t.Errorf("a range above 200 is not on the plot: y max %v", p.Y.Max)
	}
	// The key under the time axis names the band and the flagged points.
	var buf bytes.Buffer
	if err := glucose(70, 99).Write(&buf, PDF, 400, 250); err != nil {
		t.Fatal(err)
	}
	if out := pdfText(t, buf.Bytes()); !strings.Contains(out, "shaded: Reference range") || !strings.Contains(out, "red discs: Outside the range") {
		t.Errorf("the key does not name the band and the flags:\n%s", out)
	}
}

func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	tool, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext is needed (poppler-utils)")
		}
		t.Skip("pdftotext not installed")
	}
	path := filepath.Join(t.TempDir(), "p.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}
