package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
)

func TestSignInWrongPassword(t *testing.T) {
	p := newPractice(t)
	ws, w := open(t, p.dir)
	wantText(t, w.Content(), "Sign in to Chartkeeper")

	signInAs(t, w, "mlopez", "not the password")
	wantText(t, w.Content(), "Wrong password for mlopez; 2 tries left before a 30 s wait.")
	if ws.sess != nil || ws.st.Unlocked() {
		t.Fatal("signed in with a wrong password")
	}
	pw := find(t, w.Content(), func(e *entry) bool { return e.Password })
	if pw.Text != "" {
		t.Error("the wrong password stays in the entry")
	}

	signInAs(t, w, "mlopez", testPassword)
	sessionOf(t, ws)
	wantText(t, w.Content(), "Maria Lopez · Health information manager")
	wantText(t, w.Content(), "Sync: not connected")
	wantText(t, w.Content(), "0 documents to file")
}

func TestSearchOpensRegisteredPatient(t *testing.T) {
	p := newPractice(t)
	ws, w := open(t, p.dir)
	signInAs(t, w, "drsmith", testPassword)
	s := sessionOf(t, ws)

	shortcut(w, shortcutFind) // from the home to the find pane
	test.Type(s.find.query, "okafo")
	if len(s.find.results) != 1 || s.find.results[0].MRN != p.patient.MRN {
		t.Fatalf("searching \"okafo\" found %+v", s.find.results)
	}
	wantText(t, w.Content(), "1 patient. Enter opens the chart.")
	s.find.query.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	wantText(t, w.Content(), "Okafor, Chidi")
	wantText(t, w.Content(), "MRN "+p.patient.MRN)
	wantText(t, w.Content(), "Allergies: Penicillin (severe)")

	// The rows show MRN, name, birth date, age and sex.
	row := newResultRow()
	s.find.updateRow(0, row)
	wantText(t, row, p.patient.MRN)
	wantText(t, row, "1975-03-02 · ")
	wantText(t, row, " years · M")
}

func TestRegisterWarnsOfDuplicates(t *testing.T) {
	p := newPractice(t)
	ws, w := open(t, p.dir)
	signInAs(t, w, "desk", testPassword)
	s := sessionOf(t, ws)

	shortcut(w, shortcutNew)
	wantText(t, w.Content(), "New patient")
	form := s.detail.Objects[0]
	family := w.Canvas().Focused().(*entry)
	test.Type(family, "Okafor")
	test.Type(entryWith(t, form, "YYYY-MM-DD"), "1975-03-02")
	given := find(t, form, func(e *entry) bool { return e != family && e.PlaceHolder == "" })
	test.Type(given, "Chidi")
	given.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})

	wantText(t, w.Content(), "This may be someone already registered.")
	wantText(t, w.Content(), p.patient.MRN+"  Okafor, Chidi")
	test.Tap(button(t, w.Content(), "Register anyway"))

	hits, err := s.svc.Find("Okafor", 10)
	if err != nil || len(hits) != 2 {
		t.Fatalf("after registering anyway, Okafor finds %d patients (%v)", len(hits), err)
	}
	if s.chart == nil || s.chart.c.Patient.MRN == p.patient.MRN {
		t.Error("the new patient's chart is not open")
	}
}

func TestRegisterShowsErrorsInline(t *testing.T) {
	p := newPractice(t)
	ws, w := open(t, p.dir)
	signInAs(t, w, "desk", testPassword)
	s := sessionOf(t, ws)

	test.Tap(button(t, w.Content(), "New patient (Ctrl+N)"))
	form := s.detail.Objects[0]
	test.Type(entryWith(t, form, "YYYY-MM-DD"), "2999-01-01")
	phone := entryWith(t, form, "phone number")
	test.Type(phone, "call me")
	phone.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})

	wantText(t, form, "Is in the future.")
	wantText(t, form, "Is required.")
	wantText(t, form, "Must be a phone number")
	if hits, _ := s.svc.Find("2999-01-01", 10); len(hits) != 0 {
		t.Error("a refused patient was registered")
	}

	// Escape cancels, once the typed changes are discarded.
	phone.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	test.Tap(button(t, dialogOn(t, w), "Discard"))
	wantText(t, w.Content(), "Welcome, Sam Desk")
}

func TestSignVisitNote(t *testing.T) {
	p := newPractice(t)
	ws, w := open(t, p.dir)
	signInAs(t, w, "drsmith", testPassword)
	s := sessionOf(t, ws)
	s.openChart(p.patient.ID)
	s.chart.tabs.SelectIndex(4)
	test.Tap(button(t, w.Content(), "New visit"))

	// Signing an empty note is refused, inline.
	test.Type(entryWith(t, w.Content(), "why the patient came"), "Cough for two weeks")
	test.Tap(button(t, w.Content(), "Sign…"))
	test.Tap(button(t, dialogOn(t, w), "Sign note"))
	wantText(t, w.Content(), "Is empty: write the note before signing.")

	test.Type(entryWith(t, w.Content(), "what the patient reports"), "Dry cough, no fever.")
	test.Tap(button(t, w.Content(), "Sign…"))
	test.Tap(button(t, dialogOn(t, w), "Sign note"))
	wantText(t, w.Content(), "Signed by Dana Smith on")
	wantText(t, w.Content(), "Dry cough, no fever.")
	if len(s.chart.c.Visits) != 1 || !s.chart.c.Visits[0].Signed {
		t.Fatalf("visits after signing: %+v", s.chart.c.Visits)
	}

	// A signed note is amended, never edited.
	if hasButton(w.Content(), "Save") {
		t.Error("a signed note can still be saved")
	}
	test.Tap(button(t, w.Content(), "Amend…"))
	d := dialogOn(t, w)
	test.Type(entryWith(t, d, "the correction or addition"), "Fever of 38.5 °C on day 3.")
	test.Type(entryWith(t, d, "why it is needed"), "Late entry")
	test.Tap(button(t, d, "Add amendment"))
	wantText(t, w.Content(), "Fever of 38.5 °C on day 3.")
	wantText(t, w.Content(), "Amendment by Dana Smith")
}

func TestFrontDeskMeetsBreakGlass(t *testing.T) {
	p := newPractice(t)
	ws, w := open(t, p.dir)
	signInAs(t, w, "desk", testPassword)
	s := sessionOf(t, ws)
	s.openChart(p.patient.ID)
	wantText(t, w.Content(), "Allergies: not shown for your role.")
	noText(t, w.Content(), "Penicillin")
	s.chart.tabs.SelectIndex(1)
	wantText(t, w.Content(), "Your role does not reach the clinical chart")

	// The clinical chart is sealed under a key front desk does not hold:
	// break-glass cannot open it, and is not offered.
	wantText(t, w.Content(), "break-glass cannot open them either")
	wantText(t, w.Content(), "ask a clinician or a health information manager")
	if hasButton(w.Content(), "Open with break-glass") {
		t.Error("front desk is offered break-glass")
	}
	if s.chart.c.BreakGlass {
		t.Error("the chart was opened with break-glass")
	}
	// No new visits for front desk.
	s.chart.tabs.SelectIndex(4)
	if hasButton(w.Content(), "New visit") {
		t.Error("front desk is offered a new visit")
	}
}

func TestCoderMayNotRegister(t *testing.T) {
	p := newPractice(t)
	ws, w := open(t, p.dir)
	signInAs(t, w, "coder", testPassword)
	s := sessionOf(t, ws)
	if hasButton(w.Content(), "New patient (Ctrl+N)") {
		t.Error("a coder is offered to register patients")
	}
	shortcut(w, shortcutNew)
	noText(t, w.Content(), "New patient")
	// The service refuses it too, whatever the screen shows.
	if _, _, err := s.svc.RegisterPatient(chart.Patient{Family: "X", Given: "Y", DOB: "2000-01-01"}); err == nil {
		t.Error("a coder registered a patient")
	}
	noText(t, w.Content(), "documents to file") // coders do not file documents
}

func TestLockClearsWindow(t *testing.T) {
	p := newPractice(t)
	ws, w := open(t, p.dir)
	signInAs(t, w, "drsmith", testPassword)
	s := sessionOf(t, ws)
	s.openChart(p.patient.ID)
	s.chart.tabs.SelectIndex(4)
	test.Tap(button(t, w.Content(), "New visit"))
	reason := entryWith(t, w.Content(), "why the patient came")
	test.Type(reason, "Chest pain")
	test.Tap(button(t, w.Content(), "Sign…")) // a dialog over the chart
	wantText(t, w.Content(), "Okafor, Chidi")

	// Ctrl+L, here typed while an entry has the focus.
	w.Canvas().Focus(reason)
	reason.TypedShortcut(shortcutLock)

	if ws.sess != nil || ws.st.Unlocked() {
		t.Fatal("the workstation is still signed in after Ctrl+L")
	}
	if top := w.Canvas().Overlays().Top(); top != nil {
		t.Error("a dialog of the last chart stays over the sign-in screen")
	}
	wantText(t, w.Content(), "Sign in to Chartkeeper")
	for _, gone := range []string{"Okafor", "Chest pain", "Penicillin", "Dana Smith"} {
		noText(t, w.Content(), gone)
	}
	if got := find(t, w.Content(), func(*widget.SelectEntry) bool { return true }).Text; got != "drsmith" {
		t.Errorf("the sign-in screen offers %q, want the user who locked", got)
	}
	if _, err := s.svc.Find("Okafor", 1); err == nil {
		t.Error("the locked session still searches")
	}

	// Another user signs in.
	signInAs(t, w, "mlopez", testPassword)
	wantText(t, w.Content(), "Maria Lopez · Health information manager")
}

func TestIdleLock(t *testing.T) {
	p := newPractice(t)
	ws, w := open(t, p.dir)
	signInAs(t, w, "drsmith", testPassword)
	s := sessionOf(t, ws)
	start := clockNow
	t.Cleanup(func() { clockNow = start })

	clockNow = start.Add(4 * time.Minute)
	test.Type(s.find.query, "oka") // activity
	clockNow = start.Add(8 * time.Minute)
	manualTick()
	if ws.sess == nil {
		t.Fatal("locked 4 minutes after the last key, before the 5 minute timeout")
	}
	clockNow = start.Add(9*time.Minute + time.Second)
	manualTick()
	if ws.sess != nil || ws.st.Unlocked() {
		t.Fatal("still signed in after 5 idle minutes")
	}
	wantText(t, w.Content(), "Sign in to Chartkeeper")
}
