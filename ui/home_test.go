package ui

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"chartkeeper/chart"
)

// as runs fn with the service of username signed in to the practice in
// dir, outside the workstation (to set up what a home shows).
func as(t *testing.T, dir, username string, fn func(*chart.Service)) {
	t.Helper()
	st, err := chart.OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Unlock(username, []byte(testPassword)); err != nil {
		t.Fatal(err)
	}
	defer st.Lock()
	svc, err := chart.Open(st)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	fn(svc)
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func inboxScan(t *testing.T, svc *chart.Service, source string) chart.Document {
	t.Helper()
	return must[chart.Document](t)(svc.AddDocument(bytes.NewReader([]byte("%PDF "+source)), chart.Document{ContentType: "application/pdf", Source: source, Pages: 1}))
}

// signedVisit saves and signs a visit of the patient as the clinician.
func signedVisit(t *testing.T, svc *chart.Service, patient, date, reason string, sign bool) chart.Visit {
	t.Helper()
	v := chart.Visit{Meta: chart.Meta{Patient: patient}, Date: date, Reason: reason, Subjective: "Cough for " + reason + ".", Assessment: "Viral bronchitis.", Plan: "Fluids."}
	if err := svc.SaveVisit(&v); err != nil {
		t.Fatal(err)
	}
	if sign {
		return must[chart.Visit](t)(svc.SignVisit(v.ID, v.Rev))
	}
	return v
}

// TestFrontDeskHome: sign-in lands on the role's home; find is one click
// (or Ctrl+F) away and Home (Ctrl+H) comes back.
func TestFrontDeskHome(t *testing.T) {
	p := newPractice(t)
	as(t, p.dir, "desk", func(svc *chart.Service) {
		inboxScan(t, svc, "insurance-card.pdf")
		inboxScan(t, svc, "consent.pdf")
		must[chart.Patient](t)(func() (chart.Patient, error) {
			np, _, err := svc.RegisterPatient(chart.Patient{Family: "Nakamura", Given: "Yūki", DOB: "1988-08-08", Sex: chart.Female, Phone: "555-0123"})
			return np, err
		}())
		must[*chart.Chart](t)(svc.OpenChart(p.patient.ID))
	})
	ws, w := open(t, p.dir)
	w.Resize(fitLimit)
	signInAs(t, w, "desk", testPassword)
	s := sessionOf(t, ws)
	if !s.atHome {
		t.Fatal("sign-in did not land on the home")
	}
	wantText(t, w.Content(), "2 documents wait to be filed; the oldest arrived")
	wantText(t, w.Content(), "Registered today (2)")
	wantText(t, w.Content(), "Nakamura")
	wantText(t, w.Content(), "Okafor, Chidi · MRN "+p.patient.MRN)
	if m := w.Content().MinSize(); m.Width > fitLimit.Width || m.Height > fitLimit.Height {
		t.Errorf("the front desk home needs %.0f×%.0f", m.Width, m.Height)
	}

	test.Tap(button(t, w.Content(), "Find a patient (Ctrl+F)"))
	if s.atHome || w.Canvas().Focused() != s.find.query {
		t.Errorf("find: at home %v, focus on %T", s.atHome, w.Canvas().Focused())
	}
	shortcut(w, shortcutHome)
	if !s.atHome {
		t.Error("Ctrl+H did not come back home")
	}
	shortcut(w, shortcutFind)
	if s.atHome || w.Canvas().Focused() != s.find.query {
		t.Error("Ctrl+F from the home did not put the cursor in find")
	}
	test.Tap(button(t, w.Content(), "Home (Ctrl+H)"))
	if !s.atHome {
		t.Error("the Home button did not come back home")
	}
	// A recent patient opens in one click.
	openRow(t, w, "Okafor, Chidi · MRN")
	if s.chart == nil || s.chart.c.Patient.ID != p.patient.ID || s.atHome {
		t.Error("the recent patient's chart did not open")
	}
}

// openRow taps the button of the home row whose text starts with prefix.
func openRow(t *testing.T, w fyne.Window, prefix string) {
	t.Helper()
	var hit bool
	walk(w.Content(), func(c fyne.CanvasObject) {
		row, ok := c.(*fyne.Container)
		if hit || !ok || len(row.Objects) != 2 {
			return
		}
		var label, btn fyne.CanvasObject = row.Objects[0], row.Objects[1]
		if l := labelText(label); strings.HasPrefix(l, prefix) && asButton(btn) != nil {
			hit = true
			test.Tap(asButton(btn))
		}
	})
	if !hit {
		t.Fatalf("no home row starts with %q; the screen shows:\n%s", prefix, strings.Join(texts(w.Content()), "\n"))
	}
}

func labelText(o fyne.CanvasObject) string {
	for _, s := range texts(o) {
		return s
	}
	return ""
}

func TestClinicianHome(t *testing.T) {
	p := newPractice(t)
	var mine chart.Visit
	as(t, p.dir, "drsmith", func(svc *chart.Service) {
		mine = signedVisit(t, svc, p.patient.ID, time.Now().AddDate(0, 0, -2).Format(time.DateOnly), "two weeks", false)
	})
	ws, w := open(t, p.dir)
	w.Resize(fitLimit)
	signInAs(t, w, "drsmith", testPassword) // the mark of this sign-in
	s := sessionOf(t, ws)
	wantText(t, w.Content(), "Nothing new was filed to the patients you have seen.")
	s.signOut()

	// The front desk files a result to the clinician's patient.
	signInAs(t, w, "desk", testPassword)
	svc := sessionOf(t, ws).svc
	d := inboxScan(t, svc, "lab-result.pdf")
	must[chart.Document](t)(svc.FileDocument(d.ID, p.patient.ID, "lab", time.Now().Format(time.DateOnly), ""))
	sessionOf(t, ws).signOut()
	signInAs(t, w, "drsmith", testPassword)
	s = sessionOf(t, ws)
	wantText(t, w.Content(), "My unsigned notes (1), oldest first")
	wantText(t, w.Content(), "Filed to your patients since you last signed in (today ")
	wantText(t, w.Content(), "Okafor, Chidi · Laboratory result")
	if m := w.Content().MinSize(); m.Width > fitLimit.Width || m.Height > fitLimit.Height {
		t.Errorf("the clinician home needs %.0f×%.0f", m.Width, m.Height)
	}
	openRow(t, w, mine.Date+" · Okafor, Chidi · two weeks")
	if s.chart == nil || s.form == nil || !strings.HasSuffix(s.form.key, mine.ID) {
		t.Errorf("the unsigned note did not open in its editor (form %v)", s.form)
	}
}

func TestCoderHomeSaveAndNext(t *testing.T) {
	p := newPractice(t)
	var first, second chart.Visit
	as(t, p.dir, "drsmith", func(svc *chart.Service) {
		first = signedVisit(t, svc, p.patient.ID, "2026-01-05", "three days", true)
		second = signedVisit(t, svc, p.patient.ID, "2026-02-05", "a month", true)
	})
	ws, w := open(t, p.dir)
	w.Resize(fitLimit)
	signInAs(t, w, "coder", testPassword)
	s := sessionOf(t, ws)
	if s.coder == nil {
		t.Fatal("the coder's home is not the coding queue")
	}
	wantText(t, w.Content(), "2 signed visits without codes · visit 1 of 2")
	wantText(t, w.Content(), "Visit of 2026-01-05: three days")
	wantText(t, w.Content(), "Cough for three days.")
	if m := w.Content().MinSize(); m.Width > fitLimit.Width || m.Height > fitLimit.Height {
		t.Errorf("the coding queue needs %.0f×%.0f", m.Width, m.Height)
	}
	if w.Canvas().Focused() != s.coder.codes.search {
		t.Error("the cursor is not in the code search")
	}
	shortcut(w, shortcutFind)
	shortcut(w, shortcutHome)
	if s.coder == nil || w.Canvas().Focused() != s.coder.codes.search {
		t.Error("back home, the cursor is not in the code search")
	}
	c := s.coder.codes
	test.Type(c.search, "J20.9")
	c.search.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	test.Tap(button(t, w.Content(), "Save and next"))
	wantText(t, w.Content(), "1 signed visit without codes · visit 1 of 1")
	wantText(t, w.Content(), "Visit of 2026-02-05: a month")
	if !button(t, w.Content(), "Skip").Disabled() {
		t.Error("Skip is offered on the last visit")
	}
	v, err := s.svc.OpenVisit(first.ID)
	if err != nil || len(v.Diagnoses) != 1 || v.Diagnoses[0].Code != "J209" || !v.Diagnoses[0].Primary {
		t.Errorf("the first visit's codes: %+v %v", v.Diagnoses, err)
	}
	// Saving without a code is refused, under the form, and stays.
	test.Tap(button(t, w.Content(), "Add procedure"))
	test.Tap(button(t, w.Content(), "Save and next"))
	wantText(t, w.Content(), "visit 1 of 1")
	s.coder.codes.search.SetText("")
	test.Type(s.coder.codes.search, "R05")
	s.coder.codes.search.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	s.coder.codes.procs = nil
	s.coder.codes.refresh()
	test.Tap(button(t, w.Content(), "Save and next"))
	wantText(t, w.Content(), "The coding queue is empty")
	if v, _ := s.svc.OpenVisit(second.ID); len(v.Diagnoses) != 1 || v.Diagnoses[0].Code != "R05" {
		t.Errorf("the second visit's codes: %+v", v.Diagnoses)
	}
}

func TestHIMHomePlots(t *testing.T) {
	p := newPractice(t)
	as(t, p.dir, "desk", func(svc *chart.Service) {
		inboxScan(t, svc, "waiting.pdf")
	})
	as(t, p.dir, "mlopez", func(svc *chart.Service) {
		// Grants carry the administration signature, which only an HIM
		// manager's keys make.
		must[chart.BreakGlass](t)(svc.OpenBreakGlass(p.patient.ID, "patient fainted in the waiting room"))
		must[chart.Disclosure](t)(svc.RecordDisclosure(chart.Disclosure{Meta: chart.Meta{Patient: p.patient.ID}, Recipient: "Insurer", What: "visit note", Purpose: "claim"}))
	})
	ws, w := open(t, p.dir)
	w.Resize(fitLimit)
	signInAs(t, w, "mlopez", testPassword)
	s := sessionOf(t, ws)
	wantText(t, w.Content(), "Documents waiting to be filed: 1, the oldest")
	wantText(t, w.Content(), "Break-glass access to review: 1, the oldest")
	wantText(t, w.Content(), "Signed visits without codes: 0, nothing waiting")
	if m := w.Content().MinSize(); m.Width > fitLimit.Width || m.Height > fitLimit.Height {
		t.Errorf("the HIM home needs %.0f×%.0f", m.Width, m.Height)
	}
	if len(s.homePlots) != 6 {
		t.Fatalf("%d plots on the HIM home, want 6", len(s.homePlots))
	}
	for _, pv := range s.homePlots[:5] {
		img := pv.img.Image
		if img == nil || img.Bounds().Dx() < int(plotMin.Width) || !pv.img.Visible() {
			t.Errorf("%q was not drawn (image %v)", pv.chart.Title, img)
		}
		last := pv.chart.Series[0].Points
		if len(last) != historyDays {
			t.Errorf("%q has %d days", pv.chart.Title, len(last))
		}
	}
	values := func(i int) float64 { pts := s.homePlots[i].chart.Series[0].Points; return pts[len(pts)-1].Value }
	if values(0) != 1 || values(3) != 1 || values(4) != 1 || values(2) != 0 {
		t.Errorf("today's values: waiting %v, disclosures %v, break-glass %v, backlog %v", values(0), values(3), values(4), values(2))
	}
	deadline := time.Now().Add(10 * time.Second)
	for !hasText(w.Content(), "No other workstation has synced with this one yet.") {
		if time.Now().After(deadline) {
			t.Fatalf("the workstations' plot did not finish; the screen shows:\n%s", strings.Join(texts(w.Content()), "\n"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	openRow(t, w, "Break-glass access to review")
	if s.adm == nil || s.adm.tabs.SelectedIndex() != adminWorklists {
		t.Error("the worklist row did not open Administration's worklists")
	}
}

func hasText(o fyne.CanvasObject, want string) bool {
	for _, s := range texts(o) {
		if strings.Contains(s, want) {
			return true
		}
	}
	return false
}
