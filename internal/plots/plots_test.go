package plots

import (
	"bytes"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
	two := weights()
	two.Series = append(two.Series, Series{Name: "Goal", Points: two.Series[0].Points})
	p, err := two.Plot()
	if err != nil {
		t.Fatal(err)
	}
	if p.Y.Max <= 76.1 {
		t.Errorf("no room above the lines for the legend: y max %v", p.Y.Max)
	}
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
