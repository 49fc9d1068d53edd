// Package ui holds Chartkeeper's Fyne screens and widgets. It shows what the
// store and the clinical packages decide and keeps no business rules of its
// own: roles are enforced by chart.Service, and a hidden button is only a
// courtesy.
//
// The window moves through a few screens: first run (create a practice or a
// demo practice), sign-in, and the signed-in workspace (find, register,
// chart). Locking replaces the whole window content with the sign-in screen.
// See docs/UI.md for the decisions behind them.
package ui

import (
	"errors"
	"sync"

	"fyne.io/fyne/v2"

	"chartkeeper/chart"
	"chartkeeper/store"
)

// Create opens the practice in the data folder dir and returns the window's
// content: the sign-in screen, the first-run screen when dir holds no
// practice, or what went wrong, in plain words. The store is closed (and
// locked) when w closes or a stops.
func Create(a fyne.App, w fyne.Window, dir string) fyne.CanvasObject {
	_, content := create(a, w, dir)
	return content
}

func create(a fyne.App, w fyne.Window, dir string) (*workstation, fyne.CanvasObject) {
	ws := &workstation{app: a, win: w, dir: dir}
	applyLanguage(a) // before any screen is built
	a.Settings().SetTheme(newTheme())
	st, err := chart.OpenStore(dir)
	switch {
	case errors.Is(err, store.ErrNoPractice):
		return ws, ws.firstRun()
	case err != nil:
		return ws, (&problem{dir: dir, err: err}).content()
	}
	ws.adopt(st)
	return ws, ws.signIn("")
}

// workstation is one window's hold on the data folder: the open store, the
// demo credentials when it is a demo practice, and the signed-in session.
type workstation struct {
	app     fyne.App
	win     fyne.Window
	dir     string
	st      *store.Store
	demo    *DemoPractice // nil unless the folder holds a demo practice
	sess    *session      // nil while locked
	tmp     string        // private folder of PDFs opened in the viewer; "" until one is
	preview *docViewer    // the open printout's preview, nil when none
	once    sync.Once
}

// adopt takes an opened store: it is closed when the window closes or the
// app stops, so the data folder is released for ckadmin and the next start.
func (ws *workstation) adopt(st *store.Store) {
	ws.st = st
	ws.demo = ReadDemoPractice(ws.dir)
	ws.win.SetOnClosed(ws.shutdown)
	ws.win.SetCloseIntercept(ws.closeWindow)
	ws.app.Lifecycle().SetOnStopped(ws.shutdown)
}

// shutdown ends the session and closes the store, once.
func (ws *workstation) shutdown() {
	ws.once.Do(func() {
		if ws.sess != nil {
			ws.sess.end()
			ws.sess = nil
		}
		ws.removeTemp()
		if ws.st == nil { // closed while the demo practice was being made
			return
		}
		if err := ws.st.Close(); err != nil {
			fyne.LogError("closing the data folder "+ws.st.Dir(), err)
		}
	})
}

// DefaultWindowSize is the window's size when it opens. A session gives the
// window back at the size it had at sign-in, so the next user does not
// inherit a window the last one made larger; every screen fits within
// 1024×700 (see docs/UI.md), so the window never has to grow.
var DefaultWindowSize = fyne.NewSize(1000, 680)

// show replaces the whole window content.
func (ws *workstation) show(content fyne.CanvasObject) {
	ws.win.SetContent(content)
}

// runInBackground runs slow work (Argon2id, filling a demo practice) off the
// UI goroutine; the work hands results back with fyne.Do. Tests replace it
// to run the work at once.
var runInBackground = func(work func()) { go work() }
