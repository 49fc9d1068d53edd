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

// relayRevs sends from's revisions after since, that keep says to, to the
// other workstation as sync would, and returns the change feed's position.
func relayRevs(t *testing.T, from, to *store.Store, since uint64, keep func(store.WireRev) bool) uint64 {
	t.Helper()
	var ws []store.WireRev
	last := since
	if err := from.View(func(tx *store.Tx) error {
		chs, err := tx.Changes(since, 1<<30)
		if err != nil {
			return err
		}
		for _, ch := range chs {
			w, err := tx.ExportRev(ch.RecordID, ch.Rev)
			if err != nil {
				return err
			}
			if !ch.Remote && keep(w) {
				ws = append(ws, w)
				last = ch.Seq
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := to.ImportRevs(ws); err != nil {
		t.Fatal(err)
	}
	return last
}

// On another workstation, a front desk session from before a rotation
// receives patients sealed under the new general epoch before its own
// user record (with the grant of that epoch) arrives: its finder does not
// lose them, and finds them once the session took the new epoch.
func TestFinderAcrossGeneralRotationOnAnotherWorkstation(t *testing.T) {
	p := newPractice(t)
	p.patient("Zqxbefore", "Ånna", "1970-01-02")
	p.as(store.RoleHIM)
	key := make([]byte, store.EnrollmentKeySize)
	for i := range key {
		key[i] = byte(i * 7)
	}
	sealed, err := p.st.SealEnrollment(key, "second workstation")
	if err != nil {
		t.Fatal(err)
	}
	b, err := store.Join(t.TempDir()+"/b", store.JoinInfo{PracticeID: p.st.PracticeID(), DeviceID: store.NewID(), Key: key, Sealed: sealed}, StoreOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	all := func(store.WireRev) bool { return true }
	relayRevs(t, p.st, b, 0, all)
	if err := b.Unlock(p.tp.Username(store.RoleFrontDesk), []byte(p.tp.Password)); err != nil {
		t.Fatal(err)
	}
	svcB, err := Open(b, WithClock(p.clk.now))
	if err != nil {
		t.Fatal(err)
	}
	defer svcB.Close()
	svcB.reseal.stop()

	p.as(store.RoleHIM)
	mark := p.tp.LastChange()
	if _, err := p.st.AddUser(store.NewUser{Username: "desk.two", Name: "Test Desktwo", Role: store.RoleFrontDesk, Password: []byte("a long test passphrase for desk two")}); err != nil {
		t.Fatal(err)
	}
	if err := p.st.DisableUser("desk.two"); err != nil {
		t.Fatal(err)
	}
	nw := p.patient("Zqxwindow", "Ŋils", "1981-02-03")
	// The patient first, the user records after (a sync cut into pages).
	var patientIDs = map[string]bool{nw.ID: true}
	relayRevs(t, p.st, b, mark, func(w store.WireRev) bool { return patientIDs[w.RecordID] })
	if hits, err := svcB.Find("zqxwindow", 5); err != nil || len(hits) != 0 {
		t.Fatalf("b's front desk finds a patient sealed under an epoch it does not hold yet: %v %v", hits, err)
	}
	relayRevs(t, p.st, b, mark, func(w store.WireRev) bool { return !patientIDs[w.RecordID] })
	if hits, err := svcB.Find("zqxwindow", 5); err != nil || len(hits) != 1 || hits[0].ID != nw.ID {
		t.Fatalf("b's front desk finds the patient once it took the new epoch: %v %v", hits, err)
	}
	if hits, err := svcB.Find("zqxbefore", 5); err != nil || len(hits) != 1 {
		t.Fatalf("b's front desk finds the patient from before: %v %v", hits, err)
	}
}
