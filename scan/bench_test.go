package scan_test

import (
	"bytes"
	"fmt"
	"image"
	"os"
	"path/filepath"
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
	} {
		b.Run(tc.name, func(b *testing.B) {
			p := newPractice(b)
			in := scan.NewIntake(p.svc, nil)
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
