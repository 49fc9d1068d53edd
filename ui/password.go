package ui

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/store"
)

// showStrength gives feedback on a new password while it is typed: the
// first-run form and "Change my password…" say the same. The store decides
// what is acceptable (store.CheckPassword); length is what makes a password
// strong, so the feedback speaks of length.
func showStrength(l *widget.Label, pw string) {
	n := utf8.RuneCountInString(pw)
	switch {
	case n == 0:
		l.SetText(fmt.Sprintf("At least %d characters.", store.MinPasswordLen))
		l.Importance = widget.MediumImportance
	case store.CheckPassword([]byte(pw)) != nil:
		l.SetText(fmt.Sprintf("Too short: %d of at least %d characters.", n, store.MinPasswordLen))
		l.Importance = widget.DangerImportance
	case n < 2*store.MinPasswordLen:
		l.SetText(fmt.Sprintf("Acceptable (%d characters). A few more words make it much stronger.", n))
		l.Importance = widget.WarningImportance
	default:
		l.SetText(fmt.Sprintf("Strong (%d characters).", n))
		l.Importance = widget.SuccessImportance
	}
	l.Refresh()
}

// changeMyPassword lets whoever is signed in change their own password,
// whatever their role: the current one, then the new one twice with the
// first-run form's feedback.
func (s *session) changeMyPassword() {
	s.touch()
	current, next, again := newPasswordEntry(), newPasswordEntry(), newPasswordEntry()
	strength := &widget.Label{Wrapping: fyne.TextWrapWord}
	showStrength(strength, "")
	f := newForm()
	f.add("Current password", "current", current)
	f.add("New password", "new", container.NewVBox(next, strength))
	f.add("New password again", "again", again)
	next.OnChanged = func(pw string) { showStrength(strength, pw) }
	for _, e := range []*entry{current, next, again} {
		e.onActivity = s.touch
	}
	change := func() bool {
		f.clear()
		switch {
		case current.Text == "":
			setError(f.errs["current"], "Type your current password.")
			return false
		case next.Text != again.Text:
			setError(f.errs["again"], "The two new passwords differ.")
			return false
		}
		if err := store.CheckPassword([]byte(next.Text)); err != nil {
			setError(f.errs["new"], sentence(err))
			return false
		}
		cur, nw := []byte(current.Text), []byte(next.Text)
		err := s.ws.st.ChangePassword(cur, nw)
		clear(cur)
		clear(nw)
		switch {
		case errors.Is(err, store.ErrWrongPassword), err != nil && strings.HasPrefix(err.Error(), "the current password"):
			setError(f.errs["current"], "This is not your current password.")
			return false
		case err != nil:
			f.show(err)
			return false
		}
		return true
	}
	m := openModal(s.ws.win, "Change my password", f.content(),
		&action{text: "Keep my password"},
		&action{text: "Change password", icon: theme.ConfirmIcon(), imp: widget.HighImportance, check: change, do: func() {
			showMessage(s.ws.win, "Password changed", "From now on, sign in with your new password.")
		}})
	for _, e := range []*entry{current, next, again} {
		m.field(e)
	}
	m.d.Resize(fyne.NewSize(520, 0))
	s.ws.win.Canvas().Focus(current)
}
