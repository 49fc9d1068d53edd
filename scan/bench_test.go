package scan_test

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"chartkeeper/chart"
	"chartkeeper/scan"
)

// BenchmarkIntake20MB takes one 20 MB scan: read, check, look for a cover
// sheet, hash, seal, commit, delete the original. Each round's file
// differs in its last page so none is a duplicate.
func BenchmarkIntake20MB(b *testing.B) {
	for _, tc := range []struct {
		name string
		make func(i int) []byte
	}{
		{"tiff", bigTIFF},
		{"pdf", func(i int) []byte { return makePDF(3, fmt.Sprintf("bench %d", i), 20<<20) }},
		{"pdf-scanned", scannedPDF},
	} {
		b.Run(tc.name, func(b *testing.B) {
			p := newPractice(b)
			in := scan.NewIntake(p.svc)
			dir := b.TempDir()
			f := scan.Folder{Path: dir}
			i := 0
			for b.Loop() {
				b.StopTimer()
				i++
				data := tc.make(i)
				path := filepath.Join(dir, "scan.bin")
				writeFile(b, path, data)
				b.SetBytes(int64(len(data)))
				b.StartTimer()
				if r := in.Take(path, f); r.Outcome != scan.Imported {
					b.Fatalf("%s %s", r.Outcome, r.Reason)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "scan.bin")); err == nil {
				b.Fatal("original left")
			}
		})
	}
}

// BenchmarkSeal20MB is the sealing step alone: 20 MB sealed into the
// store and committed as an inbox document (the design's budget line).
func BenchmarkSeal20MB(b *testing.B) {
	p := newPractice(b)
	data := makePDF(3, "seal", 20<<20)
	b.SetBytes(int64(len(data)))
	i := 0
	for b.Loop() {
		i++
		data[len(data)/2] = byte(i)
		data[len(data)/2+1] = byte(i >> 8)
		if _, err := p.svc.AddDocument(bytes.NewReader(data), chart.Document{ContentType: "application/pdf", Source: "x.pdf"}); err != nil {
			b.Fatal(err)
		}
	}
}

var scannedPages [][]byte

// scannedPDF is a 20 MB PDF as a scanner makes it: every page one JPEG
// image (200 dpi letter, grey, with noise so that it is large), drawn
// full page. Round i differs in its last page's content stream.
func scannedPDF(i int) []byte {
	if scannedPages == nil {
		r := rand.New(rand.NewPCG(1, 2))
		for total := 0; total < 20<<20; {
			img := image.NewGray(image.Rect(0, 0, 1700, 2200))
			for k := range img.Pix {
				img.Pix[k] = 0xc0 + byte(r.IntN(64))
			}
			var b bytes.Buffer
			jpeg.Encode(&b, img, &jpeg.Options{Quality: 92})
			scannedPages = append(scannedPages, b.Bytes())
			total += b.Len()
		}
	}
	var b bytes.Buffer
	var offs []int
	obj := func(head string, stream []byte) {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\n", len(offs), head)
		if stream != nil {
			fmt.Fprintf(&b, "stream\n")
			b.Write(stream)
			b.WriteString("\nendstream\n")
		}
		b.WriteString("endobj\n")
	}
	n := len(scannedPages)
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	var kids []string
	for k := 0; k < n; k++ {
		kids = append(kids, fmt.Sprintf("%d 0 R", 3+3*k))
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>", nil)
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), n), nil)
	for k, jp := range scannedPages {
		content := fmt.Sprintf("q 612 0 0 792 0 0 cm /Im0 Do Q %% round %d\n", i)
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R >>", 5+3*k, 4+3*k), nil)
		obj(fmt.Sprintf("<< /Length %d >>", len(content)), []byte(content))
		obj(fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width 1700 /Height 2200 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>", len(jp)), jp)
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, x)
	return b.Bytes()
}

// bigTIFF is a 20 MB uncompressed grey TIFF of five pages.
func bigTIFF(seed int) []byte {
	pages := make([]*image.Gray, 5)
	for k := range pages {
		pages[k] = pageOfSize(2048, 2048, seed*10+k)
	}
	return makeTIFF(pages...)
}

func pageOfSize(w, h, seed int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for x := 0; x < w; x++ {
		img.Pix[(seed%h)*img.Stride+x] = 0
	}
	return img
}
