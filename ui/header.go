package ui

import (
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
	return it.view.MinSize().Width
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
	place := func(o fyne.CanvasObject, x float32) float32 {
		w := o.MinSize().Width
		ht := o.MinSize().Height
		o.Move(fyne.NewPos(x, (size.Height-ht)/2))
		o.Resize(fyne.NewSize(w, ht))
		return w
	}
	x := float32(0)
	for _, it := range h.left {
		if it.slot.Visible() && width(it) > 0 {
			x += place(it.slot, x) + pad
		}
	}
	x = size.Width
	for i := len(h.right) - 1; i >= 0; i-- {
		it := h.right[i]
		if it.slot.Visible() && width(it) > 0 {
			x -= it.slot.MinSize().Width
			place(it.slot, x)
			x -= pad
		}
	}
	if hidden {
		h.more.Show()
		x -= h.more.MinSize().Width
		place(h.more, x)
	} else {
		h.more.Hide()
	}
}

// MinSize is the width of the kept items and the "More" button, and the
// height of the tallest item.
func (h *headerBar) MinSize([]fyne.CanvasObject) fyne.Size {
	pad := theme.Padding()
	var s fyne.Size
	for _, it := range h.items() {
		if !it.obj.Visible() {
			continue
		}
		m := it.view.MinSize()
		s.Height = max(s.Height, m.Height)
		if it.keep {
			s.Width += m.Width + pad
		}
	}
	m := h.more.MinSize()
	return fyne.NewSize(s.Width+m.Width, max(s.Height, m.Height))
}

// hiddenItems are the items that do not fit now, in the bar's order.
func (h *headerBar) hiddenItems() []*headerItem {
	var out []*headerItem
	for _, it := range h.items() {
		if !it.slot.Visible() && it.obj.Visible() && it.menu != nil {
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

// refresh lays the bar out again, after an item hid or showed itself.
func (h *headerBar) refresh() {
	if h != nil {
		h.box.Refresh()
	}
}
