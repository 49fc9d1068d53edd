package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// entry is a text entry that takes part in the workstation's keyboard
// handling: Escape cancels the form it is in, the app's shortcuts (Ctrl+F,
// Ctrl+N, Ctrl+L, Ctrl+P) reach the window even while it has the focus, and every
// key counts as activity for the idle lock.
type entry struct {
	widget.Entry
	onEscape   func()
	onActivity func()
	onPage     func(*fyne.KeyEvent) // Page Up and Page Down, for a document shown beside the field
}

// newEntry makes a one-line entry.
func newEntry(placeholder string) *entry {
	e := &entry{}
	e.PlaceHolder = placeholder
	e.Wrapping = fyne.TextWrapOff
	e.ExtendBaseWidget(e)
	return e
}

// newPasswordEntry makes an entry that hides what is typed.
func newPasswordEntry() *entry {
	e := newEntry("")
	e.Password = true
	return e
}

// newNoteEntry makes a multi-line entry for free text.
func newNoteEntry(placeholder string) *entry {
	e := &entry{}
	e.PlaceHolder = placeholder
	e.MultiLine = true
	e.Wrapping = fyne.TextWrapWord
	e.SetMinRowsVisible(4)
	e.ExtendBaseWidget(e)
	return e
}

// AcceptsTab is false even for multi-line entries: Tab and Shift+Tab move
// to the next and previous field, as everywhere else, instead of typing a
// tab character into a note.
func (e *entry) AcceptsTab() bool { return false }

func (e *entry) TypedRune(r rune) {
	e.active()
	e.Entry.TypedRune(r)
}

func (e *entry) TypedKey(k *fyne.KeyEvent) {
	e.active()
	if k.Name == fyne.KeyEscape && e.onEscape != nil {
		e.onEscape()
		return
	}
	if (k.Name == fyne.KeyPageUp || k.Name == fyne.KeyPageDown) && e.onPage != nil && !e.MultiLine {
		e.onPage(k)
		return
	}
	e.Entry.TypedKey(k)
}

// TypedShortcut hands the workstation's own shortcuts to the window, and
// everything else (copy, paste, word moves) to the entry.
func (e *entry) TypedShortcut(s fyne.Shortcut) {
	e.active()
	if cs, ok := s.(*desktop.CustomShortcut); ok && appShortcut(cs) {
		if c := fyne.CurrentApp().Driver().CanvasForObject(e); c != nil {
			if sc, ok := c.(fyne.Shortcutable); ok {
				sc.TypedShortcut(s)
				return
			}
		}
	}
	e.Entry.TypedShortcut(s)
}

func (e *entry) active() {
	if e.onActivity != nil {
		e.onActivity()
	}
}

// The workstation's keyboard shortcuts.
var (
	shortcutFind   = &desktop.CustomShortcut{KeyName: fyne.KeyF, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutNew    = &desktop.CustomShortcut{KeyName: fyne.KeyN, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutLock   = &desktop.CustomShortcut{KeyName: fyne.KeyL, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutPrint  = &desktop.CustomShortcut{KeyName: fyne.KeyP, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutHome   = &desktop.CustomShortcut{KeyName: fyne.KeyH, Modifier: fyne.KeyModifierShortcutDefault}
	appShortcutSet = []*desktop.CustomShortcut{shortcutFind, shortcutNew, shortcutLock, shortcutPrint, shortcutHome}
)

func appShortcut(cs *desktop.CustomShortcut) bool {
	for _, s := range appShortcutSet {
		if s.KeyName == cs.KeyName && s.Modifier == cs.Modifier {
			return true
		}
	}
	return false
}
