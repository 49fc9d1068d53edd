package chart

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"chartkeeper/store"
)

// TestMRNCollision: two patients with one MRN, as two offline workstations
// can make, are never confused: the MRN lookup refuses to choose, the pair
// is on the HIM worklist, and a new MRN for one of them ends it.
func TestMRNCollision(t *testing.T) {
	p := newPractice(t)
	first := p.patient("Testperson", "Ana", "1970-01-01")
	// The second arrives as sync would bring it: a record written
	// elsewhere, with the MRN that workstation drew.
	other := Patient{ID: store.NewID(), MRN: first.MRN, Family: "Δοκιμαστική", Given: "Ελένη", DOB: "1982-02-02", Sex: Female}
	body, _ := json.Marshal(other)
	p.as(store.RoleHIM)
	if _, err := p.st.Put(TypePatient, other.ID, "", body); err != nil {
		t.Fatal(err)
	}
	for _, reopen := range []bool{false, true} {
		if reopen {
			p.svc.Close()
			p.svc = mustOpen(t, p)
		}
		_, err := p.svc.PatientByMRN(first.MRN)
		var ce *MRNCollisionError
		if !errors.As(err, &ce) || ce.Patients != 2 {
			t.Fatalf("lookup of a shared MRN (reopened %v): %v", reopen, err)
		}
		cs, err := p.svc.MRNCollisions()
		if err != nil || len(cs) != 1 || cs[0].MRN != first.MRN || len(cs[0].Patients) != 2 {
			t.Fatalf("collisions (reopened %v): %+v, %v", reopen, cs, err)
		}
	}
	hits, err := p.svc.Find(first.MRN, 10)
	if err != nil || len(hits) != 2 {
		t.Fatalf("a search for the shared MRN finds %d, %v; want both", len(hits), err)
	}

	p.as(store.RoleClinician)
	_, err = p.svc.MRNCollisions()
	wantPermission(t, "a clinician listing MRN collisions", err, "health information managers")
	_, err = p.svc.ReassignMRN(other.ID, "collision")
	wantPermission(t, "a clinician reassigning an MRN", err, "health information managers")

	p.as(store.RoleHIM)
	if _, err := p.svc.ReassignMRN(other.ID, " "); err == nil {
		t.Fatal("a new MRN without a reason")
	}
	mrn, err := p.svc.ReassignMRN(other.ID, "same MRN drawn on two workstations")
	if err != nil {
		t.Fatal(err)
	}
	if !ValidMRN(mrn) || mrn == first.MRN {
		t.Fatalf("new MRN %q", mrn)
	}
	for m, want := range map[string]string{first.MRN: first.ID, mrn: other.ID} {
		if id, err := p.svc.PatientByMRN(m); err != nil || id != want {
			t.Errorf("MRN %s leads to %s, %v; want %s", m, id, err, want)
		}
	}
	if cs, err := p.svc.MRNCollisions(); err != nil || len(cs) != 0 {
		t.Errorf("collisions after the new MRN: %+v, %v", cs, err)
	}
	got, err := p.svc.Patient(other.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(got.Identifiers, Identifier{System: PreviousMRN, Value: first.MRN}) {
		t.Errorf("the old MRN is not kept: %+v", got.Identifiers)
	}
	found := false
	for _, l := range p.auditLines() {
		found = found || strings.HasPrefix(l, "admin patient.mrn "+other.ID)
	}
	if !found {
		t.Errorf("no audit entry for the new MRN: %v", p.auditLines())
	}
}
