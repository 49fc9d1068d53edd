package store

import (
	"testing"
)

// Test passwords: long enough for CheckPassword.
const (
	adminPass = "correct horse battery"
	userPass  = "staple-gun-orbit-42"
)

// newPractice creates a practice in a temp dir, unlocked as the admin.
func newPractice(t testing.TB, opts ...Option) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, rk, err := Create(dir, NewPractice{Name: "Clinique Test Ñandú", AdminName: "Zed Testperson", AdminUser: "admin", AdminPassword: []byte(adminPass)}, append([]Option{WithMergeRules(testRules)}, opts...)...)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, rk
}
