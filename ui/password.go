package ui

import (
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/store"
)

// showStrength gives feedback on a new password while it is typed: the
// first-run form and "Change my password…" say the same. The store judges
// it (store.JudgePassword, a zxcvbn estimate of how easily it is guessed,
// with the person's username and names as words an attacker tries first)
// and the label shows its advice: too short, too easy to guess and why,
// good, or strong.
func showStrength(l *widget.Label, pw string, hints ...string) {
	j := store.JudgePassword([]byte(pw), hints...)
	l.SetText(j.Advice)
	switch {
	case pw == "":
		l.Importance = widget.MediumImportance
	case !j.OK:
		l.Importance = widget.DangerImportance
	case j.Score <= store.MinPasswordScore:
		l.Importance = widget.WarningImportance
	default:
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
	var hints []string
	if u, err := s.ws.st.CurrentUser(); err == nil {
		hints = []string{u.Username, u.Name}
	}
	showStrength(strength, "", hints...)
	f := newForm()
	f.add("Current password", "current", current)
	f.add("New password", "new", container.NewVBox(next, strength))
	f.add("New password again", "again", again)
	next.OnChanged = func(pw string) { showStrength(strength, pw, hints...) }
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
		if err := store.CheckPassword([]byte(next.Text), hints...); err != nil {
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
