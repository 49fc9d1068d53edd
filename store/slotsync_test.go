package store

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// relay copies every local change of from that to lacks, in change-feed
// order, as sync does through the server. It returns the new mark.
func relay(t *testing.T, from, to *Store, since uint64) uint64 {
	t.Helper()
	var ws []WireRev
	last := since
	if err := from.View(func(tx *Tx) error {
		chs, err := tx.Changes(since, 1<<30)
		if err != nil {
			return err
		}
		for _, ch := range chs {
			last = ch.Seq
			if ch.Remote {
				continue
			}
			w, err := tx.ExportRev(ch.RecordID, ch.Rev)
			if err != nil {
				return err
			}
			ws = append(ws, w)
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

// joined makes a new workstation of a's practice through an enrollment.
func joined(t *testing.T, a *Store) *Store {
	t.Helper()
	key := randomBytes(EnrollmentKeySize)
	sealed, err := a.SealEnrollment(key, "test")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "joined")
	b, err := Join(dir, JoinInfo{PracticeID: a.PracticeID(), DeviceID: NewID(), Key: key, Sealed: sealed})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func TestJoinAndKeyslotSync(t *testing.T) {
	a, rk := newPractice(t)
	b := joined(t, a)
	if b.DeviceID() == a.DeviceID() || b.PracticeID() != a.PracticeID() {
		t.Fatalf("device %s / %s, practice %s / %s", b.DeviceID(), a.DeviceID(), b.PracticeID(), a.PracticeID())
	}
	// The enrollment session has no role.
	if _, err := b.AddUser(NewUser{Username: "x1", Name: "X", Role: RoleHIM, Password: []byte(userPass)}); !errors.Is(err, ErrPermission) {
		t.Fatalf("enrollment session added a user: %v", err)
	}
	mark := relay(t, a, b, 0)
	b.Lock()
	if err := b.Unlock("admin", []byte(adminPass)); err != nil {
		t.Fatalf("admin signs in on the joined workstation: %v", err)
	}
	if p, err := b.Practice(); err != nil || p.Name != "Clinique Test Ñandú" {
		t.Fatalf("practice %+v %v", p, err)
	}

	// A user added on A signs in on B after sync.
	if _, err := a.AddUser(NewUser{Username: "maria", Name: "Maria", Role: RoleClinician, Password: []byte(userPass)}); err != nil {
		t.Fatal(err)
	}
	b.Lock()
	if err := b.Unlock("maria", []byte(userPass)); !errors.Is(err, ErrWrongPassword) { // unknown here, answered as a wrong password
		t.Fatalf("maria before sync: %v", err)
	}
	if err := b.Unlock("admin", []byte(adminPass)); err != nil {
		t.Fatal(err)
	}
	mark = relay(t, a, b, mark)
	b.Lock()
	if err := b.Unlock("maria", []byte(userPass)); err != nil {
		t.Fatalf("maria after sync: %v", err)
	}

	// maria changes her password on B; A learns it.
	if err := b.ChangePassword([]byte(userPass), []byte("Quince-Ladder-new-19")); err != nil {
		t.Fatal(err)
	}
	bmark := relay(t, b, a, 0)
	a.Lock()
	if err := a.Unlock("maria", []byte(userPass)); err == nil {
		t.Fatal("the old password still works on A")
	}
	if err := a.Unlock("maria", []byte("Quince-Ladder-new-19")); err != nil {
		t.Fatalf("new password on A: %v", err)
	}
	a.Lock()
	if err := a.Unlock("admin", []byte(adminPass)); err != nil {
		t.Fatal(err)
	}

	// Disabled on A: disabled on B.
	if err := a.DisableUser("maria"); err != nil {
		t.Fatal(err)
	}
	relay(t, a, b, mark)
	b.Lock()
	if err := b.Unlock("maria", []byte("Quince-Ladder-new-19")); !errors.Is(err, ErrUserDisabled) {
		t.Fatalf("disabled user on B: %v", err)
	}

	// The recovery slot came along: B's backups can be restored with the
	// recovery key, and recovery works on B itself.
	if err := b.UnlockWithRecovery(rk, "admin", []byte("admin-recovered-pw")); err != nil {
		t.Fatalf("recovery on B: %v", err)
	}
	file := filepath.Join(t.TempDir(), "b.backup")
	if _, err := b.BackupFile(file); err != nil {
		t.Fatal(err)
	}
	if err := Restore(file, filepath.Join(t.TempDir(), "r"), RestoreOptions{RecoveryKey: rk}); err != nil {
		t.Fatalf("restoring B's backup: %v", err)
	}
	// Syncing back what A already has changes nothing; both verify clean.
	relay(t, b, a, bmark)
	for _, s := range []*Store{a, b} {
		rep, err := s.Verify()
		if err != nil || !rep.OK() {
			t.Fatalf("verify: %v %v", err, rep.Problems)
		}
	}
}

func TestConcurrentPasswordChangesConverge(t *testing.T) {
	a, _ := newPractice(t)
	b := joined(t, a)
	relay(t, a, b, 0)
	b.Lock()
	if err := b.Unlock("admin", []byte(adminPass)); err != nil {
		t.Fatal(err)
	}
	if err := a.ChangePassword([]byte(adminPass), []byte("Tulip-Harbor-from-a")); err != nil {
		t.Fatal(err)
	}
	if err := b.ChangePassword([]byte(adminPass), []byte("Tulip-Harbor-from-b")); err != nil {
		t.Fatal(err)
	}
	relay(t, a, b, 0)
	relay(t, b, a, 0)
	works := func(s *Store, pw string) bool {
		s.Lock()
		return s.Unlock("admin", []byte(pw)) == nil
	}
	// The same password wins on both.
	wa, wb := works(a, "Tulip-Harbor-from-b"), works(b, "Tulip-Harbor-from-b")
	if wa != wb {
		t.Fatalf("the replicas disagree on the password (A takes B's: %v, B takes B's: %v)", wa, wb)
	}
	if wa == works(a, "Tulip-Harbor-from-a") || wb == works(b, "Tulip-Harbor-from-a") {
		t.Fatal("exactly one of the two passwords should work")
	}
}

func TestSealEnrollmentRefusals(t *testing.T) {
	a, _ := newPractice(t)
	other, _ := newPractice(t)
	key := randomBytes(EnrollmentKeySize)
	sealed, err := a.SealEnrollment(key, "")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "n")
	// The wrong key, and the right key for another practice, open nothing.
	if _, err := Join(dir, JoinInfo{PracticeID: a.PracticeID(), DeviceID: NewID(), Key: randomBytes(32), Sealed: sealed}); !errors.Is(err, ErrWrongEnrollment) {
		t.Fatalf("wrong key: %v", err)
	}
	if _, err := Join(dir, JoinInfo{PracticeID: other.PracticeID(), DeviceID: NewID(), Key: key, Sealed: sealed}); !errors.Is(err, ErrWrongEnrollment) {
		t.Fatalf("wrong practice: %v", err)
	}
	if Exists(dir) {
		t.Fatal("a failed join left a store behind")
	}
	if _, err := Join(a.Dir(), JoinInfo{PracticeID: a.PracticeID(), DeviceID: NewID(), Key: key, Sealed: sealed}); !errors.Is(err, ErrPracticeExists) {
		t.Fatalf("join over a practice: %v", err)
	}
	// Only an HIM manager seals an enrollment.
	if _, err := a.AddUser(NewUser{Username: "fran", Name: "Fran", Role: RoleFrontDesk, Password: []byte(userPass)}); err != nil {
		t.Fatal(err)
	}
	a.Lock()
	if err := a.Unlock("fran", []byte(userPass)); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SealEnrollment(key, ""); !errors.Is(err, ErrPermission) {
		t.Fatalf("front desk sealed an enrollment: %v", err)
	}
}

// A store made before keyslots synced gets slot records on ShareKeyslots.
func TestShareKeyslotsBackfills(t *testing.T) {
	a, _ := newPractice(t)
	if n, err := a.ShareKeyslots(); err != nil || n != 0 {
		t.Fatalf("fresh practice: %d %v", n, err)
	}
	// A slot written without its record, as an older version did.
	if err := a.db.Update(func(btx *bolt.Tx) error {
		v := btx.Bucket(bucketSlots).Get([]byte(recoverySlotID))
		return btx.Bucket(bucketSlots).Put([]byte("0123456789abcdef0123456789abcdef"), bytes.Clone(v))
	}); err != nil {
		t.Fatal(err)
	}
	if n, err := a.ShareKeyslots(); err != nil || n != 1 {
		t.Fatalf("backfill: %d %v", n, err)
	}
	if _, err := a.Get(slotRecordID("0123456789abcdef0123456789abcdef")); err != nil {
		t.Fatal(err)
	}
	if n, err := a.ShareKeyslots(); err != nil || n != 0 {
		t.Fatalf("second backfill: %d %v", n, err)
	}
}
