package ui

import (
	"os"
	"slices"
	"testing"

	"fyne.io/fyne/v2/widget"
)

// languageChooser is the visible language chooser under the window.
func languageChooser(t *testing.T, ws *workstation) *widget.Select {
	t.Helper()
	return find(t, ws.win.Content(), func(s *widget.Select) bool { return slices.Contains(s.Options, "Français") })
}

// TestLanguageSetting: choosing French on the sign-in screen shows it in
// French at once, keeps the username typed, and is stored on this
// workstation; English brings it back. Chosen during a session, the
// language waits for the next sign-in screen, so open work is not rebuilt.
func TestLanguageSetting(t *testing.T) {
	p := newPractice(t)
	ws, w := open(t, p.dir)
	t.Cleanup(func() { // the translations are Fyne's, shared by the package's tests
		setLanguageSetting(ws.app, "")
		applyLanguage(ws.app)
	})
	wantText(t, w.Content(), "Language")
	user := find(t, w.Content(), func(*widget.SelectEntry) bool { return true })
	user.SetText("drsmith")

	languageChooser(t, ws).SetSelected("Français")
	wantText(t, w.Content(), "Langue")
	noText(t, w.Content(), "Language")
	if got := ws.app.Preferences().String(prefLanguage); got != "fr" {
		t.Errorf("the setting stored is %q, want fr", got)
	}
	if got := shownLanguage(); got != "fr" {
		t.Errorf("shownLanguage() = %q, want fr", got)
	}
	if got := find(t, w.Content(), func(*widget.SelectEntry) bool { return true }).Text; got != "drsmith" {
		t.Errorf("the username reads %q after the change, want drsmith", got)
	}
	if got := languageChooser(t, ws).Selected; got != "Français" {
		t.Errorf("the chooser shows %q, want Français", got)
	}

	languageChooser(t, ws).SetSelected("English")
	wantText(t, w.Content(), "Language")
	noText(t, w.Content(), "Langue")

	// During a session the choice waits for the sign-in screen.
	signInAs(t, w, "drsmith", testPassword)
	s := sessionOf(t, ws)
	s.chooseLanguage()
	d := dialogOn(t, w)
	find(t, d, func(s *widget.Select) bool { return slices.Contains(s.Options, "Français") }).SetSelected("Français")
	if got := shownLanguage(); got != "en" {
		t.Errorf("the language changed to %q during the session", got)
	}
	button(t, d, "Close").OnTapped()
	s.lock()
	wantText(t, w.Content(), "Langue")
	if got := languageChooser(t, ws).Selected; got != "Français" {
		t.Errorf("the chooser shows %q, want Français", got)
	}

	sel := languageChooser(t, ws)
	if sel.Options[0] != "Automatique (langue de l'ordinateur)" {
		t.Errorf("the first choice reads %q in French", sel.Options[0])
	}
	sel.SetSelected(sel.Options[0])
	if got, sys := shownLanguage(), systemLanguage(); got != sys && !(got == "en" && !isOurLanguage(sys)) {
		t.Errorf("automatic shows %q on a computer whose language is %q", got, sys)
	}
}

// fitLanguage shows ws in the language CHARTKEEPER_LANG names (fr, es,
// pt, sw, en), when it is set, so the fit tests measure the screens in
// that language:
//
//	CHARTKEEPER_LANG=fr go test -tags chartkeeper_insecure_kdf -count=1 -run 'TestEveryScreenFits$' ./ui
func fitLanguage(t *testing.T, ws *workstation) {
	t.Helper()
	code := os.Getenv("CHARTKEEPER_LANG")
	if code == "" {
		return
	}
	if !isOurLanguage(code) {
		t.Fatalf("CHARTKEEPER_LANG=%s is not one of the workstation's languages", code)
	}
	setLanguageSetting(ws.app, code)
	t.Cleanup(func() {
		setLanguageSetting(ws.app, "")
		applyLanguage(ws.app)
	})
	ws.show(ws.signIn("")) // applies the setting, as the sign-in screen does
	if shownLanguage() != code {
		t.Fatalf("the workstation shows %q, not CHARTKEEPER_LANG=%s", shownLanguage(), code)
	}
	t.Logf("screens in %s", code)
}
