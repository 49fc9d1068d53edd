package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// A practice that moved to compartment keys before clinical documents had
// a key of their own: schema migration 5 marks the store, nobody seals to
// the clinical compartment until an HIM manager signs in, and that sign-in
// publishes the key (derived from the clinical key, so the same on every
// workstation), once.
func TestClinicalDocKeyPublishedAtHIMSignIn(t *testing.T) {
	ip := newInsiderPractice(t)
	s := ip.a
	// The practice as it was: its keys record without the key, the store
	// marked by the migration.
	pk, err := s.Get(PracticeKeysID)
	if err != nil {
		t.Fatal(err)
	}
	var body practiceKeys
	if err := json.Unmarshal(pk.Body, &body); err != nil || len(body.ClinicalPub) != 32 {
		t.Fatalf("a new practice's keys record: %v %s", err, pk.Body)
	}
	want := body.ClinicalPub
	body.ClinicalPub, body.ClinicalEpoch = nil, 0
	old, _ := json.Marshal(body)
	if _, err := s.Put(TypePracticeKeys, PracticeKeysID, pk.Rev, old); err != nil {
		t.Fatal(err)
	}
	raw(t, s, markClinicalDocs)

	for _, who := range []string{"desk", "doc"} {
		signIn(t, s, who)
		if s.SealsClinical() {
			t.Fatalf("%s seals to a key the practice has not published", who)
		}
		if _, err := s.PutClinicalBlob(bytes.NewReader([]byte("x"))); !errors.Is(err, ErrNoClinicalDocKey) {
			t.Fatalf("%s: PutClinicalBlob without the key: %v", who, err)
		}
		if err := s.View(func(tx *Tx) error { _, err := tx.SealClinical([]byte("x"), "c"); return err }); !errors.Is(err, ErrNoClinicalDocKey) {
			t.Fatalf("%s: SealClinical without the key: %v", who, err)
		}
	}
	signIn(t, s, "admin")
	if !s.SealsClinical() {
		t.Fatal("the HIM sign-in did not publish the key")
	}
	pk, _ = s.Get(PracticeKeysID)
	if err := json.Unmarshal(pk.Body, &body); err != nil || !bytes.Equal(body.ClinicalPub, want) || body.ClinicalEpoch != 1 {
		t.Fatalf("the published key: %v %s", err, pk.Body)
	}
	raw(t, s, func(btx *bolt.Tx) error {
		if btx.Bucket(bucketMeta).Get(keyClinicalDocs) != nil {
			t.Error("the store is still marked")
		}
		return nil
	})
	n := 0
	if err := s.AuditLog(1, func(ev AuditEvent) error {
		if ev.Action == "keys.clinicaldocs" {
			n++
		}
		return nil
	}); err != nil || n != 1 {
		t.Fatalf("audited %d times: %v", n, err)
	}
	signIn(t, s, "admin") // a second sign-in publishes nothing more
	if r, _ := s.Get(PracticeKeysID); r.Rev != pk.Rev {
		t.Error("the keys record was written again")
	}
	// The other workstation learns it by sync; its front desk seals.
	ip.relayEach(t)
	signIn(t, ip.b, "desk")
	if !ip.b.SealsClinical() {
		t.Fatal("the other workstation's front desk has no key to seal to")
	}
	if rep, err := s.Verify(); err != nil || !rep.OK() {
		t.Fatalf("verify: %v %s", err, strings.Join(rep.Problems, "; "))
	}
}

// A keys record whose clinical document key is not the one the clinical
// key gives (an HIM manager's program of its own) stops a clinician's
// sign-in rather than have documents sealed to a key nobody expects.
func TestClinicalDocKeyMustMatchTheClinicalKey(t *testing.T) {
	ip := newInsiderPractice(t)
	s := ip.a
	pk, err := s.Get(PracticeKeysID)
	if err != nil {
		t.Fatal(err)
	}
	var body practiceKeys
	if err := json.Unmarshal(pk.Body, &body); err != nil {
		t.Fatal(err)
	}
	body.ClinicalPub = randomBytes(32)
	b, _ := json.Marshal(body)
	if _, err := s.Put(TypePracticeKeys, PracticeKeysID, pk.Rev, b); err != nil {
		t.Fatal(err)
	}
	s.Lock()
	if err := s.Unlock("doc", []byte(userPass)); !errors.Is(err, ErrTampered) {
		t.Fatalf("a clinician signs in under a wrong clinical document key: %v", err)
	}
}
