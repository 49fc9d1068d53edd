package chart

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"chartkeeper/internal/testpractice"
	"chartkeeper/store"
)

func openAs(t *testing.T, svc *Service, pid string) *Chart {
	t.Helper()
	c, err := svc.OpenChart(pid)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// "No known allergies" is recorded on purpose by a clinician, audited and
// kept; an active allergy supersedes it (the record stays, marked), and it
// cannot be recorded while an allergy is active.
func TestNoKnownAllergies(t *testing.T) {
	p := newPractice(t)
	pt := p.patient("Bezalergická", "Žaneta", "1979-06-21")

	svc := p.as(store.RoleClinician)
	if c := openAs(t, svc, pt.ID); c.AllergyState() != AllergiesNotRecorded {
		t.Fatalf("a new chart's allergy state is %v", c.AllergyState())
	}

	_, err := p.as(store.RoleFrontDesk).RecordNoKnownAllergies(pt.ID)
	wantPermission(t, "front desk recording no known allergies", err, "clinicians")

	svc = p.as(store.RoleClinician)
	n, err := svc.RecordNoKnownAllergies(pt.ID)
	if err != nil {
		t.Fatal(err)
	}
	p.wantAudit(testpractice.Usernames[store.RoleClinician] + " nka.create " + pt.ID)
	c := openAs(t, svc, pt.ID)
	got, ok := c.NoKnownAllergy()
	if c.AllergyState() != NoKnownAllergiesState || !ok || got.ID != n.ID {
		t.Fatalf("after recording: state %v, %+v", c.AllergyState(), c.NoKnownAllergies)
	}
	if !got.RecordedAt.Equal(p.clk.now()) || got.RecordedBy == "" {
		t.Errorf("recorded at %v by %q, want the service's time and the clinician", got.RecordedAt, got.RecordedBy)
	}

	// Recording it again confirms it: the same record, a new time.
	p.clk.add(48 * time.Hour)
	again, err := svc.RecordNoKnownAllergies(pt.ID)
	if err != nil {
		t.Fatal(err)
	}
	c = openAs(t, svc, pt.ID)
	if again.ID != n.ID || len(c.NoKnownAllergies) != 1 || !c.NoKnownAllergies[0].RecordedAt.Equal(p.clk.now()) {
		t.Errorf("confirming again: %+v", c.NoKnownAllergies)
	}

	// An inactive allergy (one outgrown) does not contradict it.
	old := Allergy{Meta: Meta{Patient: pt.ID}, Substance: "Egg", Reaction: "Hives in childhood", Status: "inactive"}
	if err := svc.Save(&old); err != nil {
		t.Fatal(err)
	}
	if c := openAs(t, svc, pt.ID); c.AllergyState() != NoKnownAllergiesState {
		t.Errorf("an inactive allergy changed the state to %v", c.AllergyState())
	}

	// An active allergy supersedes it.
	a := Allergy{Meta: Meta{Patient: pt.ID}, Substance: "Penicillin", Reaction: "Rash", Severity: "moderate"}
	if err := svc.Save(&a); err != nil {
		t.Fatal(err)
	}
	p.wantAudit(testpractice.Usernames[store.RoleClinician] + " nka.supersede " + pt.ID)
	c = openAs(t, svc, pt.ID)
	if c.AllergyState() != AllergiesRecorded || len(c.NoKnownAllergies) != 1 || !c.NoKnownAllergies[0].Superseded {
		t.Fatalf("after an allergy: state %v, %+v", c.AllergyState(), c.NoKnownAllergies)
	}
	if _, ok := c.NoKnownAllergy(); ok {
		t.Error("a superseded statement still stands")
	}
	if len(c.ActiveAllergies()) != 1 || c.ActiveAllergies()[0].Substance != "Penicillin" {
		t.Errorf("active allergies: %+v", c.ActiveAllergies())
	}
	if hist, err := p.st.History(n.ID); err != nil || len(hist) != 3 {
		t.Errorf("the statement's history: %d revisions, %v; want 3 (recorded, confirmed, superseded)", len(hist), err)
	}

	// While the allergy is active, "No known allergies" is refused and
	// nothing is written.
	before := countChanges(t, p.st)
	if _, err := svc.RecordNoKnownAllergies(pt.ID); !errors.Is(err, ErrAllergiesActive) {
		t.Fatalf("recorded with an active allergy: %v", err)
	}
	if after := countChanges(t, p.st); after != before {
		t.Errorf("a refused statement wrote %d changes", after-before)
	}

	// Once the allergy is marked inactive it may be recorded again.
	a.Status = "inactive"
	if err := svc.Save(&a); err != nil {
		t.Fatal(err)
	}
	if c := openAs(t, svc, pt.ID); c.AllergyState() != AllergiesNotRecorded {
		t.Errorf("with only inactive allergies: %v", c.AllergyState())
	}
	if _, err := svc.RecordNoKnownAllergies(pt.ID); err != nil {
		t.Fatal(err)
	}
	if c := openAs(t, svc, pt.ID); c.AllergyState() != NoKnownAllergiesState || len(c.NoKnownAllergies) != 2 {
		t.Errorf("recorded again after the allergy ended: %v %+v", c.AllergyState(), c.NoKnownAllergies)
	}
}

// Two workstations: one records "No known allergies" while the other,
// not yet synced, records an allergy. After sync both show the allergy,
// and the statement syncs like any record.
func TestNoKnownAllergiesSync(t *testing.T) {
	p := newPractice(t)
	pt := p.patient("Synchronní", "Ola", "1990-01-15")
	ws := p.replicas(2)
	n, err := ws[0].as(t, store.RoleClinician).RecordNoKnownAllergies(pt.ID)
	if err != nil {
		t.Fatal(err)
	}
	a := Allergy{Meta: Meta{Patient: pt.ID}, Substance: "Sulfonamides", Reaction: "Rash", Severity: "mild"}
	if err := ws[1].as(t, store.RoleClinician).Save(&a); err != nil {
		t.Fatal(err)
	}
	syncAll(t, rand.New(rand.NewPCG(3, 4)), ws...)
	sameRecord(t, n.ID, ws...)
	for i, w := range ws {
		c := openAs(t, w.svc, pt.ID)
		if c.AllergyState() != AllergiesRecorded || len(c.NoKnownAllergies) != 1 {
			t.Errorf("workstation %d after sync: %v, %+v", i, c.AllergyState(), c.NoKnownAllergies)
		}
	}
	// Workstation 0 cannot record it over the allergy it received.
	if _, err := ws[0].svc.RecordNoKnownAllergies(pt.ID); !errors.Is(err, ErrAllergiesActive) {
		t.Errorf("recorded over a synced allergy: %v", err)
	}
}

func TestCodeText(t *testing.T) {
	for in, want := range map[string]string{
		"E119": "E11.9", "E11.9": "E11.9", "e11.9": "E11.9", " J45909 ": "J45.909", "I10": "I10",
		"Z79.84": "Z79.84", "": "", "not a code": "not a code", "E1.19": "E1.19",
	} {
		if got := CodeText(in); got != want {
			t.Errorf("CodeText(%q) = %q, want %q", in, got, want)
		}
	}
}
