package ui

import (
	"errors"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
	"chartkeeper/store"
)

// prefRecentUsers starts the preferences that remember who signed in on
// this workstation, most recent first, so the sign-in screen can offer them
// (the store lists users only once unlocked). There is one list per
// practice, keyed by the practice's ID (known before sign-in): a
// workstation that opens several data folders never offers one practice's
// usernames on another's sign-in screen.
const prefRecentUsers = "signin.recentUsers"

// recentUsersKey is the preference holding the recent usernames of one practice.
func recentUsersKey(practiceID string) string { return prefRecentUsers + "." + practiceID }

// recentUsers are the usernames that signed in to the practice here.
func recentUsers(a fyne.App, practiceID string) []string {
	if practiceID == "" {
		return nil
	}
	return a.Preferences().StringList(recentUsersKey(practiceID))
}

// maxRecentUsers is how many usernames the sign-in screen offers.
const maxRecentUsers = 8

// rememberUser puts username first in the recent users.
func rememberUser(a fyne.App, practiceID, username string) {
	if practiceID == "" {
		return
	}
	recent := recentUsers(a, practiceID)
	recent = slices.DeleteFunc(recent, func(u string) bool { return u == username })
	recent = append([]string{username}, recent...)
	a.Preferences().SetStringList(recentUsersKey(practiceID), recent[:min(len(recent), maxRecentUsers)])
}

// signInScreen asks for a username and password. The unlock (Argon2id)
// runs off the UI goroutine.
type signInScreen struct {
	ws       *workstation
	username *widget.SelectEntry
	password *entry
	message  *widget.Label
	button   *widget.Button
}

// signIn returns the sign-in screen, with username filled in when given
// (after a lock), else the last user to sign in here.
func (ws *workstation) signIn(username string) fyne.CanvasObject {
	applyLanguage(ws.app) // no session is open: a new language setting applies now
	s := &signInScreen{ws: ws}
	recent := recentUsers(ws.app, ws.st.PracticeID())
	options := slices.Clone(recent)
	if ws.demo != nil {
		for _, u := range ws.demo.Users {
			if !slices.Contains(options, u.Username) {
				options = append(options, u.Username)
			}
		}
	}
	s.username = widget.NewSelectEntry(options)
	s.username.PlaceHolder = "username"
	s.username.OnSubmitted = func(string) { ws.win.Canvas().Focus(s.password) }
	switch {
	case username != "":
		s.username.SetText(username)
	case len(recent) > 0:
		s.username.SetText(options[0])
	case ws.demo != nil:
		s.username.SetText(ws.demo.Users[0].Username)
	}
	s.password = newPasswordEntry()
	s.password.OnSubmitted = func(string) { s.onSignIn() }
	s.message = errorLabel()
	s.button = &widget.Button{Text: "Sign in", Importance: widget.HighImportance, OnTapped: s.onSignIn}

	f := newForm()
	f.add("Username", "username", s.username)
	f.add("Password", "password", s.password)
	parts := []fyne.CanvasObject{f.content(), s.message, container.NewHBox(s.button)}
	parts = append(parts, ws.signInLanguage(func() string { return s.username.Text }))
	if ws.demo != nil {
		parts = append(parts, demoCard(ws.demo))
	}
	content := page("Sign in to Chartkeeper", parts...)
	if s.username.Text == "" {
		focusLater(ws.win, s.username)
	} else {
		focusLater(ws.win, s.password)
	}
	return content
}

// focusLater focuses o once the content holding it is on the window. At
// launch the first screen is built before the window has its content and
// before the event loop runs (fyne.Do then runs at once, too early), so the
// focus is then queued from another goroutine and taken once the loop runs.
func focusLater(w fyne.Window, o fyne.Focusable) {
	focus := func() {
		if co, ok := o.(fyne.CanvasObject); ok && fyne.CurrentApp().Driver().CanvasForObject(co) == nil {
			go fyne.Do(func() { w.Canvas().Focus(o) })
			return
		}
		w.Canvas().Focus(o)
	}
	fyne.Do(focus)
}

// demoCard lists the demo practice's users and their password.
func demoCard(d *DemoPractice) fyne.CanvasObject {
	var lines []string
	for _, u := range d.Users {
		lines = append(lines, u.Username+" ("+u.Role.Title()+")")
	}
	return &widget.Card{
		Title:    "This is a demo practice",
		Subtitle: "Every patient in it is made up. Do not enter real patients here.",
		Content: container.NewVBox(
			paragraph("Sign in as "+strings.Join(lines, ", ")+"."),
			&widget.Label{Text: "Password for every demo user: " + d.Password, TextStyle: fyne.TextStyle{Monospace: true}, Selectable: true},
		),
	}
}

func (s *signInScreen) onSignIn() {
	username := strings.TrimSpace(s.username.Text)
	if username == "" {
		setError(s.message, "Type your username.")
		s.ws.win.Canvas().Focus(s.username)
		return
	}
	pw := []byte(s.password.Text)
	s.password.SetText("")
	s.button.Disable()
	setError(s.message, "")
	st := s.ws.st
	runInBackground(func() {
		err := st.Unlock(username, pw)
		clear(pw)
		var svc *chart.Service
		if err == nil {
			if svc, err = chart.Open(st); err != nil {
				st.Lock()
			}
		}
		fyne.Do(func() {
			if err != nil {
				s.failed(err)
				return
			}
			rememberUser(s.ws.app, st.PracticeID(), username)
			if rk := st.TakeNewRecoveryKey(); rk != "" {
				// This sign-in moved the practice to compartment keys,
				// which made a new recovery key; the old one opens
				// nothing new.
				s.ws.show(s.ws.recoveryKey(rk, svc, "The practice's records now have a key for each kind of record, "+
					"so that each role reaches only what it needs. This made a new recovery key; the old one "+
					"no longer works. Write the new one down now, on paper, keep it somewhere safe away from this "+
					"computer, and destroy the old emergency kit."))
				return
			}
			s.ws.startSession(svc)
		})
	})
}

// failed says why the sign-in failed; after too many wrong passwords the
// button waits as long as the store does.
func (s *signInScreen) failed(err error) {
	setError(s.message, sentence(err))
	var ue *store.UnlockError
	if errors.As(err, &ue) && ue.Wait > 0 {
		time.AfterFunc(ue.Wait, func() { fyne.Do(s.button.Enable) })
	} else {
		s.button.Enable()
	}
	s.ws.win.Canvas().Focus(s.password)
}
