package chart

import (
	"errors"
	"strings"
	"testing"

	"chartkeeper/store"
)

func TestEmailLike(t *testing.T) {
	for _, s := range []string{"ana.test@example.org", "x+tag@mail.example.co.uk", "élodie@exemple.fr", "a@b-c.example"} {
		if !EmailLike(s) {
			t.Errorf("%q refused", s)
		}
	}
	for _, s := range []string{"", "ana", "ana@", "@example.org", "ana@example", "ana test@example.org", "Ana <ana@example.org>",
		"ana@@example.org", "ana@example..org", "ana@-example.org", ".ana@example.org", "ana@exa_mple.org", strings.Repeat("a", 65) + "@example.org"} {
		if EmailLike(s) {
			t.Errorf("%q accepted", s)
		}
	}
}

// The middle name and e-mail are stored (trimmed) and read back; an
// e-mail of the wrong shape is refused with the field named.
func TestMiddleNameAndEmailStored(t *testing.T) {
	p := newPractice(t)
	svc := p.as(store.RoleFrontDesk)
	pt, _, err := svc.RegisterPatient(Patient{Family: "Testperez", Given: "Ana", Middle: " Lucía ", DOB: "1980-01-02", Sex: Female, Email: " ana.testperez@example.org "})
	if err != nil {
		t.Fatal(err)
	}
	got, err := svc.Patient(pt.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Middle != "Lucía" || got.Email != "ana.testperez@example.org" {
		t.Errorf("stored %+v", got)
	}
	_, _, err = svc.RegisterPatient(Patient{Family: "Testbad", Given: "Bo", DOB: "1980-01-02", Email: "bo at example.org", Middle: strings.Repeat("x", 101)})
	var ve *ValidationError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), "e-mail: must be an e-mail address") || !strings.Contains(err.Error(), "middle name: is longer than 100") {
		t.Errorf("bad e-mail and middle name: %v", err)
	}
}
