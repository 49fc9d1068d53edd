package ui

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"chartkeeper/chart"
	"chartkeeper/chart/demo"
	"chartkeeper/internal/atomicfile"
	"chartkeeper/store"
)

// DemoPatients is how many made-up patients a demo practice gets: enough to
// feel like a clinic's list (a fifth of them, 200, with full charts), few
// enough to be made in a few seconds.
const DemoPatients = 1000

// demoFile marks a data folder as a demo practice and holds what its
// sign-in screen shows. It sits beside the store, never inside it, so it is
// not in backups.
const demoFile = "demo-practice.json"

// DemoPractice is a practice of made-up patients for trying Chartkeeper
// out. Its users share one generated password, which the sign-in screen
// shows, since nothing in it is real.
type DemoPractice struct {
	Password string     `json:"password"`
	Users    []DemoUser `json:"users"`
}

// DemoUser is one of the demo practice's users.
type DemoUser struct {
	Username string     `json:"username"`
	Name     string     `json:"name"`
	Role     store.Role `json:"role"`
}

// demoUsers are the demo practice's users: an HIM manager (the practice's
// first user) and one of each role that demo.Fill writes as.
var demoUsers = []DemoUser{
	{"demo-clinician", "Demo Clinician", store.RoleClinician},  // i18n:skip
	{"demo-frontdesk", "Demo Front Desk", store.RoleFrontDesk}, // i18n:skip
	{"demo-coder", "Demo Coder", store.RoleCoder},              // i18n:skip
	{"demo-him", "Demo HIM Manager", store.RoleHIM},            // i18n:skip
}

// demoPracticeName says on every printout that the practice is not real.
const demoPracticeName = "Demo Clinic (made-up patients)" // i18n:skip

// ReadDemoPractice returns the demo credentials of the practice in dir, or
// nil when it is not a demo practice.
func ReadDemoPractice(dir string) *DemoPractice {
	b, err := os.ReadFile(filepath.Join(dir, demoFile))
	if err != nil {
		return nil
	}
	var d DemoPractice
	if json.Unmarshal(b, &d) != nil || d.Password == "" {
		return nil
	}
	return &d
}

// NewDemoPractice creates a demo practice of patients made-up patients in
// dir, which must hold no practice, and returns it locked. progress, if set,
// is called as the work advances (from the calling goroutine).
func NewDemoPractice(dir string, patients int, progress func(done, total int)) (*store.Store, *DemoPractice, error) {
	d := &DemoPractice{Password: demoPassword(), Users: demoUsers}
	pw := []byte(d.Password)
	him := demoUsers[len(demoUsers)-1]
	st, _, err := chart.CreateStore(dir, store.NewPractice{
		Name:          demoPracticeName,
		AdminName:     him.Name,
		AdminUser:     him.Username,
		AdminPassword: pw,
	})
	if err != nil {
		return nil, nil, err
	}
	fail := func(err error) (*store.Store, *DemoPractice, error) {
		st.Close()
		return nil, nil, err
	}
	for _, u := range demoUsers[:len(demoUsers)-1] {
		if _, err := st.AddUser(store.NewUser{Username: u.Username, Name: u.Name, Role: u.Role, Password: pw}); err != nil {
			return fail(fmt.Errorf("adding the demo user %s: %w", u.Username, err)) // i18n:skip
		}
	}
	b, _ := json.MarshalIndent(d, "", "  ")
	if err := atomicfile.WriteFile(filepath.Join(dir, demoFile), b, 0o600); err != nil {
		return fail(err)
	}
	svc, err := chart.Open(st)
	if err != nil {
		return fail(err)
	}
	if _, err := demo.InstallCodes(svc); err != nil { // as the HIM manager Create signed in
		svc.Close()
		return fail(err)
	}
	as := func(role store.Role) error {
		for _, u := range demoUsers {
			if u.Role == role {
				st.Lock()
				return st.Unlock(u.Username, pw)
			}
		}
		return fmt.Errorf("no demo user is a %s", role.Title()) // i18n:skip
	}
	_, err = demo.Fill(svc, demo.Options{Patients: patients, Seed: 1, Progress: progress, As: as})
	svc.Close()
	st.Lock()
	if err != nil {
		return fail(err)
	}
	return st, d, nil
}

// demoPassword makes a password of three groups of four letters and digits
// (about 60 bits), easy to read off the screen.
func demoPassword() string {
	for {
		// A random draw may spell a sequence or a word; draw again until
		// the store's rule takes it.
		if pw := drawDemoPassword(); store.CheckPassword([]byte(pw)) == nil {
			return pw
		}
	}
}

func drawDemoPassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyz23456789" // no l, o, 0, 1
	b := make([]byte, 12)
	rand.Read(b)
	out := make([]byte, 0, 14)
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			out = append(out, '-')
		}
		out = append(out, alphabet[int(c)%len(alphabet)])
	}
	return string(out)
}
