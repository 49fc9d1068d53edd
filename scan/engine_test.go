package scan_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/draw"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"chartkeeper/chart"
	"chartkeeper/report"
	"chartkeeper/scan"
)

const settle = 150 * time.Millisecond

// start runs an engine over folders until the test ends.
func start(t *testing.T, p *practice, folders ...scan.Folder) (*scan.Engine, *events) {
	t.Helper()
	return startSettling(t, p, settle, folders...)
}

// startSettling is start with the given settle interval.
func startSettling(t *testing.T, p *practice, settle time.Duration, folders ...scan.Folder) (*scan.Engine, *events) {
	t.Helper()
	ev := newEvents()
	e, err := scan.NewEngine(scan.NewIntake(p.svc), scan.Config{Folders: folders, Settle: settle, Retry: 50 * time.Millisecond, OnEvent: ev.on})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- e.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return e, ev
}

func TestExistingFilesAndDeleteAction(t *testing.T) {
	p := newPractice(t)
	dir := t.TempDir()
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	files := map[string][]byte{
		"a.pdf":        makePDF(3, "Zyxwvut Patientname", 2000),
		"scan0001.TIF": makeTIFF(pageImage(1), pageImage(2)),
		"photo.jpg":    makeJPEG(5),
		"no-name":      makePNG(6), // no extension: known by content
	}
	for n, b := range files {
		writeFile(t, filepath.Join(dir, n), b)
	}
	_, ev := start(t, p, scan.Folder{Path: dir, Category: "correspondence"})
	got := map[string]chart.Document{}
	for range files {
		r := ev.next(t, "an import", anyResult).Result
		if r.Outcome != scan.Imported {
			t.Fatalf("%s: %s %s", r.Path, r.Outcome, r.Reason)
		}
		got[filepath.Base(r.Path)] = r.Document
	}
	for n, b := range files {
		d := got[n]
		if !p.stored(b) || d.Source != n || d.Filed() || d.Category != "correspondence" {
			t.Errorf("%s: stored %v, document %+v", n, p.stored(b), d)
		}
	}
	if d := got["a.pdf"]; d.Pages != 3 || d.ContentType != "application/pdf" {
		t.Errorf("a.pdf: %d pages, %s", d.Pages, d.ContentType)
	}
	if d := got["scan0001.TIF"]; d.Pages != 2 || d.ContentType != "image/tiff" {
		t.Errorf("scan0001.TIF: %d pages, %s", d.Pages, d.ContentType)
	}
	inbox, err := p.svc.Inbox()
	if err != nil || len(inbox) != 4 {
		t.Fatalf("inbox: %d documents, %v", len(inbox), err)
	}
	// Nothing of the documents is left in the folder or in temp folders,
	// and the store's files do not hold the plaintext.
	if n := dirNames(t, dir); len(n) != 0 {
		t.Errorf("left in the watched folder: %q", n)
	}
	if n := dirNames(t, tmp); len(n) != 0 {
		t.Errorf("left in the temp folder: %q", n)
	}
	filepath.Walk(p.dir, func(path string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			if b, _ := os.ReadFile(path); bytes.Contains(b, []byte("Zyxwvut")) {
				t.Errorf("%s holds the scan's plaintext", path)
			}
		}
		return nil
	})
}

func TestArchiveAction(t *testing.T) {
	p := newPractice(t)
	dir, arch := t.TempDir(), filepath.Join(t.TempDir(), "archive")
	_, ev := start(t, p, scan.Folder{Path: dir, Archive: arch})
	b1, b2 := makePNG(1), makePNG(2)
	dropFile(t, dir, "page.png", b1)
	if r := ev.next(t, "import", anyResult).Result; r.Outcome != scan.Imported {
		t.Fatalf("%s %s", r.Outcome, r.Reason)
	}
	dropFile(t, dir, "page.png", b2) // same name again: archived beside the first
	if r := ev.next(t, "import", anyResult).Result; r.Outcome != scan.Imported {
		t.Fatalf("%s %s", r.Outcome, r.Reason)
	}
	if n := dirNames(t, dir); len(n) != 0 {
		t.Errorf("left in the watched folder: %q", n)
	}
	names := dirNames(t, arch)
	if !slices.Equal(names, []string{"page (2).png", "page.png"}) {
		t.Fatalf("archive holds %q", names)
	}
	if a, _ := os.ReadFile(filepath.Join(arch, "page.png")); !bytes.Equal(a, b1) {
		t.Error("the archived original differs")
	}
}

func TestSameFileTwiceIsOneDocument(t *testing.T) {
	p := newPractice(t)
	dir := t.TempDir()
	_, ev := start(t, p, scan.Folder{Path: dir})
	b := makePDF(2, "twice", 100)
	dropFile(t, dir, "one.pdf", b)
	if r := ev.next(t, "import", anyResult).Result; r.Outcome != scan.Imported {
		t.Fatalf("%s %s", r.Outcome, r.Reason)
	}
	dropFile(t, dir, "again.pdf", b)
	r := ev.next(t, "second", anyResult).Result
	if r.Outcome != scan.Duplicate {
		t.Fatalf("second copy: %s %s", r.Outcome, r.Reason)
	}
	if docs := p.documents(); len(docs) != 1 || r.Document.ID != docs[0].ID {
		t.Errorf("%d documents; duplicate names %q", len(docs), r.Document.ID)
	}
	if n := dirNames(t, dir); len(n) != 0 {
		t.Errorf("the duplicate was left: %q", n)
	}
}

func TestProblemsStay(t *testing.T) {
	p := newPractice(t)
	dir := t.TempDir()
	e, ev := start(t, p, scan.Folder{Path: dir})
	pdf := makePDF(4, "x", 3000)
	writeFile(t, filepath.Join(dir, "cut.pdf"), pdf[:len(pdf)/2])
	writeFile(t, filepath.Join(dir, "letter.docx"), []byte("PK\x03\x04 an office document"))
	writeFile(t, filepath.Join(dir, "notes.txt"), []byte("call back Tuesday"))
	for i := 0; i < 3; i++ {
		if r := ev.next(t, "refusal", anyResult).Result; r.Outcome != scan.Refused {
			t.Fatalf("%s: %s", r.Path, r.Outcome)
		}
	}
	probs := e.Problems()
	if len(probs) != 3 {
		t.Fatalf("problems: %+v", probs)
	}
	want := map[string]string{"cut.pdf": "cut off", "letter.docx": "ZIP", "notes.txt": "text"}
	for _, pr := range probs {
		if w := want[filepath.Base(pr.Path)]; !strings.Contains(pr.Reason, w) {
			t.Errorf("%s: reason %q, want %q", pr.Path, pr.Reason, w)
		}
	}
	if n := dirNames(t, dir); len(n) != 3 {
		t.Errorf("folder holds %q, want the three files left", n)
	}
	if len(p.documents()) != 0 {
		t.Error("a refused file was stored")
	}
	// Fixed in place (the scanner wrote the rest): taken, problem gone.
	writeFile(t, filepath.Join(dir, "cut.pdf"), pdf)
	if r := ev.next(t, "import", anyResult).Result; r.Outcome != scan.Imported {
		t.Fatalf("%s %s", r.Outcome, r.Reason)
	}
	if probs := e.Problems(); len(probs) != 2 {
		t.Errorf("problems after the fix: %+v", probs)
	}
	// Deleting a problem file drops it from the list.
	os.Remove(filepath.Join(dir, "notes.txt"))
	for deadline := time.Now().Add(10 * time.Second); len(e.Problems()) != 1; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("problems after a delete: %+v", e.Problems())
		}
	}
}

func TestHalfWrittenNeverTaken(t *testing.T) {
	p := newPractice(t)
	dir := t.TempDir()
	// A settle interval ten times the pauses between writes, so that a
	// loaded machine's late wake-up is not taken for a finished file.
	const settle, pause = time.Second, 100 * time.Millisecond
	_, ev := startSettling(t, p, settle, scan.Folder{Path: dir})
	b := makePDF(5, "slow", 400000)
	f, err := os.Create(filepath.Join(dir, "slow.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	chunk := len(b)/20 + 1
	for off := 0; off < len(b); off += chunk {
		f.Write(b[off:min(len(b), off+chunk)])
		// Pauses shorter than the settle interval, 2 s of writing in all.
		time.Sleep(pause)
		ev.none(t, "taken while being written")
	}
	f.Close()
	r := ev.next(t, "import", anyResult).Result
	if r.Outcome != scan.Imported || r.Document.Size != int64(len(b)) || !p.stored(b) {
		t.Fatalf("%s %s, size %d of %d", r.Outcome, r.Reason, r.Document.Size, len(b))
	}
}

func TestRenamedFromTemporaryName(t *testing.T) {
	p := newPractice(t)
	dir := t.TempDir()
	_, ev := start(t, p, scan.Folder{Path: dir})
	b := makeTIFF(pageImage(4), pageImage(5), pageImage(6))
	for _, tmp := range []string{"scan.tif.part", "scan.tif.tmp", "~scan.tif", "scan.tif~", ".scan.tif"} {
		writeFile(t, filepath.Join(dir, tmp), b[:len(b)/2])
	}
	// Temporary names are never taken, however long they sit.
	time.Sleep(3 * settle)
	ev.none(t, "a temporary name was taken")
	writeFile(t, filepath.Join(dir, "scan.tif.part"), b)
	if err := os.Rename(filepath.Join(dir, "scan.tif.part"), filepath.Join(dir, "scan.tif")); err != nil {
		t.Fatal(err)
	}
	r := ev.next(t, "import", anyResult).Result
	if r.Outcome != scan.Imported || r.Document.Pages != 3 || filepath.Base(r.Path) != "scan.tif" {
		t.Fatalf("%s %s %+v", r.Outcome, r.Reason, r.Document)
	}
	if n := dirNames(t, dir); len(n) != 4 {
		t.Errorf("folder holds %q", n)
	}
}

func TestFolderGoneAndBack(t *testing.T) {
	p := newPractice(t)
	dir := filepath.Join(t.TempDir(), "share")
	os.Mkdir(dir, 0o700)
	e, ev := start(t, p, scan.Folder{Path: dir})
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	ev.next(t, "folder lost", func(e scan.Event) bool { return e.Folder != nil && !e.Folder.OK })
	st := e.Folders()[0]
	if st.OK || !strings.Contains(st.Warning, "cannot be reached") {
		t.Fatalf("status %+v", st)
	}
	if want := "The scan folder %s cannot be reached (it is not there). Scans are taken again as soon as it is back."; st.WarningText.Key != want || st.WarningText.String() != st.Warning {
		t.Errorf("the warning's key is %q, want %q", st.WarningText.Key, want)
	}
	os.Mkdir(dir, 0o700)
	b := makePNG(77)
	writeFile(t, filepath.Join(dir, "while-away.png"), b) // there when it is found again
	ev.next(t, "folder back", func(e scan.Event) bool { return e.Folder != nil && e.Folder.OK })
	if r := ev.next(t, "import", anyResult).Result; r.Outcome != scan.Imported {
		t.Fatalf("%s %s", r.Outcome, r.Reason)
	}
	dropFile(t, dir, "after.png", makePNG(78))
	if r := ev.next(t, "import", anyResult).Result; r.Outcome != scan.Imported {
		t.Fatalf("%s %s", r.Outcome, r.Reason)
	}
	if !e.Folders()[0].OK {
		t.Error("folder not OK again")
	}
}

func TestMissingAtStart(t *testing.T) {
	p := newPractice(t)
	dir := filepath.Join(t.TempDir(), "later")
	e, ev := start(t, p, scan.Folder{Path: dir})
	ev.next(t, "folder missing", func(e scan.Event) bool { return e.Folder != nil && !e.Folder.OK })
	if e.Folders()[0].OK {
		t.Fatal("a missing folder is OK")
	}
	os.Mkdir(dir, 0o700)
	ev.next(t, "folder back", func(e scan.Event) bool { return e.Folder != nil && e.Folder.OK })
}

func TestFilenameRule(t *testing.T) {
	p := newPractice(t)
	pt := p.patient("Okafor", "Ngozi")
	dir := t.TempDir()
	_, ev := start(t, p, scan.Folder{Path: dir, Category: "referral", Rule: "{mrn}_{category}_*.pdf"})
	dropFile(t, dir, pt.MRN+"_LAB_0001.pdf", makePDF(1, "lab", 0))
	r := ev.next(t, "import", anyResult).Result
	if r.FiledBy != "file name" || r.Document.Patient != pt.ID || r.Document.Category != "lab" || r.Document.ClinicalDate == "" {
		t.Fatalf("%+v", r)
	}
	// Unknown MRN or category, or a name the rule does not match: inbox.
	for _, n := range []string{"10000008_lab_x.pdf", pt.MRN + "_recipes_x.pdf", "scan_0003.pdf"} {
		dropFile(t, dir, n, makePDF(1, n, 0))
		r := ev.next(t, "import", anyResult).Result
		if r.Outcome != scan.Imported || r.Document.Filed() || r.Document.Category != "referral" {
			t.Errorf("%s: %+v", n, r)
		}
		if n != "scan_0003.pdf" && !strings.Contains(r.Document.Note, "file by hand") {
			t.Errorf("%s: note %q", n, r.Document.Note)
		}
	}
	// Without {category} the folder's category is used.
	dir2 := t.TempDir()
	_, ev2 := start(t, p, scan.Folder{Path: dir2, Category: "insurance", Rule: "MRN{mrn}*"})
	dropFile(t, dir2, "MRN"+pt.MRN+" card.jpg", makeJPEG(9))
	r = ev2.next(t, "import", anyResult).Result
	if r.Document.Patient != pt.ID || r.Document.Category != "insurance" {
		t.Fatalf("%+v", r)
	}
}

func TestRuleSyntax(t *testing.T) {
	for _, bad := range []string{"", "*.pdf", "{mrn}{mrn}", "{name}_{mrn}"} {
		if _, err := scan.ParseRule(bad); err == nil {
			t.Errorf("rule %q accepted", bad)
		}
	}
	r, _ := scan.ParseRule("{category}-{mrn}-??.pdf")
	if m, c, ok := r.Match("Lab-12345674-07.PDF"); !ok || m != "12345674" || c != "lab" {
		t.Errorf("match: %q %q %v", m, c, ok)
	}
	if _, _, ok := r.Match("lab-12345674-007.pdf"); ok {
		t.Error("? matched two characters")
	}
}

// coverPDF prints a real cover sheet with report.CoverSheet.
func coverPDF(t testing.TB, p *practice, pt chart.Patient, category string) []byte {
	t.Helper()
	var b bytes.Buffer
	if _, err := report.CoverSheet(&b, report.Page{Practice: "Clinique Test", PrintedBy: "Dana Desk", PrintedAt: time.Now()}, p.st.PracticeID(), pt, category); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestCoverSheetPDF(t *testing.T) {
	tool(t, "pdftoppm")
	unite := tool(t, "pdfunite")
	p := newPractice(t)
	pt := p.patient("Nakamura", "Yui")
	dir, work := t.TempDir(), t.TempDir()
	writeFile(t, filepath.Join(work, "cover.pdf"), coverPDF(t, p, pt, "consent"))
	writeFile(t, filepath.Join(work, "pages.pdf"), makePDF(2, "consent form", 0))
	run(t, unite, filepath.Join(work, "cover.pdf"), filepath.Join(work, "pages.pdf"), filepath.Join(work, "scan.pdf"))
	scanned, _ := os.ReadFile(filepath.Join(work, "scan.pdf"))
	_, ev := start(t, p, scan.Folder{Path: dir, Category: "correspondence"})
	dropFile(t, dir, "scan.pdf", scanned)
	r := ev.next(t, "import", anyResult).Result
	if r.Outcome != scan.Imported || r.FiledBy != "cover sheet" {
		t.Fatalf("%s %s filed by %q", r.Outcome, r.Reason, r.FiledBy)
	}
	d := r.Document
	if d.Patient != pt.ID || d.Category != "consent" || d.Pages != 2 {
		t.Errorf("%+v", d)
	}
	// The cover page is gone from what was stored: poppler counts two
	// pages, the first of them the first page behind the sheet.
	stored := p.blob(d.Blob)
	if n := pdfinfoPages(t, stored); n != 2 {
		t.Errorf("pdfinfo counts %d pages in the stored PDF, want 2", n)
	}
	if _, ok := scan.FindCover(stored, analyze(t, stored)); ok {
		t.Error("the stored PDF still starts with the cover sheet")
	}
	if !bytes.Contains(stored, []byte("consent form page 1")) || !bytes.Contains(stored, []byte("consent form page 2")) {
		t.Error("the pages behind the cover sheet are not all in the stored PDF")
	}
	// The same scan again is a duplicate, cover and all.
	dropFile(t, dir, "scan-again.pdf", scanned)
	if r := ev.next(t, "duplicate", anyResult).Result; r.Outcome != scan.Duplicate {
		t.Errorf("%s %s", r.Outcome, r.Reason)
	}
	// A cover sheet alone is a problem: nothing to file.
	dropFile(t, dir, "only-cover.pdf", coverPDF(t, p, pt, "lab"))
	if r := ev.next(t, "refusal", anyResult).Result; r.Outcome != scan.Refused || !strings.Contains(r.Reason, "only a cover sheet") {
		t.Errorf("%s %s", r.Outcome, r.Reason)
	}
}

// TestCoverSheetTIFF scans the printed cover sheet into a bilevel CCITT
// Group 4 TIFF in front of two pages, as a document scanner would; the
// cover page is dropped.
func TestCoverSheetTIFF(t *testing.T) {
	pdftoppm := tool(t, "pdftoppm")
	im := tool(t, "magick", "convert")
	p := newPractice(t)
	pt := p.patient("Lindqvist", "Åsa")
	dir, work := t.TempDir(), t.TempDir()
	writeFile(t, filepath.Join(work, "cover.pdf"), coverPDF(t, p, pt, "lab"))
	run(t, pdftoppm, "-r", "200", "-gray", "-png", "-singlefile", filepath.Join(work, "cover.pdf"), filepath.Join(work, "cover"))
	tif := filepath.Join(work, "scan.tif")
	run(t, im, filepath.Join(work, "cover.png"), "(", "-size", "1700x2200", "xc:white", "-draw", "rectangle 10,10 200,200", ")",
		"(", "-size", "1700x2200", "xc:white", ")", "-density", "200", "-monochrome", "-compress", "Group4", tif)
	b, _ := os.ReadFile(tif)
	info := analyze(t, b)
	if info.Pages != 3 || info.Compression != "CCITT Group 4" {
		t.Fatalf("%+v", info)
	}
	_, ev := start(t, p, scan.Folder{Path: dir})
	dropFile(t, dir, "scan.tif", b)
	r := ev.next(t, "import", anyResult).Result
	if r.Outcome != scan.Imported || r.FiledBy != "cover sheet" || r.Document.Patient != pt.ID || r.Document.Category != "lab" {
		t.Fatalf("%+v", r)
	}
	if r.Document.Pages != 2 {
		t.Errorf("filed with %d pages, want 2 (the cover dropped)", r.Document.Pages)
	}
	stored := bytes.NewBuffer(p.blob(r.Document.Blob))
	if info := analyze(t, stored.Bytes()); info.Pages != 2 {
		t.Errorf("stored TIFF has %d pages", info.Pages)
	}
	if _, ok := scan.FindCover(stored.Bytes(), analyze(t, stored.Bytes())); ok {
		t.Error("the stored document still starts with the cover sheet")
	}
	// The same scan again is a duplicate, cover and all.
	dropFile(t, dir, "scan-again.tif", b)
	if r := ev.next(t, "duplicate", anyResult).Result; r.Outcome != scan.Duplicate {
		t.Errorf("%s %s", r.Outcome, r.Reason)
	}
}

// TestCoverSheetForeign: a sheet from another practice goes to the inbox.
func TestCoverSheetForeign(t *testing.T) {
	p := newPractice(t)
	pt := p.patient("Mensah", "Kofi")
	qr, err := coverQRImage(chart.CoverSheet{PracticeID: "otherpractice", PatientID: pt.ID, MRN: pt.MRN, Category: "lab"}.Payload())
	if err != nil {
		t.Fatal(err)
	}
	cover := imageGray(qr)
	b := makeTIFF(cover, pageImage(3))
	dir := t.TempDir()
	_, ev := start(t, p, scan.Folder{Path: dir})
	dropFile(t, dir, "x.tif", b)
	r := ev.next(t, "import", anyResult).Result
	if r.Outcome != scan.Imported || r.Document.Filed() || !strings.Contains(r.Document.Note, "another practice") {
		t.Fatalf("%+v", r)
	}
}

func TestFiveHundredAtOnce(t *testing.T) {
	p := newPractice(t)
	dir := t.TempDir()
	stage := t.TempDir()
	const n = 500
	want := map[string][]byte{}
	for i := 0; i < n; i++ {
		name := filepath.Join(stage, "p"+itoa(i)+".png")
		b := makePNG(i*1000 + 1)
		b = append(b[:len(b):len(b)], byte(i), byte(i>>8)) // trailing bytes: unique content
		writeFile(t, name, b)
		want[filepath.Base(name)] = b
	}
	_, ev := start(t, p, scan.Folder{Path: dir})
	for name := range want {
		if err := os.Rename(filepath.Join(stage, name), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < n; i++ {
		if r := ev.next(t, "import", anyResult).Result; r.Outcome != scan.Imported {
			t.Fatalf("%s: %s %s", r.Path, r.Outcome, r.Reason)
		}
	}
	if docs := p.documents(); len(docs) != n {
		t.Fatalf("%d documents, want %d", len(docs), n)
	}
	if left := dirNames(t, dir); len(left) != 0 {
		t.Fatalf("%d files left", len(left))
	}
}

func itoa(i int) string { return fmt.Sprintf("%04d", i) }

// imageGray copies any image into a grey one with a white margin.
func imageGray(img image.Image) *image.Gray {
	b := img.Bounds()
	g := image.NewGray(image.Rect(0, 0, b.Dx()+200, b.Dy()+200))
	for i := range g.Pix {
		g.Pix[i] = 0xff
	}
	draw.Draw(g, b.Sub(b.Min).Add(image.Pt(100, 100)), img, b.Min, draw.Src)
	return g
}

// TestRescanFindsFilesNoEventAnnounced: a folder whose file system reports
// nothing (as a network share reports nothing of files other computers
// write) still has its scans taken, by the periodic listing.
func TestRescanFindsFilesNoEventAnnounced(t *testing.T) {
	for _, tc := range []struct {
		rescan time.Duration
		taken  bool
	}{{-1, false}, {100 * time.Millisecond, true}} {
		p := newPractice(t)
		dir := t.TempDir()
		ev := newEvents()
		e, err := scan.NewEngine(scan.NewIntake(p.svc), scan.Config{Folders: []scan.Folder{{Path: dir}},
			Settle: settle, Rescan: tc.rescan, OnEvent: ev.on})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- e.Run(ctx) }()
		if err := scan.DropEvents(e, dir); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, "share.png"), makePNG(7))
		deadline := time.Now().Add(3 * time.Second)
		for time.Now().Before(deadline) && len(dirNames(t, dir)) > 0 {
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		inbox, err := p.svc.Inbox()
		if err != nil {
			t.Fatal(err)
		}
		if taken := len(inbox) == 1; taken != tc.taken {
			t.Errorf("rescan %v: taken %v (inbox %d, folder %q), want %v", tc.rescan, taken, len(inbox), dirNames(t, dir), tc.taken)
		}
	}
}
