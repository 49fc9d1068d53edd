package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// showFileDialog shows one of Fyne's file dialogs (open, save, folder)
// the way the workstation's own dialogs behave: Escape cancels it exactly
// like its Cancel button (the chooser hears "cancelled"), and Enter does
// nothing unless a field of the dialog has the keyboard (then Enter in the
// file name field saves, as the dialog's Save button would). Fyne's file
// dialog handles neither key itself. While it is shown the window's keys
// go to it, so nothing behind it (the screen, a dialog that opened it)
// hears them; they are given back when it closes, however it closes.
//
// One case stays with Fyne: once a file was clicked in the dialog's list,
// the list has the keyboard and takes the keys itself (arrows, space);
// Escape works again after Tab or a click outside the list.
func showFileDialog(w fyne.Window, d *dialog.FileDialog) {
	c := w.Canvas()
	prev := c.OnTypedKey()
	closed := false
	restore := func() {
		if closed {
			return
		}
		closed = true
		c.SetOnTypedKey(prev)
	}
	d.SetOnClosed(restore)
	c.SetOnTypedKey(func(k *fyne.KeyEvent) {
		if k.Name == fyne.KeyEscape {
			d.Dismiss()
		}
		// Enter and other keys: not for the screen behind the dialog.
	})
	d.Show()
	if name := fileNameEntry(c); name != nil {
		keyedFileName(c, name, d.Dismiss)
	}
}

// fileNameEntry finds the file name field of the save dialog on top of c:
// the only entry of Fyne's file dialog, in a horizontal scroll.
func fileNameEntry(c fyne.Canvas) *container.Scroll {
	top := c.Overlays().Top()
	var found *container.Scroll
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.PopUp:
			walk(x.Content)
		case *fyne.Container:
			for _, ch := range x.Objects {
				walk(ch)
			}
		case *container.Split:
			walk(x.Leading)
			walk(x.Trailing)
		case *container.Scroll:
			if _, ok := x.Content.(*widget.Entry); ok && found == nil {
				found = x
				return
			}
			walk(x.Content)
		}
	}
	if top != nil {
		walk(top)
	}
	return found
}

// keyedFileName puts a workstation entry in place of the save dialog's
// file name field, kept equal to it both ways (the dialog reads and sets
// its own field), so that Escape typed into the name cancels the dialog.
func keyedFileName(c fyne.Canvas, sc *container.Scroll, cancel func()) {
	orig := sc.Content.(*widget.Entry)
	e := newEntry(orig.PlaceHolder)
	e.SetText(orig.Text)
	e.onEscape = cancel
	e.OnChanged = func(s string) {
		if orig.Text != s {
			orig.SetText(s)
		}
	}
	e.OnSubmitted = func(s string) {
		if orig.OnSubmitted != nil {
			orig.OnSubmitted(s)
		}
	}
	prevChanged := orig.OnChanged
	orig.OnChanged = func(s string) {
		if prevChanged != nil {
			prevChanged(s)
		}
		if e.Text != s {
			e.SetText(s)
		}
	}
	sc.Content = e
	sc.Refresh()
	if c.Focused() == orig {
		c.Focus(e)
	}
}
