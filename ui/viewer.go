package ui

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"io"
	"os/exec"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
	"chartkeeper/internal/atomicfile"
	"chartkeeper/internal/shell"
	"chartkeeper/scan"
)

// The document viewer shows a document's pages inside the workstation:
// filed documents from the chart's Documents tab, and the inbox's
// preview, and the preview of a finished printout. Pages are drawn by
// scan.PageImage off the UI goroutine (a scanned PDF from its page image,
// a text PDF by PDFium in Go, with no program installed), kept for the pages near the one shown, and scaled to the
// width shown: fit to the pane's width, or zoomed in and out from there.
// Turning is for the view only; the document is not changed. Print goes
// through the system's print service when a printer is set up; Save a
// copy writes the document's own bytes where the person chooses; the
// system's viewer is an optional extra.

// Zoom steps, as a factor of the pane's width.
const (
	zoomStep = 1.25
	zoomMin  = 0.25
	zoomMax  = 6.0
)

// Viewer messages, in plain words, in the language shown.
func msgCannotShow() string {
	return lang.L("This page cannot be shown here. Save a copy to open it in another program.")
}

func msgNoPrinter() string {
	return lang.L("No printer is set up on this computer; save a copy and print it from another.")
}

func msgNoViewer() string {
	return lang.L("No other program to open documents is set up on this computer; save a copy and open it from there.")
}

// docViewer shows one document's pages.
type docViewer struct {
	s        *session
	content  []byte
	name     string // offered as the saved copy's file name
	pages    int
	page     int     // 1-based page shown
	zoom     float32 // times the pane's width
	turn     int     // degrees clockwise, view only
	drawn    map[int]image.Image
	drawing  map[int]bool // pages being drawn now
	gen      int          // counts requests; a late drawing of an old one is dropped
	width    float32      // the pane's width at the last layout
	img      *canvas.Image
	msg      *widget.Label // instead of the page, when it cannot be drawn
	scroll   *container.Scroll
	area     *pageArea
	pageLbl  *widget.Label
	zoomLbl  *widget.Label
	status   *widget.Label
	prev     *widget.Button
	next     *widget.Button
	root     fyne.CanvasObject
	onChange func() // after a page is drawn (tests)
}

// newViewer makes a viewer of content (pages long, or 1 when unknown)
// and shows its first page. name is the file name a saved copy is
// offered under. With extras it offers Print, Save a copy and the system
// viewer (the chart's documents); without, pages and zoom only (the
// inbox's preview, where the room goes to the page).
func newViewer(s *session, content []byte, pages int, name string, extras bool) *docViewer {
	v := &docViewer{s: s, content: content, name: name, pages: max(pages, 1), page: 1, zoom: 1, drawn: map[int]image.Image{}, drawing: map[int]bool{}}
	v.img = &canvas.Image{FillMode: canvas.ImageFillStretch, ScaleMode: canvas.ImageScaleSmooth}
	v.msg = &widget.Label{Wrapping: fyne.TextWrapWord, Alignment: fyne.TextAlignCenter}
	v.msg.Hide()
	v.scroll = container.NewScroll(container.NewStack(container.NewCenter(v.img), container.NewPadded(v.msg)))
	v.pageLbl = &widget.Label{}
	v.zoomLbl = &widget.Label{}
	v.status = &widget.Label{Wrapping: fyne.TextWrapWord}
	v.status.Hide()
	v.prev = &widget.Button{Text: lang.L("Previous page"), Icon: theme.NavigateBackIcon(), OnTapped: v.previous}
	v.next = &widget.Button{Text: lang.L("Next page"), Icon: theme.NavigateNextIcon(), OnTapped: v.forward}
	tools := container.New(layout.NewRowWrapLayout(),
		v.prev, v.pageLbl, v.next,
		&widget.Button{Icon: theme.ZoomOutIcon(), OnTapped: v.zoomOut},
		&widget.Button{Text: lang.L("Fit width"), Icon: theme.ZoomFitIcon(), OnTapped: v.fitWidth},
		&widget.Button{Icon: theme.ZoomInIcon(), OnTapped: v.zoomIn},
		v.zoomLbl,
		&widget.Button{Text: lang.L("Turn the view"), Icon: theme.MediaReplayIcon(), OnTapped: v.turnView},
	)
	if extras {
		tools.Add(&widget.Button{Text: lang.L("Print"), Icon: theme.DocumentPrintIcon(), OnTapped: v.print})
		tools.Add(&widget.Button{Text: lang.L("Save a copy…"), Icon: theme.DocumentSaveIcon(), OnTapped: v.saveCopy})
		tools.Add(&widget.Button{Text: lang.L("Open in another program"), Icon: theme.ComputerIcon(), Importance: widget.LowImportance, OnTapped: v.openElsewhere})
	}
	ring := &canvas.Rectangle{StrokeWidth: 2, StrokeColor: theme.Color(theme.ColorNameFocus)}
	ring.Hide()
	v.area = &pageArea{v: v, ring: ring, box: container.NewStack(container.New(&paneLayout{v: v}, v.scroll), ring)}
	v.area.ExtendBaseWidget(v.area)
	v.root = container.NewBorder(container.NewVBox(tools, v.status), nil, nil, nil, v.area)
	s.viewer = v
	v.showPage(1)
	return v
}

// view is the viewer's widget tree.
func (v *docViewer) view() fyne.CanvasObject { return v.root }

// focus gives the page the keyboard, so Page Up and Page Down turn pages
// whatever field had it before.
func (v *docViewer) focus() {
	v.s.ws.win.Canvas().Focus(v.area)
}

// pageArea is the page's pane: it takes the keyboard when the page is
// clicked (or the viewer opens) and turns pages with Page Up and Page
// Down.
type pageArea struct {
	widget.BaseWidget
	v    *docViewer
	box  *fyne.Container
	ring *canvas.Rectangle // shows that the page has the keyboard
}

func (a *pageArea) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(a.box) }

func (a *pageArea) Tapped(*fyne.PointEvent) { a.v.focus() }

func (a *pageArea) FocusGained() { a.ring.Show() }
func (a *pageArea) FocusLost()   { a.ring.Hide() }
func (a *pageArea) TypedRune(rune) {
	a.v.s.touch()
}

func (a *pageArea) TypedKey(k *fyne.KeyEvent) {
	a.v.s.touch()
	a.v.typedKey(k)
}

// paneLayout gives the page's scroll all the room and redraws the page
// when a fitted width changes.
type paneLayout struct{ v *docViewer }

func (l *paneLayout) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSize(200, 120) }

func (l *paneLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
	if w := size.Width; w > 0 && w != l.v.width {
		l.v.width = w
		l.v.render()
	}
}

// shownWidth is the page's width in the pane: the pane's width less room
// for a scroll bar, times the zoom.
func (v *docViewer) shownWidth() float32 {
	w := v.width
	if w <= 0 {
		w = 600
	}
	w -= theme.Padding()*2 + theme.ScrollBarSize()
	return max(w, 50) * v.zoom
}

// showPage shows page n.
func (v *docViewer) showPage(n int) {
	v.s.touch()
	if n < 1 || n > v.pages {
		return
	}
	v.page = n
	v.pageLbl.SetText(fmt.Sprintf(lang.L("Page %d of %d"), n, v.pages))
	if n == 1 {
		v.prev.Disable()
	} else {
		v.prev.Enable()
	}
	if n == v.pages {
		v.next.Disable()
	} else {
		v.next.Enable()
	}
	v.scroll.ScrollToTop()
	v.render()
}

func (v *docViewer) previous() { v.showPage(v.page - 1) }
func (v *docViewer) forward()  { v.showPage(v.page + 1) }

// render draws the page shown at the width shown, off the UI goroutine.
func (v *docViewer) render() {
	v.gen++
	gen, n, turn := v.gen, v.page, v.turn
	width := v.shownWidth()
	v.zoomLbl.SetText(fmt.Sprintf("%d%%", int(v.zoom*100+0.5)))
	scale := v.s.ws.win.Canvas().Scale()
	pixels := int(width * scale)
	page, ok := v.drawn[n]
	if !ok && v.drawing[n] {
		return // drawn once, then fitted to what is asked by then
	}
	if !ok {
		v.drawing[n] = true
	}
	content := v.content
	runInBackground(func() {
		var err error
		if !ok {
			page, err = scan.PageImage(content, n)
		}
		var pic image.Image
		if err == nil {
			pic = scan.Fit(page, turn, pixels)
		}
		fyne.Do(func() {
			if !ok {
				delete(v.drawing, n)
				if err == nil {
					v.keep(n, page)
				}
			}
			if v.gen != gen {
				if !ok {
					v.render() // asked for again meanwhile: fit the page drawn
				}
				return
			}
			v.showDrawn(pic, width, err)
		})
	})
}

// keep holds the drawn page n, and forgets pages far from it.
func (v *docViewer) keep(n int, img image.Image) {
	for k := range v.drawn {
		if k < n-1 || k > n+1 {
			delete(v.drawn, k)
		}
	}
	v.drawn[n] = img
}

// showDrawn puts a drawn page (or why there is none) in the pane.
func (v *docViewer) showDrawn(pic image.Image, width float32, err error) {
	if err != nil {
		v.img.Image = nil
		v.img.SetMinSize(fyne.NewSize(0, 0))
		v.img.Hide()
		text := msgCannotShow()
		var pe *scan.ProblemError
		if errors.As(err, &pe) {
			text = fmt.Sprintf(lang.L("This page cannot be shown: %s."), scanText(pe.Text, pe.Reason))
		}
		v.msg.SetText(text)
		v.msg.Show()
	} else {
		b := pic.Bounds()
		v.img.Image = pic
		v.img.SetMinSize(fyne.NewSize(width, width*float32(b.Dy())/float32(max(b.Dx(), 1))))
		v.msg.Hide()
		v.img.Show()
		v.img.Refresh()
	}
	v.scroll.Refresh()
	if v.onChange != nil {
		v.onChange()
	}
}

func (v *docViewer) zoomIn()  { v.setZoom(v.zoom * zoomStep) }
func (v *docViewer) zoomOut() { v.setZoom(v.zoom / zoomStep) }
func (v *docViewer) fitWidth() {
	v.setZoom(1)
}

func (v *docViewer) setZoom(z float32) {
	v.s.touch()
	v.zoom = min(max(z, zoomMin), zoomMax)
	v.render()
}

// turnView turns the view a quarter clockwise; the document is not
// changed.
func (v *docViewer) turnView() {
	v.s.touch()
	v.turn = (v.turn + 90) % 360
	v.render()
}

// typedKey is the viewer's part of the window's keys: Page Up and Page
// Down turn pages.
func (v *docViewer) typedKey(k *fyne.KeyEvent) {
	switch k.Name {
	case fyne.KeyPageDown:
		v.forward()
	case fyne.KeyPageUp:
		v.previous()
	}
}

// say shows a line under the viewer's buttons.
func (v *docViewer) say(text string) {
	v.status.SetText(text)
	v.status.Show()
}

// print sends the document to the printer, or says plainly why it cannot.
func (v *docViewer) print() {
	v.s.touch()
	p := systemPrinter
	if ok, why := p.Ready(); !ok {
		v.say(why)
		return
	}
	job, err := v.s.ws.printJob(p, v.name, v.name, v.content, false)
	if err != nil {
		v.say(printFailed(err))
		return
	}
	v.say(lang.L("Sending to the printer…"))
	runInBackground(func() {
		err := job()
		fyne.Do(func() {
			if err != nil {
				v.say(printFailed(err))
				return
			}
			v.say(lang.L("Sent to the printer."))
		})
	})
}

// saveCopy asks where to save the document and writes its bytes there.
func (v *docViewer) saveCopy() {
	v.s.touch()
	saveCopy(v.s.ws.win, v.name, v.content, v.say)
}

// openElsewhere opens the document in the system's viewer, when there is
// one.
func (v *docViewer) openElsewhere() {
	v.s.touch()
	ws := v.s.ws
	path, err := ws.privateFile(v.name, v.content)
	if err != nil {
		v.say(fmt.Sprintf(lang.L("The document could not be opened in another program: %s"), sentence(err)))
		return
	}
	if err := openInViewer(ws.app, path); err != nil {
		fyne.LogError("opening a document in the system viewer", err)
		v.say(msgNoViewer())
		return
	}
	v.say(lang.L("Opened in another program."))
}

// saveCopy asks where to save data (offered as name) and writes it there
// atomically, mode 0600 (it holds patient data); say reports the outcome.
func saveCopy(w fyne.Window, name string, data []byte, say func(string)) {
	chooseSaveFile(w, name, func(wc io.WriteCloser, path string, err error) {
		if err == nil && wc == nil {
			return // cancelled
		}
		if err == nil {
			if path != "" {
				// The dialog has made the file; the copy replaces it whole.
				wc.Close()
				err = atomicfile.WriteFile(path, data, 0o600)
			} else {
				_, err = wc.Write(data)
				if cerr := wc.Close(); err == nil {
					err = cerr
				}
			}
		}
		if err != nil {
			say(fmt.Sprintf(lang.L("Not saved: %s"), sentence(err)))
			return
		}
		say(fmt.Sprintf(lang.L("Saved a copy as %s."), path))
	})
}

// printer is the computer's print service. Tests replace systemPrinter.
type printer interface {
	// Ready reports whether a printer is set up, and when not, a
	// sentence saying so.
	Ready() (bool, string)
	// Print sends a document (PDF or image) to the default printer.
	Print(title string, data []byte) error
}

var systemPrinter printer = cupsPrinter{}

// cupsPrinter prints with lp, or lpr, when lpstat shows a printer.
type cupsPrinter struct{}

func (cupsPrinter) command() (string, bool) {
	for _, name := range []string{"lp", "lpr"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, true
		}
	}
	return "", false
}

func (c cupsPrinter) Ready() (bool, string) {
	if _, ok := c.command(); !ok {
		return false, msgNoPrinter()
	}
	lpstat, err := exec.LookPath("lpstat")
	if err != nil {
		return true, "" // nothing to ask; printing will say
	}
	if out, err := exec.Command(lpstat, "-d").Output(); err == nil && strings.Contains(string(out), ":") && !strings.Contains(string(out), "no system default") {
		return true, ""
	}
	if out, err := exec.Command(lpstat, "-p").Output(); err == nil && strings.Contains(string(out), "printer ") {
		return true, ""
	}
	return false, msgNoPrinter()
}

func (c cupsPrinter) Print(title string, data []byte) error {
	path, ok := c.command()
	if !ok {
		return errNoPrinter
	}
	flag := "-t"
	if strings.HasSuffix(path, "lpr") {
		flag = "-T"
	}
	cmd := exec.Command(path, flag, "Chartkeeper "+title) // i18n:skip
	cmd.Stdin = bytes.NewReader(data)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %v: %s", path, err, strings.TrimSpace(string(out)))
	}
	return nil
}

var errNoPrinter = errors.New("no printer is set up") // i18n:skip

// printFailed is what the person is told when the print service refused
// a document; its own words go to the log.
func printFailed(err error) string {
	switch {
	case errors.Is(err, errNoPrinter):
		return msgNoPrinter()
	case errors.Is(err, shell.ErrNoAssociation):
		fyne.LogError("printing", err)
		return msgNoPDFProgram()
	case errors.Is(err, errNeedsFile):
		return msgPrivateNoFile()
	}
	fyne.LogError("printing", err)
	return lang.L("The printer did not take the document. Check that it is on and has paper, or save a copy and print it from another computer.")
}

// The viewer's shortcuts: Ctrl+plus and Ctrl+minus zoom, Ctrl+0 fits the
// width. They reach the window from the workstation's entries too.
var (
	shortcutZoomIn    = &desktop.CustomShortcut{KeyName: fyne.KeyPlus, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutZoomInEq  = &desktop.CustomShortcut{KeyName: fyne.KeyEqual, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutZoomInSh  = &desktop.CustomShortcut{KeyName: fyne.KeyEqual, Modifier: fyne.KeyModifierShortcutDefault | fyne.KeyModifierShift}
	shortcutZoomOut   = &desktop.CustomShortcut{KeyName: fyne.KeyMinus, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutZoomReset = &desktop.CustomShortcut{KeyName: fyne.Key0, Modifier: fyne.KeyModifierShortcutDefault}
)

func init() {
	appShortcutSet = append(appShortcutSet, shortcutZoomIn, shortcutZoomInEq, shortcutZoomInSh, shortcutZoomOut, shortcutZoomReset)
}

// viewerKeys adds the viewer's shortcuts to the window; they act on the
// viewer shown, if any.
func (s *session) viewerKeys(c fyne.Canvas) {
	on := func(do func(*docViewer)) func(fyne.Shortcut) {
		return func(fyne.Shortcut) {
			s.touch()
			if s.viewer != nil {
				do(s.viewer)
			}
		}
	}
	for _, sc := range []*desktop.CustomShortcut{shortcutZoomIn, shortcutZoomInEq, shortcutZoomInSh} {
		c.AddShortcut(sc, on((*docViewer).zoomIn))
	}
	c.AddShortcut(shortcutZoomOut, on((*docViewer).zoomOut))
	c.AddShortcut(shortcutZoomReset, on((*docViewer).fitWidth))
}

// typedKey is the window's key handler while signed in: every key is
// activity, and Page Up and Page Down reach the viewer shown.
func (s *session) typedKey(k *fyne.KeyEvent) {
	s.touch()
	if s.viewer != nil {
		s.viewer.typedKey(k)
	}
}

// openDocument reads a filed document (audited by the service) and shows
// it in the viewer in place of the documents list.
func (v *chartView) openDocument(d chart.Document) {
	v.s.touch()
	ws := v.s.ws
	rc, doc, err := v.s.svc.OpenDocument(d.ID)
	if err != nil {
		showError(ws.win, lang.L("The document could not be opened"), err)
		return
	}
	data, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		showError(ws.win, lang.L("The document could not be opened"), err)
		return
	}
	sec := v.sections[tabDocuments]
	if sec == nil {
		return
	}
	title := documentLine(doc)
	name := documentFileName(doc)
	view := newViewer(v.s, data, doc.Pages, name, true)
	back := &widget.Button{Text: lang.L("Back to documents"), Icon: theme.NavigateBackIcon(), OnTapped: func() {
		v.s.touch()
		v.s.viewer = nil
		sec.showList()
	}}
	head := container.NewBorder(nil, nil, back, nil, &widget.Label{Text: title, TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis})
	sec.show(container.NewBorder(head, nil, nil, nil, view.view()))
	view.focus()
}

// documentFileName is the name a saved copy of a document is offered
// under: its clinical date, category and kind ("2026-01-05 lab.pdf").
func documentFileName(d chart.Document) string {
	name := strings.TrimSpace(strings.Join([]string{d.ClinicalDate, d.Category}, " "))
	if name == "" {
		name = "document"
	}
	return name + extensionOf(d.ContentType)
}
