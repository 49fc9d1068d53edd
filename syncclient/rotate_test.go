package syncclient_test

import (
	"errors"
	"strings"
	"testing"

	"chartkeeper/store"
)

// A clinician disabled on one workstation: the new epoch of the clinical
// key reaches the other through sync. Its session from before the
// rotation keeps the new clinical records (by their clear heads, nothing
// set aside) and takes the new epoch from its user's record, which the
// same sync brings; its other users take it at sign-in; what they write
// is read back on the first workstation.
func TestRotationThroughSync(t *testing.T) {
	ts := startServer(t)
	ws := newPractice(t, ts, 2)
	a, b := ws[0], ws[1]
	const pw = "Velvet-Canyon-Mosaic-19"
	for _, u := range []string{"maria", "tomás"} {
		name := strings.ToUpper(u[:1]) + u[1:] + " Testclinician"
		if _, err := a.st.AddUser(store.NewUser{Username: strings.ReplaceAll(u, "á", "a"), Name: name, Role: store.RoleClinician, Password: []byte(pw)}); err != nil {
			t.Fatal(err)
		}
	}
	old := put(t, a.st, "allergy", "p1.old", "", `{"substance":"Zqxold"}`)
	syncAll(t, a, b)

	if err := a.st.DisableUser("tomas"); err != nil {
		t.Fatal(err)
	}
	nw := put(t, a.st, "allergy", "p1.new", "", `{"substance":"Zqxnew"}`)
	syncAll(t, a, b)

	// b's admin session predates the rotation.
	if r := get(t, b.st, nw.ID); !strings.Contains(string(r.Body), "Zqxnew") {
		t.Fatalf("b's session from before the rotation reads the new allergy: %s", r.Body)
	}
	if items, err := b.st.SetAsideItems(); err != nil || len(items) != 0 {
		t.Fatalf("b set aside %d items after the rotation: %v", len(items), err)
	}
	b.st.Lock()
	if err := b.st.Unlock("maria", []byte(pw)); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{old.ID, nw.ID} {
		if r := get(t, b.st, id); !strings.Contains(string(r.Body), "Zqx") {
			t.Fatalf("b's clinician reads %s: %s", id, r.Body)
		}
	}
	fromB := put(t, b.st, "allergy", "p1.b", "", `{"substance":"Zqxfromb"}`)
	if err := b.st.Unlock("tomas", []byte(pw)); !errors.Is(err, store.ErrUserDisabled) {
		t.Fatalf("the disabled clinician signs in on b: %v", err)
	}
	if err := b.st.Unlock("maria", []byte(pw)); err != nil {
		t.Fatal(err)
	}
	syncAll(t, a, b)
	if r := get(t, a.st, fromB.ID); !strings.Contains(string(r.Body), "Zqxfromb") {
		t.Fatalf("a reads b's allergy: %s", r.Body)
	}
	for _, w := range ws {
		if items, err := w.st.SetAsideItems(); err != nil || len(items) != 0 {
			t.Fatalf("%d items set aside: %v", len(items), err)
		}
	}
}

// A front desk user and an HIM manager are disabled on one workstation:
// new epochs of the general key and the audit key reach the other through
// real sync. Its HIM manager's session from before reads the demographics
// and audit entries written after (nothing set aside), its front desk
// signs in, reads them and writes a patient the first workstation reads;
// both verify.
func TestGeneralAndAuditRotationThroughSync(t *testing.T) {
	ts := startServer(t)
	ws := newPractice(t, ts, 2)
	a, b := ws[0], ws[1]
	const pw = "Velvet-Canyon-Mosaic-19"
	for _, u := range []store.NewUser{
		{Username: "desk", Name: "Desk Testone", Role: store.RoleFrontDesk},
		{Username: "desk2", Name: "Desk Testtwo Ødegård", Role: store.RoleFrontDesk},
		{Username: "him2", Name: "Him Testtwo", Role: store.RoleHIM},
	} {
		u.Password = []byte(pw)
		if _, err := a.st.AddUser(u); err != nil {
			t.Fatal(err)
		}
	}
	old := put(t, a.st, "patient", "", "", `{"family":"Zqxold"}`)
	syncAll(t, a, b)

	for _, u := range []string{"desk2", "him2"} {
		if err := a.st.DisableUser(u); err != nil {
			t.Fatal(err)
		}
	}
	nw := put(t, a.st, "patient", "", "", `{"family":"Zqxnew"}`)
	if err := a.st.Audit(store.AuditEvent{Action: "patient.view", Subject: nw.ID, Detail: "Zqxaudit-after"}); err != nil {
		t.Fatal(err)
	}
	syncAll(t, a, b)

	// b's HIM manager's session predates the rotation.
	if r := get(t, b.st, nw.ID); !strings.Contains(string(r.Body), "Zqxnew") {
		t.Fatalf("b's session from before the rotation reads the new patient: %s", r.Body)
	}
	found := false
	if err := b.st.AuditLogAll(func(ev store.AuditEvent) error {
		found = found || ev.Detail == "Zqxaudit-after"
		return nil
	}); err != nil || !found {
		t.Fatalf("b's HIM manager reads a's audit entry written after the rotation: %v %v", found, err)
	}
	b.st.Lock()
	if err := b.st.Unlock("desk", []byte(pw)); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{old.ID, nw.ID} {
		if r := get(t, b.st, id); !strings.Contains(string(r.Body), "Zqx") {
			t.Fatalf("b's front desk reads %s: %s", id, r.Body)
		}
	}
	fromB := put(t, b.st, "patient", "", "", `{"family":"Zqxfromb"}`)
	if err := b.st.Unlock("desk2", []byte(pw)); !errors.Is(err, store.ErrUserDisabled) {
		t.Fatalf("the disabled front desk user signs in on b: %v", err)
	}
	if err := b.st.Unlock("desk", []byte(pw)); err != nil {
		t.Fatal(err)
	}
	syncAll(t, a, b)
	if r := get(t, a.st, fromB.ID); !strings.Contains(string(r.Body), "Zqxfromb") {
		t.Fatalf("a reads b's patient: %s", r.Body)
	}
	b.st.Lock()
	if err := b.st.Unlock("admin", []byte(adminPass)); err != nil {
		t.Fatal(err)
	}
	for _, w := range ws {
		if items, err := w.st.SetAsideItems(); err != nil || len(items) != 0 {
			t.Fatalf("%d items set aside: %v", len(items), err)
		}
		rep, err := w.st.Verify()
		if err != nil || !rep.OK() {
			t.Fatalf("verify: %v %v", err, rep.Problems)
		}
	}
}
