package ui

import (
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// headerItem is one part of the header bar. A kept item is always shown;
// the others give way, in the order of their rank (lowest first), to a
// "More" menu when the window is too narrow for them all.
type headerItem struct {
	obj  fyne.CanvasObject // the item; it may hide itself
	view fyne.CanvasObject // what the bar shows of it: obj, or obj with a separator
	keep bool
	rank int // the order items give way in: 0 first
	// menu is the item's entry in the "More" menu while it does not fit;
	// nil leaves it out of the menu.
	menu func() *fyne.MenuItem
	slot *fyne.Container // holds obj; hidden while obj does not fit
	// full, for a kept item whose text can be cut short with an ellipsis,
	// is its width uncut; it asks for least, and gets what is left once
	// every other item is in the menu. A cut item is also in the menu.
	full  func() float32
	least float32
	given float32 // the width a cut item has at the last layout
	// shorten, if set, is told a cut item's width at every layout, to
	// put a shorter text in before the ellipsis has to.
	shorten func(w float32)
}

// headerBar lays out the header's items on one line, left items from the
// left and right items from the right. What does not fit at the current
// width goes to the "More" menu, recomputed at every layout, so the bar
// never asks for more width than its kept items and the menu button: the
// window never has to grow to show it. The user's name and role, the sync
// state and "Lock" are kept.
type headerBar struct {
	left, right []*headerItem
	more        *widget.Button
	box         *fyne.Container
}

func newHeaderBar(left, right []*headerItem) *headerBar {
	h := &headerBar{left: left, right: right}
	h.more = &widget.Button{Text: lang.L("More"), Icon: theme.MenuIcon(), OnTapped: h.showMenu}
	objs := []fyne.CanvasObject{}
	for _, it := range h.items() {
		if it.view == nil {
			it.view = it.obj
		}
		it.slot = container.NewStack(it.view)
		objs = append(objs, it.slot)
	}
	objs = append(objs, h.more)
	h.box = container.New(h, objs...)
	return h
}

func (h *headerBar) items() []*headerItem {
	return append(append([]*headerItem{}, h.left...), h.right...)
}

// width is an item's width when shown, 0 when its object hides itself.
func width(it *headerItem) float32 {
	if !it.obj.Visible() {
		return 0
	}
	if it.full != nil {
		return it.full()
	}
	return it.view.MinSize().Width
}

// cut reports whether an item is shown shorter than its text.
func (it *headerItem) cut() bool {
	return it.full != nil && it.given < it.full()
}

// fit decides which items are shown at width w: it hides items, lowest
// rank first, until the rest and the "More" button fit. It reports
// whether anything is hidden.
func (h *headerBar) fit(w float32) bool {
	pad := theme.Padding()
	items := h.items()
	total := float32(0)
	for _, it := range items {
		if wd := width(it); wd > 0 {
			total += wd + pad
		}
	}
	shown := make(map[*headerItem]bool, len(items))
	for _, it := range items {
		shown[it] = true
	}
	hidden := false
	moreW := h.more.MinSize().Width + pad
	if total > w {
		order := []*headerItem{}
		for _, it := range items {
			if !it.keep {
				order = append(order, it)
			}
		}
		// lowest rank first (a stable sort: the bar's order among equals)
		for i := 1; i < len(order); i++ {
			for j := i; j > 0 && order[j].rank < order[j-1].rank; j-- {
				order[j], order[j-1] = order[j-1], order[j]
			}
		}
		for _, it := range order {
			if total+moreW <= w {
				break
			}
			if wd := width(it); wd > 0 {
				total -= wd + pad
				shown[it] = false
				hidden = true
			}
		}
	}
	// Still too wide with every other item in the menu: the items that may
	// be cut give up the excess, each in proportion to what it can give.
	room := float32(0)
	for _, it := range items {
		if it.full != nil {
			it.given = width(it)
			room += max(0, it.given-it.least)
		}
	}
	excess := total - w
	if hidden {
		excess += moreW
	}
	if excess > 0 && room > 0 {
		if !hidden {
			excess += moreW // the cut items' whole texts are in the menu
		}
		for _, it := range items {
			if it.full != nil && it.given > it.least {
				it.given -= min(it.given-it.least, excess*(it.given-it.least)/room)
				if it.menu != nil {
					hidden = true
				}
			}
		}
	}
	for _, it := range items {
		if shown[it] && it.obj.Visible() {
			it.slot.Show()
		} else {
			it.slot.Hide()
		}
	}
	return hidden
}

// Layout places the items that fit and the "More" button, when needed,
// just left of the right items.
func (h *headerBar) Layout(_ []fyne.CanvasObject, size fyne.Size) {
	pad := theme.Padding()
	hidden := h.fit(size.Width)
	place := func(o fyne.CanvasObject, w, x float32) float32 {
		ht := o.MinSize().Height
		o.Move(fyne.NewPos(x, (size.Height-ht)/2))
		o.Resize(fyne.NewSize(w, ht))
		return w
	}
	wide := func(it *headerItem) float32 {
		if it.full != nil {
			if it.shorten != nil {
				it.shorten(it.given)
			}
			return it.given
		}
		return it.slot.MinSize().Width
	}
	x := float32(0)
	for _, it := range h.left {
		if it.slot.Visible() && width(it) > 0 {
			x += place(it.slot, wide(it), x) + pad
		}
	}
	x = size.Width
	for i := len(h.right) - 1; i >= 0; i-- {
		it := h.right[i]
		if it.slot.Visible() && width(it) > 0 {
			x -= wide(it)
			place(it.slot, wide(it), x)
			x -= pad
		}
	}
	if hidden {
		h.more.Show()
		x -= h.more.MinSize().Width
		place(h.more, h.more.MinSize().Width, x)
	} else {
		h.more.Hide()
	}
}

// MinSize is the width of the kept items (the least of those that may be
// cut) and the "More" button, and the height of the tallest item.
func (h *headerBar) MinSize([]fyne.CanvasObject) fyne.Size {
	pad := theme.Padding()
	var s fyne.Size
	for _, it := range h.items() {
		if !it.obj.Visible() {
			continue
		}
		m := it.view.MinSize()
		s.Height = max(s.Height, m.Height)
		switch {
		case it.keep && it.full != nil:
			s.Width += it.least + pad
		case it.keep:
			s.Width += m.Width + pad
		}
	}
	m := h.more.MinSize()
	return fyne.NewSize(s.Width+m.Width, max(s.Height, m.Height))
}

// hiddenItems are the items that do not fit now, or are cut short, in the
// bar's order.
func (h *headerBar) hiddenItems() []*headerItem {
	var out []*headerItem
	for _, it := range h.items() {
		if (!it.slot.Visible() || it.cut()) && it.obj.Visible() && it.menu != nil {
			out = append(out, it)
		}
	}
	return out
}

// menu is the "More" menu: what does not fit, in the bar's order.
func (h *headerBar) menu() *fyne.Menu {
	var items []*fyne.MenuItem
	for _, it := range h.hiddenItems() {
		if mi := it.menu(); mi != nil {
			items = append(items, mi)
		}
	}
	return fyne.NewMenu("", items...)
}

func (h *headerBar) showMenu() {
	c := fyne.CurrentApp().Driver().CanvasForObject(h.more)
	if c == nil {
		return
	}
	widget.ShowPopUpMenuAtRelativePosition(h.menu(), c, fyne.NewPos(0, h.more.Size().Height), h.more)
}

// buttonItem is a header item for a button: the menu offers its action.
func buttonItem(b *widget.Button, rank int) *headerItem {
	return &headerItem{obj: b, rank: rank, menu: func() *fyne.MenuItem {
		mi := fyne.NewMenuItem(b.Text, func() {
			if b.OnTapped != nil && !b.Disabled() {
				b.OnTapped()
			}
		})
		mi.Icon = b.Icon
		mi.Disabled = b.Disabled()
		return mi
	}}
}

// labelItem is a header item for a label, with a separator before it: the
// menu shows its text and runs action, if any, when chosen.
func labelItem(l *widget.Label, rank int, action func()) *headerItem {
	return &headerItem{obj: l, view: container.NewHBox(widget.NewSeparator(), l), rank: rank, menu: func() *fyne.MenuItem {
		if l.Text == "" {
			return nil
		}
		return fyne.NewMenuItem(l.Text, action)
	}}
}

// cutItem is a kept header item for a label that is cut short with an
// ellipsis (its Truncation) when the bar is narrow. The label is the
// centre of view's border layout; beside is the width of the rest of view
// (an icon, a separator, a button). The menu shows the label's whole text
// while it is cut.
func cutItem(label func() *widget.Label, view fyne.CanvasObject, least float32, beside func() float32) *headerItem {
	return &headerItem{obj: view, keep: true, least: least,
		full: func() float32 { return textWidth(label()) + beside() },
		menu: func() *fyne.MenuItem {
			l := label()
			if l.Text == "" {
				return nil
			}
			mi := fyne.NewMenuItem(l.Text, nil)
			mi.Disabled = true
			return mi
		}}
}

// nameItem is the kept item for who is signed in: an icon, then who's
// text ("Name · Role"); in a narrow bar the name alone, and then the name
// cut short.
func nameItem(who *widget.Label, name string) *headerItem {
	full := who.Text
	who.Truncation = fyne.TextTruncateEllipsis
	icon := widget.NewIcon(theme.AccountIcon())
	beside := func() float32 { return icon.MinSize().Width + theme.Padding() }
	it := cutItem(func() *widget.Label { return who }, border(nil, nil, icon, nil, who), 120, beside)
	it.full = func() float32 { return measureLabel(who, full) + beside() }
	it.shorten = func(w float32) {
		text := full
		if w < it.full() {
			text = name
		}
		if who.Text != text {
			who.Text = text
			who.Refresh()
		}
	}
	it.menu = func() *fyne.MenuItem {
		mi := fyne.NewMenuItem(full, nil)
		mi.Disabled = true
		return mi
	}
	return it
}

// syncItem is the kept item for the sync state (syncui.go): a separator,
// the state, cut short in a narrow bar, and "Sync now" when connected.
func (s *session) syncItem(sync fyne.CanvasObject) *headerItem {
	bar := widget.NewSeparator()
	return cutItem(func() *widget.Label { return s.sync.label }, border(nil, nil, bar, nil, sync), 140,
		func() float32 {
			w := bar.MinSize().Width + theme.Padding()
			if s.sync.now != nil {
				w += s.sync.now.MinSize().Width + theme.Padding()
			}
			return w
		})
}

// textWidth is the width a label needs to show its whole text on one line.
func textWidth(l *widget.Label) float32 {
	return measureLabel(l, l.Text)
}

// measureLabel is the width label l needs to show text on one line. Two
// units more than the text's measure: the label's ellipsis rounds the
// room it has down to whole units, and the text drawn at the screen's
// scale can be a fraction wider than measured.
func measureLabel(l *widget.Label, text string) float32 {
	size := theme.TextSize()
	if l.SizeName != "" {
		size = theme.Size(l.SizeName)
	}
	return float32(math.Ceil(float64(fyne.MeasureText(text, size, l.TextStyle).Width))) + 2 + 2*theme.InnerPadding()
}

// refresh lays the bar out again, after an item hid or showed itself.
func (h *headerBar) refresh() {
	if h != nil {
		h.box.Refresh()
	}
}
