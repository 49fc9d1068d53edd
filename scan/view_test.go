package scan_test

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"chartkeeper/scan"
)

// viewPDFs makes a test page with ImageMagick (850×1100 pixels, white,
// a black bar near the top left, a red disc in the middle) and PDFs of it
// as img2pdf and tiff2pdf make them.
func viewPDFs(t *testing.T) map[string][]byte {
	t.Helper()
	im := tool(t, "magick", "convert")
	i2p := tool(t, "img2pdf")
	t2p := tool(t, "tiff2pdf")
	work := t.TempDir()
	page := filepath.Join(work, "page.png")
	run(t, im, "-size", "850x1100", "xc:white", "-fill", "black", "-draw", "rectangle 100,100 600,200",
		"-fill", "red", "-draw", "circle 425,600 425,800", "-depth", "8", "-type", "TrueColor", "PNG24:"+page)
	jpg := filepath.Join(work, "page.jpg")
	run(t, im, page, "-quality", "90", jpg)
	g4 := filepath.Join(work, "page.tif")
	run(t, im, page, "-monochrome", "-compress", "Group4", g4)
	grey := filepath.Join(work, "grey.png")
	run(t, im, page, "-colorspace", "Gray", "-depth", "8", "PNG8:"+grey)
	out := map[string][]byte{}
	for name, args := range map[string][]string{
		"img2pdf-png":    {page},
		"img2pdf-jpeg":   {jpg},
		"img2pdf-g4":     {g4},
		"img2pdf-grey":   {grey},
		"img2pdf-a4":     {"--pagesize", "A4", jpg},
		"img2pdf-turned": {"--rotation=90", jpg},
	} {
		p := filepath.Join(work, name+".pdf")
		run(t, i2p, append(args, "-o", p)...)
		out[name] = read(t, p)
	}
	p := filepath.Join(work, "tiff2pdf.pdf")
	run(t, t2p, "-o", p, g4)
	out["tiff2pdf-g4"] = read(t, p)
	return out
}

func read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// dark reports whether the pixel at the fractions (fx, fy) of img is dark.
func dark(img image.Image, fx, fy float64) bool {
	b := img.Bounds()
	r, g, bl, _ := img.At(b.Min.X+int(fx*float64(b.Dx())), b.Min.Y+int(fy*float64(b.Dy()))).RGBA()
	return (r+g+bl)/3 < 0x4000
}

// TestPageImageFromEmbeddedImage: scanned PDFs are drawn from their page
// image without pdftoppm, upright (a page's /Rotate applied), the image
// where the page places it.
func TestPageImageFromEmbeddedImage(t *testing.T) {
	pdfs := viewPDFs(t)
	old := scan.PDFRenderer
	scan.PDFRenderer = "no-such-pdftoppm"
	t.Cleanup(func() { scan.PDFRenderer = old })
	for name, pdf := range pdfs {
		t.Run(name, func(t *testing.T) {
			img, err := scan.PageImage(pdf, 1)
			if err != nil {
				t.Fatal(err)
			}
			b := img.Bounds()
			switch name {
			case "img2pdf-turned":
				// Turned a quarter clockwise: landscape, the bar at the top right.
				if b.Dx() <= b.Dy() {
					t.Fatalf("the turned page is %v, want landscape", b)
				}
				if !dark(img, 0.85, 0.3) || dark(img, 0.15, 0.1) {
					t.Error("the bar is not where a quarter turn clockwise puts it")
				}
				return
			case "img2pdf-a4":
				// The image is centred on an A4 page, white above and below.
				if r := float64(b.Dy()) / float64(b.Dx()); r < 1.40 || r > 1.43 {
					t.Errorf("the A4 page is %v, not A4's proportions", b)
				}
				if dark(img, 0.5, 0.01) {
					t.Error("the top margin of the A4 page is not white")
				}
			default:
				if b.Dx() != 850 || b.Dy() != 1100 {
					t.Errorf("the page is %v, want the image's 850×1100", b)
				}
			}
			if !dark(img, 0.4, 0.14) {
				t.Error("the black bar is missing")
			}
			if dark(img, 0.9, 0.9) {
				t.Error("the bottom right corner is not white")
			}
			if name == "img2pdf-png" || name == "img2pdf-jpeg" {
				r, g, _, _ := img.At(b.Min.X+b.Dx()/2, b.Min.Y+int(0.55*float64(b.Dy()))).RGBA()
				if r < 0xc000 || g > 0x6000 {
					t.Errorf("the red disc is not red: %x %x", r, g)
				}
			}
		})
	}
}

// TestPageImageTextPDF: a page of text and drawings (a cover sheet, as
// report makes it) is drawn with no pdftoppm on the computer (PDFium in
// Go, as on Windows), and looks like pdftoppm's drawing of it where
// poppler is installed: as much of the page is ink.
func TestPageImageTextPDF(t *testing.T) {
	p := newPractice(t)
	pdf := coverPDF(t, p, p.patient("Drawtest", "Zoë"), "lab")
	old := scan.PDFRenderer
	scan.PDFRenderer = "no-such-pdftoppm"
	t.Cleanup(func() { scan.PDFRenderer = old })
	img, err := scan.PageImage(pdf, 1)
	if err != nil || img.Bounds().Dx() < 1000 {
		t.Fatalf("without pdftoppm: %v %v", img, err)
	}
	got := inkRatio(img)
	if got < 0.001 {
		t.Fatalf("without pdftoppm the page is blank (ink %.5f)", got)
	}
	path, err := exec.LookPath(old)
	if err != nil {
		t.Logf("pdftoppm is not installed; ink %.5f", got)
		return
	}
	cmd := exec.Command(path, "-r", "150", "-f", "1", "-l", "1", "-singlefile", "-png", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	ref, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	want := inkRatio(ref)
	if got < want*0.7 || got > want*1.3 {
		t.Fatalf("ink %.5f of the page, pdftoppm's %.5f", got, want)
	}
	t.Logf("ink %.5f of the page, pdftoppm's %.5f", got, want)
}

// inkRatio is the share of a picture's pixels darker than mid-grey.
func inkRatio(img image.Image) float64 {
	b := img.Bounds()
	n := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if (r+g+bl)/3 < 0x8000 {
				n++
			}
		}
	}
	return float64(n) / float64(b.Dx()*b.Dy())
}

// TestFit: a turned view swaps the sides; the width asked is the width
// given.
func TestFit(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 850, 1100))
	for _, c := range []struct{ deg, w, wantH int }{{0, 425, 550}, {90, 550, 425}, {180, 850, 1100}, {270, 1100, 850}, {-90, 1100, 850}} {
		got := scan.Fit(img, c.deg, c.w).Bounds()
		if got.Dx() != c.w || got.Dy() != c.wantH {
			t.Errorf("turned %d to %d wide: %v, want %d×%d", c.deg, c.w, got, c.w, c.wantH)
		}
	}
}
