package store

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func reopen(t *testing.T, s *Store, opts ...Option) *Store {
	t.Helper()
	dir := s.Dir()
	s.Close()
	s2, err := Open(dir, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s2.Close() })
	return s2
}

func TestUsersAndRoles(t *testing.T) {
	s, _ := newPractice(t)
	nurse, err := s.AddUser(NewUser{Username: "Nurse.Ada", Name: "Ada Ŋurse", Role: RoleClinician, Password: []byte(userPass)})
	if err != nil {
		t.Fatal(err)
	}
	if nurse.Username != "nurse.ada" {
		t.Fatalf("username not normalised: %q", nurse.Username)
	}
	if _, err := s.AddUser(NewUser{Username: "nurse.ada", Name: "Dup", Role: RoleCoder, Password: []byte(userPass)}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("duplicate username: %v", err)
	}
	for _, bad := range []NewUser{
		{Username: "x", Name: "A", Role: RoleCoder, Password: []byte(userPass)},
		{Username: "has space", Name: "A", Role: RoleCoder, Password: []byte(userPass)},
		{Username: "okname", Name: " ", Role: RoleCoder, Password: []byte(userPass)},
		{Username: "okname", Name: "A", Role: "boss", Password: []byte(userPass)},
		{Username: "okname", Name: "A", Role: RoleCoder, Password: []byte("short")},
	} {
		if _, err := s.AddUser(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("AddUser(%+v) = %v, want ErrInvalid", bad, err)
		}
	}
	if err := s.DisableUser("admin"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("disabling the last HIM manager: %v", err)
	}
	s = reopen(t, s)
	if err := s.Unlock("nurse.ada", []byte(userPass)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddUser(NewUser{Username: "other", Name: "O", Role: RoleCoder, Password: []byte(userPass)}); !errors.Is(err, ErrPermission) || !strings.Contains(err.Error(), "health information manager") {
		t.Fatalf("clinician adding a user: %v", err)
	}
	if err := s.SetRole("nurse.ada", RoleHIM); !errors.Is(err, ErrPermission) {
		t.Fatalf("clinician changing a role: %v", err)
	}
	if err := s.ChangePassword([]byte("not it at all"), []byte("new-Orbit-Violet-pass")); !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("ChangePassword with a wrong current password: %v", err)
	}
	if err := s.ChangePassword([]byte(userPass), []byte("new-Orbit-Violet-pass")); err != nil {
		t.Fatal(err)
	}
	s.Lock()
	if err := s.Unlock("nurse.ada", []byte(userPass)); !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("old password after change: %v", err)
	}
	if err := s.Unlock("nurse.ada", []byte("new-Orbit-Violet-pass")); err != nil {
		t.Fatal(err)
	}
	// Another user signs in without closing the store.
	if err := s.Unlock("admin", []byte(adminPass)); err != nil {
		t.Fatal(err)
	}
	if u, _ := s.CurrentUser(); u.Username != "admin" {
		t.Fatalf("current user %q", u.Username)
	}
	if err := s.SetRole("nurse.ada", RoleCoder); err != nil {
		t.Fatal(err)
	}
	if err := s.ResetPassword("nurse.ada", []byte("reset-by-him-1")); err != nil {
		t.Fatal(err)
	}
	if err := s.DisableUser("nurse.ada"); err != nil {
		t.Fatal(err)
	}
	users, _ := s.Users()
	var found bool
	for _, u := range users {
		if u.Username == "nurse.ada" {
			found = u.Disabled && u.Role == RoleCoder
		}
	}
	if !found {
		t.Fatalf("users after disable: %+v", users)
	}
	s.Lock()
	if err := s.Unlock("nurse.ada", []byte("reset-by-him-1")); !errors.Is(err, ErrUserDisabled) || !strings.Contains(err.Error(), "disabled") {
		t.Fatalf("disabled user signing in: %v", err)
	}
	// Every change above is in the audit log.
	if err := s.Unlock("admin", []byte(adminPass)); err != nil {
		t.Fatal(err)
	}
	var actions []string
	s.AuditLog(1, func(ev AuditEvent) error { actions = append(actions, ev.Action); return nil })
	got := strings.Join(actions, " ")
	for _, want := range []string{"practice.create", "user.add", "login", "login.failed", "user.passwd", "logout", "user.role", "user.passwd.reset", "user.disable"} {
		if !strings.Contains(got, want) {
			t.Errorf("audit log lacks %q: %s", want, got)
		}
	}
}

func TestWrongPasswordBackoff(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	s, _ := newPractice(t, WithClock(clk.now))
	s = reopen(t, s, WithClock(clk.now))
	var ue *UnlockError
	for i, wantLeft := range []int{2, 1, 0} {
		err := s.Unlock("admin", []byte("wrong password!"))
		if !errors.As(err, &ue) || !errors.Is(err, ErrWrongPassword) || ue.TriesLeft != wantLeft {
			t.Fatalf("try %d: %v (%+v)", i+1, err, ue)
		}
	}
	if !strings.Contains(ue.Error(), "wait") {
		t.Fatalf("third failure should announce a wait: %q", ue.Error())
	}
	// Even the right password waits now, and a restart does not reset that.
	s = reopen(t, s, WithClock(clk.now))
	err := s.Unlock("admin", []byte(adminPass))
	if !errors.Is(err, ErrBackoff) || !strings.Contains(err.Error(), "try again in 30 s") {
		t.Fatalf("during back-off: %v", err)
	}
	clk.add(31 * time.Second)
	if err := s.Unlock("admin", []byte("wrong again!!")); !errors.As(err, &ue) || ue.Wait != 60*time.Second {
		t.Fatalf("fourth failure: %v", err)
	}
	clk.add(61 * time.Second)
	if err := s.Unlock("admin", []byte(adminPass)); err != nil {
		t.Fatal(err)
	}
	var failed int
	s.AuditLog(1, func(ev AuditEvent) error {
		if ev.Action == "login.failed" && ev.Username == "admin" && ev.Flagged {
			failed++
		}
		return nil
	})
	if failed != 4 {
		t.Fatalf("%d failed sign-ins audited, want 4", failed)
	}
	// The counter is reset by the success.
	s.Lock()
	if err := s.Unlock("admin", []byte("wrong password!")); !errors.As(err, &ue) || ue.TriesLeft != 2 {
		t.Fatalf("after success: %v", err)
	}
	// An unknown username is answered as a wrong password.
	if err := s.Unlock("nobody", []byte("whatever-pass")); !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("unknown user: %v", err)
	}
}

func TestBackoffSchedule(t *testing.T) {
	for n, want := range map[uint32]time.Duration{0: 0, 2: 0, 3: 30 * time.Second, 4: time.Minute, 5: 2 * time.Minute, 8: 15 * time.Minute, 40: 15 * time.Minute} {
		if got := backoffFor(n); got != want {
			t.Errorf("backoffFor(%d) = %v, want %v", n, got, want)
		}
	}
}

func TestRecoveryKey(t *testing.T) {
	s, rk := newPractice(t)
	r, _ := s.Put("patient", "", "", []byte("kept"))
	s = reopen(t, s)
	if err := s.UnlockWithRecovery("AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA", "admin", []byte("brand-new-pass")); !errors.Is(err, ErrWrongRecoveryKey) {
		t.Fatalf("wrong recovery key: %v", err)
	}
	if err := s.UnlockWithRecovery("not a key", "admin", []byte("brand-new-pass")); !errors.Is(err, ErrWrongRecoveryKey) {
		t.Fatalf("malformed recovery key: %v", err)
	}
	// Typed loosely: lower case, spaces instead of dashes.
	loose := strings.ToLower(strings.ReplaceAll(rk, "-", " "))
	if err := s.UnlockWithRecovery(loose, "admin", []byte("brand-new-pass")); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(r.ID); err != nil || string(got.Body) != "kept" {
		t.Fatalf("after recovery: %v", err)
	}
	s.Lock()
	if err := s.Unlock("admin", []byte("brand-new-pass")); err != nil {
		t.Fatalf("new password after recovery: %v", err)
	}
}

func TestLockWipesKey(t *testing.T) {
	s, _ := newPractice(t)
	s.mu.RLock()
	k := s.sess.key
	keyBytes, aeadBytes, idx := k.key, k.aeadKey, k.indexKey
	s.mu.RUnlock()
	if aeadBytes == nil {
		t.Fatal("could not locate the AEAD's key copy; wipe would leave it in memory")
	}
	if *keyBytes == [keySize]byte{} || *aeadBytes != *keyBytes || *idx == [keySize]byte{} {
		t.Fatal("key material not set up as expected")
	}
	s.Lock()
	if *keyBytes != [keySize]byte{} || *aeadBytes != [keySize]byte{} || *idx != [keySize]byte{} {
		t.Fatal("Lock left key material in memory")
	}
	if _, err := s.Put("x", "", "", nil); !errors.Is(err, ErrLocked) {
		t.Fatalf("Put after Lock: %v", err)
	}
}

func TestIdleLockSetting(t *testing.T) {
	s, _ := newPractice(t)
	p, err := s.Practice()
	if err != nil || p.IdleLockSec != 300 || p.Name != "Clinique Test Ñandú" {
		t.Fatalf("practice = %+v, %v", p, err)
	}
	if err := s.SetIdleLock(10 * time.Second); !errors.Is(err, ErrInvalid) {
		t.Fatalf("10 s idle lock: %v", err)
	}
	if err := s.SetIdleLock(2 * time.Minute); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.Practice(); p.IdleLockSec != 120 {
		t.Fatalf("idle lock = %d", p.IdleLockSec)
	}
}
