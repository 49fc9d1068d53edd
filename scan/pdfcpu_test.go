package scan_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"chartkeeper/chart"
	"chartkeeper/scan"
)

// TestPasswordPDF: a PDF that needs a password to open is refused with a
// plain reason and left where it is; one with only an owner password
// (it opens without one) is taken, split and turned. qpdf encrypts them.
func TestPasswordPDF(t *testing.T) {
	qpdf := tool(t, "qpdf")
	p := newPractice(t)
	in := scan.NewIntake(p.svc)
	dir, work := t.TempDir(), t.TempDir()
	plain := filepath.Join(work, "plain.pdf")
	writeFile(t, plain, makePDF(3, "protected scan", 2000))
	user := filepath.Join(dir, "user.pdf")
	run(t, qpdf, "--encrypt", "open-sesame", "owner-secret", "256", "--", plain, user)
	r := in.Take(user, scan.Folder{Path: dir})
	if want := "this PDF needs a password to open; save it again without a password and drop it back in"; r.Outcome != scan.Refused || r.Reason != want {
		t.Errorf("user password: %s %q", r.Outcome, r.Reason)
	}
	if r.ReasonText.Key != r.Reason || len(r.ReasonText.Args) != 0 {
		t.Errorf("user password: the reason's key is %q with %v", r.ReasonText.Key, r.ReasonText.Args)
	}
	if _, err := os.Stat(user); err != nil {
		t.Error("the refused PDF is gone from its folder")
	}

	owner := filepath.Join(dir, "owner.pdf")
	run(t, qpdf, "--encrypt", "", "owner-secret", "256", "--print=none", "--modify=none", "--extract=n", "--", plain, owner)
	b, err := os.ReadFile(owner)
	if err != nil {
		t.Fatal(err)
	}
	r = in.Take(owner, scan.Folder{Path: dir})
	if r.Outcome != scan.Imported || r.Document.Pages != 3 {
		t.Fatalf("owner password: %+v", r)
	}
	first, _, err := scan.EditPages(b, []scan.PageTurn{{Page: 1}})
	if err != nil {
		t.Fatal(err)
	}
	rest, _, err := scan.EditPages(b, []scan.PageTurn{{Page: 2, Turn: 90}, {Page: 3}})
	if err != nil {
		t.Fatal(err)
	}
	if n := pdfinfoPages(t, first); n != 1 {
		t.Errorf("first part: %d pages", n)
	}
	if got := pdfinfoRotations(t, rest); len(got) != 2 || got[0] != 90 || got[1] != 0 {
		t.Errorf("rotations %v, want [90 0]", got)
	}
}

// TestImg2PDF24Pages: a 24-page PDF made by img2pdf from ImageMagick's
// JPEGs, the first page a printed cover sheet, goes through intake: it
// is filed without its cover page, and taken again it is a duplicate.
func TestImg2PDF24Pages(t *testing.T) {
	pdftoppm := tool(t, "pdftoppm")
	im := tool(t, "magick", "convert")
	i2p := tool(t, "img2pdf")
	p := newPractice(t)
	dir := t.TempDir()
	make24 := func(pt chart.Patient) []byte {
		work := t.TempDir()
		writeFile(t, filepath.Join(work, "cover.pdf"), coverPDF(t, p, pt, "lab"))
		run(t, pdftoppm, "-r", "150", "-gray", "-png", "-singlefile", filepath.Join(work, "cover.pdf"), filepath.Join(work, "cover"))
		jpegs := []string{filepath.Join(work, "p01.jpg")}
		run(t, im, filepath.Join(work, "cover.png"), "-quality", "90", jpegs[0])
		for i := 2; i <= 24; i++ {
			name := filepath.Join(work, fmt.Sprintf("p%02d.jpg", i))
			run(t, im, "-size", "1275x1650", "xc:white", "-fill", "black",
				"-draw", fmt.Sprintf("rectangle %d,%d %d,%d", 40*i, 60*i, 40*i+200, 60*i+100), "-quality", "85", name)
			jpegs = append(jpegs, name)
		}
		out := filepath.Join(work, "scan.pdf")
		run(t, i2p, append(append([]string{"--pagesize", "Letter"}, jpegs...), "-o", out)...)
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	pt := p.patient("Lindqvist", "Testa")
	b := make24(pt)
	if !coversRead(map[string][]byte{"img2pdf": b}) {
		// As in TestCoverSheetScannerImages: made once more, and must read.
		t.Logf("the cover made for %s did not read; making the scan again", pt.MRN)
		pt = p.patient("Lindqvist", "Testb")
		b = make24(pt)
	}
	if info := analyze(t, b); info.Pages != 24 {
		t.Fatalf("%d pages", info.Pages)
	}
	in := scan.NewIntake(p.svc)
	path := filepath.Join(dir, "scan.pdf")
	writeFile(t, path, b)
	r := in.Take(path, scan.Folder{Path: dir})
	if r.Outcome != scan.Imported || r.FiledBy != "cover sheet" || r.Document.Patient != pt.ID || r.Document.Category != "lab" || r.Document.Pages != 23 {
		t.Fatalf("%+v", r)
	}
	stored := p.blob(r.Document.Blob)
	if n := pdfinfoPages(t, stored); n != 23 {
		t.Errorf("pdfinfo counts %d pages in the stored PDF, want 23", n)
	}
	want, err := scan.Page(b, 24, 200)
	if err != nil {
		t.Fatal(err)
	}
	got, err := scan.Page(stored, 23, 200)
	if err != nil {
		t.Fatal(err)
	}
	if !samePixels(want, got) {
		t.Error("the last stored page is not the scan's last page")
	}
	writeFile(t, path, b)
	if r := in.Take(path, scan.Folder{Path: dir}); r.Outcome != scan.Duplicate {
		t.Errorf("taken again: %s %s", r.Outcome, r.Reason)
	}
}

// TestPDFHeldOnce: a PDF read for intake keeps its large streams (a
// scan's page images) in the file's own bytes, not in a second copy of
// pdfcpu's.
func TestPDFHeldOnce(t *testing.T) {
	const bulk = 16 << 20
	b := makePDF(3, "held once", bulk)
	var info scan.Info
	held := heapAfter(func() {
		var err error
		if info, err = scan.Analyze(b); err != nil {
			t.Fatal(err)
		}
	})
	if held > bulk/2 {
		t.Errorf("reading the PDF holds %d MB besides the file", held>>20)
	}
	if info.Pages != 3 {
		t.Fatalf("%d pages", info.Pages)
	}
	runtime.KeepAlive(info)
}

// TestPDFLeftInFile: a PDF that intake reads from its file is not held in
// memory: its large streams stay in the file (pdfcpu's copies dropped)
// and are read back from it when page 1 is looked at for a cover sheet,
// which is then found as from the PDF held whole.
func TestPDFLeftInFile(t *testing.T) {
	const bulk = 16 << 20
	b := makePDF(3, "left in file", bulk)
	path := filepath.Join(t.TempDir(), "scan.pdf")
	writeFile(t, path, b)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var info scan.Info
	held := heapAfter(func() {
		if info, err = scan.AnalyzePDFFile(f, int64(len(b))); err != nil {
			t.Fatal(err)
		}
	})
	if held > bulk/8 {
		t.Errorf("reading the PDF from its file holds %d MB", held>>20)
	}
	if info.Pages != 3 || scan.LeftStreams(info) == 0 {
		t.Fatalf("%d pages, %d streams left in the file", info.Pages, scan.LeftStreams(info))
	}
	runtime.KeepAlive(info)
	f.Close()

	// Taken in, it is stored as it is: the content read back from the
	// store is the file's, byte for byte.
	p := newPractice(t)
	r := scan.NewIntake(p.svc).Take(path, scan.Folder{Path: filepath.Dir(path)})
	if r.Outcome != scan.Imported || r.Document.Pages != 3 {
		t.Fatalf("%s %s, %d pages", r.Outcome, r.Reason, r.Document.Pages)
	}
	if got := p.blob(r.Document.Blob); !bytes.Equal(got, b) {
		t.Errorf("the store gives back %d bytes that are not the file's %d", len(got), len(b))
	}

	pt := p.patient("Wanjiru", "Testakamau")
	for name, b := range scannerPDFs(t, p, pt, "lab") {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), name+".pdf")
			writeFile(t, path, b)
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			info, err := scan.AnalyzePDFFile(f, int64(len(b)))
			if err != nil {
				t.Fatal(err)
			}
			left := scan.LeftStreams(info)
			_, whole := scan.FindCover(b, analyze(t, b))
			c, ok := scan.FindCover(nil, info)
			if ok != whole || ok && c.MRN != pt.MRN {
				t.Errorf("cover sheet read from the file: %v %+v; from the PDF held whole: %v", ok, c, whole)
			}
			if left > 0 && scan.LeftStreams(info) >= left {
				t.Errorf("%d streams left in the file before the cover look, %d after: page 1's were not read back", left, scan.LeftStreams(info))
			}
		})
	}
}

// heapAfter is how much more heap is in use after f than before, once
// garbage is collected.
func heapAfter(f func()) int64 {
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	f()
	runtime.GC()
	runtime.ReadMemStats(&m1)
	return int64(m1.HeapAlloc) - int64(m0.HeapAlloc)
}
