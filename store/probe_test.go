package store

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestUsernameProbing: a sign-in with an unknown username fails with the
// same error and the same message as a wrong password for a real user, and
// does the same key-derivation work, so neither the words nor the time
// tell which usernames exist.
func TestUsernameProbing(t *testing.T) {
	now := time.Date(2026, 5, 14, 9, 30, 0, 0, time.UTC)
	s, _ := newPractice(t, WithClock(func() time.Time { return now }))
	if _, err := s.AddUser(NewUser{Username: "maria", Name: "Maria Testperson", Role: RoleClinician, Password: []byte(userPass)}); err != nil {
		t.Fatal(err)
	}
	s.Lock()
	var derived []KDFParams
	onDerive = func(p KDFParams) { derived = append(derived, p) }
	t.Cleanup(func() { onDerive = nil })

	try := func(username string) ([]KDFParams, error) {
		t.Helper()
		derived = nil
		err := s.Unlock(username, []byte("not the password at all"))
		if err == nil {
			t.Fatalf("%s signed in with a wrong password", username)
		}
		return derived, err
	}
	for i := range FreeTries + 1 {
		knownWork, known := try("maria")
		unknownWork, unknown := try("marla")
		want := ErrWrongPassword
		if i >= FreeTries {
			want = ErrBackoff
		}
		if !errors.Is(known, want) || !errors.Is(unknown, want) || errors.Is(unknown, ErrUnknownUser) {
			t.Fatalf("try %d: the errors differ in kind: %v / %v", i+1, known, unknown)
		}
		var ku, uu *UnlockError
		errors.As(known, &ku)
		errors.As(unknown, &uu)
		if ku == nil || uu == nil || ku.TriesLeft != uu.TriesLeft || ku.Wait != uu.Wait {
			t.Fatalf("try %d: %+v / %+v", i+1, ku, uu)
		}
		if a, b := known.Error(), strings.ReplaceAll(unknown.Error(), "marla", "maria"); a != b {
			t.Errorf("try %d: the messages differ:\n  real user:    %s\n  unknown user: %s", i+1, a, b)
		}
		if i >= FreeTries {
			break // both now wait; no derivation is due on either
		}
		if len(knownWork) != 1 || len(unknownWork) != 1 {
			t.Fatalf("try %d: %d derivations for a real user, %d for an unknown one; want one each", i+1, len(knownWork), len(unknownWork))
		}
		k, u := knownWork[0], unknownWork[0]
		if k.Time != u.Time || k.Memory != u.Memory || k.Threads != u.Threads {
			t.Errorf("try %d: derivation cost for a real user t=%d m=%d p=%d, for an unknown one t=%d m=%d p=%d", i+1, k.Time, k.Memory, k.Threads, u.Time, u.Memory, u.Threads)
		}
	}
}
