package chart

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"chartkeeper/store"
)

// A household sharing a phone is no duplicate; a real candidate names its
// reasons; a pair marked not the same person never returns, on any
// workstation, also when two workstations marked it.
func TestNotDuplicate(t *testing.T) {
	p := newPractice(t)
	// The helper gives patients born on the same day of the year the same
	// phone: these two share only that.
	p.patient("Householdtest", "Maria", "1950-03-04")
	p.as(store.RoleHIM)
	if _, _, err := p.svc.RegisterPatient(Patient{Family: "Otherfamily", Given: "Jonas", DOB: "1986-03-04", Sex: Male, Phone: "+1 555 0100 0304"}); err != nil {
		t.Fatal(err)
	}
	a := p.patient("Testfamily", "Oskar", "1971-02-03")
	b := p.patient("Testfamly", "Oskar", "1971-02-03")

	s := p.as(store.RoleHIM)
	pairs, err := s.DuplicateCandidates(0)
	if err != nil {
		t.Fatal(err)
	}
	if len(pairs) != 1 {
		t.Fatalf("candidates: %+v (a shared phone alone is not one)", pairs)
	}
	got := []string{pairs[0].A.ID, pairs[0].B.ID}
	slices.Sort(got)
	want := []string{a.ID, b.ID}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("the pair is %v, want %v", got, want)
	}
	if w := pairs[0].Why(); w != "similar name, same birth date, same phone" {
		t.Errorf("reasons %q", w)
	}

	ws := p.replicas(2)
	if err := ws[1].as(t, store.RoleFrontDesk).MarkNotDuplicate(a.ID, b.ID, "different mothers on file"); !errors.Is(err, store.ErrPermission) {
		t.Fatalf("front desk marked a pair: %v", err)
	}
	if err := ws[0].as(t, store.RoleHIM).MarkNotDuplicate(b.ID, a.ID, "twins, different first names at birth"); err != nil {
		t.Fatal(err)
	}
	if err := ws[0].svc.MarkNotDuplicate(a.ID, b.ID, "twins, different first names at birth"); err != nil {
		t.Fatalf("marking again: %v", err)
	}
	if err := ws[1].as(t, store.RoleHIM).MarkNotDuplicate(a.ID, b.ID, "called both; two people"); err != nil { // the other workstation, before syncing
		t.Fatal(err)
	}
	if err := ws[0].svc.MarkNotDuplicate(a.ID, a.ID, "the same chart twice"); err == nil {
		t.Error("a patient marked not itself")
	}
	for i, w := range ws {
		if pairs, err := w.svc.DuplicateCandidates(0); err != nil || len(pairs) != 0 {
			t.Errorf("workstation %d after marking: %+v %v", i, pairs, err)
		}
	}
	syncAll(t, rand.New(rand.NewPCG(7, 8)), ws...)
	id, _ := notDuplicateID(a.ID, b.ID)
	if r := sameRecord(t, id, ws...); len(r.Conflicts) != 0 || r.Type != TypeNotDuplicate {
		t.Errorf("the decision after sync: %+v", r)
	} else if !strings.Contains(string(r.Body), "twins") || !strings.Contains(string(r.Body), "called both") {
		t.Errorf("the two workstations' reasons are not both kept: %s", r.Body)
	}
	for i, w := range ws {
		if pairs, err := w.svc.DuplicateCandidates(0); err != nil || len(pairs) != 0 {
			t.Errorf("workstation %d after sync: %+v %v", i, pairs, err)
		}
	}

	// A workstation that only receives the decision leaves the pair out too.
	p2 := newPractice(t)
	c := p2.patient("Testfamily", "Oskar", "1971-02-03")
	d := p2.patient("Testfamly", "Oskar", "1971-02-03")
	ws2 := p2.replicas(2)
	if pairs, _ := ws2[1].as(t, store.RoleHIM).DuplicateCandidates(0); len(pairs) != 1 {
		t.Fatalf("second workstation before: %+v", pairs)
	}
	if err := ws2[0].as(t, store.RoleHIM).MarkNotDuplicate(c.ID, d.ID, "different mothers on file"); err != nil {
		t.Fatal(err)
	}
	syncAll(t, rand.New(rand.NewPCG(9, 10)), ws2...)
	if pairs, _ := ws2[1].svc.DuplicateCandidates(0); len(pairs) != 0 {
		t.Errorf("second workstation after sync: %+v", pairs)
	}

	var lines []string
	for _, l := range p.auditLines() {
		if strings.Contains(l, "patient.notduplicate") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 2 {
		t.Errorf("audit: %v", lines)
	}
}

// An HIM manager undoes "not the same person" with a reason: the pair is
// listed again, on every workstation, the reasons are kept in the record
// and the audit log, and the pair can be marked again.
func TestUndoNotDuplicate(t *testing.T) {
	p := newPractice(t)
	a := p.patient("Testfamily", "Oskar", "1971-02-03")
	b := p.patient("Testfamly", "Oskar", "1971-02-03")
	ws := p.replicas(2)
	him := ws[0].as(t, store.RoleHIM)
	if err := him.MarkNotDuplicate(a.ID, b.ID, ""); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("marked without a reason: %v", err)
	}
	if err := him.MarkNotDuplicate(a.ID, b.ID, "twins, different first names at birth"); err != nil {
		t.Fatal(err)
	}
	if err := him.UndoNotDuplicate(a.ID, b.ID, "x"); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("undone with a one-letter reason: %v", err)
	} else if ve := new(ValidationError); !errors.As(err, &ve) || ve.Field("reason") == "" {
		t.Errorf("the refusal names no field: %v", err)
	}
	if list, err := him.NotDuplicates(); err != nil || len(list) != 1 || list[0].Reason != "twins, different first names at birth" {
		t.Fatalf("NotDuplicates = %+v, %v", list, err)
	}
	if err := ws[1].as(t, store.RoleClinician).UndoNotDuplicate(a.ID, b.ID, "they are the same"); !errors.Is(err, store.ErrPermission) {
		t.Fatalf("a clinician undid it: %v", err)
	}
	syncAll(t, rand.New(rand.NewPCG(1, 2)), ws...)
	if err := ws[1].as(t, store.RoleHIM).UndoNotDuplicate(b.ID, a.ID, "same SSN on the insurance card"); err != nil {
		t.Fatal(err)
	}
	if err := ws[1].svc.UndoNotDuplicate(a.ID, b.ID, "same SSN on the insurance card"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("undoing twice: %v", err)
	}
	syncAll(t, rand.New(rand.NewPCG(3, 4)), ws...)
	id, _ := notDuplicateID(a.ID, b.ID)
	r := sameRecord(t, id, ws...)
	if len(r.Conflicts) != 0 || !strings.Contains(string(r.Body), "twins") || !strings.Contains(string(r.Body), "same SSN") {
		t.Errorf("the record after undo: %+v %s", r, r.Body)
	}
	for i, w := range ws {
		if pairs, err := w.svc.DuplicateCandidates(0); err != nil || len(pairs) != 1 {
			t.Errorf("workstation %d after undo: %+v %v", i, pairs, err)
		}
	}
	if list, err := ws[0].svc.NotDuplicates(); err != nil || len(list) != 0 {
		t.Errorf("NotDuplicates after undo = %+v, %v", list, err)
	}
	// Marked again: off the list again.
	if err := ws[0].svc.MarkNotDuplicate(a.ID, b.ID, "checked the birth certificates"); err != nil {
		t.Fatal(err)
	}
	if pairs, _ := ws[0].svc.DuplicateCandidates(0); len(pairs) != 0 {
		t.Errorf("marked again, still listed: %+v", pairs)
	}
	var undo int
	err := ws[1].st.AuditLog(1, func(ev store.AuditEvent) error {
		if ev.Action == "patient.notduplicate.undo" && strings.Contains(ev.Detail, "same SSN") {
			undo++
		}
		return nil
	})
	if err != nil || undo != 2 {
		t.Errorf("the undo is audited %d times with its reason, want 2 (one per patient): %v", undo, err)
	}
}
