package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// narrowWidth is the window width, in Fyne's units, below which the
// workspace shows one pane at a time: the find pane or the detail pane.
// A 1024×768 display at scale 1.5 gives 683; 1280×800 at 1.5 gives 853,
// where the two panes still stand side by side.
const narrowWidth = 780

// side is which of the workspace's panes a narrow window shows.
type side int

const (
	sideDetail side = iota
	sideFind
)

// panes lays out the workspace: the find pane beside the detail pane in a
// split whose divider moves, as long as the window is at least narrowWidth
// wide and both panes' minimum widths fit; otherwise one of them fills the
// workspace and the header's pane button goes to the other. It decides at
// every layout, from the width it is given, so it follows the window both
// ways. Switching only hides and shows the panes: nothing is built again,
// so the search text, the list's selection and what is typed in a form
// stay as they were.
//
// Its minimum size is what one pane needs, so a narrow window never has to
// grow to show the workspace.
type panes struct {
	s      *session
	split  *container.Split
	box    *fyne.Container
	narrow bool // the last layout was narrow
	front  side // the pane a narrow window shows
	// findOff is set by a screen that hides the find pane at any width
	// (the inbox, whose filing form has a patient search of its own).
	findOff bool
	// detailFocus had the keyboard in the detail pane when the find pane
	// took its place; it gets it back when the detail pane returns.
	detailFocus fyne.Focusable
	// blank is the welcome shown in the detail pane before any screen:
	// there is nothing there to go back to.
	blank fyne.CanvasObject
	// toggle is the header's button between the panes, shown while the
	// window is narrow (session.header).
	toggle *widget.Button
}

func newPanes(s *session) *panes {
	p := &panes{s: s}
	p.split = container.NewHSplit(s.find.content(), s.detail)
	p.split.Offset = 0.38
	p.toggle = &widget.Button{Icon: theme.SearchIcon(), OnTapped: p.toggled}
	p.toggle.Hide()
	p.box = container.New(p, p.split)
	return p
}

// wide reports whether both panes fit side by side at width w.
func (p *panes) wide(w float32) bool {
	if w < narrowWidth {
		return false
	}
	need := p.s.detail.MinSize().Width
	if !p.findOff {
		need += p.s.find.pane.MinSize().Width + 2*theme.Padding() // the split's divider
	}
	return w >= need
}

// Layout shows both panes or one, as the width allows, and lays the split
// out over the whole workspace.
func (p *panes) Layout(_ []fyne.CanvasObject, size fyne.Size) {
	p.fit(size.Width, true)
	p.split.Move(fyne.Position{})
	p.split.Resize(size)
}

// fit decides between one pane and two at width w and applies it. When a
// resized window goes to one pane, the pane with the keyboard is the one
// kept in sight.
func (p *panes) fit(w float32, resized bool) {
	if narrow := !p.wide(w); narrow != p.narrow {
		p.narrow = narrow
		if f := p.focused(); narrow && resized && f != nil {
			p.front = sideDetail
			if p.inFind(f) {
				p.front = sideFind
			}
		}
	}
	p.apply()
}

// refit decides again at the workspace's current width, after the detail
// pane changed (its minimum width is part of the decision).
func (p *panes) refit() {
	if w := p.box.Size().Width; w > 0 {
		p.fit(w, false)
		return
	}
	p.apply()
}

// MinSize is what the larger of the two panes needs: a narrow window shows
// one at a time.
func (p *panes) MinSize([]fyne.CanvasObject) fyne.Size {
	m := p.s.detail.MinSize()
	if !p.findOff {
		m = m.Max(p.s.find.pane.MinSize())
	}
	return m
}

// show brings a pane to the front of a narrow window (a wide one shows
// both) and hands the keyboard over: the detail pane's focus is kept while
// the find pane stands in its place, and given back after.
func (p *panes) show(sd side) {
	if sd == sideFind {
		p.findOff = false
	}
	if p.front == sd {
		p.refit()
		return
	}
	if f := p.focused(); sd == sideFind && f != nil && !p.inFind(f) {
		p.detailFocus = f
	}
	p.front = sd
	p.refit()
	if sd == sideDetail && p.narrow && p.detailFocus != nil {
		if c := p.canvas(); c != nil {
			c.Focus(p.detailFocus)
		}
	}
	if sd == sideDetail {
		p.detailFocus = nil
	}
	p.dropHiddenFocus()
}

// hideFind hides the find pane at any width, for a screen that has no use
// for it; showing the find pane (Ctrl+F) brings it back.
func (p *panes) hideFind() {
	p.findOff = true
	p.front = sideDetail
	p.refit()
}

// apply shows and hides the panes for the current width and front, and
// the header's pane button with them.
func (p *panes) apply() {
	findOn, detailOn := !p.findOff, true
	if p.narrow && findOn {
		if p.front == sideFind {
			detailOn = false
		} else {
			findOn = false
		}
	}
	changed := setVisible(p.s.find.pane, findOn)
	if setVisible(p.s.detail, detailOn) {
		changed = true
	}
	if changed {
		p.split.Refresh()
		p.dropHiddenFocus()
	}
	p.showToggle()
}

// showToggle names the header's pane button after the pane it goes to, and
// shows it only in a narrow workspace with somewhere to go.
func (p *panes) showToggle() {
	b := p.toggle
	on := p.narrow && !p.s.atHome
	text, icon := b.Text, b.Icon
	switch {
	case !on:
	case p.front == sideDetail || p.findOff:
		text, icon = lang.L("Find (Ctrl+F)"), theme.SearchIcon()
	case p.blank != nil && len(p.s.detail.Objects) == 1 && p.s.detail.Objects[0] == p.blank:
		on = false // the welcome: nothing to go back to
	case p.s.chart != nil:
		text, icon = lang.L("Back to the chart"), theme.NavigateBackIcon()
	default:
		text, icon = lang.L("Back"), theme.NavigateBackIcon()
	}
	changed := setVisible(b, on)
	if text != b.Text || icon != b.Icon {
		b.Text, b.Icon = text, icon
		b.Refresh()
		changed = true
	}
	if changed && p.s.bar != nil {
		p.s.bar.refresh()
	}
}

// toggled is the header's pane button: to the find pane, or back.
func (p *panes) toggled() {
	p.s.touch()
	if p.front == sideDetail || p.findOff {
		p.s.find.focus()
		return
	}
	p.show(sideDetail)
}

func (p *panes) canvas() fyne.Canvas {
	if p.s.ws == nil || p.s.ws.win == nil {
		return nil
	}
	return p.s.ws.win.Canvas()
}

func (p *panes) focused() fyne.Focusable {
	if c := p.canvas(); c != nil {
		return c.Focused()
	}
	return nil
}

// inFind reports whether f is part of the find pane: its entry or its list.
func (p *panes) inFind(f fyne.Focusable) bool {
	return f == fyne.Focusable(p.s.find.query) || f == fyne.Focusable(p.s.find.list)
}

// dropHiddenFocus takes the keyboard from the find pane's parts while the
// pane is hidden, so that typing does not go to a field out of sight.
func (p *panes) dropHiddenFocus() {
	if p.s.find.pane.Visible() {
		return
	}
	if c := p.canvas(); c != nil && c.Focused() != nil && p.inFind(c.Focused()) {
		c.Unfocus()
	}
}

// setVisible shows or hides o and reports whether that changed anything.
func setVisible(o fyne.CanvasObject, on bool) bool {
	if o.Visible() == on {
		return false
	}
	if on {
		o.Show()
	} else {
		o.Hide()
	}
	return true
}

// upTo lays its objects out in rows of up to max columns of equal width:
// as many as fit side by side at their minimum widths, fewer, down to one,
// in a narrow window. Its minimum width is the widest object's; its
// minimum height is that of its rows at the last layout's number of
// columns (as Fyne's grid wrap layout does), so a scroll around it is as
// tall as the rows laid out.
type upTo struct {
	max, cols int
}

// newUpTo is a container of objs in up to max columns.
func newUpTo(max int, objs ...fyne.CanvasObject) *fyne.Container {
	return container.New(&upTo{max: max, cols: max}, objs...)
}

func visibleOnly(objs []fyne.CanvasObject) []fyne.CanvasObject {
	var out []fyne.CanvasObject
	for _, o := range objs {
		if o.Visible() {
			out = append(out, o)
		}
	}
	return out
}

// columns is how many columns fit at width w.
func (g *upTo) columns(objs []fyne.CanvasObject, w float32) int {
	pad := theme.Padding()
	cell := float32(0)
	for _, o := range objs {
		cell = max(cell, o.MinSize().Width)
	}
	n := g.max
	for n > 1 && float32(n)*cell+float32(n-1)*pad > w {
		n--
	}
	return n
}

// rows calls fn with each row of objs, cols at a time.
func rows(objs []fyne.CanvasObject, cols int, fn func(row []fyne.CanvasObject, height float32)) {
	for i := 0; i < len(objs); i += cols {
		row := objs[i:min(i+cols, len(objs))]
		h := float32(0)
		for _, o := range row {
			h = max(h, o.MinSize().Height)
		}
		fn(row, h)
	}
}

func (g *upTo) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	objs = visibleOnly(objs)
	pad := theme.Padding()
	g.cols = g.columns(objs, size.Width)
	cell := (size.Width - float32(g.cols-1)*pad) / float32(g.cols)
	y := float32(0)
	rows(objs, g.cols, func(row []fyne.CanvasObject, h float32) {
		for i, o := range row {
			o.Move(fyne.NewPos(float32(i)*(cell+pad), y))
			o.Resize(fyne.NewSize(cell, h))
		}
		y += h + pad
	})
}

func (g *upTo) MinSize(objs []fyne.CanvasObject) fyne.Size {
	objs = visibleOnly(objs)
	pad := theme.Padding()
	var s fyne.Size
	rows(objs, max(1, g.cols), func(row []fyne.CanvasObject, h float32) {
		for _, o := range row {
			s.Width = max(s.Width, o.MinSize().Width)
		}
		if s.Height > 0 {
			s.Height += pad
		}
		s.Height += h
	})
	return s
}
