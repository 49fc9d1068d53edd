package scan_test

import (
	"bytes"
	"errors"
	"image"
	"image/draw"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"chartkeeper/scan"
	"chartkeeper/store"
)

// blob reads a stored blob whole.
//
// A document filed into a clinical category is sealed to the clinical
// compartment, which the front desk's keys do not open: the HIM manager
// reads it, and the front desk signs in again.
func (p *practice) blob(id string) []byte {
	p.t.Helper()
	if info, err := p.st.BlobInfo(id); err == nil && info.Clinical {
		if _, _, err := p.st.OpenBlob(id); !errors.Is(err, store.ErrNoKey) {
			p.t.Fatalf("the front desk opens a clinical document: %v", err)
		}
		p.tc.As(store.RoleHIM)
		defer p.tc.AsUser(deskUser)
	}
	rc, _, err := p.st.OpenBlob(id)
	if err != nil {
		p.t.Fatal(err)
	}
	defer rc.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(rc); err != nil {
		p.t.Fatal(err)
	}
	return b.Bytes()
}

var rePdfinfoPages = regexp.MustCompile(`(?m)^Pages:\s+(\d+)`)

// pdfinfoPages counts a PDF's pages with poppler's pdfinfo, which also
// fails on a PDF it cannot read.
func pdfinfoPages(t testing.TB, pdf []byte) int {
	t.Helper()
	info := tool(t, "pdfinfo")
	path := filepath.Join(t.TempDir(), "x.pdf")
	writeFile(t, path, pdf)
	m := rePdfinfoPages.FindSubmatch(run(t, info, path))
	if m == nil {
		t.Fatal("pdfinfo printed no page count")
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

func pdfinfoRotations(t testing.TB, pdf []byte) []int {
	t.Helper()
	info := tool(t, "pdfinfo")
	path := filepath.Join(t.TempDir(), "x.pdf")
	writeFile(t, path, pdf)
	out := run(t, info, "-f", "1", "-l", "99", path)
	var rs []int
	for _, m := range regexp.MustCompile(`(?m)^Page\s+\d+ rot:\s+(\d+)`).FindAllSubmatch(out, -1) {
		n, _ := strconv.Atoi(string(m[1]))
		rs = append(rs, n)
	}
	return rs
}

// TestEditPDF splits PDFs made by Go, by pdfunite and by tiff2pdf, turns
// pages, and reads the results back with poppler.
func TestEditPDF(t *testing.T) {
	unite := tool(t, "pdfunite")
	t2p := tool(t, "tiff2pdf")
	work := t.TempDir()
	writeFile(t, filepath.Join(work, "a.pdf"), makePDF(3, "alpha", 0))
	writeFile(t, filepath.Join(work, "b.pdf"), makePDF(2, "beta", 5000))
	run(t, unite, filepath.Join(work, "a.pdf"), filepath.Join(work, "b.pdf"), filepath.Join(work, "ab.pdf"))
	writeFile(t, filepath.Join(work, "pages.tif"), makeTIFF(pageImage(1), pageImage(2), pageImage(1)))
	run(t, t2p, "-z", "-o", filepath.Join(work, "im.pdf"), filepath.Join(work, "pages.tif"))
	ab, _ := os.ReadFile(filepath.Join(work, "ab.pdf"))
	imPDF, _ := os.ReadFile(filepath.Join(work, "im.pdf"))

	// pdfunite's five pages: the first three and the last two apart.
	first, f, err := scan.EditPages(ab, []scan.PageTurn{{Page: 1}, {Page: 2}, {Page: 3}})
	if err != nil || f != scan.PDF {
		t.Fatal(f, err)
	}
	rest, _, err := scan.EditPages(ab, []scan.PageTurn{{Page: 4}, {Page: 5, Turn: 90}})
	if err != nil {
		t.Fatal(err)
	}
	if n := pdfinfoPages(t, first); n != 3 {
		t.Errorf("first part: %d pages", n)
	}
	if n := pdfinfoPages(t, rest); n != 2 {
		t.Errorf("second part: %d pages", n)
	}
	if bytes.Contains(rest, []byte("alpha")) || !bytes.Contains(rest, []byte("beta page 2")) {
		t.Error("the second part holds the wrong pages' content")
	}
	if bytes.Contains(first, []byte("beta")) {
		t.Error("the first part holds content of pages left out")
	}
	if len(rest) > 4000+5000 {
		t.Errorf("the second part is %d bytes: it carries more than its pages", len(rest))
	}
	if got := pdfinfoRotations(t, rest); len(got) != 2 || got[0] != 0 || got[1] != 90 {
		t.Errorf("rotations %v, want [0 90]", got)
	}
	// Turning a turned page adds up.
	again, _, err := scan.EditPages(rest, []scan.PageTurn{{Page: 1, Turn: 180}, {Page: 2, Turn: 270}})
	if err != nil {
		t.Fatal(err)
	}
	if got := pdfinfoRotations(t, again); len(got) != 2 || got[0] != 180 || got[1] != 0 {
		t.Errorf("rotations %v, want [180 0]", got)
	}

	// tiff2pdf's PDF of three page images: page 2 alone is the second
	// picture, drawn the same by pdftoppm as page 2 of the whole.
	two, _, err := scan.EditPages(imPDF, []scan.PageTurn{{Page: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if n := pdfinfoPages(t, two); n != 1 {
		t.Fatalf("%d pages", n)
	}
	tool(t, "pdftoppm")
	want, err := scan.Page(imPDF, 2, 200)
	if err != nil {
		t.Fatal(err)
	}
	got, err := scan.Page(two, 1, 200)
	if err != nil {
		t.Fatal(err)
	}
	if !samePixels(want, got) {
		t.Error("page 2 cut out is not drawn like page 2 of the whole")
	}
	// Pages packed in a compressed object stream.
	packed, _, err := scan.EditPages(objStmPDF(3), []scan.PageTurn{{Page: 3}, {Page: 2, Turn: 180}})
	if err != nil {
		t.Fatal(err)
	}
	if got := pdfinfoRotations(t, packed); len(got) != 2 || got[1] != 180 {
		t.Errorf("rotations %v, want [0 180]", got)
	}
	if _, _, err := scan.EditPages(ab, []scan.PageTurn{{Page: 6}}); err == nil {
		t.Error("a page beyond the end was accepted")
	}
	if _, _, err := scan.EditPages(ab, []scan.PageTurn{{Page: 1, Turn: 45}}); err == nil {
		t.Error("a turn of 45 degrees was accepted")
	}
}

// TestEditTIFF splits a CCITT Group 4 TIFF made by ImageMagick and turns a
// page; every pixel survives.
func TestEditTIFF(t *testing.T) {
	im := tool(t, "magick", "convert")
	work := t.TempDir()
	tif := filepath.Join(work, "scan.tif")
	run(t, im, "(", "-size", "300x400", "xc:white", "-fill", "black", "-draw", "rectangle 10,10 60,30", ")",
		"(", "-size", "300x400", "xc:white", "-fill", "black", "-draw", "rectangle 200,300 290,390", ")",
		"(", "-size", "300x400", "xc:white", ")", "-monochrome", "-compress", "Group4", tif)
	b, _ := os.ReadFile(tif)
	if info := analyze(t, b); info.Pages != 3 || info.Compression != "CCITT Group 4" {
		t.Fatalf("%+v", info)
	}
	out, f, err := scan.EditPages(b, []scan.PageTurn{{Page: 2, Turn: 90}, {Page: 3}})
	if err != nil || f != scan.TIFF {
		t.Fatal(f, err)
	}
	if info := analyze(t, out); info.Pages != 2 {
		t.Fatalf("%d pages", info.Pages)
	}
	// tiffinfo reads it too.
	run(t, tool(t, "tiffinfo"), writeTemp(t, out))
	p2, _ := scan.Page(b, 2, 1000)
	turned, _ := scan.Page(out, 1, 1000)
	if turned.Bounds().Dx() != 400 || turned.Bounds().Dy() != 300 {
		t.Fatalf("turned page is %v", turned.Bounds())
	}
	// The black box at the bottom right of page 2 is at the bottom left
	// once turned clockwise.
	g := asGray(turned)
	if g.GrayAt(20, 250).Y != 0 || g.GrayAt(380, 20).Y != 0xff {
		t.Error("the page was not turned clockwise")
	}
	back, _, err := scan.EditPages(out, []scan.PageTurn{{Page: 1, Turn: 270}})
	if err != nil {
		t.Fatal(err)
	}
	again, _ := scan.Page(back, 1, 1000)
	if !samePixels(p2, again) {
		t.Error("turning a page four quarters does not give it back")
	}
}

func TestEditImages(t *testing.T) {
	j := makeJPEG(3)
	same, f, err := scan.EditPages(j, []scan.PageTurn{{Page: 1}})
	if err != nil || f != scan.JPEG || !bytes.Equal(same, j) {
		t.Fatal("an unturned JPEG changed", f, err)
	}
	turned, f, err := scan.EditPages(j, []scan.PageTurn{{Page: 1, Turn: 270}})
	if err != nil || f != scan.PNG {
		t.Fatal(f, err)
	}
	img, err := scan.Page(turned, 1, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds() != image.Rect(0, 0, 220, 170) {
		t.Errorf("turned image is %v", img.Bounds())
	}
}

func writeTemp(t testing.TB, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "x")
	writeFile(t, p, b)
	return p
}

func asGray(img image.Image) *image.Gray {
	g := image.NewGray(img.Bounds())
	draw.Draw(g, g.Bounds(), img, img.Bounds().Min, draw.Src)
	return g
}

// FuzzEditPages feeds damaged files to the page editor: it may refuse
// them, never panic, and what it makes is a scan of the pages asked for.
func FuzzEditPages(f *testing.F) {
	f.Add(makePDF(3, "x", 0), 2, 90)
	f.Add(objStmPDF(3), 1, 0)
	f.Add(makeTIFF(pageImage(1), pageImage(2)), 2, 270)
	f.Add(makePNG(1), 1, 180)
	f.Fuzz(func(t *testing.T, b []byte, page, turn int) {
		if len(b) > 1<<20 || page < 1 || page > 3 {
			return
		}
		turn = (turn % 4) * 90
		out, _, err := scan.EditPages(b, []scan.PageTurn{{Page: page, Turn: turn}, {Page: 1}})
		if err != nil {
			return
		}
		if info, err := scan.Analyze(out); err != nil || info.Pages != 2 {
			t.Errorf("made %+v, %v", info, err)
		}
	})
}

// TestCoverSheetScannedPDF: the printed cover sheet scanned, as a document
// scanner saves it: a PDF of bilevel CCITT page images (ImageMagick and
// tiff2pdf). It is filed and its cover page dropped.
func TestCoverSheetScannedPDF(t *testing.T) {
	pdftoppm := tool(t, "pdftoppm")
	im := tool(t, "magick", "convert")
	t2p := tool(t, "tiff2pdf")
	p := newPractice(t)
	pt := p.patient("Mbeki", "Thandiwe")
	dir, work := t.TempDir(), t.TempDir()
	writeFile(t, filepath.Join(work, "cover.pdf"), coverPDF(t, p, pt, "referral"))
	run(t, pdftoppm, "-r", "200", "-gray", "-png", "-singlefile", filepath.Join(work, "cover.pdf"), filepath.Join(work, "cover"))
	tif := filepath.Join(work, "scan.tif")
	run(t, im, filepath.Join(work, "cover.png"),
		"(", "-size", "1700x2200", "xc:white", "-fill", "black", "-draw", "rectangle 100,100 300,200", ")",
		"(", "-size", "1700x2200", "xc:white", "-fill", "black", "-draw", "rectangle 1200,1900 1600,2100", ")",
		"-density", "200", "-monochrome", "-compress", "Group4", tif)
	run(t, t2p, "-o", filepath.Join(work, "scan.pdf"), tif)
	scanned, _ := os.ReadFile(filepath.Join(work, "scan.pdf"))
	if n := pdfinfoPages(t, scanned); n != 3 {
		t.Fatalf("the scan has %d pages", n)
	}
	_, ev := start(t, p, scan.Folder{Path: dir})
	dropFile(t, dir, "scan.pdf", scanned)
	r := ev.next(t, "import", anyResult).Result
	if r.Outcome != scan.Imported || r.FiledBy != "cover sheet" || r.Document.Patient != pt.ID || r.Document.Category != "referral" || r.Document.Pages != 2 {
		t.Fatalf("%+v", r)
	}
	stored := p.blob(r.Document.Blob)
	if n := pdfinfoPages(t, stored); n != 2 {
		t.Errorf("pdfinfo counts %d pages in the stored PDF, want 2", n)
	}
	if _, ok := scan.FindCover(stored, analyze(t, stored)); ok {
		t.Error("the stored PDF still starts with the cover sheet")
	}
	if len(stored) >= len(scanned) {
		t.Errorf("the stored PDF (%d bytes) is not smaller than the scan (%d): the cover's image is still in it", len(stored), len(scanned))
	}
	// The pages kept are the scan's pages 2 and 3, drawn the same.
	for i := 1; i <= 2; i++ {
		want, err := scan.Page(scanned, i+1, 300)
		if err != nil {
			t.Fatal(err)
		}
		got, err := scan.Page(stored, i, 300)
		if err != nil {
			t.Fatal(err)
		}
		if !samePixels(want, got) {
			t.Errorf("stored page %d is not page %d of the scan", i, i+1)
		}
	}
}
