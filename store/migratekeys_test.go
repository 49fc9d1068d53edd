package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// fixturePassword is every user's password in testdata/onekey (made by
// testdata/make-onekey.sh with the store as it was before compartment keys).
const fixturePassword = "fixture-password-1"

func openOneKeyFixture(t *testing.T) (*Store, map[string]string) {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"chartkeeper.db", "device.json", "fixture.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", "onekey", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var fx map[string]string
	b, _ := os.ReadFile(filepath.Join(dir, "fixture.json"))
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir, WithMergeRules(MergeRules{"patient": {}, "allergy": {}}), WithTypeRules(insiderRules))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, fx
}

func unlockAs(t *testing.T, s *Store, username, password string) {
	t.Helper()
	s.Lock()
	if err := s.Unlock(username, []byte(password)); err != nil {
		t.Fatalf("%s signs in: %v", username, err)
	}
}

// TestMoveToKeyHierarchy: a practice written before compartment keys opens
// (schema migration 4 marks it), works as before until an HIM manager
// signs in, and then moves: clinical records written after are out of the
// front desk's reach, user records are signed, the HIM manager gets a new
// recovery key, and other users of a clinical role are told to ask for a
// new password, which gives them their keys.
func TestMoveToKeyHierarchy(t *testing.T) {
	s, fx := openOneKeyFixture(t)
	err := s.db.View(func(btx *bolt.Tx) error {
		if v := readSchema(btx); v != schemaVersion(migrations) {
			t.Errorf("schema %d", v)
		}
		if btx.Bucket(bucketMeta).Get(keyKeyModel) == nil {
			t.Error("the store is not marked for the move")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Before any HIM sign-in, everyone works on the old data as before.
	unlockAs(t, s, "desk", fixturePassword)
	if r, err := s.Get(fx["allergy"]); err != nil || !bytes.Contains(r.Body, []byte("Fixture-latex")) {
		t.Fatalf("front desk before the move: %v", err)
	}
	unlockAs(t, s, "doc", fixturePassword)
	before, err := s.Put("allergy", fx["patient"]+".a2", "", []byte(`{"substance":"Fixture-before"}`))
	if err != nil {
		t.Fatalf("clinician before the move: %v", err)
	}
	if s.AdminPublicKey() != nil || s.TakeNewRecoveryKey() != "" {
		t.Fatal("keys before the move")
	}

	// The first HIM sign-in moves the practice.
	unlockAs(t, s, "admin", fixturePassword)
	rk := s.TakeNewRecoveryKey()
	if rk == "" || rk == fx["recovery_key"] || s.TakeNewRecoveryKey() != "" {
		t.Fatalf("new recovery key %q", rk)
	}
	if s.AdminPublicKey() == nil || !s.Holds(CompartmentClinical) {
		t.Fatal("the HIM manager holds no new keys")
	}
	if k, err := s.RecoverySigningKey(rk); err != nil || !bytes.Equal(s.RecoveryPublicKey(), k.PublicKey()) {
		t.Fatalf("the recovery public key kept at the move is not the new kit's: %v", err)
	}
	if !s.SealsClinical() {
		t.Fatal("the move did not publish the clinical document key")
	}
	if rep, err := s.Verify(); err != nil || !rep.OK() {
		t.Fatalf("verify after the move: %v %v", err, rep.Problems)
	}
	if err := s.View(func(tx *Tx) error {
		return tx.List(TypeUser, func(r Record) error { return tx.CheckSigned(r) })
	}); err != nil {
		t.Fatalf("user records after the move: %v", err)
	}
	// The HIM manager's own slot was rewritten: signing in again keeps the keys.
	unlockAs(t, s, "admin", fixturePassword)
	if !s.Holds(CompartmentClinical) {
		t.Fatal("the HIM manager lost the clinical key at the next sign-in")
	}

	// The clinician's old slot reaches the general key only: told plainly.
	unlockAs(t, s, "doc", fixturePassword)
	if !s.NeedsNewKeys() {
		t.Error("the clinician is not told to ask for a new password")
	}
	if _, err := s.Get(before.ID); err != nil {
		t.Errorf("the clinician reads a record from before the move: %v", err)
	}
	_, err = s.Put("allergy", fx["patient"]+".a3", "", []byte(`{"substance":"Fixture-after"}`))
	var ke *KeyError
	if !errors.As(err, &ke) || !ke.Renew {
		t.Fatalf("clinician with an old slot writes: %v", err)
	}
	// An HIM manager sets a new password: the clinician gets their keys.
	unlockAs(t, s, "admin", fixturePassword)
	if err := s.ResetPassword("doc", []byte("Quarry-Lantern-Mosaic-72")); err != nil {
		t.Fatal(err)
	}
	unlockAs(t, s, "doc", "Quarry-Lantern-Mosaic-72")
	if s.NeedsNewKeys() {
		t.Error("still told to ask after the new password")
	}
	after, err := s.Put("allergy", fx["patient"]+".a3", "", []byte(`{"substance":"Fixture-after"}`))
	if err != nil {
		t.Fatal(err)
	}

	// Front desk: the clinical record written after the move is out of
	// reach; the ones from before stay sealed under the general key (until
	// the general key is rotated), and the role table still hides them.
	unlockAs(t, s, "desk", fixturePassword)
	if s.NeedsNewKeys() {
		t.Error("front desk told to ask for keys its role does not have")
	}
	if _, err := s.Get(after.ID); !errors.Is(err, ErrNoKey) {
		t.Fatalf("front desk reads a clinical record written after the move: %v", err)
	}
	if err := s.SetRole("desk", RoleHIM); !errors.Is(err, ErrPermission) {
		t.Fatalf("front desk SetRole: %v", err)
	}

	// The old recovery key no longer opens anything; the new one holds
	// every key.
	s.Lock()
	if err := s.UnlockWithRecovery(fx["recovery_key"], "admin", []byte("Velvet-Canyon-Orbit-39")); !errors.Is(err, ErrWrongRecoveryKey) {
		t.Fatalf("old recovery key: %v", err)
	}
	if err := s.UnlockWithRecovery(rk, "admin", []byte("Velvet-Canyon-Orbit-39")); err != nil {
		t.Fatalf("new recovery key: %v", err)
	}
	if r, err := s.Get(after.ID); err != nil || !bytes.Contains(r.Body, []byte("Fixture-after")) {
		t.Fatalf("after recovery: %v", err)
	}
	if rep, err := s.Verify(); err != nil || !rep.OK() {
		t.Fatalf("verify: %v %v", err, rep.Problems)
	}
}

// TestMovedPracticeReachesAnOtherWorkstation: a workstation still on one
// key learns the administration key from the practice keys record the
// moved one sends, and then refuses what is not signed.
func TestMovedPracticeReachesAnOtherWorkstation(t *testing.T) {
	a, fx := openOneKeyFixture(t)
	b, _ := openOneKeyFixture(t) // a copy: the same practice on another workstation
	unlockAs(t, a, "admin", fixturePassword)
	if a.TakeNewRecoveryKey() == "" {
		t.Fatal("a did not move")
	}
	if err := a.ResetPassword("doc", []byte("Quarry-Lantern-Mosaic-72")); err != nil {
		t.Fatal(err)
	}
	unlockAs(t, a, "doc", "Quarry-Lantern-Mosaic-72")
	after, err := a.Put("allergy", fx["patient"]+".a3", "", []byte(`{"substance":"Fixture-after"}`))
	if err != nil {
		t.Fatal(err)
	}
	unlockAs(t, b, "desk", fixturePassword)
	relay(t, a, b, 0)
	if !bytes.Equal(a.AdminPublicKey(), b.AdminPublicKey()) {
		t.Fatal("b did not learn the administration key")
	}
	unlockAs(t, b, "desk", fixturePassword)
	if _, err := b.Get(after.ID); !errors.Is(err, ErrNoKey) {
		t.Fatalf("front desk on b: %v", err)
	}
	// b no longer writes unsigned user records, nor does the HIM manager's
	// old slot there (until the new one arrives, it reaches the general key
	// only).
	if _, err := b.AddUser(NewUser{Username: "x2", Name: "X", Role: RoleHIM, Password: []byte(userPass)}); !errors.Is(err, ErrPermission) {
		t.Fatalf("front desk added a user on b: %v", err)
	}
	unlockAs(t, b, "doc", "Quarry-Lantern-Mosaic-72") // the new slot came through sync
	if r, err := b.Get(after.ID); err != nil || !bytes.Contains(r.Body, []byte("Fixture-after")) {
		t.Fatalf("clinician on b: %v", err)
	}
	unlockAs(t, b, "admin", fixturePassword)
	if rep, err := b.Verify(); err != nil || !rep.OK() {
		t.Fatalf("verify on b: %v %v", err, rep)
	}
}
