package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"chartkeeper/chart"
	"chartkeeper/chart/demo"
	"chartkeeper/chart/icd10"
	"chartkeeper/store"
)

// The demo users: demo data is written by users of the roles that would
// write it in a clinic, so that its records and audit log look like a
// clinic's. ckadmin demo adds them when they are missing.
var demoUsers = []struct {
	role     store.Role
	username string
	name     string
}{
	{store.RoleFrontDesk, "demo-frontdesk", "Demo Front Desk"},
	{store.RoleClinician, "demo-clinician", "Demo Clinician"},
	{store.RoleCoder, "demo-coder", "Demo Coder"},
}

const demoDetails = `Demo data is made up: names in several scripts, 555 phone numbers,
real ICD-10-CM codes on invented charts. A practice without an ICD-10-CM
table gets the built-in primary-care one (see 'ckadmin codes import' for the
full CMS release). The same --seed makes the same
patients. Only a health information manager may run it, since it adds users:
demo-frontdesk registers the patients and files the documents, demo-clinician
writes and signs the charts, demo-coder codes visits. They are added when
missing, with the password from --new-password-file, else
$` + envNewPassword + `, else asked twice; when they exist already, give the
password they have. Disable them with 'ckadmin user disable' when done.

Progress goes to stderr, the summary to stdout.`

func runDemo(e *env, args []string) error {
	fs := e.flags()
	sf := addStoreFlags(fs)
	var patients, charts optionalInt
	fs.Var(&patients, "patients", "make up `n` patients")
	seed := fs.Uint64("seed", 1, "the `number` the patients and charts are drawn from")
	fs.Var(&charts, "charts", "give `n` of them a clinical chart and documents; 0 for none (default: all up to 200, else one in five)")
	newFile := newPasswordFlag(fs)
	if _, err := e.parseExact(fs, args); err != nil {
		return err
	}
	switch {
	case !patients.set:
		return usagef("missing --patients N")
	case patients.n < 1:
		return usagef("--patients must be at least 1")
	case charts.n < 0:
		return usagef("--charts cannot be negative")
	case charts.n > patients.n:
		return usagef("--charts %d is more than --patients %d", charts.n, patients.n)
	}
	clinical := 0 // demo's default share
	if charts.set {
		clinical = charts.n
		if clinical == 0 {
			clinical = -1 // none
		}
	}

	s, err := e.signIn(sf)
	if err != nil {
		return err
	}
	defer s.Close()
	me, err := s.CurrentUser()
	if err != nil {
		return err
	}
	if me.Role != store.RoleHIM {
		return fmt.Errorf("%w: only a health information manager may load demo data (it adds the demo users)", store.ErrPermission)
	}
	existing := map[string]store.User{}
	users, err := s.Users()
	if err != nil {
		return err
	}
	for _, u := range users {
		existing[u.Username] = u
	}
	for _, d := range demoUsers {
		if u, ok := existing[d.username]; ok && (u.Role != d.role || u.Disabled) {
			what := "is " + roleWords(u.Role)
			if u.Disabled {
				what = "is disabled"
			}
			return fmt.Errorf("%w: the demo user %s exists but %s; demo data needs it as %s", store.ErrInvalid, d.username, what, roleWords(d.role))
		}
	}
	pw, err := e.readSecret(newPasswordSource("the demo users", *newFile, "--new-password-file", envNewPassword))
	if err != nil {
		return err
	}
	defer clear(pw)
	for _, d := range demoUsers {
		if _, ok := existing[d.username]; ok {
			continue
		}
		if _, err := s.AddUser(store.NewUser{Username: d.username, Name: d.name, Role: d.role, Password: pw}); err != nil {
			return fmt.Errorf("adding the demo user %s: %w", d.username, err)
		}
		fmt.Fprintf(e.stdout, "Added %s (%s) as %s.\n", d.username, d.name, roleWords(d.role))
	}
	svc, err := chart.Open(s)
	if err != nil {
		return err
	}
	defer svc.Close()
	// A practice without a code table gets the built-in one, as the HIM
	// manager, before the demo users take turns.
	n, err := demo.InstallCodes(svc)
	if err != nil {
		return err
	}
	if n > 0 {
		fmt.Fprintf(e.stdout, "Installed the built-in primary-care ICD-10-CM table: %d codes from %s. "+
			"Import the current CMS release with 'ckadmin codes import FILE'.\n", n, icd10.PrimaryCareRelease)
	}
	// Demo users that were there already must open with this password
	// before the demo data is written.
	for _, d := range demoUsers {
		if _, ok := existing[d.username]; ok {
			if err := s.Unlock(d.username, pw); err != nil {
				return fmt.Errorf("the demo user %s exists already and the password given is not theirs: %w", d.username, err)
			}
		}
	}

	as := func(role store.Role) error {
		for _, d := range demoUsers {
			if d.role == role {
				s.Lock()
				return s.Unlock(d.username, pw)
			}
		}
		return fmt.Errorf("no demo user is %s", roleWords(role))
	}
	start := time.Now()
	shown := -1
	progress := func(done, total int) {
		pct := done * 100 / max(total, 1)
		if pct/10 > shown/10 || done == total && pct != shown {
			fmt.Fprintf(e.stderr, "demo: %3d%% (%d of %d steps)\n", pct, done, total)
			shown = pct
		}
	}
	st, err := demo.Fill(svc, demo.Options{Patients: patients.n, Seed: *seed, Clinical: clinical, Progress: progress, As: as})
	if err != nil {
		return err
	}
	printDemoStats(e, st, *seed, time.Since(start))
	return nil
}

func printDemoStats(e *env, st demo.Stats, seed uint64, took time.Duration) {
	w := e.stdout
	fmt.Fprintf(w, "Made up %d patients (seed %d) in %s.\n", st.Patients, seed, took.Round(100*time.Millisecond))
	var scripts []string
	for _, s := range []struct{ key, title string }{{"latin", "Latin"}, {"latin-accented", "accented Latin"},
		{"greek", "Greek"}, {"cyrillic", "Cyrillic"}, {"arabic", "Arabic"}, {"cjk", "Chinese or Japanese"}} {
		if n := st.Scripts[s.key]; n > 0 {
			scripts = append(scripts, fmt.Sprintf("%d %s", n, s.title))
		}
	}
	if len(scripts) > 0 {
		fmt.Fprintf(w, "  Names: %s.\n", strings.Join(scripts, ", "))
	}
	if st.Charts == 0 {
		return
	}
	fmt.Fprintf(w, "  %d charts: %d problems, %d allergies, %d medications, %d vital signs, %d immunizations, %d laboratory results.\n",
		st.Charts, st.Problems, st.Allergies, st.Medications, st.Vitals, st.Immunizations, st.Results)
	fmt.Fprintf(w, "  %d visits: %d signed, %d with diagnosis codes; worklists: %d unsigned, %d signed and waiting for codes.\n",
		st.Visits, st.Signed, st.Coded, st.Unsigned, st.Uncoded)
	fmt.Fprintf(w, "  %d documents filed into charts, %d waiting in the inbox.\n", st.Documents, st.Inbox)
}

// optionalInt is an integer flag that knows whether it was given and has
// no default to show.
type optionalInt struct {
	n   int
	set bool
}

func (o *optionalInt) String() string {
	if o == nil || !o.set {
		return ""
	}
	return strconv.Itoa(o.n)
}

func (o *optionalInt) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return errors.New("not a whole number")
	}
	o.n, o.set = n, true
	return nil
}
