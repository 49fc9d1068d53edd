package store

import (
	"errors"
	"strings"
	"testing"
)

// TestPasswordStrength: a new password is judged by a zxcvbn estimate, not
// by its length: long but guessable ones (a common password with digits,
// a keyboard row, one letter repeated, the username with a year) are
// refused wherever a password is set, with a plain reason; strong ones,
// whatever their script, are taken.
func TestPasswordStrength(t *testing.T) {
	weak := []string{"password1234", "qwertyuiop123", "aaaaaaaaaaaaaa", "1234567890123", "nurse.ada2026", "Password2026!"}
	strong := []string{"Tablet-Harbor-Quince-58", "correct horse battery", "mirlo verde en la azotea", "Ζωή πίνει τσάι στις πέντε"}
	for _, pw := range weak {
		err := CheckPassword([]byte(pw), "nurse.ada", "Ada Testperson")
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%q accepted (%v)", pw, err)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "too easy to guess") {
			t.Errorf("%q: the reason is %q", pw, msg)
		}
		if j := JudgePassword([]byte(pw), "nurse.ada"); j.OK || j.Score >= MinPasswordScore || j.Advice == "" {
			t.Errorf("%q judged %+v", pw, j)
		}
	}
	for _, pw := range strong {
		if err := CheckPassword([]byte(pw), "nurse.ada", "Ada Testperson"); err != nil {
			t.Errorf("%q refused: %v", pw, err)
		}
		if j := JudgePassword([]byte(pw)); !j.OK || j.Score < MinPasswordScore || j.Advice == "" {
			t.Errorf("%q judged %+v", pw, j)
		}
	}
	if err := CheckPassword([]byte("Sh0rt!x")); err == nil || !strings.Contains(err.Error(), "at least") {
		t.Errorf("a short password: %v", err)
	}

	// Enforced where passwords are set: first run, new user, change,
	// reset, recovery.
	if _, _, err := Create(t.TempDir(), NewPractice{Name: "Weak Test Clinic", AdminName: "Zed Testperson", AdminUser: "admin", AdminPassword: []byte("password1234")}); !errors.Is(err, ErrInvalid) {
		t.Errorf("a practice made with a weak password: %v", err)
	}
	s, rk := newPractice(t)
	if _, err := s.AddUser(NewUser{Username: "nurse.ada", Name: "Ada Testperson", Role: RoleClinician, Password: []byte("nurse.ada2026")}); !errors.Is(err, ErrInvalid) {
		t.Errorf("a user added with their username as password: %v", err)
	}
	if _, err := s.AddUser(NewUser{Username: "nurse.ada", Name: "Ada Testperson", Role: RoleClinician, Password: []byte(userPass)}); err != nil {
		t.Fatal(err)
	}
	if err := s.ResetPassword("nurse.ada", []byte("qwertyuiop123")); !errors.Is(err, ErrInvalid) {
		t.Errorf("a weak reset: %v", err)
	}
	if err := s.ChangePassword([]byte(adminPass), []byte("aaaaaaaaaaaaaa")); !errors.Is(err, ErrInvalid) {
		t.Errorf("a weak change: %v", err)
	}
	s.Lock()
	if err := s.UnlockWithRecovery(rk, "admin", []byte("1234567890123")); !errors.Is(err, ErrInvalid) {
		t.Errorf("a weak password set with the recovery key: %v", err)
	}
	if err := s.Unlock("admin", []byte(adminPass)); err != nil {
		t.Fatalf("the refused changes changed the password: %v", err)
	}
}
