package pdfdraw

import (
	"bytes"
	"errors"
	"image"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"image/png"

	"github.com/jung-kurt/gofpdf"
)

// textPDF is a two-page A4 document of text and a filled box, as report
// makes them.
func textPDF(t testing.TB) []byte {
	t.Helper()
	f := gofpdf.New("P", "mm", "A4", "")
	for p := 1; p <= 2; p++ {
		f.AddPage()
		f.SetFont("Helvetica", "B", 16)
		f.Cell(0, 10, "Patient summary: Test, Ada (fake) page "+strconv.Itoa(p))
		f.Ln(12)
		f.SetFont("Helvetica", "", 11)
		for i := 0; i < 40; i++ {
			f.Cell(0, 6, "Line "+strconv.Itoa(i)+": blood pressure 120/80, weight 70.5 kg, nothing of note.")
			f.Ln(6)
		}
		f.Rect(20, 270, 60, 10, "F")
	}
	var b bytes.Buffer
	if err := f.Output(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// darkRatio is the share of pixels darker than mid-grey.
func darkRatio(img image.Image) float64 {
	b := img.Bounds()
	dark := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if (r+g+bl)/3 < 0x8000 {
				dark++
			}
		}
	}
	return float64(dark) / float64(b.Dx()*b.Dy())
}

func TestPageDrawsText(t *testing.T) {
	pdf := textPDF(t)
	img, err := Page(pdf, 2, 150)
	if err != nil {
		t.Fatal(err)
	}
	// A4 at 150 dpi is 1240×1754.
	if b := img.Bounds(); b.Dx() < 1239 || b.Dx() > 1241 || b.Dy() < 1753 || b.Dy() > 1755 {
		t.Fatalf("page is %v, want about 1240×1754", b)
	}
	if c := img.At(5, 5); c != (image.White.At(0, 0)) {
		r, g, b, a := c.RGBA()
		if r>>8 != 0xff || g>>8 != 0xff || b>>8 != 0xff || a>>8 != 0xff {
			t.Fatalf("the margin is %v, want white", c)
		}
	}
	ratio := darkRatio(img)
	if ratio < 0.005 || ratio > 0.2 {
		t.Fatalf("dark-pixel ratio %.4f: the text was not drawn", ratio)
	}
	// Compared with poppler's drawing where it is installed.
	path, err := exec.LookPath("pdftoppm")
	if err != nil {
		t.Logf("pdftoppm is not installed; dark-pixel ratio %.4f", ratio)
		return
	}
	cmd := exec.Command(path, "-r", "150", "-f", "2", "-l", "2", "-singlefile", "-png", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	ref, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	want := darkRatio(ref)
	if ratio < want*0.7 || ratio > want*1.3 {
		t.Fatalf("dark-pixel ratio %.4f, pdftoppm's %.4f", ratio, want)
	}
	t.Logf("dark-pixel ratio %.4f, pdftoppm's %.4f", ratio, want)
}

func TestPageRefusesWhatIsNotThere(t *testing.T) {
	pdf := textPDF(t)
	if _, err := Page(pdf, 3, 150); !errors.Is(err, ErrNoPage) {
		t.Fatalf("page 3 of 2: %v, want ErrNoPage", err)
	}
	if _, err := Page([]byte("%PDF-1.4 not really"), 1, 150); err == nil {
		t.Fatal("a damaged PDF was drawn")
	}
	// The damaged document left PDFium able to draw the next one.
	if _, err := Page(pdf, 1, 72); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkStart is PDFium's start, once a process (run with -benchtime=1x).
func BenchmarkStart(b *testing.B) {
	t0 := time.Now()
	if err := Start(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(time.Since(t0).Milliseconds()), "start-ms")
}

// BenchmarkPage150 draws an A4 page of text at 150 dpi, PDFium started.
func BenchmarkPage150(b *testing.B) {
	pdf := textPDF(b)
	if err := Start(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Page(pdf, 1, 150); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPdftoppm150 is the same page drawn by poppler, for comparison.
func BenchmarkPdftoppm150(b *testing.B) {
	path, err := exec.LookPath("pdftoppm")
	if err != nil {
		b.Skip("pdftoppm is not installed")
	}
	pdf := textPDF(b)
	for b.Loop() {
		cmd := exec.Command(path, "-r", "150", "-f", "1", "-l", "1", "-singlefile", "-png", "-")
		cmd.Stdin = bytes.NewReader(pdf)
		out, err := cmd.Output()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := png.Decode(bytes.NewReader(out)); err != nil {
			b.Fatal(err)
		}
	}
}
