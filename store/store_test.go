package store

import (
	"bytes"
	"errors"
	"testing"
)

func TestCreateUnlockPutGet(t *testing.T) {
	if !InsecureKDF {
		t.Log("running with real Argon2id parameters (slow)")
	}
	s, rk := newPractice(t)
	if len(rk) != 39 {
		t.Fatalf("recovery key %q: want 32 chars in 8 groups", rk)
	}
	u, err := s.CurrentUser()
	if err != nil || u.Username != "admin" || u.Role != RoleHIM {
		t.Fatalf("CurrentUser = %+v, %v", u, err)
	}
	r, err := s.Put("note", "", "", []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	r2, err := s.Put("note", r.ID, r.Rev, []byte("hello again"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put("note", r.ID, r.Rev, []byte("stale")); !errors.Is(err, ErrConflict) {
		t.Fatalf("stale parent: got %v, want ErrConflict", err)
	}
	dir := s.Dir()
	s.Close()
	if _, err := s.Get(r.ID); err == nil {
		t.Fatal("Get after Close succeeded")
	}
	s2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if _, err := s2.Get(r.ID); !errors.Is(err, ErrLocked) {
		t.Fatalf("Get while locked: %v", err)
	}
	if err := s2.Unlock("admin", []byte("nope nope nope")); !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("wrong password: %v", err)
	}
	if err := s2.Unlock("ADMIN", []byte(adminPass)); err != nil {
		t.Fatal(err)
	}
	got, err := s2.Get(r.ID)
	if err != nil || !bytes.Equal(got.Body, []byte("hello again")) || got.Rev != r2.Rev {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	h, err := s2.History(r.ID)
	if err != nil || len(h) != 2 || h[1].Parents[0] != r.Rev {
		t.Fatalf("History = %+v, %v", h, err)
	}
}
