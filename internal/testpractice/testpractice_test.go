package testpractice_test

import (
	"testing"

	"chartkeeper/internal/testpractice"
	"chartkeeper/store"
)

func TestPracticeWithRoles(t *testing.T) {
	p := testpractice.New(t, testpractice.Config{Roles: testpractice.OtherRoles,
		Users: []store.NewUser{{Username: "doc2", Name: "Second Testdoctor", Role: store.RoleClinician}}})
	if u, err := p.Store.CurrentUser(); err != nil || u.Username != "admin" || u.Role != store.RoleHIM {
		t.Fatalf("signed in after New: %+v, %v", u, err)
	}
	for _, r := range testpractice.OtherRoles {
		p.SignInAs(r)
		if u, _ := p.Store.CurrentUser(); u.Role != r || u.Username != testpractice.Usernames[r] {
			t.Errorf("SignInAs(%s) signed in %+v", r, u)
		}
	}
	p.SignIn("doc2")
	if u, _ := p.Store.CurrentUser(); u.Name != "Second Testdoctor" {
		t.Errorf("SignIn(doc2) signed in %+v", u)
	}
	if p.RecoveryKey == "" {
		t.Error("no recovery key")
	}
	p.Close()
	p.Close()
	st, err := store.Open(p.Dir)
	if err != nil {
		t.Fatalf("reopening after Close: %v", err)
	}
	st.Close()
}

func TestTrySignInAsWithoutSuchUser(t *testing.T) {
	p := testpractice.New(t, testpractice.Config{Name: "Solo Test Practice"})
	if err := p.TrySignInAs(store.RoleCoder); err == nil {
		t.Fatal("signed in a coder the practice does not have")
	}
	if err := p.TrySignInAs(store.RoleHIM); err != nil {
		t.Fatal(err)
	}
}
