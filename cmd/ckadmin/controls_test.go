package main

import (
	"encoding/json"
	"strings"
	"testing"

	"chartkeeper/chart"
)

// TestEscapeSequenceName: ckadmin refuses a name with a terminal escape
// sequence in plain words, and prints text stored before that rule (here
// written with the store package) with its control characters shown as
// escapes, never sent to the terminal.
func TestEscapeSequenceName(t *testing.T) {
	p := newPractice(t)
	p.addStaff()

	r := p.as("desk", userPass, "patient", "add", "--family", "Evil\x1b[2J\x1b]0;owned\x07", "--given", "Test", "--dob", "1984-03-07", "--sex", "female")
	wantCode(t, "patient add with an escape sequence", r, 1)
	wantOutput(t, "patient add with an escape sequence", r, "family name", "control characters")
	if strings.ContainsAny(r.output(), "\x1b\x07") {
		t.Errorf("the refusal printed the escape sequence raw: %q", r.output())
	}

	// Stored before the rule: a patient and an allergy written directly.
	var mrn string
	p.withChart("doc", func(svc *chart.Service) {
		pt, _, err := svc.RegisterPatient(chart.Patient{Family: "Testperson", Given: "Old", DOB: "1970-01-01", Sex: chart.Female})
		if err != nil {
			t.Fatal(err)
		}
		mrn = pt.MRN
		st := svc.Store()
		r, err := st.Get(pt.ID)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		json.Unmarshal(r.Body, &m)
		m["family"] = "Testperson\x1b]0;owned\x07\x1b[2J\u202eevil\u009b"
		body, _ := json.Marshal(m)
		if _, err := st.Put(chart.TypePatient, pt.ID, r.Rev, body); err != nil {
			t.Fatal(err)
		}
	})
	for _, args := range [][]string{{"patient", "show", "--mrn", mrn}, {"patient", "find", mrn}, {"audit", "list"}} {
		user := "doc"
		if args[0] == "audit" {
			r = p.admin(args...)
		} else {
			r = p.as(user, userPass, args...)
		}
		wantCode(t, strings.Join(args, " "), r, 0)
		if strings.ContainsAny(r.output(), "\x1b\x07\u202e\u009b") {
			t.Errorf("%s printed control characters raw:\n%q", strings.Join(args, " "), r.output())
		}
		if args[0] == "patient" {
			wantOutput(t, strings.Join(args, " "), r, `Testperson\x1b]0;owned\x07\x1b[2J\u202eevil\u009b`)
		}
	}
}
