package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// TestNarrowWindowKeepsBothPanes opens a chart from the find pane, types
// into a new visit note, then shrinks the window to 1024×768 at scale 1.5
// (683×512) and grows it back: the workspace goes to one pane at a time
// and back to two, and the search, the chart, the typed note and the
// keyboard all stay where they were. The header's pane button goes
// between the panes in the narrow window.
func TestNarrowWindowKeepsBothPanes(t *testing.T) {
	p := newPractice(t)
	ws, w := open(t, p.dir)
	wide := fyne.NewSize(1366, 700)
	w.Resize(wide)
	signInAs(t, w, "drsmith", testPassword)
	s := sessionOf(t, ws)
	c := w.Canvas()

	s.findFromHome()
	test.Type(s.find.query, "okafo")
	if len(s.find.results) != 1 {
		t.Fatalf("searching \"okafo\" found %d patients", len(s.find.results))
	}
	s.find.list.Select(0)
	v := s.chart
	if v == nil || v.c.Patient.ID != p.patient.ID {
		t.Fatal("choosing the patient in the list opened no chart")
	}
	v.tabs.SelectIndex(tabVisits)
	v.newVisit()
	reason := entryWith(t, s.detail, "why the patient came")
	test.Type(reason, "Cough for a week")
	form := s.form
	if form == nil || !form.Dirty() {
		t.Fatal("the typed note is not an open form with changes")
	}
	if s.panes.narrow || !s.find.pane.Visible() || !s.detail.Visible() || s.panes.toggle.Visible() {
		t.Fatal("at 1366 wide the workspace does not show both panes")
	}

	// state checks what must survive every switch.
	state := func(when string) {
		t.Helper()
		if s.chart != v || s.form != form || s.find.query.Text != "okafo" || len(s.find.results) != 1 {
			t.Errorf("%s: the chart, the form or the search was replaced (search %q, %d found)", when, s.find.query.Text, len(s.find.results))
		}
		if reason.Text != "Cough for a week" || !form.Dirty() {
			t.Errorf("%s: the note's reason reads %q", when, reason.Text)
		}
		if s.detail.Visible() && entryWith(t, s.detail, "why the patient came") != reason {
			t.Errorf("%s: the note's form was built again", when)
		}
		if o := c.Overlays().Top(); o != nil {
			t.Errorf("%s: a dialog is shown: %q", when, texts(o))
		}
		if m := w.Content().MinSize(); m.Width > c.Size().Width || m.Height > c.Size().Height {
			t.Errorf("%s: the window needs %.0f×%.0f, more than its %.0f×%.0f", when, m.Width, m.Height, c.Size().Width, c.Size().Height)
		}
	}
	state("at 1366 wide")
	if c.Focused() != reason {
		t.Fatalf("the note's reason does not have the keyboard: %T", c.Focused())
	}

	// Narrow, with the cursor in the note: the note stays in sight.
	c.(test.WindowlessCanvas).SetScale(1.5)
	w.Resize(fitSmallScaled)
	if !s.panes.narrow || s.find.pane.Visible() || !s.detail.Visible() {
		t.Fatalf("at 683 wide: narrow %v, find pane shown %v, detail shown %v", s.panes.narrow, s.find.pane.Visible(), s.detail.Visible())
	}
	state("at 683 wide")
	if c.Focused() != reason {
		t.Errorf("at 683 wide the keyboard went from the note to %T", c.Focused())
	}
	toggle := s.panes.toggle
	if !toggle.Visible() || toggle.Text != "Find (Ctrl+F)" {
		t.Fatalf("the header's pane button shows %v, says %q", toggle.Visible(), toggle.Text)
	}
	if p := toggle.Position().X + toggle.Size().Width; p > c.Size().Width || toggle.Size().Width == 0 {
		t.Errorf("the header's pane button is not on screen (ends at %.0f)", p)
	}

	// The header's button goes to the find pane, its search as it was.
	// (Tapped, not test.Tap: a click on a button leaves the keyboard where
	// it was in the real driver, and test.Tap takes it away.)
	toggle.Tapped(&fyne.PointEvent{})
	if !s.find.pane.Visible() || s.detail.Visible() {
		t.Fatal("the pane button did not show the find pane in place of the chart")
	}
	state("on the find pane")
	if c.Focused() != s.find.query {
		t.Errorf("on the find pane the keyboard is on %T, not the search", c.Focused())
	}
	if toggle.Text != "Back to the chart" {
		t.Errorf("on the find pane the pane button says %q", toggle.Text)
	}

	// Back to the chart: the keyboard returns to the note.
	toggle.Tapped(&fyne.PointEvent{})
	if s.find.pane.Visible() || !s.detail.Visible() {
		t.Fatal("the pane button did not go back to the chart")
	}
	state("back on the chart")
	if c.Focused() != reason {
		t.Errorf("back on the chart the keyboard is on %T, not the note", c.Focused())
	}

	// Ctrl+F goes to the find pane too; growing the window shows both
	// panes, the keyboard still in the search.
	shortcut(w, shortcutFind)
	if !s.find.pane.Visible() || s.detail.Visible() || c.Focused() != s.find.query {
		t.Fatal("Ctrl+F did not show the find pane with the cursor in it")
	}
	c.(test.WindowlessCanvas).SetScale(1)
	w.Resize(wide)
	if s.panes.narrow || !s.find.pane.Visible() || !s.detail.Visible() || toggle.Visible() {
		t.Fatal("back at 1366 wide the workspace does not show both panes")
	}
	state("at 1366 wide again")
	if c.Focused() != s.find.query {
		t.Errorf("at 1366 wide again the keyboard is on %T, not the search", c.Focused())
	}

	// Narrow again with the cursor in the search: the find pane stays in
	// sight.
	c.(test.WindowlessCanvas).SetScale(1.5)
	w.Resize(fitSmallScaled)
	if !s.find.pane.Visible() || s.detail.Visible() {
		t.Fatal("at 683 wide with the cursor in the search, the find pane is not the one shown")
	}
	state("at 683 wide on the search")

	// Typing goes where the keyboard is: never to a hidden field.
	toggle.Tapped(&fyne.PointEvent{})
	if f := c.Focused(); f == s.find.query || f == s.find.list {
		t.Error("the hidden find pane kept the keyboard")
	}
	if c.Focused() != reason {
		t.Errorf("back on the chart the keyboard is on %T, not the note", c.Focused())
	}
	state("at 683 wide back on the chart")
}
