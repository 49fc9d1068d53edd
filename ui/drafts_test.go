package ui

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"chartkeeper/chart"
)

// Tests write drafts when they choose: a form's pending draft write waits
// in pendingDrafts until writePendingDrafts runs it.
var pendingDrafts []*func()

func init() {
	afterDelay = func(_ time.Duration, fn func()) func() {
		f := &fn
		pendingDrafts = append(pendingDrafts, f)
		return func() { *f = nil }
	}
}

// writePendingDrafts runs the draft writes that are due "3 s later".
func writePendingDrafts() {
	p := pendingDrafts
	pendingDrafts = nil
	for _, f := range p {
		if *f != nil {
			(*f)()
		}
	}
}

const visitKeyPrefix = "visit/"

// startVisitNote opens a new visit note for the practice's patient as
// drsmith and types a reason and what the patient reports.
func startVisitNote(t *testing.T, p *practice) (*session, fyne.Window, *entry) {
	t.Helper()
	s, w := openChartAs(t, p, "drsmith")
	s.chart.tabs.SelectIndex(tabVisits)
	test.Tap(button(t, w.Content(), "New visit"))
	test.Type(entryWith(t, w.Content(), "why the patient came"), "Cough for two weeks")
	subj := entryWith(t, w.Content(), "what the patient reports")
	test.Type(subj, "Dry cough, worse at night.")
	return s, w, subj
}

// drafts lists the signed-in user's drafts.
func drafts(t *testing.T, s *session) []chart.Draft {
	t.Helper()
	ds, err := s.svc.Drafts()
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// wantDiscardQuestion checks the question shown over w and returns it.
func wantDiscardQuestion(t *testing.T, w fyne.Window, what string) fyne.CanvasObject {
	t.Helper()
	d := dialogOn(t, w)
	wantText(t, d, "Discard your changes to "+what+"?")
	for _, b := range []string{"Save", "Discard", "Keep editing"} {
		button(t, d, b)
	}
	return d
}

func TestEscapeAsksBeforeDiscarding(t *testing.T) {
	p := newPractice(t)
	s, w, subj := startVisitNote(t, p)

	// Escape asks; Keep editing goes back to the note as typed.
	subj.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	d := wantDiscardQuestion(t, w, "the visit note for Okafor, Chidi")
	test.Tap(button(t, d, "Keep editing"))
	if w.Canvas().Overlays().Top() != nil {
		t.Fatal("the question stays after Keep editing")
	}
	if subj.Text != "Dry cough, worse at night." || !hasButton(w.Content(), "Sign…") {
		t.Fatal("Keep editing did not keep the note")
	}

	// The draft is written a few seconds after the last key.
	writePendingDrafts()
	if ds := drafts(t, s); len(ds) != 1 || ds[0].Fields["subjective"] != "Dry cough, worse at night." || !strings.HasPrefix(ds[0].Key, visitKeyPrefix) {
		t.Fatalf("drafts after typing: %+v", ds)
	}

	// Discard throws the note and its draft away.
	subj.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	test.Tap(button(t, dialogOn(t, w), "Discard"))
	if !hasButton(w.Content(), "New visit") {
		t.Fatal("Discard did not go back to the visits")
	}
	if len(s.chart.c.Visits) != 0 {
		t.Fatal("a discarded note was stored")
	}
	if ds := drafts(t, s); len(ds) != 0 {
		t.Fatalf("the discarded note's draft is kept: %+v", ds)
	}

	// Nothing typed: Escape leaves at once.
	test.Tap(button(t, w.Content(), "New visit"))
	entryWith(t, w.Content(), "why the patient came").TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if w.Canvas().Overlays().Top() != nil || !hasButton(w.Content(), "New visit") {
		t.Fatal("Escape on an untouched form asked, or stayed")
	}

	// Save stores the note, then Escape's way out is taken.
	test.Tap(button(t, w.Content(), "New visit"))
	reason := entryWith(t, w.Content(), "why the patient came")
	test.Type(reason, "Sore throat")
	reason.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	test.Tap(button(t, dialogOn(t, w), "Save"))
	if len(drafts(t, s)) != 0 {
		t.Error("a saved note keeps its draft")
	}
	if len(s.chart.c.Visits) != 1 || s.chart.c.Visits[0].Reason != "Sore throat" {
		t.Fatalf("visits after Save: %+v", s.chart.c.Visits)
	}
	wantText(t, w.Content(), "Sore throat") // the table shows it

	// Ctrl+N and opening a chart ask too; a refused save stays in the form.
	s.chart.tabs.SelectIndex(tabAllergies)
	test.Tap(button(t, w.Content(), "Add allergy"))
	reaction := entryWith(t, w.Content(), "optional")
	test.Type(reaction, "Hives")
	shortcut(w, shortcutNew)
	d = wantDiscardQuestion(t, w, "the new allergy for Okafor, Chidi")
	test.Tap(button(t, d, "Save")) // no substance: refused
	wantText(t, w.Content(), "Is required.")
	if hasButton(w.Content(), "Register") {
		t.Error("the registration form opened over a refused save")
	}
	s.openChart(p.patient.ID)
	test.Tap(button(t, wantDiscardQuestion(t, w, "the new allergy for Okafor, Chidi"), "Discard"))
	if s.form != nil || hasButton(w.Content(), "Save") {
		t.Error("the allergy form is still open after Discard")
	}
}

func TestSignOutAsksBeforeDiscarding(t *testing.T) {
	p := newPractice(t)
	s, w, _ := startVisitNote(t, p)
	ws := s.ws

	test.Tap(button(t, w.Content(), "Sign out"))
	test.Tap(button(t, wantDiscardQuestion(t, w, "the visit note for Okafor, Chidi"), "Keep editing"))
	if ws.sess != s {
		t.Fatal("Keep editing signed out")
	}

	// Closing the window asks the same.
	ws.closeWindow()
	test.Tap(button(t, wantDiscardQuestion(t, w, "the visit note for Okafor, Chidi"), "Keep editing"))
	if ws.sess != s {
		t.Fatal("Keep editing closed the window")
	}

	// Save, then sign out: the note is stored, no draft is left, and the
	// sign-in screen offers no user.
	test.Tap(button(t, w.Content(), "Sign out"))
	test.Tap(button(t, dialogOn(t, w), "Save"))
	if ws.sess != nil || ws.st.Unlocked() {
		t.Fatal("still signed in after Sign out and Save")
	}
	wantText(t, w.Content(), "Sign in to Chartkeeper")
	noText(t, w.Content(), "Dry cough")
	signInAs(t, w, "drsmith", testPassword)
	s = sessionOf(t, ws)
	if len(drafts(t, s)) != 0 {
		t.Error("a saved note left a draft")
	}
	s.openChart(p.patient.ID)
	if len(s.chart.c.Visits) != 1 || s.chart.c.Visits[0].Subjective != "Dry cough, worse at night." {
		t.Fatalf("visits after Save and sign out: %+v", s.chart.c.Visits)
	}

	// Discard, then sign out: nothing stored, nothing kept.
	s.chart.tabs.SelectIndex(tabVisits)
	test.Tap(button(t, w.Content(), "New visit"))
	test.Type(entryWith(t, w.Content(), "what the patient reports"), "Headache since Monday.")
	writePendingDrafts()
	test.Tap(button(t, w.Content(), "Sign out"))
	test.Tap(button(t, dialogOn(t, w), "Discard"))
	if ws.sess != nil {
		t.Fatal("still signed in after Sign out and Discard")
	}
	signInAs(t, w, "drsmith", testPassword)
	s = sessionOf(t, ws)
	if ds := drafts(t, s); len(ds) != 0 {
		t.Errorf("a discarded note left a draft: %+v", ds)
	}
	noText(t, w.Content(), "Draft restored")
	s.openChart(p.patient.ID)
	if len(s.chart.c.Visits) != 1 {
		t.Errorf("%d visits after Discard, want 1", len(s.chart.c.Visits))
	}
}

func TestUnsavedNoteSurvivesLock(t *testing.T) {
	p := newPractice(t)
	s, w, _ := startVisitNote(t, p)
	ws := s.ws
	start := clockNow
	t.Cleanup(func() { clockNow = start })

	// The idle lock does not wait for anyone: it keeps the draft and locks.
	clockNow = start.Add(6 * time.Minute)
	manualTick()
	if ws.sess != nil || ws.st.Unlocked() {
		t.Fatal("the idle lock waited")
	}
	for _, gone := range []string{"Okafor", "Dry cough"} {
		noText(t, w.Content(), gone)
	}

	// Another user of the workstation does not see it.
	signInAs(t, w, "mlopez", testPassword)
	other := sessionOf(t, ws)
	if ds := drafts(t, other); len(ds) != 0 {
		t.Fatalf("another user sees %d drafts", len(ds))
	}
	noText(t, w.Content(), "Draft restored")
	other.lock()

	// The same user finds the note back in its form.
	signInAs(t, w, "drsmith", testPassword)
	sessionOf(t, ws)
	wantText(t, w.Content(), "Draft restored from ")
	wantText(t, w.Content(), "not yet saved")
	subj := entryWith(t, w.Content(), "what the patient reports")
	if subj.Text != "Dry cough, worse at night." || entryWith(t, w.Content(), "why the patient came").Text != "Cough for two weeks" {
		t.Fatalf("restored note: %q", subj.Text)
	}

	// Ctrl+L locks at once too, keeping what was typed since.
	subj.SetText(subj.Text + " No fever.")
	subj.TypedShortcut(shortcutLock)
	if ws.sess != nil {
		t.Fatal("Ctrl+L did not lock")
	}
	signInAs(t, w, "drsmith", testPassword)
	s = sessionOf(t, ws)
	subj = entryWith(t, w.Content(), "what the patient reports")
	if subj.Text != "Dry cough, worse at night. No fever." {
		t.Fatalf("note after Ctrl+L and sign-in: %q", subj.Text)
	}

	// Saved: the draft is gone and the note is a visit.
	test.Tap(button(t, w.Content(), "Save"))
	if ds := drafts(t, s); len(ds) != 0 {
		t.Fatalf("drafts after saving: %+v", ds)
	}
	if len(s.chart.c.Visits) != 1 || s.chart.c.Visits[0].Subjective != "Dry cough, worse at night. No fever." {
		t.Fatalf("visits after saving: %+v", s.chart.c.Visits)
	}
}

// draftChildEnv makes the test binary the child of TestUnsavedNoteSurvivesKill.
const draftChildEnv = "CHARTKEEPER_TEST_DRAFT_CHILD"

const draftWritten = "DRAFT WRITTEN"

func TestUnsavedNoteSurvivesKill(t *testing.T) {
	if dir := os.Getenv(draftChildEnv); dir != "" {
		typeNoteUntilDraft(t, dir, os.Getenv(draftChildEnv+"_PATIENT"))
		return
	}
	p := newPractice(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestUnsavedNoteSurvivesKill$", "-test.count=1")
	cmd.Env = append(os.Environ(), draftChildEnv+"="+p.dir, draftChildEnv+"_PATIENT="+p.patient.ID)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe() // never written: the child waits on it to be killed
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	written := false
	for !written && lines.Scan() {
		written = lines.Text() == draftWritten
	}
	if !written {
		cmd.Wait()
		t.Fatal("the child ended before writing its draft")
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("the child was not killed: %v", err)
	}

	ws, w := open(t, p.dir)
	signInAs(t, w, "drsmith", testPassword)
	sessionOf(t, ws)
	wantText(t, w.Content(), "Draft restored from ")
	if got := entryWith(t, w.Content(), "what the patient reports").Text; got != "Dry cough, worse at night." {
		t.Fatalf("the note after a kill: %q", got)
	}
	if got := entryWith(t, w.Content(), "why the patient came").Text; got != "Cough for two weeks" {
		t.Fatalf("the reason after a kill: %q", got)
	}
}

// typeNoteUntilDraft is the child: it types a note with the real draft
// timer, waits until the draft is in the store, says so and waits to be
// killed.
func typeNoteUntilDraft(t *testing.T, dir, patientID string) {
	s, _, _ := startVisitNote(t, &practice{dir: dir, patient: chart.Patient{ID: patientID}})
	// The workstation's own timer writes the draft once typing stopped
	// (here after a last change, so no key is typed while it runs).
	afterDelay = func(d time.Duration, fn func()) func() {
		tm := time.AfterFunc(d, func() { fyne.Do(fn) })
		return func() { tm.Stop() }
	}
	draftDelay = 50 * time.Millisecond
	s.form.changed()
	for {
		ds, err := s.svc.Drafts()
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) == 1 && ds[0].Fields["subjective"] == "Dry cough, worse at night." {
			break
		}
		time.Sleep(10 * time.Millisecond) // polls the store
	}
	fmt.Println(draftWritten)
	io.Copy(io.Discard, os.Stdin) // killed while waiting here
	t.Fatal("the parent went away before killing the child")
}

func TestUnsavedAmendmentAndCodesSurviveLock(t *testing.T) {
	p := newPractice(t)
	s, w := openChartAs(t, p, "drsmith")
	visit := chart.Visit{Meta: chart.Meta{Patient: p.patient.ID}, Date: "2025-01-10", Reason: "Thirst", Assessment: "Diabetes"}
	if err := s.svc.SaveVisit(&visit); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.SignVisit(visit.ID, visit.Rev); err != nil {
		t.Fatal(err)
	}
	s.openChart(p.patient.ID)
	s.chart.tabs.SelectIndex(tabVisits)
	tapRow(t, s.chart.tables[tabVisits], "Thirst")
	test.Tap(button(t, w.Content(), "Amend…"))
	test.Type(entryWith(t, dialogOn(t, w), "the correction or addition"), "HbA1c 8.1 %.")

	// Cancel asks; Keep editing keeps the dialog.
	test.Tap(button(t, dialogOn(t, w), "Cancel"))
	test.Tap(button(t, wantDiscardQuestion(t, w, "the amendment to the visit of 2025-01-10 for Okafor, Chidi"), "Keep editing"))
	if got := entryWith(t, dialogOn(t, w), "the correction or addition").Text; got != "HbA1c 8.1 %." {
		t.Fatalf("the amendment after Keep editing: %q", got)
	}

	s.lock()
	signInAs(t, w, "drsmith", testPassword)
	s = sessionOf(t, s.ws)
	d := dialogOn(t, w)
	wantText(t, d, "Draft restored from ")
	if got := entryWith(t, d, "the correction or addition").Text; got != "HbA1c 8.1 %." {
		t.Fatalf("the amendment after the lock: %q", got)
	}
	test.Type(entryWith(t, d, "why it is needed"), "Late result")
	test.Tap(button(t, d, "Add amendment"))
	wantText(t, w.Content(), "HbA1c 8.1 %.")
	if ds := drafts(t, s); len(ds) != 0 {
		t.Fatalf("drafts after adding the amendment: %+v", ds)
	}

	// The codes of a visit too.
	test.Tap(button(t, w.Content(), "Code this visit…"))
	search := entryWith(t, w.Content(), "find a diagnosis: code or words, Enter adds it")
	test.Type(search, "E11.9")
	search.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	s.lock()
	signInAs(t, w, "drsmith", testPassword)
	s = sessionOf(t, s.ws)
	wantText(t, w.Content(), "Draft restored from ")
	wantText(t, w.Content(), "E11.9")
	search = entryWith(t, w.Content(), "find a diagnosis: code or words, Enter adds it")
	search.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	test.Tap(button(t, wantDiscardQuestion(t, w, "the codes of the visit of 2025-01-10 for Okafor, Chidi"), "Discard"))
	if ds := drafts(t, s); len(ds) != 0 {
		t.Fatalf("drafts after discarding the codes: %+v", ds)
	}
}

func TestUnsavedRegistrationSurvivesLock(t *testing.T) {
	p := newPractice(t)
	ws, w := open(t, p.dir)
	signInAs(t, w, "desk", testPassword)
	s := sessionOf(t, ws)
	shortcut(w, shortcutNew)
	family := w.Canvas().Focused().(*entry)
	test.Type(family, "Testperez")
	test.Type(entryWith(t, s.detail, "YYYY-MM-DD"), "1980-04-01")
	s.lock()

	signInAs(t, w, "desk", testPassword)
	s = sessionOf(t, ws)
	wantText(t, w.Content(), "New patient")
	wantText(t, w.Content(), "Draft restored from ")
	if got := entryWith(t, s.detail, "YYYY-MM-DD").Text; got != "1980-04-01" {
		t.Fatalf("the birth date after the lock: %q", got)
	}
	// Ctrl+N on the restored form asks first.
	shortcut(w, shortcutNew)
	test.Tap(button(t, wantDiscardQuestion(t, w, "the registration of a new patient"), "Discard"))
	if got := entryWith(t, s.detail, "YYYY-MM-DD").Text; got != "" {
		t.Fatalf("the new form after Discard holds %q", got)
	}
	if ds := drafts(t, s); len(ds) != 0 {
		t.Fatalf("drafts after Discard: %+v", ds)
	}
}
