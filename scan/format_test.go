package scan_test

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"chartkeeper/scan"
)

func analyze(t testing.TB, b []byte) scan.Info {
	t.Helper()
	info, err := scan.Analyze(b)
	if err != nil {
		t.Fatalf("Analyze: %v", err)
	}
	return info
}

func refused(t *testing.T, b []byte, want string) {
	t.Helper()
	_, err := scan.Analyze(b)
	var pe *scan.ProblemError
	if !errors.As(err, &pe) {
		t.Fatalf("Analyze = %v, want a problem", err)
	}
	if !strings.Contains(pe.Reason, want) {
		t.Errorf("reason %q, want it to say %q", pe.Reason, want)
	}
}

func TestAnalyzeGoMade(t *testing.T) {
	for _, tc := range []struct {
		name  string
		b     []byte
		f     scan.Format
		pages int
	}{
		{"pdf 1", makePDF(1, "x", 0), scan.PDF, 1},
		{"pdf 7", makePDF(7, "x", 1000), scan.PDF, 7},
		{"pdf objstm", objStmPDF(4), scan.PDF, 4},
		{"tiff 3", makeTIFF(pageImage(1), pageImage(2), pageImage(3)), scan.TIFF, 3},
		{"png", makePNG(1), scan.PNG, 1},
		{"jpeg", makeJPEG(1), scan.JPEG, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			info := analyze(t, tc.b)
			if info.Format != tc.f || info.Pages != tc.pages {
				t.Errorf("got %s with %d pages, want %s with %d", info.Format, info.Pages, tc.f, tc.pages)
			}
			// Named wrongly, still known by content.
			if f, _ := scan.Detect(tc.b); f != tc.f {
				t.Errorf("Detect = %s", f)
			}
		})
	}
}

func TestAnalyzeRefuses(t *testing.T) {
	pdf := makePDF(3, "x", 5000)
	tif := makeTIFF(pageImage(1), pageImage(2))
	for _, tc := range []struct {
		name, want string
		b          []byte
	}{
		{"empty", "empty", nil},
		{"text", "not a PDF, TIFF, JPEG or PNG file (it looks like text)", []byte("Dear colleague,\nplease see.\n")},
		{"zip", "ZIP", []byte("PK\x03\x04\x14\x00\x00\x00rest")},
		{"gif", "GIF", []byte("GIF89a\x01\x00\x01\x00")},
		{"pdf cut", "PDF is cut off", pdf[:len(pdf)/2]},
		{"pdf no pages", "no pages", []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n")},
		{"pdf junk", "no objects", []byte("%PDF-1.4\nthis is not a pdf\n%%EOF\n")},
		{"tiff cut", "TIFF is cut off", tif[:len(tif)-300]},
		{"tiff cut header", "TIFF is cut off", tif[:6]},
		{"tiff loop", "loops", tiffLoop(tif)},
		{"png cut", "PNG image is damaged", makePNG(1)[:100]},
		{"jpeg cut", "JPEG image is damaged", makeJPEG(1)[:200]},
	} {
		t.Run(tc.name, func(t *testing.T) { refused(t, tc.b, tc.want) })
	}
}

// tiffLoop points the last IFD of a TIFF back at the first.
func tiffLoop(b []byte) []byte {
	b = bytes.Clone(b)
	first := int(b[4]) | int(b[5])<<8 | int(b[6])<<16 | int(b[7])<<24
	// The last 4 bytes are the last IFD's next pointer.
	n := len(b)
	b[n-4], b[n-3], b[n-2], b[n-1] = byte(first), byte(first>>8), byte(first>>16), byte(first>>24)
	return b
}

// objStmPDF is a PDF 1.5 whose page objects sit in a compressed object
// stream, where no "/Type /Page" is visible in the file; a
// cross-reference stream (uncompressed) says where they are.
func objStmPDF(n int) []byte {
	var objs strings.Builder
	var head []string
	kids := make([]string, n)
	for i := range kids {
		kids[i] = fmt.Sprintf("%d 0 R", 10+i)
	}
	bodies := []string{fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), n)}
	for i := 0; i < n; i++ {
		bodies = append(bodies, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>")
	}
	for i, body := range bodies {
		num := 2
		if i > 0 {
			num = 9 + i
		}
		head = append(head, fmt.Sprintf("%d %d", num, objs.Len()))
		objs.WriteString(body + "\n")
	}
	h := strings.Join(head, " ") + "\n"
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write([]byte(h + objs.String()))
	zw.Close()
	var b bytes.Buffer
	b.WriteString("%PDF-1.5\n")
	catalog := b.Len()
	b.WriteString("1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n")
	stm := b.Len()
	fmt.Fprintf(&b, "5 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n", len(bodies), len(h), z.Len())
	b.Write(z.Bytes())
	b.WriteString("\nendstream\nendobj\n")
	// The cross-reference stream: type, offset or object stream, index.
	size := 10 + n + 1
	rows := make([][3]int, size)
	rows[0] = [3]int{0, 0, 0xffff}
	rows[1] = [3]int{1, catalog, 0}
	rows[2] = [3]int{2, 5, 0}
	rows[5] = [3]int{1, stm, 0}
	for i := 0; i < n; i++ {
		rows[10+i] = [3]int{2, 5, 1 + i}
	}
	xref := b.Len()
	rows[size-1] = [3]int{1, xref, 0}
	var x bytes.Buffer
	for _, r := range rows {
		x.Write([]byte{byte(r[0]), byte(r[1] >> 24), byte(r[1] >> 16), byte(r[1] >> 8), byte(r[1]), byte(r[2] >> 8), byte(r[2])})
	}
	fmt.Fprintf(&b, "%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n", size-1, size, x.Len())
	b.Write(x.Bytes())
	fmt.Fprintf(&b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", xref)
	return b.Bytes()
}

func TestThumbnail(t *testing.T) {
	for _, b := range [][]byte{makePNG(3), makeJPEG(3), makeTIFF(pageImage(3), pageImage(4))} {
		img := thumbnail(b)
		if r := img.Bounds(); r.Dx() != 170 || r.Dy() != 220 {
			t.Errorf("thumbnail of a small page is %v, want the page itself", r)
		}
	}
	big := image.NewGray(image.Rect(0, 0, 1700, 2200))
	img := thumbnail(makeTIFF(big))
	if r := img.Bounds(); r.Dx() != 197 || r.Dy() != scan.ThumbnailSize {
		t.Errorf("thumbnail is %v, want 197×256", r)
	}
	// Page 2 of a TIFF is its own picture.
	tif := makeTIFF(pageImage(10), pageImage(90))
	p1, _ := scan.Page(tif, 1, 500)
	p2, err := scan.Page(tif, 2, 500)
	if err != nil {
		t.Fatal(err)
	}
	if samePixels(p1, p2) {
		t.Error("page 2 of the TIFF drew as page 1")
	}
	if _, err := scan.Page(tif, 3, 500); err == nil {
		t.Error("a third page of a two-page TIFF was drawn")
	}
	// No pdftoppm: the placeholder.
	old := scan.PDFRenderer
	scan.PDFRenderer = "no-such-pdftoppm"
	defer func() { scan.PDFRenderer = old }()
	if !samePixels(thumbnail(makePDF(1, "x", 0)), scan.Placeholder(scan.ThumbnailSize)) {
		t.Error("a PDF without pdftoppm did not get the placeholder")
	}
}

func samePixels(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 {
				return false
			}
		}
	}
	return true
}

func TestPDFThumbnail(t *testing.T) {
	tool(t, "pdftoppm")
	img := thumbnail(makePDF(2, "x", 0))
	if r := img.Bounds(); r.Dy() != scan.ThumbnailSize && r.Dx() != scan.ThumbnailSize {
		if samePixels(img, scan.Placeholder(scan.ThumbnailSize)) {
			t.Fatal("PDF thumbnail is the placeholder")
		}
	}
	if samePixels(img, scan.Placeholder(scan.ThumbnailSize)) {
		t.Fatal("PDF thumbnail is the placeholder")
	}
}

// TestRealTools checks files made by ImageMagick and libtiff: a bilevel
// CCITT Group 4 multi-page TIFF as document scanners write, the same
// joined by tiffcp, and a PDF made from it by tiff2pdf.
func TestRealTools(t *testing.T) {
	im := tool(t, "magick", "convert")
	dir := t.TempDir()
	g4 := filepath.Join(dir, "g4.tif")
	run(t, im, "-density", "200", "-size", "1700x2200", "xc:white", "-fill", "black", "-draw", "rectangle 100,100 900,300",
		"(", "-size", "1700x2200", "xc:white", ")", "(", "-size", "1700x2200", "xc:white", "-draw", "circle 800,800 900,900", ")",
		"-monochrome", "-compress", "Group4", g4)
	b, err := os.ReadFile(g4)
	if err != nil {
		t.Fatal(err)
	}
	info := analyze(t, b)
	if info.Format != scan.TIFF || info.Pages != 3 || info.Compression != "CCITT Group 4" {
		t.Errorf("ImageMagick G4 TIFF: %+v, want 3 pages of CCITT Group 4", info)
	}
	if samePixels(thumbnail(b), scan.Placeholder(scan.ThumbnailSize)) {
		t.Error("the G4 TIFF's first page was not drawn")
	}
	refused(t, b[:len(b)/2], "cut off")

	tiffcp := tool(t, "tiffcp")
	joined := filepath.Join(dir, "joined.tif")
	run(t, tiffcp, "-c", "g4", g4, g4, joined)
	jb, _ := os.ReadFile(joined)
	if info := analyze(t, jb); info.Pages != 6 || info.Compression != "CCITT Group 4" {
		t.Errorf("tiffcp join: %+v, want 6 pages", info)
	}

	tiff2pdf := tool(t, "tiff2pdf")
	pdf := filepath.Join(dir, "g4.pdf")
	run(t, tiff2pdf, "-o", pdf, g4)
	pb, _ := os.ReadFile(pdf)
	if info := analyze(t, pb); info.Format != scan.PDF || info.Pages != 3 {
		t.Errorf("tiff2pdf: %+v, want a PDF of 3 pages", info)
	}
}

func FuzzAnalyze(f *testing.F) {
	f.Add(makePDF(2, "x", 0))
	f.Add(objStmPDF(2))
	f.Add(makeTIFF(pageImage(1), pageImage(2)))
	f.Add(makePNG(1))
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := scan.Analyze(b)
		if err == nil && info.Pages < 1 {
			t.Errorf("accepted with %d pages", info.Pages)
		}
		var pe *scan.ProblemError
		if err != nil && !errors.As(err, &pe) {
			t.Errorf("error %v is not a problem", err)
		}
	})
}

// thumbnail is a small picture of the first page, or the generic page
// picture when the first page cannot be drawn here, as the inbox shows it.
func thumbnail(content []byte) image.Image {
	img, err := scan.Page(content, 1, scan.ThumbnailSize)
	if err != nil {
		return scan.Placeholder(scan.ThumbnailSize)
	}
	return img
}
