package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
	"chartkeeper/scan"
)

// A half-made resolution of a conflict asks before it is left, and a lock
// keeps it: the review screen comes back with the values ticked.
func TestConflictResolutionSurvivesLock(t *testing.T) {
	p := newPractice(t)
	id := collideAllergy(t, p)
	ws, w := open(t, p.dir)
	signInAs(t, w, "drsmith", testPassword)
	s := sessionOf(t, ws)
	s.conflictQueue()
	test.Tap(button(t, s.detail, "Review…"))
	other := find(t, s.detail, func(c *widget.Check) bool { return !c.Checked && (c.Text == "mild" || c.Text == "moderate") })
	want := other.Text
	test.TapAt(other, fyne.NewPos(4, other.Size().Height/2))

	test.Tap(button(t, s.detail, "Back to the list"))
	test.Tap(button(t, wantDiscardQuestion(t, w, "the review of the allergy of Okafor, Chidi (MRN "+p.patient.MRN+")"), "Keep editing"))
	wantText(t, s.detail, "● severity")

	s.lock()
	signInAs(t, w, "drsmith", testPassword)
	s = sessionOf(t, ws)
	wantText(t, s.detail, "Draft restored from ")
	ticked := find(t, s.detail, func(c *widget.Check) bool { return c.Checked && (c.Text == "mild" || c.Text == "moderate") })
	if ticked.Text != want {
		t.Fatalf("after the lock %q is ticked, want %q", ticked.Text, want)
	}
	test.Tap(button(t, s.detail, "Resolve"))
	wantText(t, s.detail, "Nothing waiting.")
	if r, err := ws.st.Get(id); err != nil || !contains(string(r.Body), `"severity":"`+want+`"`) {
		t.Fatalf("resolved: %s %v", r.Body, err)
	}
	if ds := drafts(t, s); len(ds) != 0 {
		t.Errorf("drafts after resolving: %+v", ds)
	}
}

// Administration's forms know when they hold unsaved changes: Escape,
// another screen and Sign out ask first; they keep no draft.
func TestAdminFormsAskBeforeDiscarding(t *testing.T) {
	p := newPractice(t)
	ws, w := open(t, p.dir)
	signInAs(t, w, "mlopez", testPassword)
	s := sessionOf(t, ws)
	test.Tap(button(t, w.Content(), "Administration"))
	users := s.adm.panes[adminUsers]
	test.Type(entryWith(t, users, "what they type to sign in"), "nurse")

	// Another screen asks; Keep editing stays.
	shortcut(w, shortcutNew)
	test.Tap(button(t, wantDiscardQuestion(t, w, "the new user"), "Keep editing"))
	if s.adm == nil || entryWith(t, users, "what they type to sign in").Text != "nurse" {
		t.Fatal("Keep editing left the form")
	}
	// Escape asks; Discard empties the form.
	entryWith(t, users, "what they type to sign in").TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	test.Tap(button(t, wantDiscardQuestion(t, w, "the new user"), "Discard"))
	users = s.adm.panes[adminUsers]
	if got := entryWith(t, users, "what they type to sign in").Text; got != "" {
		t.Errorf("after Discard the username holds %q", got)
	}
	if s.form != nil {
		t.Error("a form is still open after Discard")
	}

	// The settings: Sign out asks, and Save stores them first.
	s.adm.tabs.SelectIndex(adminSettings)
	minutes := entryWith(t, s.adm.panes[adminSettings], "minutes")
	minutes.SetText("")
	test.Type(minutes, "12")
	test.Tap(button(t, w.Content(), "Sign out"))
	test.Tap(button(t, wantDiscardQuestion(t, w, "the practice settings"), "Save"))
	if ws.sess != nil {
		t.Fatal("still signed in after Sign out and Save")
	}
	signInAs(t, w, "mlopez", testPassword)
	s = sessionOf(t, ws)
	if pr, err := ws.st.Practice(); err != nil || pr.IdleLockSec != 12*60 {
		t.Errorf("idle lock after Save: %d s, %v", pr.IdleLockSec, err)
	}
	if ds := drafts(t, s); len(ds) != 0 {
		t.Errorf("settings forms left drafts: %+v", ds)
	}
}

// The scan folder screen knows when it holds unsaved changes.
func TestScanFoldersAskBeforeDiscarding(t *testing.T) {
	p := newPractice(t)
	ws, w := open(t, p.dir)
	signInAs(t, w, "mlopez", testPassword)
	s := sessionOf(t, ws)
	s.showFolderSettings()
	folder := t.TempDir()
	path := entryWith(t, w.Content(), "Folder, e.g. /srv/scans/desk")
	test.Type(path, folder)
	test.Tap(button(t, w.Content(), "Back to the inbox"))
	test.Tap(button(t, wantDiscardQuestion(t, w, "the scan folders"), "Keep editing"))
	wantText(t, w.Content(), "Scan folders")

	path.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	test.Tap(button(t, wantDiscardQuestion(t, w, "the scan folders"), "Save"))
	set, err := scan.LoadSettings(p.dir)
	if err != nil || len(set.Folders) != 1 || set.Folders[0].Path != folder {
		t.Fatalf("after Save: %+v %v", set, err)
	}
	if s.form != nil {
		t.Error("a form is still open after Save")
	}
	if hasButton(w.Content(), "Save scan folders") {
		t.Error("Save did not go on to the inbox")
	}

	// Saved on the screen itself, then left: no question.
	s.showFolderSettings()
	test.Tap(button(t, w.Content(), "Remove"))
	test.Tap(button(t, w.Content(), "Save scan folders"))
	wantText(t, w.Content(), "Saved: 0 scan folders")
	test.Tap(button(t, w.Content(), "Back to the inbox"))
	if top := w.Canvas().Overlays().Top(); top != nil {
		t.Errorf("leaving saved folders asked: %q", texts(top))
	}
}

// The reason typed to merge two patients is unsaved work: leaving asks
// Discard / Keep editing (no Save: a merge must choose its direction).
func TestMergeReasonAsksBeforeDiscarding(t *testing.T) {
	p := newPractice(t)
	ws, w := open(t, p.dir)
	signInAs(t, w, "mlopez", testPassword)
	s := sessionOf(t, ws)
	if _, _, err := s.svc.RegisterPatient(chart.Patient{Family: "Okafor", Given: "Chidy", DOB: "1975-03-02", Sex: chart.Male}); err != nil {
		t.Fatal(err)
	}
	s.admin()
	s.adm.tabs.SelectIndex(adminDuplicates)
	pane := s.adm.panes[adminDuplicates]
	test.Tap(button(t, pane, "Compare…"))
	reason := entryWith(t, pane, "why they are the same person")
	test.Type(reason, "same person, typo")
	reason.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	d := dialogOn(t, w)
	wantText(t, d, "Discard your changes to the reason to merge")
	if hasButton(d, "Save") {
		t.Error("a merge reason offers Save")
	}
	test.Tap(button(t, d, "Keep editing"))
	wantText(t, pane, "Compare")
	test.Tap(button(t, pane, "Back to the list"))
	test.Tap(button(t, dialogOn(t, w), "Discard"))
	wantText(t, pane, "Likely duplicate patients")
	if s.form != nil {
		t.Error("a form is still open after Discard")
	}
}

// A new password typed for a user is not thrown away by Escape without a
// question.
func TestResetPasswordAsksBeforeDiscarding(t *testing.T) {
	p := newPractice(t)
	ws, w := open(t, p.dir)
	signInAs(t, w, "mlopez", testPassword)
	s := sessionOf(t, ws)
	test.Tap(button(t, w.Content(), "Administration"))
	test.Tap(button(t, s.adm.panes[adminUsers], "Reset password…"))
	d := dialogOn(t, w)
	pw := find(t, d, func(e *entry) bool { return e.Password })
	test.Type(pw, "a new long password")
	pw.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	ask := dialogOn(t, w)
	wantText(t, ask, "Discard your changes to the new password for")
	test.Tap(button(t, ask, "Keep editing"))
	if dialogOn(t, w) != d || pw.Text != "a new long password" {
		t.Fatal("Keep editing closed the dialog or lost the password")
	}
	pw.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	test.Tap(button(t, dialogOn(t, w), "Discard"))
	if top := w.Canvas().Overlays().Top(); top != nil {
		t.Errorf("a dialog is still open after Discard: %q", texts(top))
	}
}
