package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"chartkeeper/chart"
	"chartkeeper/internal/testpractice"
	"chartkeeper/store"
)

// The tests run this test binary as ckadmin: with CKADMIN_TEST_MAIN=1 it
// calls the real main, so every test sees exactly what a script would, exit
// status included, and the binary carries the test's build tags.
func TestMain(m *testing.M) {
	if os.Getenv("CKADMIN_TEST_MAIN") == "1" {
		main()
		os.Exit(0) // not reached: main exits
	}
	os.Exit(m.Run())
}

const (
	adminPass = "correct horse battery"
	userPass  = "staple-gun-orbit-42"
)

// result is one run of ckadmin.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) output() string { return r.stdout + r.stderr }

// practice is a data folder made by "ckadmin init" for one test.
type practice struct {
	t           *testing.T
	dir         string // the data folder
	home        string // XDG_DATA_HOME for every run; store.DefaultDir() is home/chartkeeper
	adminPWFile string
	recoveryKey string
}

// run runs ckadmin with args. env holds extra KEY=VALUE settings; stdin is
// not a terminal, so nothing is ever asked for.
func (p *practice) run(env []string, args ...string) result {
	p.t.Helper()
	return runCkadmin(p.t, p.home, env, args...)
}

func runCkadmin(t *testing.T, home string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CHARTKEEPER_") && !strings.HasPrefix(kv, "XDG_DATA_HOME=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "CKADMIN_TEST_MAIN=1", "XDG_DATA_HOME="+home)
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running ckadmin %s: %v", strings.Join(args, " "), err)
	}
	if strings.Contains(r.output(), "goroutine ") || strings.Contains(r.output(), "panic:") {
		t.Fatalf("ckadmin %s printed a stack trace:\n%s", strings.Join(args, " "), r.output())
	}
	return r
}

// as runs ckadmin signed in as user with password (through the environment).
func (p *practice) as(user, password string, args ...string) result {
	p.t.Helper()
	return p.run([]string{"CHARTKEEPER_USER=" + user, "CHARTKEEPER_PASSWORD=" + password}, args...)
}

// admin runs a command against the practice's folder as the admin, with
// the password from a file.
func (p *practice) admin(args ...string) result {
	p.t.Helper()
	return p.run(nil, append(args, "--data", p.dir, "--user", "admin", "--password-file", p.adminPWFile)...)
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

var recoveryLine = regexp.MustCompile(`(?m)^Recovery key: ([0-9A-Z]{4}(?:-[0-9A-Z]{4}){7})$`)

// newPractice makes a practice (as "ckadmin init" would) in a fresh folder
// and closes it. The folder is the default data folder of the runs, so
// commands without --data find it.
func newPractice(t *testing.T) *practice {
	t.Helper()
	home := t.TempDir()
	p := &practice{t: t, home: home, dir: filepath.Join(home, "chartkeeper")}
	p.adminPWFile = writeFile(t, t.TempDir(), "admin.pw", adminPass+"\n")
	tp := testpractice.New(t, testpractice.Config{Dir: p.dir, Name: "Clinique Ñandú", AdminName: "Zed Testperson", Password: adminPass, Options: chart.StoreOptions()})
	tp.Close()
	p.recoveryKey = tp.RecoveryKey
	return p
}

func wantCode(t *testing.T, what string, r result, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("%s: exit %d, want %d\n%s", what, r.code, code, r.output())
	}
}

func wantOutput(t *testing.T, what string, r result, substrings ...string) {
	t.Helper()
	for _, s := range substrings {
		if !strings.Contains(strings.ToLower(r.output()), strings.ToLower(s)) {
			t.Fatalf("%s: output lacks %q:\n%s", what, s, r.output())
		}
	}
}

func TestInitShowsTheRecoveryKeyOnce(t *testing.T) {
	p := newPractice(t)
	out := p.run(nil, "init", "--data", t.TempDir()+"/other", "--practice", "P", "--admin-name", "A B",
		"--admin-user", "ab", "--password-file", p.adminPWFile).stdout
	if n := strings.Count(out, "Recovery key:"); n != 1 {
		t.Fatalf("the recovery key line appears %d times:\n%s", n, out)
	}
	key := recoveryLine.FindStringSubmatch(out)[1]
	if n := strings.Count(out, key); n != 1 {
		t.Fatalf("the recovery key is printed %d times", n)
	}
	wantOutput(t, "init", result{stdout: out}, "only this once", "safe", "write it down")

	r := p.run(nil, "init", "--data", p.dir, "--practice", "P", "--admin-name", "A B",
		"--admin-user", "ab", "--password-file", p.adminPWFile)
	wantCode(t, "init over a practice", r, 1)
	wantOutput(t, "init over a practice", r, "already holds a practice")
	if strings.Contains(r.output(), "Recovery key") {
		t.Fatal("a failed init printed a recovery key")
	}

	r = p.run(nil, "init", "--data", filepath.Join(t.TempDir(), "new"), "--practice", "P",
		"--admin-name", "A B", "--admin-user", "ab")
	wantCode(t, "init with no password and no terminal", r, 2)
	wantOutput(t, "init with no password and no terminal", r, "--password-file", "CHARTKEEPER_PASSWORD")

	r = p.run([]string{"CHARTKEEPER_PASSWORD=short"}, "init", "--data", filepath.Join(t.TempDir(), "new"),
		"--practice", "P", "--admin-name", "A B", "--admin-user", "ab")
	wantCode(t, "init with a short password", r, 1)
	wantOutput(t, "init with a short password", r, "at least 10 characters")
}

func TestUsers(t *testing.T) {
	p := newPractice(t)
	newPW := writeFile(t, t.TempDir(), "new.pw", userPass+"\n")

	// Flags may come before or after the subcommand's own words.
	r := p.admin("user", "add", "--name", "Maria José Lopez", "--username", "maria", "--role", "clinician", "--new-password-file", newPW)
	wantCode(t, "user add", r, 0)
	r = p.as("maria", userPass, "user", "list")
	wantCode(t, "user list as the new user", r, 0)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 || lines[0] != "admin\thim\tZed Testperson" || lines[1] != "maria\tclinician\tMaria José Lopez" {
		t.Fatalf("user list:\n%s", r.stdout)
	}

	wantCode(t, "user role", p.admin("user", "role", "maria", "coder"), 0)
	if r := p.admin("user", "list"); !strings.Contains(r.stdout, "maria\tcoder\t") {
		t.Fatalf("role not changed:\n%s", r.output())
	}
	wantCode(t, "user role with an unknown role", p.admin("user", "role", "maria", "surgeon"), 2)

	// An HIM manager resets maria's password; the old one stops working.
	r = p.run([]string{"CHARTKEEPER_NEW_PASSWORD=reset-by-him-2024"}, "user", "passwd", "maria", "--data", p.dir, "--user", "admin", "--password-file", p.adminPWFile)
	wantCode(t, "user passwd maria", r, 0)
	wantCode(t, "sign in with the old password", p.as("maria", userPass, "user", "list"), 4)

	// maria changes her own password.
	r = p.run([]string{"CHARTKEEPER_USER=maria", "CHARTKEEPER_PASSWORD=reset-by-him-2024", "CHARTKEEPER_NEW_PASSWORD=marias-own-choice"}, "user", "passwd")
	wantCode(t, "user passwd (own)", r, 0)
	wantCode(t, "sign in with the new password", p.as("maria", "marias-own-choice", "user", "list"), 0)

	// Disabled: listed as such, and cannot sign in.
	r = p.run(nil, "user", "disable", "maria", "--data", p.dir, "--user", "admin", "--password-file", p.adminPWFile)
	wantCode(t, "user disable", r, 0)
	if r := p.admin("user", "list"); !strings.Contains(r.stdout, "maria\tcoder\tMaria José Lopez\tdisabled\n") {
		t.Fatalf("disabled user not marked:\n%s", r.output())
	}
	r = p.as("maria", "marias-own-choice", "user", "list")
	if r.code == 0 {
		t.Fatalf("a disabled user signed in:\n%s", r.output())
	}
	wantCode(t, "disabled user signs in", r, 4)

	// The last HIM manager cannot be disabled.
	r = p.admin("user", "disable", "admin")
	wantCode(t, "disable the last HIM manager", r, 1)
	wantOutput(t, "disable the last HIM manager", r, "last active health information manager")
}

func TestRoleRefusal(t *testing.T) {
	p := newPractice(t)
	r := p.run([]string{"CHARTKEEPER_NEW_PASSWORD=" + userPass}, "user", "add", "--data", p.dir, "--user", "admin",
		"--password-file", p.adminPWFile, "--name", "Fran Desk", "--username", "fran", "--role", "front-desk")
	wantCode(t, "add front desk user", r, 0)

	for _, args := range [][]string{
		{"user", "add", "--name", "Eve Intruder", "--username", "eve", "--role", "him"},
		{"user", "role", "fran", "him"},
		{"user", "passwd", "admin"},
	} {
		r := p.run([]string{"CHARTKEEPER_USER=fran", "CHARTKEEPER_PASSWORD=" + userPass, "CHARTKEEPER_NEW_PASSWORD=something-Long-Enough-Quince"}, args...)
		wantCode(t, strings.Join(args, " ")+" as front desk", r, 3)
		wantOutput(t, strings.Join(args, " ")+" as front desk", r, "health information manager")
	}
	if r := p.admin("user", "list"); strings.Contains(r.stdout, "eve") || !strings.Contains(r.stdout, "fran\tfront-desk") {
		t.Fatalf("a refused action changed the users:\n%s", r.output())
	}
}

func TestWrongPassword(t *testing.T) {
	p := newPractice(t)
	r := p.as("admin", "not the password", "user", "list")
	wantCode(t, "wrong password", r, 4)
	wantOutput(t, "wrong password", r, "wrong password for admin", "tries left")

	r = p.as("nobody", adminPass, "user", "list")
	wantCode(t, "unknown user", r, 4)
	wantOutput(t, "unknown user", r, "nobody")

	r = p.run([]string{"CHARTKEEPER_PASSWORD=" + adminPass}, "user", "list")
	wantCode(t, "no --user", r, 2)
	wantOutput(t, "no --user", r, "--user", "CHARTKEEPER_USER")

	r = p.run([]string{"CHARTKEEPER_USER=admin"}, "user", "list")
	wantCode(t, "no password", r, 2)
	wantOutput(t, "no password", r, "--password-file", "CHARTKEEPER_PASSWORD")
}

func TestVerifyFreshStore(t *testing.T) {
	p := newPractice(t)
	r := p.admin("verify")
	wantCode(t, "verify", r, 0)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if lines[len(lines)-1] != "ok" {
		t.Fatalf("verify did not end with ok:\n%s", r.output())
	}
}

func TestUsage(t *testing.T) {
	home := t.TempDir()
	r := runCkadmin(t, home, nil, "help")
	wantCode(t, "help", r, 0)
	for _, c := range commands {
		wantOutput(t, "help", r, c.name)
	}
	wantCode(t, "-h", runCkadmin(t, home, nil, "-h"), 0)
	wantCode(t, "no command", runCkadmin(t, home, nil), 2)
	r = runCkadmin(t, home, nil, "frobnicate")
	wantCode(t, "unknown command", r, 2)
	wantOutput(t, "unknown command", r, "ckadmin help")
	r = runCkadmin(t, home, nil, "user", "disable", "--user", "admin")
	wantCode(t, "user disable without a username", r, 2)
	wantOutput(t, "user disable without a username", r, "usage: ckadmin user disable USERNAME")
	wantCode(t, "unknown flag", runCkadmin(t, home, nil, "verify", "--frob"), 2)
	r = runCkadmin(t, home, nil, "backup", "-h")
	wantCode(t, "backup -h", r, 0)
	wantOutput(t, "backup -h", r, "--out file", "--data folder")
	r = runCkadmin(t, home, []string{"CHARTKEEPER_USER=admin", "CHARTKEEPER_PASSWORD=whatever-it-is"}, "verify", "--data", filepath.Join(home, "none"))
	wantCode(t, "verify an empty folder", r, 1)
	wantOutput(t, "verify an empty folder", r, "no practice", "ckadmin init")
}

func TestInterspersedFlags(t *testing.T) {
	fs := (&env{cmd: commands[0]}).flags()
	data := fs.String("data", "", "")
	pos, err := (&env{cmd: commands[0]}).parse(fs, []string{"maria", "--data", "D", "coder", "--", "--not-a-flag"})
	if err != nil || *data != "D" || strings.Join(pos, " ") != "maria coder --not-a-flag" {
		t.Fatalf("parse: %q %q %v", pos, *data, err)
	}
}

// seed adds records to the practice in this process, through the store, so
// that the file spans many pages. It returns one record's ID and body.
func (p *practice) seed(n int) (id string, body []byte) {
	p.t.Helper()
	s, err := chart.OpenStore(p.dir)
	if err != nil {
		p.t.Fatal(err)
	}
	defer s.Close()
	if err := s.Unlock("admin", []byte(adminPass)); err != nil {
		p.t.Fatal(err)
	}
	for batch := 0; batch < n; batch += 100 {
		err := s.Update(func(tx *store.Tx) error {
			for i := batch; i < min(batch+100, n); i++ {
				b := bytes.Repeat([]byte{byte('a' + i%26)}, 300+i%500)
				r, err := tx.Put("patient", "", "", b)
				if err != nil {
					return err
				}
				id, body = r.ID, b
			}
			return nil
		})
		if err != nil {
			p.t.Fatal(err)
		}
	}
	return id, body
}
