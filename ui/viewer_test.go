package ui

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
	"chartkeeper/internal/shell"
	"chartkeeper/report"
	"chartkeeper/scan"
)

// needTool finds a program the test uses, or skips (fails under CI, where
// make deps installs it).
func needTool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed (Debian: %s)", name, pkg)
		}
		t.Skipf("%s is not installed (Debian: %s)", name, pkg)
	}
	return p
}

// scannedPDF makes a scanned-looking PDF of the given pages with
// ImageMagick and img2pdf: each page 850×1100 pixels, white, with a black
// bar whose height tells the pages apart.
func scannedPDF(t *testing.T, pages int) []byte {
	t.Helper()
	im := needTool(t, "convert", "imagemagick")
	i2p := needTool(t, "img2pdf", "img2pdf")
	work := t.TempDir()
	var files []string
	for i := range pages {
		f := filepath.Join(work, fmt.Sprintf("p%d.png", i))
		out, err := exec.Command(im, "-size", "850x1100", "xc:white", "-fill", "black",
			"-draw", fmt.Sprintf("rectangle 100,100 700,%d", 200+100*i), "-depth", "8", "-type", "Grayscale", f).CombinedOutput()
		if err != nil {
			t.Fatalf("convert: %v\n%s", err, out)
		}
		files = append(files, f)
	}
	pdf := filepath.Join(work, "scan.pdf")
	if out, err := exec.Command(i2p, append(files, "-o", pdf)...).CombinedOutput(); err != nil {
		t.Fatalf("img2pdf: %v\n%s", err, out)
	}
	b, err := os.ReadFile(pdf)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pageImage is the viewer's page picture, failing when none is shown.
func pageImage(t *testing.T, v *docViewer) (*canvas.Image, image.Image) {
	t.Helper()
	if v.img.Image == nil || !v.img.Visible() {
		t.Fatalf("no page is shown; the viewer says %q", v.msg.Text)
	}
	return v.img, v.img.Image
}

// darkShare is the share of dark pixels in img.
func darkShare(img image.Image) float64 {
	b := img.Bounds()
	dark := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if (r+g+bl)/3 < 0x6000 {
				dark++
			}
		}
	}
	return float64(dark) / float64(b.Dx()*b.Dy())
}

// printerStub stands for the computer's print service.
type printerStub struct {
	ready bool
	got   []byte
}

func (p *printerStub) Ready() (bool, string) {
	if !p.ready {
		return false, msgNoPrinter()
	}
	return true, ""
}

func (p *printerStub) Print(_ string, data []byte) error {
	p.got = append([]byte(nil), data...)
	return nil
}

func usePrinter(t *testing.T, p printer) {
	old := systemPrinter
	systemPrinter = p
	t.Cleanup(func() { systemPrinter = old })
}

// fileDocument files content into the practice's patient.
func fileDocument(t *testing.T, s *session, p *practice, content []byte, contentType string, pages int) chart.Document {
	t.Helper()
	d, err := s.svc.AddDocument(bytes.NewReader(content), chart.Document{Meta: chart.Meta{Patient: p.patient.ID}, Category: "referral", ClinicalDate: "2026-01-05",
		Title: "Referral to cardiology", ContentType: contentType, Pages: pages, Source: "referral.pdf"})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// openFirstDocument opens the chart's Documents tab and its first document.
func openFirstDocument(t *testing.T, s *session, p *practice, w fyne.Window) *docViewer {
	t.Helper()
	s.openChart(p.patient.ID)
	s.chart.tabs.SelectIndex(tabDocuments)
	// The document's row: its title, and "Open".
	row := find(t, w.Content(), func(c *fyne.Container) bool {
		var titled, open bool
		for _, o := range c.Objects {
			if l, ok := o.(*widget.Label); ok && contains(l.Text, "Referral to cardiology") {
				titled = true
			}
			if b, ok := o.(*widget.Button); ok && b.Text == "Open" {
				open = true
			}
		}
		return titled && open
	})
	test.Tap(find(t, row, func(b *widget.Button) bool { return b.Text == "Open" }))
	if s.viewer == nil {
		t.Fatalf("no viewer opened; the screen shows %q", texts(w.Content()))
	}
	return s.viewer
}

// TestDocumentViewer: a filed scan opens in the workstation: its page is
// drawn (not blank), pages turn with the buttons and Page Up/Down, zoom
// steps with the buttons and Ctrl+plus/minus, the view turns a quarter,
// Print says plainly when no printer is set up and prints when one is,
// Save a copy writes the document's own bytes, and the system viewer
// says plainly when there is none.
func TestDocumentViewer(t *testing.T) {
	p := newPractice(t)
	pdf := scannedPDF(t, 2)
	ws, w := open(t, p.dir)
	w.Resize(fyne.NewSize(1280, 800))
	signInAs(t, w, "drsmith", testPassword)
	s := sessionOf(t, ws)
	fileDocument(t, s, p, pdf, "application/pdf", 2)
	v := openFirstDocument(t, s, p, w)

	// The page has the keyboard once the viewer opens (the find field had
	// it), so Page Up and Page Down turn pages.
	if w.Canvas().Focused() != v.area {
		t.Errorf("the page does not have the keyboard: %T has", w.Canvas().Focused())
	}
	img, pic := pageImage(t, v)
	if share := darkShare(pic); share < 0.03 || share > 0.5 {
		t.Errorf("page 1 is %.1f%% dark; its bar should make about 6%%", share*100)
	}
	wantText(t, w.Content(), "Page 1 of 2")
	first := darkShare(pic)

	// Pages: the button, then Page Up and Page Down.
	test.Tap(button(t, w.Content(), "Next page"))
	wantText(t, w.Content(), "Page 2 of 2")
	if _, pic := pageImage(t, v); darkShare(pic) <= first {
		t.Error("page 2 (a taller bar) is not darker than page 1: the page did not change")
	}
	v.area.TypedKey(&fyne.KeyEvent{Name: fyne.KeyPageUp})
	wantText(t, w.Content(), "Page 1 of 2")
	w.Canvas().Unfocus()
	w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyPageDown})
	wantText(t, w.Content(), "Page 2 of 2")

	// Zoom: fitted to the pane, a step in, Ctrl+minus back, Ctrl+plus.
	fit := img.MinSize().Width
	if fit < 300 {
		t.Errorf("the fitted page is %.0f wide, in a pane of %.0f", fit, v.width)
	}
	test.Tap(find(t, w.Content(), func(b *widget.Button) bool { return b.Icon != nil && b.Icon.Name() == theme.ZoomInIcon().Name() }))
	if z := img.MinSize().Width; z < fit*1.2 || z > fit*1.3 {
		t.Errorf("zoomed in, the page is %.0f wide; fitted it was %.0f", z, fit)
	}
	if _, pic := pageImage(t, v); float32(pic.Bounds().Dx()) < img.MinSize().Width*0.99 {
		t.Errorf("zoomed in, the page is drawn %d pixels wide for %.0f shown: it would be blurred", pic.Bounds().Dx(), img.MinSize().Width)
	}
	shortcut(w, shortcutZoomOut)
	if z := img.MinSize().Width; z < fit*0.99 || z > fit*1.01 {
		t.Errorf("after Ctrl+minus the page is %.0f wide, want %.0f", z, fit)
	}
	shortcut(w, shortcutZoomOut)
	shortcut(w, shortcutZoomIn)
	shortcut(w, shortcutZoomIn)
	if z := img.MinSize().Width; z < fit*1.2 {
		t.Errorf("after Ctrl+minus and twice Ctrl+plus the page is %.0f wide, want %.0f", z, fit*1.25)
	}
	test.Tap(button(t, w.Content(), "Fit width"))
	wantText(t, w.Content(), "100%")

	// Turning the view: the portrait page lies on its side; the document
	// is not changed.
	test.Tap(button(t, w.Content(), "Turn the view"))
	if _, pic := pageImage(t, v); pic.Bounds().Dx() <= pic.Bounds().Dy() {
		t.Errorf("the turned view is %v, want landscape", pic.Bounds())
	}
	if !bytes.Equal(v.content, pdf) {
		t.Error("turning the view changed the document")
	}

	// Print: no printer, then one.
	usePrinter(t, &printerStub{})
	test.Tap(button(t, w.Content(), "Print"))
	wantText(t, w.Content(), "No printer is set up on this computer; save a copy and print it from another.")
	pr := &printerStub{ready: true}
	usePrinter(t, pr)
	test.Tap(button(t, w.Content(), "Print"))
	wantText(t, w.Content(), "Sent to the printer.")
	if !bytes.Equal(pr.got, pdf) {
		t.Error("the printer was not given the document")
	}

	// Save a copy: the same bytes, 0600.
	out := filepath.Join(t.TempDir(), "copy.pdf")
	saveTo(t, out)
	test.Tap(button(t, w.Content(), "Save a copy…"))
	wantText(t, w.Content(), "Saved a copy as "+out)
	got, err := os.ReadFile(out)
	if err != nil || !bytes.Equal(got, pdf) {
		t.Fatalf("the saved copy differs from the document (%d bytes, want %d): %v", len(got), len(pdf), err)
	}
	if fi, _ := os.Stat(out); fi.Mode().Perm() != 0o600 {
		t.Errorf("the saved copy has mode %v, want 0600", fi.Mode().Perm())
	}

	// The system viewer is missing: said plainly.
	old := openInViewer
	openInViewer = func(fyne.App, string) error {
		return errors.New(`exec: "xdg-open": executable file not found in $PATH`)
	}
	t.Cleanup(func() { openInViewer = old })
	test.Tap(button(t, w.Content(), "Open in another program"))
	wantText(t, w.Content(), msgNoViewer())
	noText(t, w.Content(), "xdg-open")

	test.Tap(button(t, w.Content(), "Back to documents"))
	if s.viewer != nil {
		t.Error("the viewer is still the window's after going back to the list")
	}
}

// TestViewerTextPageWithoutPoppler: a PDF of text, with no pdftoppm on
// the computer (as on Windows), is drawn in Go: the page is not blank, and
// as much of it is ink as in poppler's drawing where poppler is installed.
func TestViewerTextPageWithoutPoppler(t *testing.T) {
	p := newPractice(t)
	ws, w := open(t, p.dir)
	signInAs(t, w, "drsmith", testPassword)
	s := sessionOf(t, ws)
	old := scan.PDFRenderer
	scan.PDFRenderer = "no-such-pdftoppm"
	t.Cleanup(func() { scan.PDFRenderer = old })
	pdf := textPDF()
	fileDocument(t, s, p, pdf, "application/pdf", 1)
	v := openFirstDocument(t, s, p, w)
	waitPage(t, v)
	_, pic := pageImage(t, v)
	got := darkShare(pic)
	if got < 0.0002 {
		t.Fatalf("the page is blank (%.5f dark)", got)
	}
	path, err := exec.LookPath(old)
	if err != nil {
		t.Logf("pdftoppm is not installed; %.5f of the page is dark", got)
		return
	}
	cmd := exec.Command(path, "-r", "150", "-singlefile", "-png", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	ref, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	want := darkShare(scan.Fit(ref, 0, pic.Bounds().Dx()))
	if got < want*0.6 || got > want*1.6 {
		t.Fatalf("%.5f of the page is dark, of poppler's drawing %.5f", got, want)
	}
	t.Logf("%.5f of the page is dark, of poppler's drawing %.5f", got, want)
}

// waitPage waits for the viewer's page to be drawn (or refused).
func waitPage(t *testing.T, v *docViewer) {
	t.Helper()
	for range 600 {
		done := false
		fyne.DoAndWait(func() { done = v.img.Image != nil || v.msg.Visible() })
		if done {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("the page was not drawn within a minute")
}

// TestPrintoutPreviewWithoutPoppler: a finished printout (labels, as
// report makes them) shows its page, drawn with no pdftoppm.
func TestPrintoutPreviewWithoutPoppler(t *testing.T) {
	p := newPractice(t)
	ws, w := open(t, p.dir)
	signInAs(t, w, "drsmith", testPassword)
	s := sessionOf(t, ws)
	old := scan.PDFRenderer
	scan.PDFRenderer = "no-such-pdftoppm"
	t.Cleanup(func() { scan.PDFRenderer = old })
	var buf bytes.Buffer
	if _, err := report.Labels(&buf, report.Page{Practice: "Test Clinic", PrintedBy: "Dr Smith", PrintedAt: time.Now()}, p.patient, 3); err != nil {
		t.Fatal(err)
	}
	viewerBefore := s.viewer
	ws.showPrintout(&printout{title: "Labels", file: "labels.pdf", pdf: buf.Bytes()})
	if ws.preview == nil {
		t.Fatal("the printout has no preview")
	}
	if s.viewer != viewerBefore {
		t.Error("the printout's preview took the place of the chart's viewer")
	}
	waitPage(t, ws.preview)
	_, pic := pageImage(t, ws.preview)
	if got := darkShare(pic); got < 0.001 {
		t.Fatalf("the labels' page is blank (%.5f dark)", got)
	}
	// A private printout (the emergency kit) has no preview.
	ws.showPrintout(&printout{title: "Emergency kit", file: "kit.pdf", pdf: buf.Bytes(), private: true})
	if ws.preview != nil {
		t.Error("a private printout has a preview")
	}
}

// filePrinterStub stands for a print service that prints files (the
// Windows shell).
type filePrinterStub struct {
	printerStub
	path string
}

func (p *filePrinterStub) PrintFile(_, path string) error {
	p.path = path
	var err error
	p.got, err = os.ReadFile(path)
	return err
}

// TestPrintThroughFile: a service that prints files gets a copy in the
// private temporary folder (mode 0600), which goes at sign-out; a private
// printout is not written for it, and the shell's "no program for PDF
// files" is said plainly.
func TestPrintThroughFile(t *testing.T) {
	p := newPractice(t)
	ws, w := open(t, p.dir)
	signInAs(t, w, "drsmith", testPassword)
	s := sessionOf(t, ws)
	data := textPDF()
	fp := &filePrinterStub{printerStub: printerStub{ready: true}}
	job, err := ws.printJob(fp, "Summary", "summary.pdf", data, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := job(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fp.got, data) || filepath.Dir(fp.path) != ws.tmp {
		t.Fatalf("printed %q (%d bytes), want a copy in %s", fp.path, len(fp.got), ws.tmp)
	}
	if fi, err := os.Stat(fp.path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the copy to print: %v %v, want mode 0600", fi, err)
	}
	if _, err := ws.printJob(fp, "Emergency kit", "kit.pdf", data, true); printFailed(err) != msgPrivateNoFile() {
		t.Errorf("a private printout: %v", err)
	}
	if got := printFailed(fmt.Errorf("printing: %w", shell.ErrNoAssociation)); got != msgNoPDFProgram() {
		t.Errorf("no program for PDF files: %q", got)
	}
	s.close("")
	if _, err := os.Stat(fp.path); !os.IsNotExist(err) {
		t.Errorf("the copy to print is still there after sign-out: %v", err)
	}
}

// textPDF is a one-page PDF of text.
func textPDF() []byte {
	text := "BT /F1 18 Tf 72 720 Td (Referral letter) Tj ET"
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(text), text),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, x)
	return b.Bytes()
}

// TestSystemPrinterWithoutPrintService: on a computer without lp and lpr
// the real print service says plainly that no printer is set up.
func TestSystemPrinterWithoutPrintService(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	ok, why := cupsPrinter{}.Ready()
	if ok || why != msgNoPrinter() {
		t.Errorf("Ready() = %v, %q; want false and %q", ok, why, msgNoPrinter())
	}
	if err := (cupsPrinter{}).Print("x", []byte("%PDF-1.4")); printFailed(err) != msgNoPrinter() {
		t.Errorf("printing without lp says %q", printFailed(err))
	}
}

// TestSystemPrinterWithoutPrinter: lp is there but lpstat lists no
// printer (a print service with nothing set up): plainly said.
func TestSystemPrinterWithoutPrinter(t *testing.T) {
	bin := t.TempDir()
	for name, script := range map[string]string{
		"lp":     "#!/bin/sh\necho 'lp: Error - No default destination.' >&2\nexit 1\n",
		"lpstat": "#!/bin/sh\ncase \"$1\" in -d) echo 'no system default destination';; -p) echo 'lpstat: No destinations added.' >&2; exit 1;; esac\n",
	} {
		if err := os.WriteFile(filepath.Join(bin, name), []byte(script), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", bin)
	if ok, why := (cupsPrinter{}).Ready(); ok || why != msgNoPrinter() {
		t.Errorf("Ready() = %v, %q; want false and %q", ok, why, msgNoPrinter())
	}
}

// TestShellPrinterOffWindows: the Windows shell's printer, where there is
// no shell, says plainly that no printer is set up, and its open fails.
func TestShellPrinterOffWindows(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("on Windows the shell answers")
	}
	var p printer = shellPrinter{}
	if ok, why := p.Ready(); ok || why != msgNoPrinter() {
		t.Errorf("Ready: %v %q", ok, why)
	}
	if err := p.Print("Summary", textPDF()); !errors.Is(err, errNeedsFile) {
		t.Errorf("Print of bytes: %v", err)
	}
	if err := shellOpen("summary.pdf"); !errors.Is(err, shell.ErrUnsupported) {
		t.Errorf("open: %v", err)
	}
}
