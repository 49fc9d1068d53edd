package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chartkeeper/chart"
	"chartkeeper/chart/synth"
)

// addStaff adds desk (front desk), doc (clinician) and coder (coder), all
// with userPass.
func (p *practice) addStaff() {
	p.t.Helper()
	pw := writeFile(p.t, p.t.TempDir(), "staff.pw", userPass+"\n")
	for _, u := range []struct{ name, username, role string }{
		{"Fran Desk", "desk", "front-desk"}, {"Dana Doctor", "doc", "clinician"}, {"Cody Coder", "coder", "coder"},
	} {
		r := p.admin("user", "add", "--name", u.name, "--username", u.username, "--role", u.role, "--new-password-file", pw)
		wantCode(p.t, "user add "+u.username, r, 0)
	}
}

// withChart runs fn with the chart service, signed in as user, in this
// process: for what ckadmin has no command for (clinical records).
func (p *practice) withChart(user string, fn func(*chart.Service)) {
	p.t.Helper()
	s, err := chart.OpenStore(p.dir)
	if err != nil {
		p.t.Fatal(err)
	}
	defer s.Close()
	if err := s.Unlock(user, []byte(userPass)); err != nil {
		p.t.Fatal(err)
	}
	svc, err := chart.Open(s)
	if err != nil {
		p.t.Fatal(err)
	}
	defer svc.Close()
	fn(svc)
}

// lastLine is the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func TestPatients(t *testing.T) {
	p := newPractice(t)
	p.addStaff()

	// Register: the MRN alone on the last line.
	r := p.as("desk", userPass, "patient", "add", "--family", "López", "--given", "María José", "--dob", "1984-03-07",
		"--sex", "female", "--phone", "+1 555 0100 1234")
	wantCode(t, "patient add", r, 0)
	mrn := strings.TrimSpace(r.stdout)
	if !chart.ValidMRN(mrn) {
		t.Fatalf("patient add printed %q, not an MRN", r.stdout)
	}

	// A likely duplicate: the warning first, the new MRN last.
	r = p.as("doc", userPass, "patient", "add", "--family", "Lopez", "--given", "Maria Jose", "--dob", "1984-03-07", "--sex", "female")
	wantCode(t, "patient add (duplicate)", r, 0)
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	if len(lines) != 2 || lines[0] != "warning: likely duplicate of MRN "+mrn+" López, María José, born 1984-03-07" {
		t.Fatalf("duplicate warning:\n%s", r.stdout)
	}
	mrn2 := lastLine(r.stdout)
	if !chart.ValidMRN(mrn2) || mrn2 == mrn {
		t.Fatalf("second MRN %q (first %s)", mrn2, mrn)
	}

	// Find: by name prefix, accents ignored, by MRN; one stable line each.
	want1 := mrn + "\tLópez, María José\t1984-03-07"
	want2 := mrn2 + "\tLopez, Maria Jose\t1984-03-07"
	for _, q := range [][]string{{"lop"}, {"LOPEZ", "maría"}, {"lópez"}} {
		r := p.as("coder", userPass, append([]string{"patient", "find"}, q...)...)
		wantCode(t, "patient find "+strings.Join(q, " "), r, 0)
		if got := strings.Split(strings.TrimSpace(r.stdout), "\n"); len(got) != 2 || !contains(got, want1) || !contains(got, want2) {
			t.Errorf("patient find %s:\n%s", strings.Join(q, " "), r.stdout)
		}
	}
	r = p.as("desk", userPass, "patient", "find", mrn)
	wantCode(t, "patient find MRN", r, 0)
	if strings.TrimSpace(r.stdout) != want1 {
		t.Errorf("patient find %s:\n%s", mrn, r.output())
	}
	r = p.as("desk", userPass, "patient", "find", "Zzyzx")
	wantCode(t, "patient find (no match)", r, 0)
	if r.stdout != "" {
		t.Errorf("no match printed on stdout: %q", r.stdout)
	}

	// A problem for the chart, written by the clinician.
	p.withChart("doc", func(svc *chart.Service) {
		id, err := svc.PatientByMRN(mrn)
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.Save(&chart.Problem{Meta: chart.Meta{Patient: id}, Code: "E11.9", Description: "Type 2 diabetes mellitus without complications"}); err != nil {
			t.Fatal(err)
		}
	})

	// Show: the clinician sees the problem, the front desk does not, and
	// break-glass does not open it either: the front desk's keys do not
	// reach the clinical chart.
	r = p.as("doc", userPass, "patient", "show", "--mrn", mrn)
	wantCode(t, "patient show as clinician", r, 0)
	wantOutput(t, "patient show as clinician", r, "MRN:", mrn, "López, María José", "1984-03-07", "female", "Problems (1)", "E11.9", "Type 2 diabetes")
	if strings.Contains(r.stdout, "Not shown") {
		t.Errorf("the clinician is told something is hidden:\n%s", r.stdout)
	}
	r = p.as("desk", userPass, "patient", "show", "--mrn", mrn)
	wantCode(t, "patient show as front desk", r, 0)
	wantOutput(t, "patient show as front desk", r, mrn, "López, María José", "Not shown to your role (front desk)", "clinical chart", "ask a clinician")
	if strings.Contains(r.stdout, "diabetes") || strings.Contains(r.stdout, "Problems") {
		t.Errorf("front desk sees the problem list:\n%s", r.stdout)
	}
	r = p.as("desk", userPass, "patient", "show", "--mrn", mrn, "--break-glass", "patient collapsed at the front desk")
	wantCode(t, "patient show --break-glass", r, 3)
	wantOutput(t, "patient show --break-glass", r, "break-glass opens only what your keys reach")
	if strings.Contains(r.stdout+r.stderr, "diabetes") {
		t.Errorf("break-glass showed the problem list to the front desk:\n%s", r.stdout)
	}
	// verify as front desk: clean, and says what it could not open.
	r = p.as("desk", userPass, "verify")
	wantCode(t, "verify as front desk", r, 0)
	wantOutput(t, "verify as front desk", r, "sealed under keys your role does not hold", "ok")
	r = p.as("desk", userPass, "patient", "show", "--mrn", mrn, "--break-glass", "x")
	wantCode(t, "patient show --break-glass with a short reason", r, 1)
	wantOutput(t, "patient show --break-glass with a short reason", r, "reason")

	// Audit: the HIM manager sees who did what to this patient.
	r = p.admin("audit", "list", "--mrn", mrn)
	wantCode(t, "audit list --mrn", r, 0)
	var actions []string
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		f := strings.Split(l, "\t")
		if len(f) != 6 {
			t.Fatalf("audit line %q has %d fields, want 6", l, len(f))
		}
		if _, err := time.Parse(time.RFC3339, f[0]); err != nil || !strings.HasSuffix(f[0], "Z") {
			t.Errorf("audit time %q is not RFC 3339 in UTC", f[0])
		}
		if f[3] != mrn {
			t.Errorf("audit --mrn %s printed a line about %q: %s", mrn, f[3], l)
		}
		actions = append(actions, f[1]+" "+f[2])
	}
	for _, want := range []string{"desk patient.create", "doc problem.create", "doc chart.view", "desk chart.view"} {
		if !contains(actions, want) {
			t.Errorf("audit list --mrn lacks %q:\n%s", want, r.stdout)
		}
	}
	r = p.admin("audit", "list")
	wantCode(t, "audit list", r, 0)
	wantOutput(t, "audit list", r, "\tadmin\tlogin\t-\t", "\tadmin\tuser.add\t-\t", "\t"+mrn2+"\t")

	// Refusals name the roles that may.
	r = p.as("desk", userPass, "audit", "list")
	wantCode(t, "audit list as front desk", r, 3)
	wantOutput(t, "audit list as front desk", r, "health information managers")
	r = p.as("coder", userPass, "patient", "add", "--family", "New", "--given", "Person", "--dob", "2000-01-01", "--sex", "male")
	wantCode(t, "patient add as coder", r, 3)
	wantOutput(t, "patient add as coder", r, "front desk staff, clinicians or health information managers")

	// Mistakes: a future birth date (the chart's field message), an
	// unknown sex and a mistyped MRN (usage), an unknown MRN.
	future := time.Now().AddDate(1, 0, 0).Format("2006-01-02")
	r = p.as("desk", userPass, "patient", "add", "--family", "Future", "--given", "Kid", "--dob", future, "--sex", "unknown")
	wantCode(t, "patient add with a future birth date", r, 1)
	wantOutput(t, "patient add with a future birth date", r, "the patient was not saved:\n  birth date is in the future.")
	r = p.as("desk", userPass, "patient", "add", "--family", "A", "--given", "B", "--dob", "1990-01-01", "--sex", "robot")
	wantCode(t, "patient add with an unknown sex", r, 2)
	wantOutput(t, "patient add with an unknown sex", r, "female, male, other or unknown")
	r = p.as("desk", userPass, "patient", "add", "--given", "B", "--dob", "1990-01-01", "--sex", "male")
	wantCode(t, "patient add without --family", r, 2)
	wantOutput(t, "patient add without --family", r, "--family")
	bad := mrn[:7] + string(rune('0'+(mrn[7]-'0'+1)%10))
	r = p.as("desk", userPass, "patient", "show", "--mrn", bad)
	wantCode(t, "patient show with a mistyped MRN", r, 2)
	wantOutput(t, "patient show with a mistyped MRN", r, "check digit")
	r = p.as("desk", userPass, "patient", "show", "--mrn", unusedMRN(mrn, mrn2))
	wantCode(t, "patient show with an unknown MRN", r, 1)
	wantOutput(t, "patient show with an unknown MRN", r, "no patient has MRN")

	r = p.admin("patient")
	wantCode(t, "patient without a subcommand", r, 2)
	wantOutput(t, "patient without a subcommand", r, "add, find, show")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// unusedMRN is a valid MRN that is neither of the two.
func unusedMRN(a, b string) string {
	for n := 1_000_000; ; n++ {
		for d := 0; d <= 9; d++ {
			if m := fmt.Sprintf("%07d%d", n, d); chart.ValidMRN(m) && m != a && m != b {
				return m
			}
		}
	}
}

func TestCodesImport(t *testing.T) {
	p := newPractice(t)
	p.addStaff()
	table := filepath.Join("..", "..", "chart", "icd10", "testdata", "icd10cm-codes-test.txt")
	r := p.admin("codes", "import", table)
	wantCode(t, "codes import", r, 0)
	wantOutput(t, "codes import", r, "Imported 12 ICD-10-CM codes")

	r = p.as("doc", userPass, "codes", "import", table)
	wantCode(t, "codes import as clinician", r, 3)
	wantOutput(t, "codes import as clinician", r, "health information managers")

	r = p.admin("codes", "import", filepath.Join(t.TempDir(), "missing.txt"))
	wantCode(t, "codes import of a missing file", r, 1)
	wantOutput(t, "codes import of a missing file", r, "missing.txt")
	r = p.admin("codes", "import")
	wantCode(t, "codes import without a file", r, 2)

	// The table holds: a code outside it is refused.
	p.withChart("doc", func(svc *chart.Service) {
		pt, _, err := svc.RegisterPatient(chart.Patient{Family: "Table", Given: "Test", DOB: "1970-01-01", Sex: chart.Male})
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.Save(&chart.Problem{Meta: chart.Meta{Patient: pt.ID}, Code: "I10", Description: "Hypertension"}); err != nil {
			t.Errorf("a code in the imported table: %v", err)
		}
		if err := svc.Save(&chart.Problem{Meta: chart.Meta{Patient: pt.ID}, Code: "K21.9", Description: "Reflux"}); err == nil {
			t.Error("a code outside the imported table was accepted")
		}
	})
}

func TestDemo(t *testing.T) {
	p := newPractice(t)
	demoPW := []string{"CHARTKEEPER_NEW_PASSWORD=demo-Harbor-Pepper-123"}
	r := p.run(demoPW, "demo", "--patients", "30", "--seed", "4", "--data", p.dir, "--user", "admin", "--password-file", p.adminPWFile)
	wantCode(t, "demo", r, 0)
	wantOutput(t, "demo", r, "Added demo-frontdesk", "Added demo-clinician", "Added demo-coder", "Made up 30 patients", "30 charts", "waiting in the inbox",
		"Installed the built-in primary-care ICD-10-CM table")
	if !strings.Contains(r.stderr, "100%") {
		t.Errorf("demo showed no progress on stderr:\n%s", r.stderr)
	}
	r = p.admin("user", "list")
	wantOutput(t, "user list after demo", r, "demo-frontdesk\tfront-desk", "demo-clinician\tclinician", "demo-coder\tcoder")

	// The made-up patients can be found: the seed's first person is there.
	first := synth.New(4).Person()
	r = p.as("demo-clinician", "demo-Harbor-Pepper-123", "patient", "find", first.Family)
	wantCode(t, "patient find after demo", r, 0)
	wantOutput(t, "patient find after demo", r, first.Family+", "+first.Given)
	mrn := strings.SplitN(r.stdout, "\t", 2)[0]
	r = p.as("demo-clinician", "demo-Harbor-Pepper-123", "patient", "show", "--mrn", mrn)
	wantCode(t, "patient show after demo", r, 0)
	wantOutput(t, "patient show after demo", r, "Visits, newest first", "Vital signs, newest first")

	// The registrations are the front desk's, the notes the clinician's.
	r = p.admin("audit", "list", "--mrn", mrn)
	wantOutput(t, "audit list after demo", r, "\tdemo-frontdesk\tpatient.create\t"+mrn, "\tdemo-clinician\tvisit.create\t"+mrn)

	// Again, with the demo users there: their password is needed.
	r = p.run([]string{"CHARTKEEPER_NEW_PASSWORD=not-their-Tulip-Anchor"}, "demo", "--patients", "3", "--data", p.dir, "--user", "admin", "--password-file", p.adminPWFile)
	wantCode(t, "demo with another password", r, 4)
	wantOutput(t, "demo with another password", r, "demo-frontdesk", "not theirs")
	r = p.run(demoPW, "demo", "--patients", "3", "--charts", "0", "--data", p.dir, "--user", "admin", "--password-file", p.adminPWFile)
	wantCode(t, "demo again", r, 0)
	if strings.Contains(r.stdout, "Added") || strings.Contains(r.stdout, "charts") || strings.Contains(r.stdout, "Installed") {
		t.Errorf("demo again added users or charts:\n%s", r.stdout)
	}

	// Only an HIM manager may run it.
	r = p.run(append(demoPW, "CHARTKEEPER_USER=demo-clinician", "CHARTKEEPER_PASSWORD=demo-Harbor-Pepper-123"), "demo", "--patients", "3")
	wantCode(t, "demo as a clinician", r, 3)
	wantOutput(t, "demo as a clinician", r, "health information manager")
	wantCode(t, "demo without --patients", p.admin("demo"), 2)
}
