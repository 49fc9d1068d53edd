// Package testpractice makes the practice that tests work on: a data folder
// in the test's temporary folder with a created store, its health
// information manager signed in, and optionally a user of each other role.
//
// It is for tests only and imports only the store, so the tests of every
// package above the store can use it (the chart's own tests included; the
// store's in-package tests cannot, as it imports the store). Tests built
// with the chartkeeper_insecure_kdf tag derive keyslots cheaply, so making
// a practice takes milliseconds. Package testchart adds a chart.Service.
//
// Names and passwords are synthetic; no real person is meant.
package testpractice

import (
	"cmp"
	"strings"
	"testing"

	"chartkeeper/store"
)

// Password is the test users' password unless Config says otherwise (long
// enough for store.CheckPassword).
const Password = "correct horse battery"

// Usernames are the usernames of the users that Config.Roles adds, and the
// HIM manager's default username.
var Usernames = map[store.Role]string{
	store.RoleFrontDesk: "desk",
	store.RoleClinician: "doc",
	store.RoleCoder:     "coder",
	store.RoleHIM:       "admin",
}

// OtherRoles are the roles besides the HIM manager's, for Config.Roles
// when a test wants one user of each.
var OtherRoles = []store.Role{store.RoleFrontDesk, store.RoleClinician, store.RoleCoder}

// Config says what practice New makes. The zero Config is a practice with
// only its HIM manager.
type Config struct {
	// Dir is the data folder (default: a new folder in t.TempDir()).
	Dir string
	// Name is the practice's name (default "Test Clinic").
	Name string
	// AdminName and AdminUser are the HIM manager's full name (default
	// "Hana Testadmin") and username (default "admin").
	AdminName, AdminUser string
	// Password is every user's password (default [Password]).
	Password string
	// Roles adds one user per role, with the username of [Usernames] and
	// the name "Test " and that username capitalised ("Test Doc").
	Roles []store.Role
	// Users adds these users after those of Roles; an empty Password is
	// the practice's.
	Users []store.NewUser
	// Options are passed to store.Create (a clock, for instance).
	Options []store.Option
}

// Practice is a created practice, open, with its HIM manager signed in.
// The test's cleanup closes it.
type Practice struct {
	T           testing.TB
	Dir         string
	Store       *store.Store
	RecoveryKey string
	Password    string
	users       map[store.Role]string
	closed      bool
}

// New creates the practice that c describes; any failure fails the test.
func New(t testing.TB, c Config) *Practice {
	t.Helper()
	p := &Practice{
		T:        t,
		Dir:      c.Dir,
		Password: cmp.Or(c.Password, Password),
		users:    map[store.Role]string{},
	}
	if p.Dir == "" {
		p.Dir = t.TempDir()
	}
	admin := cmp.Or(c.AdminUser, Usernames[store.RoleHIM])
	st, rk, err := store.Create(p.Dir, store.NewPractice{
		Name:          cmp.Or(c.Name, "Test Clinic"),
		AdminName:     cmp.Or(c.AdminName, "Hana Testadmin"),
		AdminUser:     admin,
		AdminPassword: []byte(p.Password),
	}, c.Options...)
	if err != nil {
		t.Fatalf("creating the test practice: %v", err)
	}
	p.Store, p.RecoveryKey = st, rk
	p.users[store.RoleHIM] = admin
	t.Cleanup(p.Close)
	users := make([]store.NewUser, 0, len(c.Roles)+len(c.Users))
	for _, r := range c.Roles {
		name := Usernames[r]
		users = append(users, store.NewUser{Username: name, Name: "Test " + strings.ToUpper(name[:1]) + name[1:], Role: r})
	}
	for _, u := range append(users, c.Users...) {
		if u.Password == nil {
			u.Password = []byte(p.Password)
		}
		if _, err := st.AddUser(u); err != nil {
			t.Fatalf("adding the test user %s: %v", u.Username, err)
		}
		if _, ok := p.users[u.Role]; !ok {
			p.users[u.Role] = u.Username
		}
	}
	return p
}

// Username is the username of the first user of role (the HIM manager's
// for [store.RoleHIM]); it fails the test if the practice has none.
func (p *Practice) Username(role store.Role) string {
	p.T.Helper()
	u, ok := p.users[role]
	if !ok {
		p.T.Fatalf("the test practice has no %s", role.Title())
	}
	return u
}

// SignIn signs username in (with the practice's password) in place of
// whoever was.
func (p *Practice) SignIn(username string) {
	p.T.Helper()
	if err := p.TrySignIn(username); err != nil {
		p.T.Fatalf("signing %s in: %v", username, err)
	}
}

// TrySignIn is [Practice.SignIn] returning the error.
func (p *Practice) TrySignIn(username string) error {
	p.Store.Lock()
	return p.Store.Unlock(username, []byte(p.Password))
}

// SignInAs signs the first user of role in.
func (p *Practice) SignInAs(role store.Role) {
	p.T.Helper()
	p.SignIn(p.Username(role))
}

// TrySignInAs is [Practice.SignInAs] returning the error, in the shape
// that demo.Options.As takes.
func (p *Practice) TrySignInAs(role store.Role) error {
	u, ok := p.users[role]
	if !ok {
		return &noUserError{role}
	}
	return p.TrySignIn(u)
}

// AuditLog calls fn with every entry of the audit log, read as the HIM
// manager (only their keys open it), then signs the user who was signed in
// back in. The switch itself adds login and logout entries.
func (p *Practice) AuditLog(fn func(store.AuditEvent) error) error {
	p.T.Helper()
	cur, err := p.Store.CurrentUser()
	if err != nil {
		return err
	}
	if cur.Role != store.RoleHIM {
		p.SignInAs(store.RoleHIM)
		defer p.SignIn(cur.Username)
	}
	return p.Store.AuditLog(1, fn)
}

// LastChange is the store's change feed position.
func (p *Practice) LastChange() uint64 {
	p.T.Helper()
	var n uint64
	if err := p.Store.View(func(tx *store.Tx) error { n = tx.LastChange(); return nil }); err != nil {
		p.T.Fatal(err)
	}
	return n
}

// Close closes the store, so that another program (or a test's own
// store.Open) can open the data folder. Closing twice does nothing, and
// so does closing a store that the test closed itself.
func (p *Practice) Close() {
	if !p.closed {
		p.closed = true
		p.Store.Close()
	}
}

type noUserError struct{ role store.Role }

func (e *noUserError) Error() string { return "the test practice has no " + e.role.Title() }
