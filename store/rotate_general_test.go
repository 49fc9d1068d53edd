package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

// removedSession is what a program of a removed user makes of a store
// file with their keyslot as copied before the removal and their
// password: the general key and seed from the slot, and every key any
// revision of their user record ever granted them. It becomes s's
// session.
func removedSession(t *testing.T, s *Store, oldSlot []byte, username, password string) *session {
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
	return sess
}

// sealOf is the sealed payload of record id's current revision.
func sealOf(t *testing.T, s *Store, id string) []byte {
	t.Helper()
	var sealed []byte
	err := s.View(func(tx *Tx) error {
		ls, err := decodeLeaves(tx.btx.Bucket(bucketRevs).Get(headKey(id)))
		if err != nil {
			return err
		}
		env, err := decodeEnvelope(tx.btx.Bucket(bucketRevs).Get(revKey(id, ls[0].Rev)))
		sealed = env.Sealed
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return sealed
}

// holdsEpochOf reports whether sess holds the general key of the epoch
// that sealed sealed.
func holdsEpochOf(sess *session, sealed []byte) bool {
	for _, k := range []*dataKey{sess.key, sess.general} {
		if k != nil && (k.epoch == epochOf(sealed) || k.older[epochOf(sealed)] != nil) {
			return true
		}
	}
	return false
}

// A front desk user is disabled. Their keyslot, copied with the whole
// store file before (a backup, a copied folder), with their password and
// every grant their user record ever held, opens no patient demographics
// written after, in any later copy of the store file or what sync
// carries; once the re-seal ran, not even the demographics from before in
// that later file. The re-seal is stopped midway, the store reopened, and
// it finishes. Remaining users, here and on a second workstation after
// sync, read everything; signatures and the audit chain verify.
func TestRotationFrontDeskDisabled(t *testing.T) {
	ip := newInsiderPractice(t)
	a, b := ip.a, ip.b
	if _, err := a.AddUser(NewUser{Username: "desk2", Name: "Test Desktwo Ødegård", Role: RoleFrontDesk, Password: []byte(userPass)}); err != nil {
		t.Fatal(err)
	}
	signIn(t, a, "desk")
	var before []string
	for i := range 20 {
		r, err := a.Put("patient", "", "", []byte(`{"family":"Zqxdemo-before-`+string(rune('a'+i))+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		before = append(before, r.ID)
	}
	ip.mark = relay(t, a, b, ip.mark)

	// The copy, taken while desk2 still works here.
	signIn(t, a, "admin")
	a = reopen(t, a, WithMergeRules(testRules), WithTypeRules(insiderRules))
	stolen := copyFolder(t, a.Dir())
	oldSlot := rawSlot(t, stolen, slotIDFor(a.secret(), "desk2"))
	if err := a.Unlock("admin", []byte(adminPass)); err != nil {
		t.Fatal(err)
	}
	if err := a.DisableUser("desk2"); err != nil {
		t.Fatal(err)
	}

	// Demographics written after: by the HIM manager who disabled, and by
	// the other front desk user after their next sign-in.
	afterHIM, err := a.Put("patient", "", "", []byte(`{"family":"Zqxdemo-after-him"}`))
	if err != nil {
		t.Fatal(err)
	}
	signIn(t, a, "desk")
	afterDesk, err := a.Put("patient", "", "", []byte(`{"family":"Zqxdemo-after-desk"}`))
	if err != nil {
		t.Fatal(err)
	}
	edited, err := a.Put("patient", before[0], mustGet(t, a, before[0]).Rev, []byte(`{"family":"Zqxdemo-edited-after"}`))
	if err != nil {
		t.Fatal(err)
	}
	// What the workstation keeps for itself holds demographics too: the
	// patient finder's cache, a form's draft.
	if err := a.Update(func(tx *Tx) error {
		if err := tx.PutCache("finder", []byte("Zqxdemo-cache")); err != nil {
			return err
		}
		return tx.PutDraft("patient.new", []byte("Zqxdemo-draft"))
	}); err != nil {
		t.Fatal(err)
	}
	// The removed user's program on the store file as it is now (a later
	// backup, or what sync carries).
	a = reopen(t, a, WithMergeRules(testRules), WithTypeRules(insiderRules))
	th0, err := Open(copyFolder(t, a.Dir()), WithMergeRules(testRules), WithTypeRules(insiderRules))
	if err != nil {
		t.Fatal(err)
	}
	defer th0.Close()
	tsess0 := removedSession(t, th0, oldSlot, "desk2", userPass)
	for _, id := range []string{afterHIM.ID, afterDesk.ID, edited.ID} {
		if r, err := th0.Get(id); !errors.Is(err, ErrNoKey) {
			t.Errorf("the removed front desk user's old keys open patient %s written after: %s %v", id, r.Body, err)
		}
		if holdsEpochOf(tsess0, sealOf(t, th0, id)) {
			t.Errorf("the removed front desk user's keys hold the epoch that sealed patient %s", id)
		}
	}
	if err := th0.View(func(tx *Tx) error {
		if b, err := tx.Cache("finder"); err == nil && b != nil {
			t.Errorf("the removed front desk user's old keys open the finder's cache: %s", b)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var opened int
	if err := th0.View(func(tx *Tx) error {
		return tx.btx.Bucket(bucketDrafts).ForEach(func(k, v []byte) error {
			for _, key := range []*dataKey{tsess0.key, tsess0.general} {
				if key != nil {
					if _, err := key.open(nil, v, draftAD(string(k[:bytes.IndexByte(k, 0)]), k)); err == nil {
						opened++
					}
				}
			}
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	if opened > 0 {
		t.Errorf("the removed front desk user's old keys open %d drafts written after", opened)
	}
	if err := a.Unlock("desk", []byte(userPass)); err != nil {
		t.Fatal(err)
	}
	if e := epochOf(sealOf(t, a, afterDesk.ID)); e != 2 {
		t.Fatalf("front desk's new patient is sealed under general epoch %d, want 2", e)
	}
	// Users, keyslots and the practice keys stay under the slot's key.
	if e := epochOf(sealOf(t, a, ip.deskID)); e != 1 {
		t.Errorf("a user record is sealed under general epoch %d, want the slot's 1", e)
	}

	// The re-seal, stopped after 5 values (the program ends), then finished
	// after the store is opened again.
	pr, err := a.ResealStep(5)
	if err != nil || pr.Done || pr.GeneralResealed != 5 || pr.GeneralEpoch != 2 {
		t.Fatalf("first re-seal step: %+v %v", pr, err)
	}
	a = reopen(t, a, WithMergeRules(testRules), WithTypeRules(insiderRules))
	if err := a.Unlock("desk", []byte(userPass)); err != nil {
		t.Fatal(err)
	}
	if st, err := a.ResealStatus(); err != nil || st.Done || st.GeneralResealed != 5 {
		t.Fatalf("the re-seal's position after reopening: %+v %v", st, err)
	}
	pr, err = a.Reseal(context.Background(), 3)
	if err != nil || !pr.Done || pr.Skipped != 0 {
		t.Fatalf("re-seal: %+v %v", pr, err)
	}
	// 20 patients from before and the one of newInsiderPractice (the edit
	// of one is sealed under epoch 2 already).
	if pr.GeneralResealed != 21 {
		t.Errorf("re-sealed %d general revisions, want 21", pr.GeneralResealed)
	}
	if ep := typeEpochs(t, a, "patient"); len(ep) != 1 || ep[2] == 0 {
		t.Errorf("patient revisions by general epoch after the re-seal: %v", ep)
	}
	if r, err := a.Get(before[4]); err != nil || !bytes.Contains(r.Body, []byte("Zqxdemo-before-e")) {
		t.Fatalf("front desk reads a re-sealed patient: %v", err)
	}
	if rep, err := a.Verify(); err != nil || !rep.OK() {
		t.Fatalf("verify after the re-seal: %v %v", err, rep.Problems)
	}

	// The removed user's program on the store file as it is now.
	a.Lock()
	a = reopen(t, a, WithMergeRules(testRules), WithTypeRules(insiderRules))
	later := copyFolder(t, a.Dir())
	th, err := Open(later, WithMergeRules(testRules), WithTypeRules(insiderRules))
	if err != nil {
		t.Fatal(err)
	}
	defer th.Close()
	tsess := removedSession(t, th, oldSlot, "desk2", userPass)
	for _, id := range []string{afterHIM.ID, afterDesk.ID, edited.ID, before[3]} {
		if _, err := th.Get(id); !errors.Is(err, ErrNoKey) {
			t.Errorf("the removed front desk user's old keys open patient %s: %v", id, err)
		}
		if holdsEpochOf(tsess, sealOf(t, th, id)) {
			t.Errorf("the removed front desk user's keys hold the epoch that sealed patient %s", id)
		}
	}
	// The copy taken before keeps what it held.
	th2, err := Open(stolen, WithMergeRules(testRules), WithTypeRules(insiderRules))
	if err != nil {
		t.Fatal(err)
	}
	defer th2.Close()
	removedSession(t, th2, oldSlot, "desk2", userPass)
	if _, err := th2.Get(before[3]); err != nil {
		t.Errorf("the copy taken before: %v", err)
	}

	// The second workstation: its front desk session from before the
	// rotation takes the new epoch from its user record, which the same
	// sync brings; its users read everything.
	signIn(t, a, "admin")
	signIn(t, b, "desk")
	relay(t, a, b, ip.mark)
	for _, id := range []string{afterHIM.ID, afterDesk.ID, before[3]} {
		if _, err := b.Get(id); err != nil {
			t.Fatalf("b's front desk reads %s after sync: %v", id, err)
		}
	}
	nb, err := b.Put("patient", "", "", []byte(`{"family":"Zqxdemo-on-b"}`))
	if err != nil {
		t.Fatal(err)
	}
	if e := epochOf(sealOf(t, b, nb.ID)); e != 2 {
		t.Errorf("b's front desk writes under general epoch %d after taking the new one", e)
	}
	relay(t, b, a, 0)
	signIn(t, a, "desk")
	if r, err := a.Get(nb.ID); err != nil || !bytes.Contains(r.Body, []byte("Zqxdemo-on-b")) {
		t.Fatalf("a reads b's patient: %v", err)
	}
	for _, s := range []*Store{a, b} {
		for _, who := range []string{"admin", "desk"} {
			signIn(t, s, who)
			if p := verifyProblems(t, s); p != "" {
				t.Errorf("verify as %s on %s:\n%s", who, s.Dir(), p)
			}
		}
	}
}

// An HIM manager is disabled. Their keyslot copied before, with their
// password and every grant they ever held, opens no audit entry written
// after (a new audit key pair seals them); the remaining HIM manager
// reads the entries of both keys, on this workstation and on another
// after sync, and the hash chain runs on across the change.
func TestRotationHIMDisabledAudit(t *testing.T) {
	ip := newInsiderPractice(t)
	a, b := ip.a, ip.b
	if _, err := a.AddUser(NewUser{Username: "him2", Name: "Test Himtwo Ñúñez", Role: RoleHIM, Password: []byte(userPass)}); err != nil {
		t.Fatal(err)
	}
	if err := a.Audit(AuditEvent{Action: "patient.view", Subject: "Zqxaudit-before"}); err != nil {
		t.Fatal(err)
	}
	ip.mark = relay(t, a, b, ip.mark)
	a = reopen(t, a, WithMergeRules(testRules), WithTypeRules(insiderRules))
	stolen := copyFolder(t, a.Dir())
	oldSlot := rawSlot(t, stolen, slotIDFor(a.secret(), "him2"))
	if err := a.Unlock("admin", []byte(adminPass)); err != nil {
		t.Fatal(err)
	}
	if err := a.DisableUser("him2"); err != nil {
		t.Fatal(err)
	}
	// From the rotation's own entry on (the disabling's entry, in the same
	// transaction just before, is sealed to the key of that moment).
	var firstAfter uint64
	if err := a.AuditLog(0, func(ev AuditEvent) error {
		if ev.Action == "key.rotate" {
			firstAfter = ev.Seq
		}
		return nil
	}); err != nil || firstAfter == 0 {
		t.Fatalf("no rotation in the audit log: %v", err)
	}
	signIn(t, a, "desk")
	if err := a.Audit(AuditEvent{Action: "patient.view", Subject: "Zqxaudit-after-desk"}); err != nil {
		t.Fatal(err)
	}
	signIn(t, a, "admin")
	if err := a.Audit(AuditEvent{Action: "patient.view", Subject: "Zqxaudit-after-him"}); err != nil {
		t.Fatal(err)
	}
	// The remaining HIM manager reads entries of both audit keys, and the
	// chain verifies.
	seen := map[string]bool{}
	if err := a.AuditLog(1, func(ev AuditEvent) error { seen[ev.Subject] = true; return nil }); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Zqxaudit-before", "Zqxaudit-after-desk", "Zqxaudit-after-him"} {
		if !seen[s] {
			t.Errorf("the HIM manager does not read the entry %s", s)
		}
	}
	if rep, err := a.Verify(); err != nil || !rep.OK() {
		t.Fatalf("verify across the audit key change: %v %v", err, rep.Problems)
	}

	// The removed HIM manager's program on the store file as it is now.
	a.Lock()
	a = reopen(t, a, WithMergeRules(testRules), WithTypeRules(insiderRules))
	later := copyFolder(t, a.Dir())
	th, err := Open(later, WithMergeRules(testRules), WithTypeRules(insiderRules))
	if err != nil {
		t.Fatal(err)
	}
	defer th.Close()
	tsess := removedSession(t, th, oldSlot, "him2", userPass)
	if tsess.auditKey == nil {
		t.Fatal("the removed HIM manager's old record granted no audit key")
	}
	var opened, closed int
	err = th.View(func(tx *Tx) error {
		c := tx.btx.Bucket(bucketAudit).Cursor()
		op := tx.auditOpener()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			seq := binary.BigEndian.Uint64(k)
			pt, ok, err := op.open(v[auditHashSize:], auditEntryAD(seq, v[:auditHashSize]))
			if seq < firstAfter {
				if err != nil || !ok {
					t.Errorf("the old audit key does not open entry %d from before: %v", seq, err)
				}
				continue
			}
			if err == nil && ok {
				opened++
				t.Errorf("the removed HIM manager's audit key opens entry %d written after: %s", seq, pt)
			} else {
				closed++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if closed < 3 {
		t.Errorf("only %d entries after the disable were tried", closed)
	}

	// The other workstation: sync brings the new practice keys record and
	// the HIM manager's new grant; its sessions seal to the new key.
	signIn(t, a, "admin")
	signIn(t, b, "desk")
	relay(t, a, b, ip.mark)
	if err := b.Audit(AuditEvent{Action: "patient.view", Subject: "Zqxaudit-on-b"}); err != nil {
		t.Fatal(err)
	}
	signIn(t, b, "admin")
	seen = map[string]bool{}
	if err := b.AuditLog(1, func(ev AuditEvent) error { seen[ev.Subject] = true; return nil }); err != nil {
		t.Fatal(err)
	}
	if !seen["Zqxaudit-on-b"] {
		t.Error("b's HIM manager does not read b's entry")
	}
	err = b.View(func(tx *Tx) error {
		c := tx.btx.Bucket(bucketAudit).Cursor()
		k, v := c.Last()
		pt, ok, err := (&auditOpener{sess: tsess}).open(v[auditHashSize:], auditEntryAD(binary.BigEndian.Uint64(k), v[:auditHashSize]))
		if err == nil && ok && strings.Contains(string(pt), "Zqxaudit") {
			t.Errorf("the removed HIM manager's audit key opens b's newest entry")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if p := verifyProblems(t, b); p != "" {
		t.Errorf("verify on b:\n%s", p)
	}
}

// typeEpochs counts the revisions of type typ by the epoch that sealed
// them.
func typeEpochs(t *testing.T, s *Store, typ string) map[uint32]int {
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
			if env.Type == typ {
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

// Locking zeroes the keyrings rotations made: every epoch of the general
// records keyring and every older audit key's seed.
func TestLockWipesRotatedKeys(t *testing.T) {
	s, _ := newPractice(t, WithTypeRules(insiderRules))
	if _, err := s.AddUser(NewUser{Username: "desk", Name: "Test Desk", Role: RoleFrontDesk, Password: []byte(userPass)}); err != nil {
		t.Fatal(err)
	}
	if err := s.DisableUser("desk"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RotateKeys("device.revoke: test"); err != nil {
		t.Fatal(err)
	}
	var keys []*[keySize]byte
	var seeds [][]byte
	s.mu.RLock()
	g := s.sess.general
	if g == nil || len(g.older) != 2 || len(s.sess.auditOlderSeed) != 1 {
		s.mu.RUnlock()
		t.Fatalf("after two rotations: general keyring %v, older audit keys %d", g.ringEpochs(), len(s.sess.auditOlderSeed))
	}
	keys = append(keys, g.key, g.aeadKey)
	for _, o := range g.older {
		keys = append(keys, o.key, o.aeadKey)
	}
	for _, sd := range s.sess.auditOlderSeed {
		seeds = append(seeds, sd)
	}
	seeds = append(seeds, s.sess.auditSeed)
	s.mu.RUnlock()
	s.Lock()
	for i, k := range keys {
		if k == nil || *k != [keySize]byte{} {
			t.Errorf("general keyring key %d left in memory after Lock", i)
		}
	}
	for i, sd := range seeds {
		if !bytes.Equal(sd, make([]byte, len(sd))) {
			t.Errorf("audit seed %d left in memory after Lock", i)
		}
	}
}
