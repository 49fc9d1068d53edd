package ui

import (
	"errors"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
	"chartkeeper/store"
)

// Options change how CreateWith opens a data folder.
type Options struct {
	// Demo makes a demo practice in a data folder that holds no practice:
	// the window shows it being made, with a progress bar, then its
	// sign-in screen.
	Demo bool
	// DemoPatients is how many made-up patients the demo practice gets;
	// 0 means DemoPatients.
	DemoPatients int
}

// CreateWith is Create with options. It also returns a Script that drives
// the workstation from another goroutine (the real-window test and
// `make screens` use it).
func CreateWith(a fyne.App, w fyne.Window, dir string, o Options) (fyne.CanvasObject, *Script) {
	if o.Demo && !store.Exists(dir) {
		applyLanguage(a) // before any screen is built
		ws := &workstation{app: a, win: w, dir: dir}
		n := o.DemoPatients
		if n <= 0 {
			n = DemoPatients
		}
		ws.makeDemo(n)
		return w.Content(), &Script{ws: ws}
	}
	ws, content := create(a, w, dir)
	return content, &Script{ws: ws}
}

// Script drives a workstation through the screens of its tour, as the
// demo practice's users: sign in, open a screen by name, sign out. Its
// methods must not be called on the UI goroutine: they wait for it.
type Script struct {
	ws   *workstation
	tour *tourState
}

// WaitReady waits until the data folder's practice is open (a demo
// practice made), at most timeout.
func (sc *Script) WaitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ready := false
		fyne.DoAndWait(func() { ready = sc.ws.st != nil })
		if ready {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the practice was not open after %s", timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// SignIn signs in as a demo user, with the demo practice's password.
// scriptIdleLock is the idle lock of a scripted session.
const scriptIdleLock = 24 * time.Hour

func (sc *Script) SignIn(username string) error {
	var d *DemoPractice
	var st *store.Store
	fyne.DoAndWait(func() { d, st = sc.ws.demo, sc.ws.st })
	if d == nil || st == nil {
		return errors.New("not a demo practice")
	}
	if err := st.Unlock(username, []byte(d.Password)); err != nil {
		return err
	}
	svc, err := chart.Open(st)
	if err != nil {
		st.Lock()
		return err
	}
	fyne.DoAndWait(func() {
		rememberUser(sc.ws.app, st.PracticeID(), username)
		sc.ws.startSession(svc)
		sc.tour = &tourState{s: sc.ws.sess}
		if s := sc.ws.sess; s != nil {
			// A program drives this session, not a person at the desk: a
			// tour on a machine loaded enough to keep the window busy for
			// minutes must not be locked midway. The idle lock has its own
			// tests.
			s.idle = scriptIdleLock
		}
	})
	if sc.tour.s == nil {
		return errors.New("the session did not start")
	}
	return nil
}

// Screens names the screens of the signed-in user's tour, in order.
func (sc *Script) Screens() []string {
	var names []string
	fyne.DoAndWait(func() {
		if s := sc.ws.sess; s != nil {
			for _, st := range tourStops(s.user.Role) {
				names = append(names, st.name)
			}
		}
	})
	return names
}

// Open shows the named screen of the tour.
func (sc *Script) Open(name string) error {
	var err error
	fyne.DoAndWait(func() {
		s := sc.ws.sess
		if s == nil || sc.tour == nil || sc.tour.s != s {
			err = errors.New("nobody is signed in")
			return
		}
		// a scripted open stands for the user's own clicks: it keeps the
		// session from locking for idleness, as they would, however long
		// a tour takes on a busy machine
		s.touch()
		err = s.openTourStop(sc.tour, name)
	})
	return err
}

// SignOut ends the session without asking (the tour changes nothing) and
// shows the sign-in screen.
func (sc *Script) SignOut() {
	fyne.DoAndWait(func() {
		if s := sc.ws.sess; s != nil {
			s.close("")
		}
		sc.tour = nil
	})
}

// Focused describes the control that has the keyboard: an entry by its
// placeholder or, failing that, its kind; "" when nothing has it.
func (sc *Script) Focused() string {
	var name string
	fyne.DoAndWait(func() {
		switch o := sc.ws.win.Canvas().Focused().(type) {
		case nil:
		case *entry:
			if o.Password {
				name = "password"
			} else {
				name = "entry " + o.PlaceHolder
			}
		case *widget.SelectEntry:
			name = "entry " + o.PlaceHolder
		default:
			name = fmt.Sprintf("%T", o)
		}
	})
	return name
}

// WaitPrintout waits, at most timeout, until the printout on screen has
// its first page drawn in its preview (or a sentence saying it cannot be).
func (sc *Script) WaitPrintout(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		state := ""
		fyne.DoAndWait(func() {
			v := sc.ws.preview
			switch {
			case v == nil:
				state = "none"
			case v.drawn[v.page] != nil:
				state = "drawn"
			case v.msg.Visible():
				state = "message"
			}
		})
		switch state {
		case "none":
			return errors.New("no printout is shown")
		case "drawn":
			return nil
		case "message":
			return errors.New("the printout's page was not drawn")
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the printout's page was not drawn after %s", timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
