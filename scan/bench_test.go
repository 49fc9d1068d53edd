package scan_test

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"

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

// BenchmarkIntakeImg2PDF24 takes in a 20 MB, 24-page PDF made by img2pdf
// (every page a grey 200 dpi letter JPEG), as a phone app or a scanning
// script outside Chartkeeper makes them. Beside ns/op it reports peak-MB,
// the most heap the intake held at once above what was live before it.
func BenchmarkIntakeImg2PDF24(b *testing.B) {
	i2p := tool(b, "img2pdf")
	work := b.TempDir()
	r := rand.New(rand.NewPCG(3, 4))
	var names []string
	for k := 1; k <= 24; k++ {
		img := image.NewGray(image.Rect(0, 0, 1700, 2200))
		for j := range img.Pix {
			img.Pix[j] = 0xd0 + byte(r.IntN(48))
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 72}); err != nil {
			b.Fatal(err)
		}
		name := filepath.Join(work, fmt.Sprintf("p%02d.jpg", k))
		writeFile(b, name, buf.Bytes())
		names = append(names, name)
	}
	out := filepath.Join(work, "scan.pdf")
	run(b, i2p, append(append([]string{"--pagesize", "Letter"}, names...), "-o", out)...)
	data, err := os.ReadFile(out)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("img2pdf made %d pages in %.1f MB", 24, float64(len(data))/(1<<20))

	p := newPractice(b)
	in := scan.NewIntake(p.svc)
	dir := b.TempDir()
	f := scan.Folder{Path: dir}
	var peak uint64
	i := 0
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		b.StopTimer()
		i++
		// A byte inside the last page's JPEG data differs each round, so
		// no round is a duplicate of another.
		data[len(data)-5000] = byte(i)
		data[len(data)-5001] = byte(i >> 8)
		path := filepath.Join(dir, "scan.pdf")
		writeFile(b, path, data)
		runtime.GC()
		stop := sampleHeap()
		b.StartTimer()
		res := in.Take(path, f)
		b.StopTimer()
		peak = max(peak, stop())
		b.StartTimer()
		if res.Outcome != scan.Imported || res.Document.Pages != 24 {
			b.Fatalf("%s %s, %d pages", res.Outcome, res.Reason, res.Document.Pages)
		}
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
}

// sampleHeap watches the heap's live objects every half millisecond until
// the function it returns is called, which returns the most seen above the
// starting point.
func sampleHeap() func() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	base := s[0].Value.Uint64()
	var peak atomic.Uint64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(500 * time.Microsecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > base && v-base > peak.Load() {
				peak.Store(v - base)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-stopped
		return peak.Load()
	}
}
