package ui

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
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
	l.SetText(passwordAdvice(pw, j.Advice))
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

// prepareStrength builds the password estimator's lists in the background
// when a screen that sets a password opens, so that the first judgement
// does not wait for them: they are not built at start-up, where they would
// delay the sign-in window (store.PreparePasswordJudge).
func prepareStrength() { go store.PreparePasswordJudge() }

// passwordAdvice is the store's advice on a password (store.JudgePassword)
// in the language shown: the store words it in English from a fixed set.
func passwordAdvice(pw, advice string) string {
	switch n := utf8.RuneCountInString(pw); {
	case n == 0:
		return fmt.Sprintf(lang.L("At least %d characters, hard to guess: a few unrelated words make a good password."), store.MinPasswordLen)
	case n < store.MinPasswordLen:
		return fmt.Sprintf(lang.L("Too short: %d of at least %d characters."), n, store.MinPasswordLen)
	}
	if t, ok := knownAdvice(advice); ok {
		return t
	}
	return advice
}

// knownAdvice is the store's advice (beyond length) in the language shown;
// false when the store words it in a way not known here.
func knownAdvice(advice string) (string, bool) {
	switch strings.Join(strings.Fields(advice), " ") {
	case "Too easy to guess. It contains your name or username. Add another word or two that are not about you.": // i18n:skip
		return lang.L("Too easy to guess. It contains your name or username. Add another word or two that are not about you."), true
	case "Too easy to guess. It is built from common words or passwords. Add another word or two that are not about you.": // i18n:skip
		return lang.L("Too easy to guess. It is built from common words or passwords. Add another word or two that are not about you."), true
	case "Too easy to guess. It follows a row of keys on the keyboard. Add another word or two that are not about you.": // i18n:skip
		return lang.L("Too easy to guess. It follows a row of keys on the keyboard. Add another word or two that are not about you."), true
	case "Too easy to guess. It repeats characters. Add another word or two that are not about you.": // i18n:skip
		return lang.L("Too easy to guess. It repeats characters. Add another word or two that are not about you."), true
	case "Too easy to guess. It contains a sequence such as abc or 123. Add another word or two that are not about you.": // i18n:skip
		return lang.L("Too easy to guess. It contains a sequence such as abc or 123. Add another word or two that are not about you."), true
	case "Too easy to guess. It contains a date. Add another word or two that are not about you.": // i18n:skip
		return lang.L("Too easy to guess. It contains a date. Add another word or two that are not about you."), true
	case "Too easy to guess. Add another word or two that are not about you.": // i18n:skip
		return lang.L("Too easy to guess. Add another word or two that are not about you."), true
	case "Good: hard to guess. One more word makes it stronger.": // i18n:skip
		return lang.L("Good: hard to guess. One more word makes it stronger."), true
	case "Strong: very hard to guess.": // i18n:skip
		return lang.L("Strong: very hard to guess."), true
	}
	return advice, false
}

// changeMyPassword lets whoever is signed in change their own password,
// whatever their role: the current one, then the new one twice with the
// first-run form's feedback.
func (s *session) changeMyPassword() {
	s.touch()
	prepareStrength()
	current, next, again := newPasswordEntry(), newPasswordEntry(), newPasswordEntry()
	strength := &widget.Label{Wrapping: fyne.TextWrapWord}
	var hints []string
	if u, err := s.ws.st.CurrentUser(); err == nil {
		hints = []string{u.Username, u.Name}
	}
	showStrength(strength, "", hints...)
	f := newForm()
	f.add(lang.L("Current password"), "current", current)
	f.add(lang.L("New password"), "new", container.NewVBox(next, strength))
	f.add(lang.L("New password again"), "again", again)
	next.OnChanged = func(pw string) { showStrength(strength, pw, hints...) }
	for _, e := range []*entry{current, next, again} {
		e.onActivity = s.touch
	}
	change := func() bool {
		f.clear()
		switch {
		case current.Text == "":
			setError(f.errs["current"], lang.L("Type your current password."))
			return false
		case next.Text != again.Text:
			setError(f.errs["again"], lang.L("The two new passwords differ."))
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
			setError(f.errs["current"], lang.L("This is not your current password."))
			return false
		case err != nil:
			f.show(err)
			return false
		}
		return true
	}
	m := openModal(s.ws.win, lang.L("Change my password"), f.content(),
		&action{text: lang.L("Keep my password")},
		&action{text: lang.L("Change password"), icon: theme.ConfirmIcon(), imp: widget.HighImportance, check: change, do: func() {
			showMessage(s.ws.win, lang.L("Password changed"), lang.L("From now on, sign in with your new password."))
		}})
	for _, e := range []*entry{current, next, again} {
		m.field(e)
	}
	m.d.Resize(fyne.NewSize(520, 0))
	s.ws.win.Canvas().Focus(current)
}
