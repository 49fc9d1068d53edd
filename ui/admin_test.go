package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"chartkeeper/chart"
	"chartkeeper/store"
)

func TestHIMAddsUser(t *testing.T) {
	p := newPractice(t)
	ws, w := open(t, p.dir)
	signInAs(t, w, "mlopez", testPassword)
	s := sessionOf(t, ws)
	test.Tap(button(t, w.Content(), "Administration"))
	pane := s.adm.panes[adminUsers]
	wantText(t, pane, "Dana Smith (drsmith)")

	test.Type(entryWith(t, pane, "what they type to sign in"), "nurse")
	test.Type(find(t, pane, func(e *entry) bool { return e.PlaceHolder == "" && !e.Password }), "Noor Nurse")
	find(t, pane, func(sel *widget.Select) bool { return sel.PlaceHolder == "choose" }).SetSelected(capital(store.RoleClinician.Title()))
	pw := find(t, pane, func(e *entry) bool { return e.Password })
	test.Type(pw, "short")
	test.Tap(button(t, pane, "Add user"))
	wantText(t, pane, "characters") // the store refuses a short password
	pw.SetText(testPassword)
	test.Tap(button(t, pane, "Add user"))
	wantText(t, pane, "Noor Nurse (nurse)")

	us, err := ws.st.Users()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, u := range us {
		found = found || u.Username == "nurse" && u.Role == store.RoleClinician
	}
	if !found {
		t.Errorf("users: %+v", us)
	}

	s.lock()
	signInAs(t, w, "nurse", testPassword)
	sessionOf(t, ws)
	wantText(t, w.Content(), "Noor Nurse · Clinician")
	if hasButton(w.Content(), "Administration") {
		t.Error("a clinician is offered the administration screens")
	}
}

func TestAuditViewerShowsChartView(t *testing.T) {
	p := newPractice(t)
	ws, w := open(t, p.dir)
	signInAs(t, w, "drsmith", testPassword)
	s := sessionOf(t, ws)
	s.openChart(p.patient.ID)
	s.lock()
	signInAs(t, w, "mlopez", testPassword)
	s = sessionOf(t, ws)
	s.admin()
	s.adm.tabs.SelectIndex(adminAudit)
	pane := s.adm.panes[adminAudit]
	test.Type(entryWith(t, pane, "patient MRN"), p.patient.MRN)
	test.Type(entryWith(t, pane, "action, e.g. chart.view"), "chart.view")
	test.Tap(button(t, pane, "Show"))
	rows := s.adm.audit.rows
	if len(rows) != 1 || !contains(rows[0], "drsmith  Opened a chart (chart.view)  MRN "+p.patient.MRN) {
		t.Errorf("audit rows: %q", rows)
	}

	test.Tap(button(t, pane, "Check integrity"))
	wantText(t, dialogOn(t, w), "Nothing is damaged")
}

func TestMergeAndUndoFromDuplicates(t *testing.T) {
	p := newPractice(t)
	ws, w := open(t, p.dir)
	signInAs(t, w, "mlopez", testPassword)
	s := sessionOf(t, ws)
	dup, _, err := s.svc.RegisterPatient(chart.Patient{Family: "Okafor", Given: "Chidy", DOB: "1975-03-02", Sex: chart.Male})
	if err != nil {
		t.Fatal(err)
	}
	s.admin()
	s.adm.tabs.SelectIndex(adminDuplicates)
	pane := s.adm.panes[adminDuplicates]
	test.Tap(button(t, pane, "Compare…"))
	wantText(t, pane, "Chidy")
	wantText(t, pane, "Chidi")

	left := find(t, pane, func(c *widget.Card) bool { return true }).Title
	test.Tap(button(t, pane, "Keep left, merge right into it"))
	wantText(t, pane, "Is required.")
	test.Type(entryWith(t, pane, "why they are the same person"), "same person, typo at the desk")
	test.Tap(button(t, pane, "Keep left, merge right into it"))
	wantText(t, pane, "is now part of the chart of "+left)
	if hits, _ := s.svc.Find("Okafor", 10); len(hits) != 1 {
		t.Errorf("after the merge, searching finds %d patients", len(hits))
	}

	test.Type(entryWith(t, pane, "why the merge is undone"), "different people after all")
	test.Tap(button(t, pane, "Undo merge"))
	wantText(t, pane, "Likely duplicate patients")
	if hits, _ := s.svc.Find("Okafor", 10); len(hits) != 2 {
		t.Errorf("after the undo, searching finds %d patients", len(hits))
	}
	if _, err := s.svc.Patient(dup.ID); err != nil {
		t.Error(err)
	}
}

func TestDuplicatesSayWhyAndNotTheSamePerson(t *testing.T) {
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
	wantText(t, pane, "Chidy")
	wantText(t, pane, "Why: similar name, same birth date")

	test.Tap(button(t, pane, "Not the same person…"))
	d := dialogOn(t, w)
	wantText(t, d, "Chidy")
	test.Tap(button(t, d, "Keep them listed"))
	wantText(t, pane, "Chidy")

	test.Tap(button(t, pane, "Compare…"))
	wantText(t, pane, "Compare")
	test.Tap(button(t, pane, "Not the same person…"))
	d = dialogOn(t, w)
	test.Tap(button(t, d, "Mark not the same person"))
	wantText(t, d, "Is required.") // the reason, under its field
	reason := entryWith(t, d, "why they are not the same person")
	test.Type(reason, "twins")
	// Escape with a reason typed asks before throwing it away.
	reason.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	ask := dialogOn(t, w)
	wantText(t, ask, "Discard your changes to the reason they are not the same person?")
	test.Tap(button(t, ask, "Keep editing"))
	test.Type(reason, ", different mothers")
	test.Tap(button(t, dialogOn(t, w), "Mark not the same person"))
	wantText(t, pane, "Likely duplicate patients")
	wantText(t, pane, "Marked not the same person")
	wantText(t, pane, "Reason: twins, different mothers")
	if pairs, _ := s.svc.DuplicateCandidates(0); len(pairs) != 0 {
		t.Errorf("still candidates: %+v", pairs)
	}
	if hasButton(pane, "Compare…") {
		t.Error("the pair is still listed to compare")
	}

	// The HIM manager undoes it, with a reason: the pair is listed again.
	test.Tap(button(t, pane, "Undo…"))
	d = dialogOn(t, w)
	test.Type(entryWith(t, d, "why they may be the same person after all"), "same insurance number")
	test.Tap(button(t, d, "Undo"))
	button(t, pane, "Compare…")
	noText(t, pane, "Marked not the same person")
	if pairs, _ := s.svc.DuplicateCandidates(0); len(pairs) != 1 {
		t.Errorf("after the undo, candidates: %+v", pairs)
	}
}
