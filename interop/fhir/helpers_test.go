package fhir_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chartkeeper/chart"
	"chartkeeper/chart/demo"
	"chartkeeper/store"
)

const testPass = "correct horse battery"

var roleUsers = map[store.Role]string{
	store.RoleFrontDesk: "desk",
	store.RoleClinician: "doc",
	store.RoleCoder:     "coder",
	store.RoleHIM:       "admin",
}

// practice is a store with one user of each role and a service over it.
type practice struct {
	t   testing.TB
	st  *store.Store
	svc *chart.Service
}

func newPractice(t testing.TB) *practice {
	t.Helper()
	st, _, err := chart.CreateStore(t.TempDir(), store.NewPractice{Name: "Interop Test Clinic", AdminName: "Hana Testadmin", AdminUser: "admin", AdminPassword: []byte(testPass)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for role, name := range roleUsers {
		if role != store.RoleHIM {
			if _, err := st.AddUser(store.NewUser{Username: name, Name: "Test " + name, Role: role, Password: []byte(testPass)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	svc, err := chart.Open(st)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	return &practice{t: t, st: st, svc: svc}
}

// as signs in the user of role and returns the service.
func (p *practice) as(role store.Role) *chart.Service {
	p.t.Helper()
	p.st.Lock()
	if err := p.st.Unlock(roleUsers[role], []byte(testPass)); err != nil {
		p.t.Fatal(err)
	}
	return p.svc
}

// fill makes a demo practice of n patients, every one with a chart.
func (p *practice) fill(n int, seed uint64) demo.Stats {
	p.t.Helper()
	p.as(store.RoleClinician)
	st, err := demo.Fill(p.svc, demo.Options{Patients: n, Seed: seed, As: func(r store.Role) error {
		p.st.Lock()
		return p.st.Unlock(roleUsers[r], []byte(testPass))
	}})
	if err != nil {
		p.t.Fatal(err)
	}
	return st
}

// lastChange is the store's change feed position.
func (p *practice) lastChange() uint64 {
	p.t.Helper()
	var n uint64
	if err := p.st.View(func(tx *store.Tx) error { n = tx.LastChange(); return nil }); err != nil {
		p.t.Fatal(err)
	}
	return n
}

// patientIDs lists every registered patient.
func (p *practice) patientIDs() []string {
	p.t.Helper()
	var ids []string
	err := p.st.View(func(tx *store.Tx) error {
		return tx.List(chart.TypePatient, func(r store.Record) error { ids = append(ids, r.ID); return nil })
	})
	if err != nil {
		p.t.Fatal(err)
	}
	return ids
}

// validator finds node and the installed schema validator. Outside CI a
// missing one skips the test; under CI (make test installs both) it fails.
func validator(t testing.TB) (node, script string) {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", "validator"))
	if err != nil {
		t.Fatal(err)
	}
	missing := ""
	node, err = exec.LookPath("node")
	if err != nil {
		missing = "node is not installed (make deps installs nodejs)"
	} else if _, err := os.Stat(filepath.Join(dir, "node_modules", "@asymmetrik", "fhir-json-schema-validator")); err != nil {
		missing = "the FHIR schema validator is not installed (make deps runs npm ci in " + dir + ")"
	}
	if missing != "" {
		if os.Getenv("CI") != "" {
			t.Fatal(missing)
		}
		t.Skip(missing)
	}
	return node, filepath.Join(dir, "validate.js")
}

// validate runs the FHIR R4 JSON schema validator on bundles; it returns
// its output and whether every bundle passed.
func validate(t testing.TB, bundles ...[]byte) (string, bool) {
	t.Helper()
	node, script := validator(t)
	dir := t.TempDir()
	args := []string{script}
	for i, b := range bundles {
		path := filepath.Join(dir, "bundle"+string(rune('a'+i))+".json")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, path)
	}
	cmd := exec.Command(node, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("running the validator: %v", err)
	}
	if err != nil && cmd.ProcessState.ExitCode() != 1 {
		t.Fatalf("the validator failed: %v\n%s", err, out.String())
	}
	return out.String(), err == nil && strings.Count(out.String(), "ok ") == len(bundles)
}

// day is a fixed date for synthetic records.
var day = time.Date(2025, 11, 3, 10, 15, 0, 0, time.UTC)
