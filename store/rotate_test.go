package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// copyFolder copies a closed data folder (store file and device file), as
// someone walking off with it would.
func copyFolder(t *testing.T, from string) string {
	t.Helper()
	to := filepath.Join(t.TempDir(), "copy")
	if err := os.MkdirAll(to, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{dbFileName, deviceFileName} {
		b, err := os.ReadFile(filepath.Join(from, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return to
}

// rawSlot reads slot id from a closed store file.
func rawSlot(t *testing.T, dir, id string) []byte {
	t.Helper()
	db, err := bolt.Open(filepath.Join(dir, dbFileName), 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v []byte
	if err := db.View(func(tx *bolt.Tx) error {
		v = bytes.Clone(tx.Bucket(bucketSlots).Get([]byte(id)))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if v == nil {
		t.Fatalf("no slot %s in %s", id, dir)
	}
	return v
}

// thiefSession is what a program of the removed user's makes of a store
// file with their keyslot as copied before the rotation and their
// password: the general key and seed from the slot, and every key any
// revision of their user record ever granted them.
func thiefSession(t *testing.T, s *Store, oldSlot []byte, username, password string) *session {
	t.Helper()
	sl, err := decodeSlot(oldSlot)
	if err != nil {
		t.Fatal(err)
	}
	id := slotIDFor(s.secret(), username)
	sc, err := openPasswordSlot(s.secret(), id, sl, []byte(password))
	if err != nil {
		t.Fatalf("the copied slot does not open with the password: %v", err)
	}
	key, err := newDataKey(sl.Epoch, bytes.Clone(sc.key))
	if err != nil {
		t.Fatal(err)
	}
	sess := &session{key: key, adminPub: bytes.Clone(sc.adminPub)}
	if err := sess.setOwn(sc.seed); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	s.sess = sess
	s.mu.Unlock()
	hist, err := s.History(sc.userID)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range hist {
		ub, err := decodeUserBody(r)
		if err != nil {
			t.Fatal(err)
		}
		if len(ub.Grants) > 0 {
			if err := sess.openGrants(r.ID, ub.userKeys, sess.own); err != nil {
				t.Fatal(err)
			}
		}
	}
	if sess.clinical == nil {
		t.Fatal("the removed clinician's old record granted no clinical key")
	}
	return sess
}

// clinicalEpochs counts the clinical revisions of the store by the epoch
// that sealed them.
func clinicalEpochs(t *testing.T, s *Store) map[uint32]int {
	t.Helper()
	out := map[uint32]int{}
	err := s.View(func(tx *Tx) error {
		return tx.btx.Bucket(bucketRevs).ForEach(func(k, v []byte) error {
			i := bytes.IndexByte(k, 0)
			if i < 0 || k[i+1] != 'r' {
				return nil
			}
			env, err := decodeEnvelope(v)
			if err != nil {
				return err
			}
			if c, _ := sealedCompartment(env.Sealed); c == CompartmentClinical {
				out[epochOf(env.Sealed)]++
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Disabling a clinician starts a new epoch of the clinical key: their
// keyslot copied before, with their password and any later copy of the
// store file (or what sync carries), opens nothing written after, while
// the remaining users, on this workstation and on the other one after
// sync, read everything; front desk still reads demographics; the
// re-seal of older values survives being stopped midway; signatures and
// the audit chain still verify.
func TestRotationAfterDisable(t *testing.T) {
	ip := newInsiderPractice(t)
	a, b := ip.a, ip.b
	if _, err := a.AddUser(NewUser{Username: "doc2", Name: "Test Doctwo Łukasz", Role: RoleClinician, Password: []byte(userPass)}); err != nil {
		t.Fatal(err)
	}
	// Clinical records before the rotation.
	signIn(t, a, "doc")
	var before []string
	for i := range 30 {
		r, err := a.Put("allergy", fmt.Sprintf("pre.%d", i), "", []byte(fmt.Sprintf(`{"substance":"Zqxbefore-%d"}`, i)))
		if err != nil {
			t.Fatal(err)
		}
		before = append(before, r.ID)
	}
	if _, err := a.Put("allergy", before[0], mustGet(t, a, before[0]).Rev, []byte(`{"substance":"Zqxbefore-0 edited"}`)); err != nil {
		t.Fatal(err)
	}
	ip.mark = relay(t, a, b, ip.mark)

	// The removed user's copy: the whole data folder before the rotation.
	signIn(t, a, "admin")
	a = reopen(t, a, WithMergeRules(testRules), WithTypeRules(insiderRules))
	stolen := copyFolder(t, a.Dir())
	doc2Slot := slotIDFor(a.secret(), "doc2")
	oldSlot := rawSlot(t, stolen, doc2Slot)
	if err := a.Unlock("admin", []byte(adminPass)); err != nil {
		t.Fatal(err)
	}

	if err := a.DisableUser("doc2"); err != nil {
		t.Fatal(err)
	}
	if got := a.TakeNewRecoveryKey(); got != "" {
		t.Errorf("a practice whose recovery slot has a public key got a new recovery key")
	}
	// Written after the rotation, by the HIM manager's session (which
	// rotated) and by a clinician after their next sign-in.
	pt, err := a.Put("patient", "", "", []byte(`{"family":"Zqxafter-patient"}`))
	if err != nil {
		t.Fatal(err)
	}
	afterHIM, err := a.Put("allergy", pt.ID+".him", "", []byte(`{"substance":"Zqxafter-him"}`))
	if err != nil {
		t.Fatal(err)
	}
	signIn(t, a, "doc")
	afterDoc, err := a.Put("allergy", pt.ID+".doc", "", []byte(`{"substance":"Zqxafter-doc"}`))
	if err != nil {
		t.Fatal(err)
	}
	if e := epochOf(clinicalSealOf(t, a, afterDoc.ID)); e != 2 {
		t.Fatalf("a clinician's new allergy is sealed under clinical epoch %d, want 2", e)
	}
	if r, err := a.Get(before[3]); err != nil || !bytes.Contains(r.Body, []byte("Zqxbefore-3")) {
		t.Fatalf("the clinician reads an allergy from before the rotation: %v", err)
	}

	// Re-seal, stopped after a few values (the program ends), then finished
	// after the store is opened again.
	pr, err := a.ResealStep(7)
	if err != nil || pr.Done || pr.Resealed != 7 || pr.Epoch != 2 {
		t.Fatalf("first re-seal step: %+v %v", pr, err)
	}
	a = reopen(t, a, WithMergeRules(testRules), WithTypeRules(insiderRules))
	if err := a.Unlock("doc", []byte(userPass)); err != nil {
		t.Fatal(err)
	}
	pr, err = a.Reseal(context.Background(), 5)
	if err != nil || !pr.Done {
		t.Fatalf("re-seal: %+v %v", pr, err)
	}
	if pr.Resealed != 32 || pr.Skipped != 0 {
		t.Errorf("re-sealed %d (skipped %d), want the 32 clinical revisions from before (31 here, 1 of the practice)", pr.Resealed, pr.Skipped)
	}
	if ep := clinicalEpochs(t, a); len(ep) != 1 || ep[2] == 0 {
		t.Errorf("clinical revisions by epoch after the re-seal: %v", ep)
	}
	if pr, err := a.ResealStep(10); err != nil || !pr.Done {
		t.Errorf("a finished re-seal runs again: %+v %v", pr, err)
	}
	// The re-sealed revisions are the store's own writes: its state
	// digest follows them, so nothing reads as edited behind its back.
	if rep, err := a.Verify(); err != nil || !rep.OK() {
		t.Fatalf("verify after the re-seal: %v %v", err, rep.Problems)
	}
	hist, err := a.History(before[0])
	if err != nil || len(hist) != 2 || !bytes.Contains(hist[0].Body, []byte("Zqxbefore-0")) {
		t.Fatalf("a re-sealed history: %v", err)
	}

	// The thief: the store file as it is now (a later backup, or what the
	// server carries, whose wrappers the general key opens), with the
	// slot and password of the removed clinician.
	a.Lock()
	a = reopen(t, a, WithMergeRules(testRules), WithTypeRules(insiderRules))
	later := copyFolder(t, a.Dir())
	th, err := Open(later, WithMergeRules(testRules), WithTypeRules(insiderRules))
	if err != nil {
		t.Fatal(err)
	}
	defer th.Close()
	tsess := thiefSession(t, th, oldSlot, "doc2", userPass)
	for _, id := range []string{afterHIM.ID, afterDoc.ID} {
		if _, err := th.Get(id); !errors.Is(err, ErrNoKey) {
			t.Errorf("the removed clinician's old keys open %s written after: %v", id, err)
		}
		if _, err := tsess.clinical.open(nil, clinicalSealOf(t, th, id), nil); err == nil {
			t.Errorf("the removed clinician's old clinical key opens %s", id)
		}
	}
	// After the re-seal, not even the older values open from the later file.
	if _, err := th.Get(before[5]); !errors.Is(err, ErrNoKey) {
		t.Errorf("the removed clinician's keys open a re-sealed allergy: %v", err)
	}
	// The stolen copy itself still holds what it held (a copy cannot be
	// taken back): that is what "written after" excludes.
	th2, err := Open(stolen, WithMergeRules(testRules), WithTypeRules(insiderRules))
	if err != nil {
		t.Fatal(err)
	}
	defer th2.Close()
	thiefSession(t, th2, oldSlot, "doc2", userPass)
	if r, err := th2.Get(before[5]); err != nil || !bytes.Contains(r.Body, []byte("Zqxbefore-5")) {
		t.Errorf("the stolen copy: %v", err)
	}
	// And the removed user cannot simply sign in to the current store.
	if err := a.Unlock("doc2", []byte(userPass)); !errors.Is(err, ErrUserDisabled) {
		t.Errorf("doc2 signs in: %v", err)
	}

	// Front desk reads demographics and no clinical record.
	signIn(t, a, "desk")
	if r, err := a.Get(pt.ID); err != nil || !bytes.Contains(r.Body, []byte("Zqxafter-patient")) {
		t.Fatalf("front desk reads the patient: %v", err)
	}
	if _, err := a.Get(afterDoc.ID); !errors.Is(err, ErrNoKey) {
		t.Fatalf("front desk reads a clinical record: %v", err)
	}

	// The coder (who kept signed in nowhere) takes the new epoch at sign-in.
	signIn(t, a, "coder")
	if r, err := a.Get(afterHIM.ID); err != nil || !bytes.Contains(r.Body, []byte("Zqxafter-him")) {
		t.Fatalf("the coder reads the new allergy: %v", err)
	}

	// The other workstation: its signed-in session holds epoch 1 only when
	// the sync brings the new revisions (checked before they are imported,
	// so kept by their clear heads), and takes the new epoch from its
	// user's record, which the same sync brings; its clinician reads them.
	signIn(t, b, "admin")
	ip.a = a
	relay(t, a, b, ip.mark)
	if _, err := b.Get(afterDoc.ID); err != nil {
		t.Fatalf("b's session from before the rotation on a new allergy: %v", err)
	}
	if e := epochOf(clinicalSealOf(t, b, afterHIM.ID)); e != 2 {
		t.Fatalf("b holds the new allergy under epoch %d", e)
	}
	signIn(t, b, "doc")
	for _, id := range []string{afterHIM.ID, afterDoc.ID, before[7]} {
		if _, err := b.Get(id); err != nil {
			t.Fatalf("b's clinician reads %s: %v", id, err)
		}
	}
	signIn(t, b, "desk")
	if _, err := b.Get(pt.ID); err != nil {
		t.Fatalf("b's front desk reads the patient: %v", err)
	}

	// Signatures (users, keyslots, practice keys) and the audit chains.
	for _, s := range []*Store{a, b} {
		signIn(t, s, "admin")
		if p := verifyProblems(t, s); p != "" {
			t.Errorf("verify on %s:\n%s", s.Dir(), p)
		}
		var rotated bool
		if err := s.AuditLog(0, func(e AuditEvent) error {
			rotated = rotated || e.Action == "key.rotate"
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if s == a && !rotated {
			t.Error("the rotation is not in the audit log")
		}
	}

	// A workstation that joins now and is sent the re-sealed revisions as
	// this one holds them (as a re-push after the server lost changes
	// sends them): it keeps them by their IDs, its clinician reads them,
	// and verify finds nothing wrong.
	signIn(t, a, "admin")
	key := randomBytes(EnrollmentKeySize)
	sealed, err := a.SealEnrollment(key, "third workstation")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Join(filepath.Join(t.TempDir(), "c"), JoinInfo{PracticeID: a.PracticeID(), DeviceID: NewID(), Key: key, Sealed: sealed},
		WithMergeRules(testRules), WithTypeRules(insiderRules))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	relay(t, a, c, 0)
	signIn(t, c, "doc")
	for _, id := range []string{before[3], afterHIM.ID, afterDoc.ID} {
		if _, err := c.Get(id); err != nil {
			t.Fatalf("the joined workstation's clinician reads %s: %v", id, err)
		}
	}
	for _, who := range []string{"desk", "admin"} {
		signIn(t, c, who)
		if p := verifyProblems(t, c); p != "" {
			t.Errorf("verify as %s on the joined workstation:\n%s", who, p)
		}
	}
}

func mustGet(t *testing.T, s *Store, id string) Record {
	t.Helper()
	r, err := s.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// After a rotation the recovery key still brings back every epoch: the
// new keys wait in the recovery slot, sealed to its public key.
func TestRotationRecovery(t *testing.T) {
	s, rk := newPractice(t, WithTypeRules(insiderRules))
	for _, nu := range []NewUser{
		{Username: "doc", Name: "Test Doc", Role: RoleClinician, Password: []byte(userPass)},
		{Username: "doc2", Name: "Test Doctwo", Role: RoleClinician, Password: []byte(userPass)},
	} {
		if _, err := s.AddUser(nu); err != nil {
			t.Fatal(err)
		}
	}
	old, err := s.Put("allergy", "p1.a", "", []byte(`{"substance":"Zqxold"}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"doc2", "doc"} {
		if err := s.DisableUser(u); err != nil {
			t.Fatal(err)
		}
		if u == "doc2" {
			if _, err := s.RotateKeys("device.revoke: test"); err != nil {
				t.Fatal(err)
			}
		}
	}
	nw, err := s.Put("allergy", "p1.b", "", []byte(`{"substance":"Zqxnew"}`))
	if err != nil {
		t.Fatal(err)
	}
	if e := epochOf(clinicalSealOf(t, s, nw.ID)); e != 4 {
		t.Fatalf("three rotations: epoch %d", e)
	}
	// A backup restores with the recovery key: the restore opens every
	// value, of every epoch, with the keys the recovery slot holds.
	file := filepath.Join(t.TempDir(), "practice.ckbackup")
	if _, err := s.BackupFile(file); err != nil {
		t.Fatal(err)
	}
	restored := filepath.Join(t.TempDir(), "restored")
	if err := Restore(file, restored, RestoreOptions{RecoveryKey: rk, StoreOptions: []Option{WithMergeRules(testRules), WithTypeRules(insiderRules)}}); err != nil {
		t.Fatalf("restore after rotations: %v", err)
	}
	s.Lock()
	if err := s.UnlockWithRecovery(rk, "admin", []byte("a brand new admin passphrase")); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{old.ID, nw.ID} {
		if _, err := s.Get(id); err != nil {
			t.Fatalf("after recovery: %s: %v", id, err)
		}
	}
	// The recovered manager seals with the newest epoch.
	r, err := s.Put("allergy", "p1.c", "", []byte(`{"substance":"Zqxrecovered"}`))
	if err != nil {
		t.Fatal(err)
	}
	if e := epochOf(clinicalSealOf(t, s, r.ID)); e != 4 {
		t.Fatalf("after recovery the clinical key has epoch %d", e)
	}
}

// A clinician moved to the front desk keeps the clinical key in copies of
// their old grant: a new epoch starts, which the HIM manager seals with
// and the front desk user's new record does not hold.
func TestRotationAfterRoleChange(t *testing.T) {
	ip := newInsiderPractice(t)
	a := ip.a
	if err := a.SetRole("doc", RoleCoder); err != nil { // still holds the key: no rotation
		t.Fatal(err)
	}
	r, err := a.Put("allergy", "p9.a", "", []byte(`{"substance":"Zqxrole-1"}`))
	if err != nil {
		t.Fatal(err)
	}
	if e := epochOf(clinicalSealOf(t, a, r.ID)); e != 1 {
		t.Fatalf("clinician to coder rotated the key (epoch %d)", e)
	}
	if err := a.SetRole("doc", RoleFrontDesk); err != nil {
		t.Fatal(err)
	}
	r, err = a.Put("allergy", "p9.b", "", []byte(`{"substance":"Zqxrole-2"}`))
	if err != nil {
		t.Fatal(err)
	}
	if e := epochOf(clinicalSealOf(t, a, r.ID)); e != 2 {
		t.Fatalf("after the clinician left for the front desk the key has epoch %d, want 2", e)
	}
	signIn(t, a, "coder")
	if _, err := a.Get(r.ID); err != nil {
		t.Fatalf("the coder reads the new allergy: %v", err)
	}
}

// A practice whose recovery slot predates rotation (no public key to seal
// new keys to) gets a new recovery key at its first rotation; the old one
// opens nothing after it. A pending keyring whose signature does not hold
// is refused.
func TestRotationOldRecoverySlot(t *testing.T) {
	s, _ := newPractice(t, WithTypeRules(insiderRules))
	if _, err := s.AddUser(NewUser{Username: "doc", Name: "Test Doc", Role: RoleClinician, Password: []byte(userPass)}); err != nil {
		t.Fatal(err)
	}
	// The recovery slot as the store wrote it before rotation existed.
	oldRK := randomBytes(recoveryKeyBytes)
	err := s.Update(func(tx *Tx) error {
		sess := tx.sess
		kek, err := recoveryKEK(oldRK, s.PracticeID())
		if err != nil {
			return err
		}
		sl := &keyslot{Kind: slotRecovery, V: 2, Epoch: sess.key.epoch}
		pt := append(append([]byte{}, sess.key.key[:]...), s.secret()...)
		pt = append(append(append(pt, epochBytes(sess.clinical.epoch)...), sess.clinical.key[:]...), sess.admin.Seed()...)
		pt = append(pt, sess.auditSeed...)
		if err := sl.wrap(recoverySlotID, kek, pt); err != nil {
			return err
		}
		return tx.storeSlot(recoverySlotID, sl)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DisableUser("doc"); err != nil {
		t.Fatal(err)
	}
	rk := s.TakeNewRecoveryKey()
	if rk == "" {
		t.Fatal("rotating with a recovery slot without a public key made no new recovery key")
	}
	if s.TakeNewRecoveryKey() != "" {
		t.Error("the new recovery key is handed out twice")
	}
	nw, err := s.Put("allergy", "p1.a", "", []byte(`{"substance":"Zqxnew"}`))
	if err != nil {
		t.Fatal(err)
	}
	s.Lock()
	if err := s.UnlockWithRecovery(formatRecoveryKey(oldRK), "admin", []byte("a brand new admin passphrase")); !errors.Is(err, ErrWrongRecoveryKey) {
		t.Fatalf("the old recovery key after the rotation: %v", err)
	}
	if err := s.UnlockWithRecovery(rk, "admin", []byte("a brand new admin passphrase")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(nw.ID); err != nil {
		t.Fatalf("after recovery with the new key: %v", err)
	}

	// A second rotation leaves pending keys in the new slot; one whose
	// signature was changed behind the store's back is refused.
	if _, err := s.RotateKeys("test"); err != nil {
		t.Fatal(err)
	}
	if s.TakeNewRecoveryKey() != "" {
		t.Error("a recovery slot with a public key was replaced")
	}
	s.Lock()
	if err := s.db.Update(func(btx *bolt.Tx) error {
		sl, err := getSlot(btx, recoverySlotID)
		if err != nil {
			return err
		}
		if sl.Pending == nil {
			return errors.New("no pending keys in the recovery slot")
		}
		sl.PendingSig[0] ^= 1
		b, _ := json.Marshal(sl)
		return btx.Bucket(bucketSlots).Put([]byte(recoverySlotID), b)
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.UnlockWithRecovery(rk, "admin", []byte("another new admin passphrase")); !errors.Is(err, ErrTampered) {
		t.Fatalf("a recovery slot with a forged pending keyring: %v", err)
	}
}
