package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var codeLine = regexp.MustCompile(`^ck1\.[A-Za-z0-9_-]+$`)

func TestEnrollAndDevices(t *testing.T) {
	url, fp := syncServer(t)
	p := newPractice(t)
	mariaPW := writeFile(t, t.TempDir(), "maria.pw", userPass+"\n")
	wantCode(t, "user add", p.admin("user", "add", "--name", "Maria Lopez", "--username", "maria", "--role", "clinician", "--new-password-file", mariaPW), 0)

	// No server yet, none given: a usage error. Not an HIM manager: refused.
	r := p.admin("enroll", "issue")
	wantCode(t, "enroll issue unconnected", r, 2)
	wantOutput(t, "enroll issue unconnected", r, "not connected", "--server")
	r = p.as("maria", userPass, "enroll", "issue", "--data", p.dir, "--server", url, "--fingerprint", fp)
	wantCode(t, "enroll issue as a clinician", r, 3)
	wantCode(t, "enroll issue --expires 1s", p.admin("enroll", "issue", "--server", url, "--fingerprint", fp, "--expires", "1s"), 2)
	wantCode(t, "device list unconnected", p.admin("device", "list"), 1)

	// The first code connects the practice, syncs, and ends with the code.
	r = p.admin("enroll", "issue", "--server", url, "--fingerprint", fp)
	wantCode(t, "enroll issue", r, 0)
	wantOutput(t, "enroll issue", r, "registered the practice", "valid once until")
	code := lastLine(r.stdout)
	if !codeLine.MatchString(code) {
		t.Fatalf("the last line is not a code:\n%s", r.stdout)
	}

	// Join a new folder; the practice's users sign in there.
	dirB := filepath.Join(t.TempDir(), "b")
	codeFile := writeFile(t, t.TempDir(), "code.txt", code+"\n")
	r = p.run(nil, "enroll", "join", "--code-file", codeFile, "--data", dirB, "--name", "room 2")
	wantCode(t, "enroll join", r, 0)
	wantOutput(t, "enroll join", r, "Clinique Ñandú", "admin, maria")
	r = p.as("maria", userPass, "user", "list", "--data", dirB)
	wantCode(t, "maria signs in on the new workstation", r, 0)
	wantOutput(t, "user list on B", r, "maria\tclinician")

	// The code worked once; a damaged code and an occupied folder are refused.
	r = p.run(nil, "enroll", "join", "--code", code, "--data", filepath.Join(t.TempDir(), "c"))
	wantCode(t, "second join", r, 1)
	wantOutput(t, "second join", r, "used already")
	r = p.run(nil, "enroll", "join", "--code", code[:len(code)-3], "--data", filepath.Join(t.TempDir(), "c"))
	wantCode(t, "cut-off code", r, 2)
	wantOutput(t, "cut-off code", r, "not a complete enrollment code")
	r = p.run(nil, "enroll", "join", "--code", code, "--data", p.dir)
	wantCode(t, "join over a practice", r, 1)
	wantOutput(t, "join over a practice", r, "already holds a practice")

	// Devices: two, ID first, this workstation marked.
	r = p.admin("device", "list")
	wantCode(t, "device list", r, 0)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("device list:\n%s", r.stdout)
	}
	var idA, idB string
	for _, l := range lines {
		f := strings.Split(l, "\t")
		if len(f) < 4 || len(f[0]) != 32 || f[3] != "active" {
			t.Fatalf("device line %q", l)
		}
		if strings.HasSuffix(l, "\tthis workstation") {
			idA = f[0]
		} else if f[1] == "room 2" {
			idB = f[0]
		}
	}
	if idA == "" || idB == "" {
		t.Fatalf("device list does not mark this workstation or lacks room 2:\n%s", r.stdout)
	}
	wantCode(t, "device list as a clinician", p.as("maria", userPass, "device", "list", "--data", p.dir), 3)

	// Revoking: HIM only, never this workstation, then B cannot sync.
	r = p.as("maria", userPass, "device", "revoke", idB, "--data", p.dir)
	wantCode(t, "device revoke as a clinician", r, 3)
	r = p.admin("device", "revoke", idA)
	wantCode(t, "revoke this workstation", r, 1)
	wantOutput(t, "revoke this workstation", r, "own device")
	r = p.admin("device", "revoke", idB[:10])
	wantCode(t, "device revoke", r, 0)
	wantOutput(t, "device revoke", r, "revoked device "+idB)
	wantOutput(t, "device revoke", r, "sealed with a new key")
	if r := p.admin("device", "list"); !strings.Contains(r.stdout, idB+"\troom 2\tenrolled ") || !strings.Contains(r.stdout, "\trevoked ") {
		t.Fatalf("device list after revoking:\n%s", r.output())
	}
	r = p.run(nil, "sync", "--data", dirB, "--user", "admin", "--password-file", p.adminPWFile)
	wantCode(t, "sync on the revoked workstation", r, 1)
	wantOutput(t, "sync on the revoked workstation", r, "revoked")
	if r := p.admin("audit", "list"); !strings.Contains(r.stdout, "device.revoke") || !strings.Contains(r.stdout, "device.enroll") || !strings.Contains(r.stdout, "key.rotate") {
		t.Fatalf("the audit log lacks the enrollment or the revocation:\n%s", r.stdout)
	}
}

// TestSyncSetAdminKey: registering with --recovery-key-file gives the
// server both of the practice's keys; without it the output says how to
// add the recovery key, which `sync set-admin-key` does. Only an HIM
// manager may, and only with the practice's own recovery key.
func TestSyncSetAdminKey(t *testing.T) {
	url, fp := syncServer(t)
	p := newPractice(t)
	rkFile := writeFile(t, t.TempDir(), "rk.txt", p.recoveryKey+"\n")
	r := p.admin("sync", "--server", url, "--fingerprint", fp, "--recovery-key-file", rkFile)
	wantCode(t, "sync with the recovery key", r, 0)
	if strings.Contains(r.stdout, "holds no recovery key") {
		t.Fatalf("registered with the recovery key, the output says the server lacks it:\n%s", r.stdout)
	}
	r = p.admin("sync", "set-admin-key", "--recovery-key-file", rkFile)
	wantCode(t, "sync set-admin-key again", r, 0)
	wantOutput(t, "sync set-admin-key again", r, "now holds this practice's administration key")

	// Registered without it: the output says how to add it.
	q := newPractice(t)
	r = q.admin("enroll", "issue", "--server", url, "--fingerprint", fp)
	wantCode(t, "enroll issue without the recovery key", r, 0)
	wantOutput(t, "enroll issue without the recovery key", r, "holds no recovery key", "sync set-admin-key")
	mariaPW := writeFile(t, t.TempDir(), "maria.pw", userPass+"\n")
	wantCode(t, "user add", q.admin("user", "add", "--name", "Maria Lopez", "--username", "maria", "--role", "clinician", "--new-password-file", mariaPW), 0)
	qrk := writeFile(t, t.TempDir(), "qrk.txt", q.recoveryKey+"\n")
	wantCode(t, "sync set-admin-key as a clinician", q.as("maria", userPass, "sync", "set-admin-key", "--data", q.dir, "--recovery-key-file", qrk), 3)
	r = q.admin("sync", "set-admin-key", "--recovery-key-file", rkFile)
	if r.code == 0 {
		t.Fatalf("another practice's recovery key was taken:\n%s", r.output())
	}
	wantOutput(t, "another practice's recovery key", r, "recovery key")
	r = q.admin("sync", "set-admin-key", "--recovery-key-file", qrk)
	wantCode(t, "sync set-admin-key", r, 0)
	if r := q.admin("audit", "list"); !strings.Contains(r.stdout, "sync.adminkey") {
		t.Fatalf("the audit log lacks the keys being set:\n%s", r.stdout)
	}
}
