package ui

import (
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// fitLimit is the most a screen may ask for: the usable part of a
// 1024×768 display (a taskbar and the window's title bar take the rest).
// The window grows to its content's minimum size, so a screen that asks
// for more pushes the window past the display.
var fitLimit = fyne.NewSize(1024, 700)

// demoDir makes a small demo practice and returns its folder.
func demoDir(t *testing.T) (string, *DemoPractice) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "demo")
	st, d, err := NewDemoPractice(dir, 30, nil)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	return dir, d
}

// TestEveryScreenFits signs in as every demo user, opens every screen,
// form and dialog of the tour, and fails when one asks for more than
// 1024×700: the window content's minimum size and every dialog's.
func TestEveryScreenFits(t *testing.T) {
	everyScreenFits(t, 1, fitLimit)
}

// fitLimitScaled is the most a screen may ask for at Fyne scale 1.5, in
// Fyne's units: 1280×800 is 853 wide and 1366×768 is 512 high at that
// scale (1920×1080 and 2560×1440 give more). fitSmallScaled is 1024×768
// at 1.5; see docs/UI.md.
var (
	fitLimitScaled = fyne.NewSize(853, 512)
	fitSmallScaled = fyne.NewSize(683, 512)
)

// TestEveryScreenFitsScaled is TestEveryScreenFits at Fyne scale 1.5:
// every screen must fit 1280×800 and 1366×768 displays.
func TestEveryScreenFitsScaled(t *testing.T) {
	everyScreenFits(t, 1.5, fitLimitScaled)
}

// TestEveryScreenFitsSmallScaled is TestEveryScreenFits at Fyne scale 1.5
// on a 1024×768 display: the workspace shows one pane at a time there.
func TestEveryScreenFitsSmallScaled(t *testing.T) {
	everyScreenFits(t, 1.5, fitSmallScaled)
}

func everyScreenFits(t *testing.T, scale float32, limit fyne.Size) {
	dir, d := demoDir(t)
	for _, u := range d.Users {
		t.Run(u.Username, func(t *testing.T) {
			ws, w := open(t, dir)
			fitLanguage(t, ws) // CHARTKEEPER_LANG=fr measures the screens in French
			w.Canvas().(test.WindowlessCanvas).SetScale(scale)
			w.Resize(limit)
			signInAs(t, w, u.Username, d.Password)
			s := sessionOf(t, ws)
			ts := &tourState{s: s}
			too := func(m fyne.Size, l fyne.Size) bool { return m.Width > l.Width || m.Height > l.Height }
			for _, stop := range tourStops(u.Role) {
				if err := s.openTourStop(ts, stop.name); err != nil {
					t.Errorf("%s: %v", stop.name, err)
					continue
				}
				need := w.Content().MinSize()
				if too(need, limit) {
					t.Errorf("%s needs %.0f×%.0f, more than %.0f×%.0f", stop.name, need.Width, need.Height, limit.Width, limit.Height)
				}
				if dialogStop(stop.name) && w.Canvas().Overlays().Top() == nil {
					t.Errorf("%s showed no dialog", stop.name)
				}
				for _, o := range w.Canvas().Overlays().List() {
					m := overlayMin(o)
					if too(m, limit) {
						t.Errorf("%s: a dialog needs %.0f×%.0f, more than %.0f×%.0f", stop.name, m.Width, m.Height, limit.Width, limit.Height)
					}
					need = need.Max(m)
				}
				// The workspace shows both panes wherever they fit: at
				// 1024 wide on every screen (the inbox hides the find
				// pane at any width).
				if !s.atHome && limit.Width >= 1024 && s.panes.narrow {
					t.Errorf("%s shows one pane at a time at %.0f wide", stop.name, limit.Width)
				}
				if !s.atHome && limit.Width < narrowWidth && !s.panes.narrow {
					t.Errorf("%s shows both panes at %.0f wide", stop.name, limit.Width)
				}
				if !s.atHome && s.panes.narrow && limit.Width >= narrowWidth {
					t.Logf("%s shows one pane at a time at %.0f wide", stop.name, limit.Width)
				}
				if s.ws.sess != s {
					t.Fatalf("%s ended the session", stop.name)
				}
			}
			closeOverlays(w)
		})
	}
}

// dialogStop reports whether a stop of the tour is a dialog.
func dialogStop(name string) bool {
	switch name {
	case "chart-print", "chart-print-disclosure", "chart-print-visit", "chart-print-cover", "chart-print-labels",
		"chart-printout", "chart-visit-amend", "chart-no-known-allergies", "inbox-split", "inbox-reject", "admin-reset-password":
		return true
	}
	return false
}

// overlayMin is what a dialog or pop-up needs: a pop-up's own minimum
// size is the whole canvas, so its content's is measured.
func overlayMin(o fyne.CanvasObject) fyne.Size {
	if p, ok := o.(*widget.PopUp); ok {
		return p.Content.MinSize()
	}
	return o.MinSize()
}

// TestHeaderOverflow checks that at 1024 px the HIM manager's header keeps
// the name, sync state and Lock on screen and offers the rest in "More".
func TestHeaderOverflow(t *testing.T) {
	dir, d := demoDir(t)
	ws, w := open(t, dir)
	w.Resize(fyne.NewSize(1024, 700))
	signInAs(t, w, "demo-him", d.Password)
	s := sessionOf(t, ws)
	bar := s.bar.box
	if m := bar.MinSize(); m.Width > 900 {
		t.Errorf("the header asks for %.0f px; the kept items and More need far less", m.Width)
	}
	lock := button(t, w.Content(), "Lock (Ctrl+L)")
	if p := lock.Position().X + lock.Size().Width; p > bar.Size().Width {
		t.Errorf("Lock ends at %.0f px, past the header's %.0f px", p, bar.Size().Width)
	}
	more := button(t, w.Content(), "More")
	var names []string
	for _, it := range s.bar.menu().Items {
		names = append(names, it.Label)
	}
	for _, want := range []string{"Sign out", "Administration"} {
		if !contains(join(names), want) {
			t.Errorf("the More menu holds %q, want %q in it", names, want)
		}
	}
	test.Tap(more)
	if w.Canvas().Overlays().Top() == nil {
		t.Error("More showed no menu")
	}
	closeOverlays(w)

	w.Resize(fyne.NewSize(1366, 700))
	if !hasButton(w.Content(), "Administration") {
		t.Error("at 1366 px the HIM manager's Administration is not in the header")
	}

	w.Resize(fyne.NewSize(2000, 700))
	if hasButton(w.Content(), "More") {
		t.Error("at 2000 px everything fits, yet More is shown")
	}
	if !hasButton(w.Content(), "Sign out") {
		t.Error("at 2000 px Sign out is not in the header")
	}

	// A window grown by the last user comes back to its size at sign-in.
	w.Resize(fyne.NewSize(1900, 1000))
	s.signOut()
	if got, want := w.Canvas().Size(), fyne.NewSize(1024, 700); got != want {
		t.Errorf("after sign out the window is %v, want %v", got, want)
	}
}

func join(ss []string) string {
	out := ""
	for _, s := range ss {
		out += s + "\n"
	}
	return out
}

// TestConflictReviewFits measures the review of a record changed on two
// workstations at once, for the HIM manager and the clinician, from the
// header's button and from the worklist: the tour's demo practice has no
// such record.
func TestConflictReviewFits(t *testing.T) {
	p := newPractice(t)
	id := collideAllergy(t, p)
	ws, w := open(t, p.dir)
	w.Resize(fyne.NewSize(1024, 700))
	for _, user := range []string{"mlopez", "drsmith"} {
		signInAs(t, w, user, testPassword)
		s := sessionOf(t, ws)
		s.conflictQueue()
		if m := w.Content().MinSize(); m.Width > fitLimit.Width || m.Height > fitLimit.Height {
			t.Errorf("%s: the conflict queue needs %.0f×%.0f", user, m.Width, m.Height)
		}
		s.reviewConflict(id)
		wantText(t, w.Content(), "Version 1 (shown)")
		if m := w.Content().MinSize(); m.Width > fitLimit.Width || m.Height > fitLimit.Height {
			t.Errorf("%s: the conflict review needs %.0f×%.0f", user, m.Width, m.Height)
		}
		s.signOut()
	}
}
