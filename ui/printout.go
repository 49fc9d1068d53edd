package ui

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/internal/shell"
	"chartkeeper/report"
	"chartkeeper/scan"
)

// printout is a PDF made for the person at the workstation, kept in memory
// until they choose what to do with it: open it in the system viewer,
// send it to the printer, or save a copy where they choose.
type printout struct {
	title    string // "Patient summary of Okafor, Chidi"
	file     string // the name a saved copy is offered, e.g. "summary-12345678.pdf"
	pdf      []byte
	warnings report.Warnings
	// private keeps the PDF off the disk unless the person saves it
	// (the emergency kit holds the recovery key): no viewer.
	private bool
}

// showPrintout offers what to do with a finished printout, with the
// report's warnings (fields whose characters the fonts cannot draw) and,
// for a signed-in person, a preview of its pages (never for a private
// printout).
func (ws *workstation) showPrintout(p *printout) {
	status := &widget.Label{Wrapping: fyne.TextWrapWord}
	parts := []fyne.CanvasObject{paragraph(fmt.Sprintf(lang.L("%s is ready (%d KB)."), p.title, (len(p.pdf)+1023)/1024))}
	if len(p.warnings) > 0 {
		parts = append(parts, &widget.Label{Text: fmt.Sprintf(lang.L("Check the printout: %s."), strings.Join(p.warnings, "; ")),
			Wrapping: fyne.TextWrapWord, Importance: widget.WarningImportance})
	}
	buttons := container.NewHBox()
	if !p.private {
		buttons.Add(&widget.Button{Text: lang.L("Open in viewer"), Icon: theme.VisibilityIcon(), OnTapped: func() {
			if err := ws.openPDF(p); err != nil {
				if errors.Is(err, shell.ErrNoAssociation) {
					status.SetText(msgNoViewer())
					return
				}
				status.SetText(fmt.Sprintf(lang.L("The viewer could not be started: %s"), sentence(err)))
				return
			}
			status.SetText(lang.L("Opened in the system's PDF viewer."))
		}})
	}
	buttons.Add(&widget.Button{Text: lang.L("Print"), Icon: theme.DocumentPrintIcon(), OnTapped: func() {
		pr := systemPrinter
		if ok, why := pr.Ready(); !ok {
			status.SetText(why)
			return
		}
		job, err := ws.printJob(pr, p.title, p.file, p.pdf, p.private)
		if err != nil {
			status.SetText(printFailed(err))
			return
		}
		status.SetText(lang.L("Sending to the printer…"))
		runInBackground(func() {
			err := job()
			fyne.Do(func() {
				if err != nil {
					status.SetText(printFailed(err))
					return
				}
				status.SetText(lang.L("Sent to the default printer."))
			})
		})
	}})
	buttons.Add(&widget.Button{Text: lang.L("Save a copy…"), Icon: theme.DocumentSaveIcon(), OnTapped: func() {
		saveCopy(ws.win, p.file, p.pdf, status.SetText)
	}})
	parts = append(parts, buttons, status)
	var content fyne.CanvasObject = container.NewVBox(parts...)
	width := float32(520)
	ws.preview = nil
	if s := ws.sess; s != nil && !p.private {
		// A preview of the pages, drawn in memory (see the document
		// viewer); the chart's own viewer stays the session's.
		pages := 1
		if info, err := scan.Analyze(p.pdf); err == nil {
			pages = info.Pages
		}
		old := s.viewer
		v := newViewer(s, p.pdf, pages, p.file, false)
		s.viewer = old
		ws.preview = v
		content = container.NewBorder(nil, container.NewVBox(parts...), nil, nil,
			container.New(layout.NewGridWrapLayout(fyne.NewSize(560, 280)), v.view()))
		width = 600
	}
	d := openModal(ws.win, p.title, content, nil, &action{text: lang.L("Close")})
	d.d.Resize(fyne.NewSize(width, 0))
}

// openPDF writes the printout to a private temporary file and opens it in
// the system viewer.
func (ws *workstation) openPDF(p *printout) error {
	path, err := ws.privateFile(p.file, p.pdf)
	if err != nil {
		return err
	}
	return openInViewer(ws.app, path)
}

// privateFile writes data to a new file, mode 0600, in the workstation's
// private temporary folder (mode 0700), which goes when the workstation
// locks or closes.
func (ws *workstation) privateFile(name string, data []byte) (string, error) {
	if ws.tmp == "" {
		dir, err := os.MkdirTemp("", "chartkeeper-")
		if err != nil {
			return "", err
		}
		ws.tmp = dir
	}
	f, err := os.CreateTemp(ws.tmp, "*-"+filepath.Base(name))
	if err != nil {
		return "", err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return "", err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return "", err
	}
	return f.Name(), f.Close()
}

// removeTemp removes the private temporary folder and what it holds.
func (ws *workstation) removeTemp() {
	if ws.tmp == "" {
		return
	}
	if err := os.RemoveAll(ws.tmp); err != nil {
		fyne.LogError("removing the workstation's temporary files", err)
	}
	ws.tmp = ""
}

// openInViewer opens a file in the system's viewer (xdg-open on Linux,
// the shell's "open" on Windows). Tests replace it.
var openInViewer = func(a fyne.App, path string) error {
	return a.OpenURL(&url.URL{Scheme: "file", Path: path})
}
