package chart

import (
	"fmt"
	"testing"
	"time"

	"chartkeeper/store"
)

// Disabling a coder (who held the clinical key) starts a new epoch of it;
// the service opened at the next sign-in seals the older visits again in
// the background, and they still read.
func TestBackgroundReseal(t *testing.T) {
	p := newPractice(t)
	pt := p.patient("Testreseal", "Ännchen", "1970-03-04")
	var visits []Visit
	for _, d := range []string{"2026-01-05", "2026-02-05", "2026-03-05"} {
		visits = append(visits, p.visit(pt, d))
	}
	p.as(store.RoleHIM)
	if err := p.st.DisableUser(p.tp.Username(store.RoleCoder)); err != nil {
		t.Fatal(err)
	}
	p.svc.Close()
	p.as(store.RoleClinician)
	svc, err := Open(p.st, WithClock(p.clk.now))
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		pr, err := p.st.ResealStatus()
		if err != nil {
			t.Fatal(err)
		}
		if pr.Done {
			if pr.Epoch != 2 || pr.Resealed < len(visits) {
				t.Fatalf("re-seal finished with %+v, want epoch 2 and the %d visits at least", pr, len(visits))
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the background re-seal has not finished: %+v", pr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	c := openAs(t, svc, pt.ID)
	if len(c.Visits) != len(visits) {
		t.Fatalf("the chart shows %d visits after the re-seal, want %d", len(c.Visits), len(visits))
	}
}

// Disabling a front desk user starts a new epoch of the general key; the
// demographics are sealed again in the background, and while that pass is
// under way (stopped midway, then running beside the session) the other
// front desk user signs in, finds patients by name, registers one and
// finds it too.
func TestSignInAndSearchDuringGeneralReseal(t *testing.T) {
	p := newPractice(t)
	p.as(store.RoleHIM)
	for i := range 150 {
		if _, _, err := p.svc.RegisterPatient(Patient{Family: "Zqxsearch", Given: fmt.Sprintf("Ådné%03d", i), DOB: "1980-01-02", Sex: Female}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.st.AddUser(store.NewUser{Username: "desk.two", Name: "Test Desktwo", Role: store.RoleFrontDesk, Password: []byte("a long test passphrase for desk two")}); err != nil {
		t.Fatal(err)
	}
	if err := p.st.DisableUser("desk.two"); err != nil {
		t.Fatal(err)
	}
	p.svc.Close()
	// Part of the pass, as a workstation switched off midway leaves it.
	pr, err := p.st.ResealStep(40)
	if err != nil || pr.Done || pr.GeneralResealed != 40 {
		t.Fatalf("first re-seal step: %+v %v", pr, err)
	}
	p.as(store.RoleFrontDesk)
	svc, err := Open(p.st, WithClock(p.clk.now)) // starts the rest in the background
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	if hits, err := svc.Find("zqxsearch", 200); err != nil || len(hits) != 150 {
		t.Fatalf("front desk finds %d patients during the re-seal: %v", len(hits), err)
	}
	nw, _, err := svc.RegisterPatient(Patient{Family: "Zqxsearch", Given: "Ŋew", DOB: "1990-05-06", Sex: Male})
	if err != nil {
		t.Fatal(err)
	}
	if hits, err := svc.Find("zqxsearch ŋew", 5); err != nil || len(hits) != 1 || hits[0].ID != nw.ID {
		t.Fatalf("front desk finds the new patient during the re-seal: %v %v", hits, err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		pr, err := p.st.ResealStatus()
		if err != nil {
			t.Fatal(err)
		}
		if pr.Done {
			if pr.GeneralEpoch != 2 || pr.GeneralResealed < 150 {
				t.Fatalf("re-seal finished with %+v, want general epoch 2 and the 150 patients at least", pr)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the background re-seal has not finished: %+v", pr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.tp.SignInAs(store.RoleFrontDesk)
	svc2, err := Open(p.st, WithClock(p.clk.now))
	if err != nil {
		t.Fatal(err)
	}
	defer svc2.Close()
	if hits, err := svc2.Find("zqxsearch", 200); err != nil || len(hits) != 151 {
		t.Fatalf("front desk finds %d patients after the re-seal: %v", len(hits), err)
	}
}
