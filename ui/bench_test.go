package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"chartkeeper/chart"
	"chartkeeper/chart/synth"
	"chartkeeper/internal/testchart"
	"chartkeeper/internal/testpractice"
)

// Budgets of the workstation (issue 4, docs/PERFORMANCE.md): start to the
// sign-in screen under 1 s; sign-in to a usable patient list with 100,000
// patients under 1 s; a keystroke in search to an updated list under 50 ms.
// Run without the chartkeeper_insecure_kdf tag for the real Argon2id cost.

const benchPatients = 100_000

// bigPractice is a practice with benchPatients made-up patients.
func bigPractice(b *testing.B) *practice {
	b.Helper()
	tc := testchart.New(b, testpractice.Config{Name: "Bench Clinic", AdminName: "Maria Lopez", AdminUser: "mlopez", Password: testPassword})
	defer tc.Close()
	svc := tc.Service
	g := synth.NewAt(1, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	ps := make([]chart.Patient, benchPatients)
	for i := range ps {
		x := g.Person()
		ps[i] = chart.Patient{Family: x.Family, Given: x.Given, Preferred: x.Preferred, Sex: chart.Sex(x.Sex),
			DOB: x.DOB.Format(time.DateOnly), Phone: x.Phone, Language: x.Language}
	}
	if _, err := svc.ImportPatients(ps, ""); err != nil {
		b.Fatal(err)
	}
	return &practice{dir: tc.Dir}
}

// BenchmarkStartToSignIn opens the data folder and builds the sign-in screen.
func BenchmarkStartToSignIn(b *testing.B) {
	p := bigPractice(b)
	a := test.NewTempApp(b)
	for b.Loop() {
		w := a.NewWindow("Chartkeeper")
		ws, content := create(a, w, p.dir)
		w.SetContent(content)
		ws.shutdown()
		w.Close()
	}
}

// BenchmarkSignInToPatientList signs in (Argon2id, loading the patient
// finder over benchPatients) until the find pane is ready, then locks.
func BenchmarkSignInToPatientList(b *testing.B) {
	p := bigPractice(b)
	a := test.NewTempApp(b)
	w := a.NewWindow("Chartkeeper")
	w.Resize(fyne.NewSize(1600, 900)) // wide enough for every header button
	ws, content := create(a, w, p.dir)
	w.SetContent(content)
	defer ws.shutdown()
	for b.Loop() {
		signInAs(b, w, "mlopez", testPassword)
		if ws.sess == nil {
			b.Fatal("not signed in")
		}
		b.StopTimer()
		ws.sess.lock()
		b.StartTimer()
	}
}

// BenchmarkSearchKeystroke types one character into the find entry (or
// deletes it) and waits for the list to show the new results.
func BenchmarkSearchKeystroke(b *testing.B) {
	p := bigPractice(b)
	a := test.NewTempApp(b)
	w := a.NewWindow("Chartkeeper")
	w.Resize(fyne.NewSize(1600, 900)) // wide enough for every header button
	ws, content := create(a, w, p.dir)
	w.SetContent(content)
	defer ws.shutdown()
	signInAs(b, w, "mlopez", testPassword)
	s := ws.sess
	test.Type(s.find.query, "ma")
	i := 0
	for b.Loop() {
		if i%2 == 0 {
			s.find.query.TypedRune('r')
		} else {
			s.find.query.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})
		}
		i++
	}
	if len(s.find.results) == 0 {
		b.Fatal("the search found nobody")
	}
}
