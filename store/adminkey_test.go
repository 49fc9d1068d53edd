package store

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// exportSince is every revision s wrote itself after change feed mark
// since, for another workstation's import.
func exportSince(t *testing.T, s *Store, since uint64) []WireRev {
	t.Helper()
	var ws []WireRev
	if err := s.View(func(tx *Tx) error {
		chs, err := tx.Changes(since, 1<<30)
		for _, ch := range chs {
			if ch.Remote {
				continue
			}
			w, err := tx.ExportRev(ch.RecordID, ch.Rev)
			if err != nil {
				return err
			}
			ws = append(ws, w)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return ws
}

// changeMark is s's change feed position now.
func changeMark(t *testing.T, s *Store) uint64 {
	t.Helper()
	var mark uint64
	if err := s.View(func(tx *Tx) error {
		chs, err := tx.Changes(0, 1<<30)
		if len(chs) > 0 {
			mark = chs[len(chs)-1].Seq
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return mark
}

// importEach imports ws into s one by one and returns the errors of those
// refused.
func importEach(s *Store, ws []WireRev) []error {
	var errs []error
	for _, w := range ws {
		if err := s.Update(func(tx *Tx) error { _, err := tx.ImportRev(w); return err }); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

func roleOf(t *testing.T, s *Store, username string) Role {
	t.Helper()
	users, err := s.Users()
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.Username == username {
			return u.Role
		}
	}
	t.Fatalf("no user %s", username)
	return ""
}

// An HIM manager is disabled. Their program, with the store folder copied
// before (where they are still an HIM manager) or their keyslot copied
// before put on a later copy of the file, signs a user record making the
// front desk user an HIM manager, with the administration key they held.
// The other workstation's import refuses it, and so does this one's; on
// the later file, the front desk user's sign-in fails and verify reports
// it. What the remaining HIM manager writes with the new key, and the
// records re-signed by it, are taken by the other workstation after sync,
// where everything verifies.
func TestAdminKeyRotationHIMDisabled(t *testing.T) {
	ip := newInsiderPractice(t)
	a, b := ip.a, ip.b
	if _, err := a.AddUser(NewUser{Username: "him2", Name: "Test Himtwo Ñúñez", Role: RoleHIM, Password: []byte(userPass)}); err != nil {
		t.Fatal(err)
	}
	ip.mark = relay(t, a, b, ip.mark)
	oldPub := a.AdminPublicKey()
	a = reopen(t, a, WithMergeRules(testRules), WithTypeRules(insiderRules))
	stolen := copyFolder(t, a.Dir())
	oldSlot := rawSlot(t, stolen, slotIDFor(a.secret(), "him2"))
	if err := a.Unlock("admin", []byte(adminPass)); err != nil {
		t.Fatal(err)
	}
	if err := a.DisableUser("him2"); err != nil {
		t.Fatal(err)
	}
	newPub := a.AdminPublicKey()
	if len(newPub) != ed25519.PublicKeySize || bytes.Equal(newPub, oldPub) {
		t.Fatalf("the administration key did not change: %x -> %x", oldPub, newPub)
	}
	if rep, err := a.Verify(); err != nil || !rep.OK() {
		t.Fatalf("verify after the change: %v %v", err, rep.Problems)
	}
	ip.mark = relay(t, a, b, ip.mark)
	signIn(t, b, "admin")
	if got := b.AdminPublicKey(); !bytes.Equal(got, newPub) {
		t.Fatalf("the other workstation has administration key %x, want %x", got, newPub)
	}
	if rep, err := b.Verify(); err != nil || !rep.OK() {
		t.Fatalf("verify on the other workstation after sync: %v %v", err, rep.Problems)
	}

	// 1. The folder copied before: there him2 is still an HIM manager and
	// the store takes the change as it did before.
	st, err := Open(stolen, WithMergeRules(testRules), WithTypeRules(insiderRules))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Unlock("him2", []byte(userPass)); err != nil {
		t.Fatal(err)
	}
	mark := changeMark(t, st)
	if err := st.SetRole("desk", RoleHIM); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddUser(NewUser{Username: "mallory", Name: "Test Mallory Œuvre", Role: RoleHIM, Password: []byte(userPass)}); err != nil {
		t.Fatal(err)
	}
	forged := exportSince(t, st, mark)
	var signed []WireRev // the revisions of types the administration key signs
	for _, w := range forged {
		if err := st.View(func(tx *Tx) error {
			r, err := tx.GetRev(w.RecordID, w.Rev)
			if err == nil && tx.s.rule(r.Type).Signed != Unsigned {
				signed = append(signed, w)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	if len(signed) < 2 {
		t.Fatalf("the copy wrote %d signed revisions", len(signed))
	}
	for name, s := range map[string]*Store{"the other workstation": b, "this workstation": a} {
		errs := importEach(s, signed)
		if len(errs) != len(signed) {
			t.Errorf("%s took %d of the %d revisions signed with the replaced key", name, len(signed)-len(errs), len(signed))
		}
		for _, err := range errs {
			if !errors.Is(err, ErrTampered) {
				t.Errorf("%s: %v", name, err)
			}
		}
		if r := roleOf(t, s, "desk"); r != RoleFrontDesk {
			t.Errorf("desk is %s on %s", r, name)
		}
	}

	// 2. The slot copied before, on the store file as it is now.
	a.Lock()
	a = reopen(t, a, WithMergeRules(testRules), WithTypeRules(insiderRules))
	later := copyFolder(t, a.Dir())
	th, err := Open(later, WithMergeRules(testRules), WithTypeRules(insiderRules))
	if err != nil {
		t.Fatal(err)
	}
	defer th.Close()
	tsess := removedSession(t, th, oldSlot, "him2", userPass)
	if tsess.admin == nil {
		t.Fatal("the removed HIM manager's old record granted no administration key")
	}
	thMark := changeMark(t, th)
	me, err := th.Get(ip.deskID)
	if err != nil {
		t.Fatal(err)
	}
	var ub userBody
	if err := json.Unmarshal(me.Body, &ub); err != nil {
		t.Fatal(err)
	}
	ub.Role = RoleHIM
	him, _ := json.Marshal(ub)
	oldKey := tsess.admin
	forge(t, th, TypeUser, ip.deskID, him, func(id string, env *envelope, p *payload) {
		p.Signer, p.Sig = signerAdmin, ed25519.Sign(oldKey, sigMessage(id, env, p))
	})
	th.Lock()
	if err := th.Unlock("desk", []byte(userPass)); !errors.Is(err, ErrTampered) {
		t.Errorf("sign-in with the role signed by the replaced key: %v", err)
	}
	signIn(t, th, "admin")
	if p := verifyProblems(t, th); !strings.Contains(p, "user record "+ip.deskID) {
		t.Errorf("verify did not report the user record signed by the replaced key: %q", p)
	}
	errs := importEach(b, exportSince(t, th, thMark))
	if len(errs) != 1 || !errors.Is(errs[0], ErrTampered) {
		t.Errorf("the other workstation's import of the later file's forgery: %v", errs)
	}
	if r := roleOf(t, b, "desk"); r != RoleFrontDesk {
		t.Errorf("desk is %s on the other workstation", r)
	}

	// The remaining HIM manager writes with the new key on either
	// workstation; the other takes it.
	if err := a.Unlock("admin", []byte(adminPass)); err != nil {
		t.Fatal(err)
	}
	signIn(t, b, "admin")
	if err := b.SetRole("coder", RoleClinician); err != nil {
		t.Fatalf("the remaining HIM manager on the other workstation: %v", err)
	}
	relay(t, b, a, 0)
	if r := roleOf(t, a, "coder"); r != RoleClinician {
		t.Errorf("the role set on the other workstation did not arrive: %s", r)
	}
	for name, s := range map[string]*Store{"this workstation": a, "the other workstation": b} {
		if rep, err := s.Verify(); err != nil || !rep.OK() {
			t.Errorf("verify on %s: %v %v", name, err, rep.Problems)
		}
	}
	signIn(t, b, "desk")
	signIn(t, b, "doc")
}

// Revoking a device changes the administration key too; a workstation that
// joins after the change learns the chain from the key it was enrolled
// with, and its users sign in.
func TestAdminKeyRotationDeviceRevokedAndJoin(t *testing.T) {
	a, rk := newPractice(t, WithTypeRules(insiderRules))
	recPub := a.RecoveryPublicKey()
	if recPub == nil {
		t.Fatal("no recovery public key kept")
	}
	if _, err := a.AddUser(NewUser{Username: "doc", Name: "Test Doc Ødegård", Role: RoleClinician, Password: []byte(userPass)}); err != nil {
		t.Fatal(err)
	}
	before := a.AdminPublicKey()
	for range 2 {
		if _, err := a.RotateKeys("device.revoke: test"); err != nil {
			t.Fatal(err)
		}
	}
	after := a.AdminPublicKey()
	if bytes.Equal(before, after) {
		t.Fatal("revoking a device did not change the administration key")
	}
	sig, err := a.SignAdmin("test", []byte("x"))
	if err != nil || !VerifyAdmin(after, "test", []byte("x"), sig) {
		t.Fatalf("the HIM manager does not sign with the new key: %v", err)
	}
	signIn(t, a, "doc")
	signIn(t, a, "admin")
	if rep, err := a.Verify(); err != nil || !rep.OK() {
		t.Fatalf("verify: %v %v", err, rep.Problems)
	}
	if got := a.RecoveryPublicKey(); !bytes.Equal(got, recPub) {
		t.Errorf("the recovery public key is not signed by the new administration key: %x", got)
	}
	if n := len(a.PendingAdminKeys()); n != 2 {
		t.Errorf("%d changes of the administration key pending for the sync server, want 2", n)
	}
	// The recovery key's slot got the new key with the others.
	a.Lock()
	if err := a.UnlockWithRecovery(rk, "admin", []byte(adminPass)); err != nil {
		t.Fatalf("recovery sign-in after the change: %v", err)
	}
	if sig, err := a.SignAdmin("test", []byte("y")); err != nil || !VerifyAdmin(after, "test", []byte("y"), sig) {
		t.Fatalf("the recovered HIM manager does not sign with the new key: %v", err)
	}
	signIn(t, a, "admin")
	key := randomBytes(EnrollmentKeySize)
	sealed, err := a.SealEnrollment(key, "late")
	if err != nil {
		t.Fatal(err)
	}
	j, err := Join(filepath.Join(t.TempDir(), "late"), JoinInfo{PracticeID: a.PracticeID(), DeviceID: NewID(), Key: key, Sealed: sealed}, WithMergeRules(testRules), WithTypeRules(insiderRules))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	relay(t, a, j, 0)
	signIn(t, j, "doc")
	signIn(t, j, "admin")
	if got := j.AdminPublicKey(); !bytes.Equal(got, after) {
		t.Errorf("the joined workstation has administration key %x, want %x", got, after)
	}
	if rep, err := j.Verify(); err != nil || !rep.OK() {
		t.Fatalf("verify on the joined workstation: %v %v", err, rep.Problems)
	}
	if err := j.SetRole("doc", RoleCoder); err != nil {
		t.Fatal(err)
	}
	relay(t, j, a, 0)
	if r := roleOf(t, a, "doc"); r != RoleCoder {
		t.Errorf("the joined workstation's change did not arrive: %s", r)
	}
}

// BenchmarkAdminKeyRotation measures a device revocation's rotation in a
// practice with 2,000 break-glass grants and ten users: every signed
// record is signed again by the new administration key in that
// transaction.
func BenchmarkAdminKeyRotation(b *testing.B) {
	a, _ := newPractice(b, WithTypeRules(insiderRules))
	for i := range 10 {
		if _, err := a.AddUser(NewUser{Username: "user" + string(rune('a'+i)), Name: "Test User", Role: RoleClinician, Password: []byte(userPass)}); err != nil {
			b.Fatal(err)
		}
	}
	grant := []byte(`{"user":"x","username":"x","patient":"p","reason":"test","at":"2026-01-01T00:00:00Z","until":"2026-01-01T00:30:00Z"}`)
	for range 20 {
		if err := a.Update(func(tx *Tx) error {
			for range 100 {
				if _, err := tx.Put("breakglass", "", "", grant); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := a.RotateKeys("device.revoke: bench"); err != nil {
			b.Fatal(err)
		}
	}
}

// Moving an HIM manager to another role replaces the administration key:
// they signed with it.
func TestAdminKeyRotationRoleChange(t *testing.T) {
	a, _ := newPractice(t, WithTypeRules(insiderRules))
	if _, err := a.AddUser(NewUser{Username: "him2", Name: "Test Himtwo Ñúñez", Role: RoleHIM, Password: []byte(userPass)}); err != nil {
		t.Fatal(err)
	}
	before := a.AdminPublicKey()
	if err := a.SetRole("him2", RoleClinician); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a.AdminPublicKey(), before) {
		t.Fatal("the administration key did not change")
	}
	signIn(t, a, "him2")
	if _, err := a.SignAdmin("test", []byte("x")); !errors.Is(err, ErrPermission) {
		t.Errorf("the former HIM manager signs: %v", err)
	}
	signIn(t, a, "admin")
	if rep, err := a.Verify(); err != nil || !rep.OK() {
		t.Fatalf("verify: %v %v", err, rep.Problems)
	}
}
