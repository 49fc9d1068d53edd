package scan_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
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

// TestPDFSkimmed: intake reads a PDF's objects without the bytes of its
// large streams where that is safe (a file that is not encrypted, the
// skipped bytes only ever a stream's own), and reads the file whole
// otherwise: an owner-password PDF (its streams are decrypted as they
// are read) and one whose page tree is in a large object stream. Each is
// read right, and taken in as it is.
func TestPDFSkimmed(t *testing.T) {
	plain := noisePDF(3, 400)
	work := t.TempDir()
	files := map[string][]byte{"plain": plain, "object stream": bigObjStmPDF(40, 3000)}
	if qpdf, err := exec.LookPath("qpdf"); err == nil {
		in, out := filepath.Join(work, "in.pdf"), filepath.Join(work, "owner.pdf")
		writeFile(t, in, plain)
		run(t, qpdf, "--encrypt", "", "owner-secret", "256", "--print=none", "--", in, out)
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		files["owner password"] = b
	} else if os.Getenv("CI") != "" {
		t.Fatal("qpdf is not installed")
	}
	p := newPractice(t)
	for name, b := range files {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "scan.pdf")
			writeFile(t, path, b)
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			info, err := scan.AnalyzePDFFile(f, int64(len(b)))
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			if want := analyze(t, b).Pages; info.Pages != want {
				t.Errorf("%d pages read from the file, %d from the PDF held whole", info.Pages, want)
			}
			skimmed := scan.SkimmedStreams(info)
			if name == "plain" && skimmed != 3 {
				t.Errorf("%d streams never read, want the 3 page images", skimmed)
			}
			if name != "plain" && skimmed != 0 {
				t.Errorf("%d streams never read, want the file read whole", skimmed)
			}
			r := scan.NewIntake(p.svc).Take(path, scan.Folder{Path: filepath.Dir(path)})
			if r.Outcome != scan.Imported || r.Document.Pages != info.Pages {
				t.Fatalf("%s %s, %d pages", r.Outcome, r.Reason, r.Document.Pages)
			}
			if got := p.blob(r.Document.Blob); !bytes.Equal(got, b) {
				t.Errorf("the store gives back %d bytes that are not the file's %d", len(got), len(b))
			}
		})
	}
}

// noisePDF is a PDF of n pages, each drawing a grey image of size×size
// pixels of noise, stored as it is (no filter; size 256 and more makes
// streams of 64 KB and more).
func noisePDF(n, size int) []byte {
	var b bytes.Buffer
	var offs []int
	obj := func(head string, stream []byte) {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\n", len(offs), head)
		if stream != nil {
			b.WriteString("stream\n")
			b.Write(stream)
			b.WriteString("\nendstream\n")
		}
		b.WriteString("endobj\n")
	}
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	kids := make([]string, n)
	for i := range kids {
		kids[i] = fmt.Sprintf("%d 0 R", 3+3*i)
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>", nil)
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), n), nil)
	r := rand.New(rand.NewPCG(uint64(n), uint64(size)))
	for i := 0; i < n; i++ {
		content := "q 612 0 0 792 0 0 cm /Im0 Do Q\n"
		px := make([]byte, size*size)
		for k := range px {
			px[k] = byte(r.Uint32())
		}
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R >>", 5+3*i, 4+3*i), nil)
		obj(fmt.Sprintf("<< /Length %d >>", len(content)), []byte(content))
		obj(fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Length %d >>", size, size, len(px)), px)
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, x)
	return b.Bytes()
}

// bigObjStmPDF is a PDF 1.5 of n pages whose page tree is in one object
// stream of more than 64 KB (each page dictionary carries pad bytes of
// a string), not compressed, with a cross-reference stream.
func bigObjStmPDF(n, pad int) []byte {
	var objs []string // objects 2 .. n+2, in the object stream
	kids := make([]string, n)
	for i := range kids {
		kids[i] = fmt.Sprintf("%d 0 R", 3+i)
	}
	objs = append(objs, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), n))
	for i := 0; i < n; i++ {
		objs = append(objs, fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /PieceInfo << /Pad (%s) >> >>", strings.Repeat("x", pad)))
	}
	var head, body bytes.Buffer
	for i, o := range objs {
		fmt.Fprintf(&head, "%d %d ", 2+i, body.Len())
		body.WriteString(o)
		body.WriteString("\n")
	}
	stm := append(head.Bytes(), body.Bytes()...)
	objStm, xrefObj := n+3, n+4
	var b bytes.Buffer
	b.WriteString("%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
	off1 := b.Len()
	b.WriteString("1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n")
	offStm := b.Len()
	fmt.Fprintf(&b, "%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Length %d >>\nstream\n", objStm, len(objs), head.Len(), len(stm))
	b.Write(stm)
	b.WriteString("\nendstream\nendobj\n")
	offX := b.Len()
	var x bytes.Buffer
	entry := func(typ byte, f2 uint32, f3 uint16) {
		x.WriteByte(typ)
		x.Write([]byte{byte(f2 >> 24), byte(f2 >> 16), byte(f2 >> 8), byte(f2)})
		x.Write([]byte{byte(f3 >> 8), byte(f3)})
	}
	entry(0, 0, 65535)
	entry(1, uint32(off1), 0)
	for i := range objs {
		entry(2, uint32(objStm), uint16(i))
	}
	entry(1, uint32(offStm), 0)
	entry(1, uint32(offX), 0)
	fmt.Fprintf(&b, "%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n", xrefObj, xrefObj+1, x.Len())
	b.Write(x.Bytes())
	fmt.Fprintf(&b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", offX)
	return b.Bytes()
}
