package ui

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// focusables lists the focusable, enabled widgets under root in tree
// order, leaving out those inside another (a select entry's drop-down
// button), which Fyne's own widgets order.
func focusables(root fyne.CanvasObject) []fyne.Focusable {
	var out []fyne.Focusable
	inner := map[fyne.CanvasObject]bool{}
	walk(root, func(o fyne.CanvasObject) {
		f, ok := o.(fyne.Focusable)
		if !ok || inner[o] {
			return
		}
		if d, ok := o.(fyne.Disableable); ok && d.Disabled() {
			return
		}
		out = append(out, f)
		walk(o, func(x fyne.CanvasObject) {
			if x != o {
				inner[x] = true
			}
		})
	})
	return out
}

// wantTabOrder checks that Tab, from the first field of root, visits every
// field and button of root once, top to bottom and, on one row, left to
// right, and that Shift+Tab walks back the same way.
func wantTabOrder(t *testing.T, w fyne.Window, what string, root fyne.CanvasObject) {
	t.Helper()
	all := focusables(root)
	if len(all) < 2 {
		t.Fatalf("%s: %d focusable widgets", what, len(all))
	}
	in := map[fyne.Focusable]bool{}
	for _, f := range all {
		in[f] = true
	}
	c := w.Canvas()
	c.Focus(all[0])
	seq := []fyne.Focusable{all[0]}
	for range 4 * len(all) {
		c.FocusNext()
		f := c.Focused()
		if f == all[0] || f == nil {
			break
		}
		if in[f] {
			seq = append(seq, f)
		}
	}
	name := func(f fyne.Focusable) string {
		switch x := f.(type) {
		case *entry:
			return fmt.Sprintf("entry %q", x.PlaceHolder)
		case *widget.Button:
			return fmt.Sprintf("button %q", x.Text)
		case *widget.SelectEntry:
			return fmt.Sprintf("select entry %q", x.PlaceHolder)
		case *widget.Select:
			return fmt.Sprintf("select %q", x.PlaceHolder)
		case *widget.Check:
			return fmt.Sprintf("check %q", x.Text)
		}
		return fmt.Sprintf("%T", f)
	}
	if len(seq) != len(all) {
		var names []string
		for _, f := range seq {
			names = append(names, name(f))
		}
		t.Fatalf("%s: Tab visits %d of its %d fields: %v", what, len(seq), len(all), names)
	}
	d := fyne.CurrentApp().Driver()
	for i := 1; i < len(seq); i++ {
		a := d.AbsolutePositionForObject(seq[i-1].(fyne.CanvasObject))
		b := d.AbsolutePositionForObject(seq[i].(fyne.CanvasObject))
		aSize := seq[i-1].(fyne.CanvasObject).Size()
		sameRow := b.Y < a.Y+aSize.Height/2 && b.Y+1 >= a.Y
		if !(b.Y >= a.Y+aSize.Height/2 || sameRow && b.X > a.X) {
			t.Errorf("%s: Tab goes from %s at %v back up or left to %s at %v", what, name(seq[i-1]), a, name(seq[i]), b)
		}
	}
	c.Focus(seq[len(seq)-1])
	for i := len(seq) - 1; i > 0; i-- {
		c.FocusPrevious()
		for n := 0; !in[c.Focused()] && n < 4*len(all); n++ {
			c.FocusPrevious()
		}
		if got := c.Focused(); got != seq[i-1] {
			t.Fatalf("%s: Shift+Tab from %s goes to %s, not %s", what, name(seq[i]), name(got), name(seq[i-1]))
		}
	}
}

// TestTabOrder: every form of the workstation is walked by Tab in the
// order it reads.
func TestTabOrder(t *testing.T) {
	t.Run("first run", func(t *testing.T) {
		_, w := open(t, t.TempDir())
		wantTabOrder(t, w, "first run", w.Content())
	})
	p := newPractice(t)
	ws, w := open(t, p.dir)
	t.Run("sign-in", func(t *testing.T) { wantTabOrder(t, w, "sign-in", w.Content()) })
	signInAs(t, w, "drsmith", testPassword)
	s := sessionOf(t, ws)

	s.register()
	wantTabOrder(t, w, "register", s.detail)

	s.openChart(p.patient.ID)
	for _, tc := range []struct {
		tab    int
		button string
	}{
		{tabProblems, "Add problem"},
		{tabAllergies, "Add allergy"},
		{tabMedications, "Add medication"},
		{tabVitals, "Record vital signs"},
		{tabImmunizations, "Add immunization"},
		{tabVisits, "New visit"},
	} {
		s.openChart(p.patient.ID)
		s.chart.tabs.SelectIndex(tc.tab)
		test.Tap(button(t, s.detail, tc.button))
		wantTabOrder(t, w, tc.button, s.chart.tabs.Selected().Content)
	}
	s.openChart(p.patient.ID)
	test.Tap(button(t, s.detail, "Edit demographics"))
	wantTabOrder(t, w, "edit demographics", s.detail)

	s.lock()
	signInAs(t, w, "mlopez", testPassword)
	s = sessionOf(t, ws)
	test.Tap(button(t, w.Content(), "Administration"))
	for _, tab := range []int{adminUsers, adminSettings, adminAudit, adminSync} {
		s.adm.tabs.SelectIndex(tab)
		wantTabOrder(t, w, s.adm.tabs.Items[tab].Text, s.adm.panes[tab])
	}
}
