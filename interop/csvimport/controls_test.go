package csvimport_test

import (
	"strings"
	"testing"

	"chartkeeper/interop/csvimport"
)

// TestEscapeSequenceRow: a row whose name holds a terminal escape sequence
// or another control character is reported by its line, in plain words,
// and nothing is stored; a line break inside a quoted name cell is read
// as a space.
func TestEscapeSequenceRow(t *testing.T) {
	p := newPractice(t)
	list := "family,given,dob,sex\n" +
		"Testfine,Ana,1980-02-02,f\n" +
		"\"Evil\x1b[2J\x1b]0;owned\x07\",Bo,1981-03-03,m\n" + // line 3
		"Testbidi,\"Cy\u202eevil\",1982-04-04,f\n" + // line 4
		"\"Test\nBroken\",Di,1983-05-05,f\n" // lines 5-6: a line break in the cell
	sh := read(t, list, csvimport.Options{})
	before, n := p.lastChange(), p.count()
	rep, err := csvimport.Check(p.svc, sh)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int]string{}
	for _, e := range rep.Errors {
		got[e.Line] = e.Reason
	}
	if !strings.Contains(got[3], "family name contains control characters") || !strings.Contains(got[4], "given name contains control characters") || len(got) != 2 {
		t.Errorf("rows reported: %v", got)
	}
	for _, r := range rep.Errors {
		if strings.ContainsAny(r.Reason, "\x1b\x07\u202e") {
			t.Errorf("the report repeats the control characters: %q", r.Reason)
		}
	}
	if _, err := csvimport.Import(p.svc, sh, false, "test.csv"); err != csvimport.ErrRows {
		t.Fatalf("import with the bad rows: %v", err)
	}
	if p.lastChange() != before || p.count() != n {
		t.Fatal("rows with control characters were stored")
	}
	for _, r := range sh.Rows {
		if r.Patient.Given == "Di" && r.Patient.Family != "Test Broken" {
			t.Errorf("a line break in a name cell: %q", r.Patient.Family)
		}
	}
}
