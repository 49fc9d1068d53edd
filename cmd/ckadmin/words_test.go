package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chartkeeper/internal/plain"
	"chartkeeper/store"
	"chartkeeper/syncserver"
	"chartkeeper/syncserver/synctestserver"
)

// noRaw fails when what ckadmin printed to its error output holds Go error
// text, or when it printed nothing at all for a failure.
func noRaw(t *testing.T, what string, r result, want ...string) {
	t.Helper()
	if r.code == 0 {
		t.Errorf("%s: succeeded, want a failure:\n%s", what, r.output())
		return
	}
	if strings.TrimSpace(r.stderr) == "" {
		t.Errorf("%s: failed (exit %d) without a word", what, r.code)
	}
	if f := plain.Raw(r.stderr); f != "" {
		t.Errorf("%s: the message holds %q:\n%s", what, f, r.stderr)
	}
	wantOutput(t, what, r, want...)
	t.Logf("%s: %s", what, strings.TrimSpace(r.stderr))
}

// TestNoRawErrors provokes the failures ckadmin meets against real parts (a
// sync server on loopback, a port with nothing listening, a damaged store)
// and checks that each message is words for people.
func TestNoRawErrors(t *testing.T) {
	url, fp := syncServer(t)
	p := newPractice(t)
	mariaPW := writeFile(t, t.TempDir(), "maria.pw", userPass+"\n")
	wantCode(t, "user add", p.admin("user", "add", "--name", "Maria Testperson", "--username", "maria", "--role", "clinician", "--new-password-file", mariaPW), 0)

	noRaw(t, "server down", p.admin("enroll", "issue", "--server", "https://127.0.0.1:9", "--fingerprint", fp),
		"Cannot reach the sync server at 127.0.0.1:9 (nothing is listening there)", "chartkeeperd is running")
	noRaw(t, "no fingerprint", p.admin("enroll", "issue", "--server", url), "--fingerprint")
	noRaw(t, "wrong fingerprint", p.admin("enroll", "issue", "--server", url, "--fingerprint", synctestserver.WrongFingerprint(fp)),
		"The server's certificate is not the one you pinned", "Pass --fingerprint as chartkeeperd printed it.")
	noRaw(t, "not https", p.admin("enroll", "issue", "--server", strings.Replace(url, "https", "http", 1), "--fingerprint", fp))
	noRaw(t, "refused by role", p.as("maria", userPass, "enroll", "issue", "--data", p.dir, "--server", url, "--fingerprint", fp), "health information manager")
	noRaw(t, "wrong password", p.as("admin", "not the password", "user", "list", "--data", p.dir), "wrong password")
	noRaw(t, "validation", p.admin("patient", "add", "--given", "Kid", "--family", "Testperson", "--dob", time.Now().AddDate(1, 0, 0).Format("2006-01-02"), "--sex", "female"),
		"birth date is in the future")

	// A full quota: the server takes nothing of the practice.
	qurl, qfp, _ := synctestserver.StartWith(t, syncserver.WithQuota(1))
	q := newPractice(t)
	q.seed(5)
	noRaw(t, "full quota", q.admin("enroll", "issue", "--server", qurl, "--fingerprint", qfp), "storage on the sync server is full")

	// A revoked device.
	r := p.admin("enroll", "issue", "--server", url, "--fingerprint", fp)
	wantCode(t, "enroll issue", r, 0)
	dirB := filepath.Join(t.TempDir(), "b")
	wantCode(t, "enroll join", p.run(nil, "enroll", "join", "--code", lastLine(r.stdout), "--data", dirB, "--name", "room 2"), 0)
	var idB string
	for _, l := range strings.Split(p.admin("device", "list").stdout, "\n") {
		if f := strings.Split(l, "\t"); len(f) > 1 && f[1] == "room 2" {
			idB = f[0]
		}
	}
	wantCode(t, "device revoke", p.admin("device", "revoke", idB), 0)
	noRaw(t, "revoked device", p.run(nil, "sync", "--data", dirB, "--user", "admin", "--password-file", p.adminPWFile), "revoked")

	// A damaged store.
	dir := copyFolder(t, p.dir)
	path := store.FilePath(dir)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(b) / 4; i < 3*len(b)/4; i += 97 {
		b[i] ^= 0xff
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"verify"}, {"user", "list"}, {"patient", "find", "Testperson"}} {
		r := p.run(nil, append(args, "--data", dir, "--user", "admin", "--password-file", p.adminPWFile)...)
		if r.code != 0 {
			noRaw(t, "damaged store: "+strings.Join(args, " "), r)
		}
	}

	// A data folder that cannot be written: as root the permission bits
	// do not stop writes, so the folder is then a file's place instead.
	ro := filepath.Join(t.TempDir(), "ro")
	if err := os.WriteFile(ro, nil, 0o400); err != nil {
		t.Fatal(err)
	}
	noRaw(t, "no data folder", p.run(nil, "init", "--data", filepath.Join(ro, "sub"), "--practice", "P", "--admin-name", "A B",
		"--admin-user", "ab", "--password-file", p.adminPWFile))
}
