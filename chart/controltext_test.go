package chart

import (
	"testing"

	"chartkeeper/store"
)

// TestEscapeSequenceName: names and free text refuse control characters,
// terminal escape sequences and bidirectional overrides with a plain
// message naming the field, and nothing is stored. Line breaks and tabs
// stay allowed in multi-line text (visit notes), never in names.
func TestEscapeSequenceName(t *testing.T) {
	p := newPractice(t)
	pt := p.patient("Testperson", "Ada", "1980-04-02")
	before := countChanges(t, p.st)

	s := p.as(store.RoleFrontDesk)
	_, _, err := s.RegisterPatient(Patient{Family: "Evil\x1b[2J\x1b]0;owned\x07", Given: "Test", DOB: "1990-01-01", Sex: Female})
	wantField(t, err, "family name", "control characters")
	_, _, err = s.RegisterPatient(Patient{Family: "Testperson", Given: "Line\nbreak", DOB: "1990-01-01", Sex: Female})
	wantField(t, err, "given name", "control characters")
	_, _, err = s.RegisterPatient(Patient{Family: "Testperson", Given: "C1\u009b31m", DOB: "1990-01-01", Sex: Female})
	wantField(t, err, "given name", "control characters")
	_, _, err = s.RegisterPatient(Patient{Family: "Testperson", Given: "Ada", Preferred: "abc\u202egpj.exe", DOB: "1990-01-01", Sex: Female})
	wantField(t, err, "preferred name", "control characters")
	q := pt
	q.Address.City = "Town\x1b[31m"
	_, err = s.UpdatePatient(q)
	wantField(t, err, "city", "control characters")
	q = pt
	q.Emergency.Name = "Next\x00of kin"
	_, err = s.UpdatePatient(q)
	wantField(t, err, "emergency contact name", "control characters")

	s = p.as(store.RoleClinician)
	err = s.Save(&Allergy{Meta: Meta{Patient: pt.ID}, Substance: "Latex\x1b[8m", Severity: "mild"})
	wantField(t, err, "substance", "control characters")
	v := Visit{Meta: Meta{Patient: pt.ID}, Date: "2026-05-01", Reason: "Cough", Plan: "Rest.\n\tFluids.\x1b[1A"}
	err = s.SaveVisit(&v)
	wantField(t, err, "plan", "control characters")

	if after := countChanges(t, p.st); after != before {
		t.Errorf("refused records changed the store: feed %d -> %d", before, after)
	}

	// Line breaks and tabs in a note are fine; accented and non-Latin
	// names too.
	v = Visit{Meta: Meta{Patient: pt.ID}, Date: "2026-05-01", Reason: "Cough", Plan: "Rest.\n\tFluids for a week."}
	if err := s.SaveVisit(&v); err != nil {
		t.Fatalf("a note with a line break and a tab: %v", err)
	}
	// Windows line ends, as other systems' exports carry them, are kept
	// as line breaks rather than refused.
	v = Visit{Meta: Meta{Patient: pt.ID}, Date: "2026-05-02", Reason: "Cough", Plan: "Rest.\r\nFluids.\rReview in a week."}
	if err := s.SaveVisit(&v); err != nil {
		t.Fatalf("a note with Windows line ends: %v", err)
	}
	if got := v.Plan; got != "Rest.\nFluids.\nReview in a week." {
		t.Errorf("plan stored as %q", got)
	}
	// A reason given with an action, which goes to the audit log, too.
	a := Allergy{Meta: Meta{Patient: pt.ID}, Substance: "Latex", Severity: "mild"}
	if err := s.Save(&a); err != nil {
		t.Fatal(err)
	}
	him := p.as(store.RoleHIM)
	wantField(t, him.DeleteRecord(a.ID, "entered twice\x1b[2J"), "reason", "control characters")
	wantField(t, him.MergePatients(pt.ID, pt.ID, "same\u202eperson"), "reason", "control characters")

	p.as(store.RoleFrontDesk)
	if _, _, err := p.svc.RegisterPatient(Patient{Family: "Ωμέγα-Testová", Given: "Zoë", Middle: "أحمد", DOB: "1991-02-03", Sex: Female}); err != nil {
		t.Fatalf("a non-Latin name: %v", err)
	}
}

// TestEscapeSequenceUser: the store refuses them in users' names and the
// practice's name too.
func TestEscapeSequenceUser(t *testing.T) {
	p := newPractice(t)
	p.as(store.RoleHIM)
	for _, name := range []string{"Eve\x1b[2J", "Eve\u202eevil", "Eve\u009b2J"} {
		if _, err := p.st.AddUser(store.NewUser{Username: "eve", Name: name, Role: store.RoleCoder, Password: []byte("Tablet-Harbor-Quince-58")}); err == nil {
			t.Errorf("user name %q accepted", name)
		}
	}
}
