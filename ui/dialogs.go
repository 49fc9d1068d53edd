package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
)

// Every dialog of the workstation is a modal: Escape answers with its
// cancel button (or closes a message), Enter with its default button, and
// its buttons name what they do ("Sign note" / "Keep editing", never
// "Yes" / "No"). See docs/UI.md.

// action is one button of a modal. do runs after the dialog closes; a
// check that returns false keeps it open (a field to correct).
type action struct {
	text  string
	icon  fyne.Resource
	imp   widget.Importance
	check func() bool
	do    func()
}

// modal is an open dialog.
type modal struct {
	w       fyne.Window
	d       *dialog.CustomDialog
	prev    func(*fyne.KeyEvent)
	cancel  *action
	def     *action
	closed  bool
	buttons []*keyButton
}

// keyButton is a dialog button: Escape and Enter reach its dialog even
// while it has the focus; Enter presses the focused button itself.
type keyButton struct {
	widget.Button
	m *modal
}

func (b *keyButton) TypedKey(k *fyne.KeyEvent) {
	switch k.Name {
	case fyne.KeyEscape:
		b.m.escape()
	case fyne.KeyReturn, fyne.KeyEnter:
		b.Tapped(nil)
	default:
		b.Button.TypedKey(k)
	}
}

// openModal shows content with the buttons cancel, extra… and def (the
// default, on the right). cancel may be nil: Escape then closes the dialog
// with def only for a message (a single button), else does nothing.
func openModal(w fyne.Window, title string, content fyne.CanvasObject, cancel, def *action, extra ...*action) *modal {
	m := &modal{w: w, cancel: cancel, def: def}
	var objs []fyne.CanvasObject
	for _, a := range append(append([]*action{cancel}, extra...), def) {
		if a == nil {
			continue
		}
		b := &keyButton{m: m}
		b.Text, b.Icon, b.Importance = a.text, a.icon, a.imp
		b.OnTapped = func() { m.answer(a) }
		b.ExtendBaseWidget(b)
		m.buttons = append(m.buttons, b)
		objs = append(objs, b)
	}
	m.d = dialog.NewCustomWithoutButtons(title, content, w)
	m.d.SetButtons(objs)
	c := w.Canvas()
	m.prev = c.OnTypedKey()
	c.SetOnTypedKey(func(k *fyne.KeyEvent) {
		switch k.Name {
		case fyne.KeyEscape:
			m.escape()
		case fyne.KeyReturn, fyne.KeyEnter:
			m.enter()
		default:
			if m.prev != nil {
				m.prev(k)
			}
		}
	})
	m.d.SetOnClosed(m.release)
	eachEntry(content, func(e *entry) {
		if e.onEscape == nil {
			m.field(e)
		}
	})
	m.d.Show()
	return m
}

// eachEntry calls fn for the workstation entries in o: in containers,
// forms and scrolls.
func eachEntry(o fyne.CanvasObject, fn func(*entry)) {
	switch c := o.(type) {
	case *entry:
		fn(c)
	case *fyne.Container:
		for _, ch := range c.Objects {
			eachEntry(ch, fn)
		}
	case *widget.Form:
		for _, it := range c.Items {
			eachEntry(it.Widget, fn)
		}
	case *container.Scroll:
		eachEntry(c.Content, fn)
	}
}

// release gives the window's keys back once the dialog is gone.
func (m *modal) release() {
	if m.closed {
		return
	}
	m.closed = true
	m.w.Canvas().SetOnTypedKey(m.prev)
}

// close hides the dialog without an answer.
func (m *modal) close() {
	m.d.Hide()
	m.release()
}

// Hide closes the dialog without an answer.
func (m *modal) Hide() { m.close() }

func (m *modal) answer(a *action) {
	if m.closed {
		return
	}
	if a.check != nil && !a.check() {
		return
	}
	m.close()
	if a.do != nil {
		a.do()
	}
}

// escape answers with the cancel button; a message closes.
func (m *modal) escape() {
	switch {
	case m.cancel != nil:
		m.answer(m.cancel)
	case len(m.buttons) == 1:
		m.answer(m.def)
	}
}

// enter answers with the default button.
func (m *modal) enter() {
	if m.def != nil {
		m.answer(m.def)
	}
}

// field wires an entry of the dialog: Escape cancels, and Enter in a
// one-line entry confirms.
func (m *modal) field(e *entry) {
	e.onEscape = m.escape
	if !e.MultiLine && e.OnSubmitted == nil {
		e.OnSubmitted = func(string) { m.enter() }
	}
}

// showMessage tells the person something; OK, Enter or Escape closes it.
func showMessage(w fyne.Window, title, text string) *modal {
	return openModal(w, title, container.NewPadded(paragraph(text)), nil, &action{text: lang.L("OK"), imp: widget.HighImportance})
}

// confirmAction asks before doing something: the buttons name the action
// and the way back ("Sign note" / "Keep editing"); Enter does it, Escape
// goes back.
func confirmAction(w fyne.Window, title, text, yes, no string, do func()) *modal {
	return openModal(w, title, container.NewPadded(paragraph(text)),
		&action{text: no}, &action{text: yes, imp: widget.HighImportance, do: do})
}

// askForm shows a small form in a dialog: ok (the default) runs check
// first and stays open while it fails; cancel closes it.
func askForm(w fyne.Window, title string, content fyne.CanvasObject, ok, cancel string, check func() bool, do func()) *modal {
	return openModal(w, title, content, &action{text: cancel}, &action{text: ok, imp: widget.HighImportance, check: check, do: do})
}

// askFormKeeping is askForm for a form where text is typed: while dirty
// reports unsaved changes, Escape and the cancel button first ask "Discard
// your changes to what?" (Discard / Keep editing; there is nothing to save
// without the form's own button).
func askFormKeeping(w fyne.Window, title string, content fyne.CanvasObject, ok, cancel, what string, dirty func() bool, check func() bool, do func()) *modal {
	var m *modal
	back := &action{text: cancel}
	back.check = func() bool {
		if dirty == nil || !dirty() {
			return true
		}
		confirmAction(w, fmt.Sprintf(lang.L("Discard your changes to %s?"), what), lang.L("What you typed is not kept. Keep editing goes back to the form."),
			lang.L("Discard"), lang.L("Keep editing"), func() { m.close() })
		return false
	}
	m = openModal(w, title, content, back, &action{text: ok, imp: widget.HighImportance, check: check, do: do})
	return m
}
