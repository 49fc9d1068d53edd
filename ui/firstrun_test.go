package ui

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
	"chartkeeper/store"
)

func TestFirstRunCreatesPractice(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "clinic data")
	ws, w := open(t, dir)
	wantText(t, w.Content(), "There is no practice in "+dir+" yet.")
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("showing the first-run screen touched the data folder: %v", err)
	}

	test.Type(entryWith(t, w.Content(), "as printed on documents"), "Riverside Clinic")
	test.Type(entryWith(t, w.Content(), "the first health information manager"), "Maria Lopez")
	test.Type(entryWith(t, w.Content(), "what they type to sign in"), "mlopez")
	pw := find(t, w.Content(), func(e *entry) bool { return e.Password })
	test.Type(pw, "short")
	wantText(t, w.Content(), "Too short: 5 of at least 10 characters.")
	pw.SetText("")
	test.Type(pw, "mlopez-password")
	wantText(t, w.Content(), "Too easy to guess. It contains your name or username.")
	test.Tap(button(t, w.Content(), "Create practice"))
	wantText(t, w.Content(), "too easy to guess")
	if store.Exists(dir) {
		t.Fatal("a practice was created with a password easy to guess")
	}
	pw.SetText("")
	test.Type(pw, "short but now long enough")
	wantText(t, w.Content(), "Strong: very hard to guess.")
	again := find(t, w.Content(), func(e *entry) bool { return e.Password && e != pw })
	test.Type(again, "short but")
	wantText(t, w.Content(), "The two passwords differ.")
	test.Tap(button(t, w.Content(), "Create practice"))
	wantText(t, w.Content(), "The two passwords differ: type the same password twice.")
	if store.Exists(dir) {
		t.Fatal("a practice was created with two different passwords")
	}

	test.Type(again, " now long enough")
	test.Tap(button(t, w.Content(), "Create practice"))

	// The recovery key, once, with a confirmation before going on.
	wantText(t, w.Content(), "Write down the recovery key")
	wantText(t, w.Content(), "It is shown only this once.")
	cont := button(t, w.Content(), "Continue")
	if !cont.Disabled() {
		t.Error("Continue is enabled before the recovery key was confirmed")
	}
	test.Tap(find(t, w.Content(), func(*widget.Check) bool { return true }))
	if cont.Disabled() {
		t.Fatal("Continue is still disabled after confirming")
	}
	test.Tap(cont)
	wantText(t, w.Content(), "Maria Lopez · Health information manager")
	noText(t, w.Content(), "recovery key")
	if !store.Exists(dir) || !sessionOf(t, ws).ws.st.Unlocked() {
		t.Error("no practice or no session after first run")
	}
	if got := recentUsers(ws.app, ws.st.PracticeID()); len(got) != 1 || got[0] != "mlopez" {
		t.Errorf("recent users = %q, want [mlopez]", got)
	}
}

func TestDemoPractice(t *testing.T) {
	dir := t.TempDir()
	ws, w := open(t, dir)
	test.Tap(button(t, w.Content(), "Open a demo practice"))

	wantText(t, w.Content(), "Sign in as demo-clinician (clinician)")
	var password string
	re := regexp.MustCompile(`^Password for every demo user: ([a-z0-9-]+)$`)
	for _, s := range texts(w.Content()) {
		if m := re.FindStringSubmatch(s); m != nil {
			password = m[1]
		}
	}
	if len(password) < store.MinPasswordLen {
		t.Fatalf("the sign-in screen shows no demo password: %q", texts(w.Content()))
	}
	if d := ReadDemoPractice(dir); d == nil || d.Password != password {
		t.Errorf("the demo file holds %+v", d)
	}

	signInAs(t, w, "demo-clinician", password)
	s := sessionOf(t, ws)
	wantText(t, w.Content(), "Demo Clinician · Clinician")
	wantText(t, w.Content(), "Demo practice: made-up patients")
	var family string
	s.svc.Store().List(chart.TypePatient, func(r store.Record) error {
		var p chart.Patient
		json.Unmarshal(r.Body, &p)
		family = p.Family
		return nil
	})
	test.Type(s.find.query, family)
	if len(s.find.results) == 0 {
		t.Errorf("searching a demo practice for %q finds nobody", family)
	}
}
