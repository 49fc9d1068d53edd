package demo_test

import (
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"chartkeeper/chart"
	"chartkeeper/chart/demo"
	"chartkeeper/internal/testchart"
	"chartkeeper/internal/testpractice"
	"chartkeeper/store"
)

// practice is a store with one user of each role and a service over it,
// signed in as the HIM manager.
type practice struct {
	t   *testing.T
	tc  *testchart.Practice
	st  *store.Store
	svc *chart.Service
}

func newPractice(t *testing.T) *practice {
	t.Helper()
	tc := testchart.New(t, testpractice.Config{Name: "Demo Clinic", AdminName: "Hana Admin", Roles: testpractice.OtherRoles})
	return &practice{t: t, tc: tc, st: tc.Store, svc: tc.Service}
}

// as signs in the user of role.
func (p *practice) as(role store.Role) error { return p.tc.TrySignInAs(role) }

func (p *practice) mustAs(role store.Role) *chart.Service {
	p.t.Helper()
	return p.tc.As(role)
}

// names lists every registered patient as "Family|Given|DOB", sorted.
func (p *practice) names() []string {
	p.t.Helper()
	var out []string
	err := p.st.View(func(tx *store.Tx) error {
		return tx.List(chart.TypePatient, func(r store.Record) error {
			var pt chart.Patient
			if err := json.Unmarshal(r.Body, &pt); err != nil {
				return err
			}
			out = append(out, pt.Family+"|"+pt.Given+"|"+pt.DOB)
			return nil
		})
	})
	if err != nil {
		p.t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// script classifies a name the way synth does.
func script(name string) string {
	ascii := true
	for _, r := range name {
		switch {
		case unicode.Is(unicode.Greek, r):
			return "greek"
		case unicode.Is(unicode.Cyrillic, r):
			return "cyrillic"
		case unicode.Is(unicode.Arabic, r):
			return "arabic"
		case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul):
			return "cjk"
		case r > unicode.MaxASCII:
			ascii = false
		}
	}
	if ascii {
		return "latin"
	}
	return "latin-accented"
}

func TestFillAsEachRole(t *testing.T) {
	p := newPractice(t)
	var calls []store.Role
	lastDone, lastTotal := 0, 0
	st, err := demo.Fill(p.svc, demo.Options{
		Patients: 60, Seed: 7,
		As: func(r store.Role) error { calls = append(calls, r); return p.as(r) },
		Progress: func(done, total int) {
			if done < lastDone || total <= 0 || done > total {
				t.Errorf("progress went %d/%d after %d/%d", done, total, lastDone, lastTotal)
			}
			lastDone, lastTotal = done, total
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if lastDone != lastTotal {
		t.Errorf("progress ended at %d of %d", lastDone, lastTotal)
	}
	want := []store.Role{store.RoleFrontDesk, store.RoleClinician, store.RoleCoder, store.RoleFrontDesk}
	if !slices.Equal(calls, want) {
		t.Errorf("As was called for %v, want %v", calls, want)
	}
	if st.Patients != 60 || st.Charts != 60 {
		t.Errorf("stats: %d patients, %d charts; want 60 and 60 (every patient up to 200)", st.Patients, st.Charts)
	}
	for _, n := range []struct {
		what string
		n    int
	}{{"problems", st.Problems}, {"allergies", st.Allergies}, {"medications", st.Medications},
		{"visits", st.Visits}, {"signed", st.Signed}, {"coded", st.Coded}, {"unsigned", st.Unsigned},
		{"uncoded", st.Uncoded}, {"vitals", st.Vitals}, {"immunizations", st.Immunizations},
		{"results", st.Results}, {"documents", st.Documents}, {"inbox", st.Inbox}} {
		if n.n == 0 {
			t.Errorf("Fill made no %s: %+v", n.what, st)
		}
	}
	if st.Signed+st.Unsigned != st.Visits {
		t.Errorf("signed %d + unsigned %d != visits %d", st.Signed, st.Unsigned, st.Visits)
	}

	// Laboratory results with a history to plot: some patients have a test
	// (by its LOINC code) measured three times or more, some outside range.
	p.mustAs(store.RoleClinician)
	byTest := map[string]int{}
	flagged := 0
	err = p.st.View(func(tx *store.Tx) error {
		return tx.List(chart.TypeResult, func(r store.Record) error {
			var res chart.Result
			if err := json.Unmarshal(r.Body, &res); err != nil {
				return err
			}
			if res.LOINC() == "" || res.Category != "laboratory" || res.Low == "" && res.High == "" {
				t.Errorf("a demo result without a LOINC code or range: %+v", res)
			}
			byTest[strings.SplitN(r.ID, ".", 2)[0]+" "+res.LOINC()]++
			if res.Abnormal() {
				flagged++
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	histories := 0
	for _, n := range byTest {
		if n >= 3 {
			histories++
		}
	}
	if histories < 3 || flagged == 0 {
		t.Errorf("%d tests of a patient measured three times or more, %d results flagged, in %d results", histories, flagged, st.Results)
	}

	// Names in all six scripts, by what the store holds.
	p.mustAs(store.RoleHIM)
	names := p.names()
	if len(names) != 60 {
		t.Fatalf("%d patients stored, want 60", len(names))
	}
	seen := map[string]int{}
	for _, n := range names {
		seen[script(strings.SplitN(n, "|", 2)[0])]++
	}
	for _, s := range []string{"latin", "latin-accented", "greek", "cyrillic", "arabic", "cjk"} {
		if seen[s] == 0 {
			t.Errorf("no patient's family name is in %s script: %v", s, seen)
		}
		if st.Scripts[s] == 0 {
			t.Errorf("Stats.Scripts has no %s: %v", s, st.Scripts)
		}
	}

	// and in the scripts synth does not write
	for _, family := range []string{"בדיקה", "परीक्षण", "परीक्षा", "ሙከራ", "ทดสอบ", "시험", "Thử Nghiệm"} {
		found := false
		for _, n := range names {
			found = found || strings.HasPrefix(n, family+"|")
		}
		if !found {
			t.Errorf("no patient is named %s", family)
		}
	}

	// The worklists have content, and match the stats.
	unsigned, err := p.mustAs(store.RoleClinician).UnsignedVisits(0)
	if err != nil || len(unsigned) != st.Unsigned {
		t.Errorf("UnsignedVisits: %d, %v; want %d", len(unsigned), err, st.Unsigned)
	}
	uncoded, err := p.mustAs(store.RoleCoder).UncodedVisits()
	if err != nil || len(uncoded) != st.Uncoded {
		t.Errorf("UncodedVisits: %d, %v; want %d", len(uncoded), err, st.Uncoded)
	}
	inbox, err := p.mustAs(store.RoleFrontDesk).Inbox()
	if err != nil || len(inbox) != st.Inbox {
		t.Errorf("Inbox: %d, %v; want %d", len(inbox), err, st.Inbox)
	}
	for _, d := range inbox {
		if d.ContentType != "application/pdf" && d.ContentType != "image/png" {
			t.Errorf("inbox document of type %q", d.ContentType)
		}
	}

	// A chart as the clinician sees it, and who wrote what.
	hits, err := p.mustAs(store.RoleClinician).Find(strings.SplitN(names[0], "|", 2)[0], 5)
	if err != nil || len(hits) == 0 {
		t.Fatalf("Find %q: %v %v", names[0], hits, err)
	}
	c, err := p.svc.OpenChart(hits[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Visits) == 0 || len(c.Vitals) == 0 {
		t.Errorf("chart of %s has %d visits and %d vitals", hits[0].Name(), len(c.Visits), len(c.Vitals))
	}
	for _, v := range c.Visits {
		primaries := 0
		for _, d := range v.Diagnoses {
			if d.Primary {
				primaries++
			}
		}
		if len(v.Diagnoses) > 0 && primaries != 1 {
			t.Errorf("visit with %d primary diagnoses: %+v", primaries, v.Diagnoses)
		}
	}
	authors := map[string]string{}
	p.mustAs(store.RoleHIM)
	err = p.svc.Audit("", func(e chart.AuditEntry) error {
		if i := strings.IndexByte(e.Action, '.'); i > 0 {
			authors[e.Action] = e.Username
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for action, user := range map[string]string{"patient.create": "desk", "visit.sign": "doc", "visit.code": "coder", "document.file": "desk", "document.receive": "desk", "problem.create": "doc"} {
		if authors[action] != user {
			t.Errorf("%s was done by %q, want %q", action, authors[action], user)
		}
	}
}

func TestFillIsDeterministic(t *testing.T) {
	today := time.Now().AddDate(0, -1, 0) // any fixed day in the past
	var runs [2][]string
	var stats [2]demo.Stats
	for i := range runs {
		p := newPractice(t)
		var err error
		stats[i], err = demo.Fill(p.mustAs(store.RoleClinician), demo.Options{Patients: 12, Seed: 42, Today: today})
		if err != nil {
			t.Fatal(err)
		}
		runs[i] = p.names()
	}
	if !slices.Equal(runs[0], runs[1]) {
		t.Errorf("the same seed made different patients:\n%v\n%v", runs[0], runs[1])
	}
	s0, _ := json.Marshal(stats[0])
	s1, _ := json.Marshal(stats[1])
	if string(s0) != string(s1) {
		t.Errorf("the same seed made different charts:\n%s\n%s", s0, s1)
	}
}

func TestFillRefusesARoleThatMayNotDoIt(t *testing.T) {
	p := newPractice(t)
	for _, role := range []store.Role{store.RoleFrontDesk, store.RoleCoder, store.RoleHIM} {
		_, err := demo.Fill(p.mustAs(role), demo.Options{Patients: 5, Seed: 1})
		var pe *chart.PermissionError
		if !errors.Is(err, store.ErrPermission) || !errors.As(err, &pe) {
			t.Errorf("Fill as %s: %v, want a permission error", role, err)
		}
	}
	p.mustAs(store.RoleHIM)
	if n := len(p.names()); n != 0 {
		t.Errorf("a refused Fill registered %d patients", n)
	}
	// Patients alone are front desk work.
	st, err := demo.Fill(p.mustAs(store.RoleFrontDesk), demo.Options{Patients: 5, Seed: 1, Clinical: -1})
	if err != nil || st.Patients != 5 || st.Charts != 0 {
		t.Errorf("patients only as front desk: %+v, %v", st, err)
	}
}

func TestFillKeepsToTheImportedCodeTable(t *testing.T) {
	p := newPractice(t)
	f, err := os.Open("../icd10/testdata/icd10cm-codes-test.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := p.svc.ImportCodes(f, "test table"); err != nil {
		t.Fatal(err)
	}
	st, err := demo.Fill(p.mustAs(store.RoleClinician), demo.Options{Patients: 25, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if st.Coded == 0 {
		t.Errorf("no visit coded with the test table's codes: %+v", st)
	}
}

func TestDefaultClinicalShare(t *testing.T) {
	for n, want := range map[int]int{0: 0, 1: 1, 200: 200, 201: 41, 1000: 200, 100_000: 20_000} {
		if got := demo.DefaultClinical(n); got != want {
			t.Errorf("DefaultClinical(%d) = %d, want %d", n, got, want)
		}
	}
	p := newPractice(t)
	st, err := demo.Fill(p.mustAs(store.RoleClinician), demo.Options{Patients: 30, Seed: 5, Clinical: 4})
	if err != nil {
		t.Fatal(err)
	}
	if st.Patients != 30 || st.Charts != 4 {
		t.Errorf("30 patients with 4 charts: %+v", st)
	}
}

func TestDocumentsAreWellFormed(t *testing.T) {
	p := newPractice(t)
	if _, err := demo.Fill(p.mustAs(store.RoleClinician), demo.Options{Patients: 10, Seed: 9}); err != nil {
		t.Fatal(err)
	}
	inbox, err := p.svc.Inbox()
	if err != nil || len(inbox) == 0 {
		t.Fatalf("inbox: %v %v", inbox, err)
	}
	for _, d := range inbox {
		rc, _, err := p.svc.OpenDocument(d.ID)
		if err != nil {
			t.Fatal(err)
		}
		b := make([]byte, 8)
		n, _ := rc.Read(b)
		rc.Close()
		switch d.ContentType {
		case "application/pdf":
			if !strings.HasPrefix(string(b[:n]), "%PDF-1.") {
				t.Errorf("PDF starts with %q", b[:n])
			}
		case "image/png":
			if string(b[:n]) != "\x89PNG\r\n\x1a\n" {
				t.Errorf("PNG starts with %q", b[:n])
			}
		}
	}
}
