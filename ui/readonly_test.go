package ui

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// readOnlyEnv names, in the child process of TestReadOnlyDataFolder, the
// data folder mounted read-only.
const readOnlyEnv = "CHARTKEEPER_TEST_READONLY_DIR"

// TestReadOnlyDataFolder opens the workstation on a practice whose data
// folder really is read-only: the test runs itself again in a mount
// namespace of its own (unshare -m) where the folder is bind-mounted
// read-only, so writes fail with EROFS even for root, who ignores
// permission bits. Every message shown must be plain words that say the
// disk cannot be written to.
func TestReadOnlyDataFolder(t *testing.T) {
	if dir := os.Getenv(readOnlyEnv); dir != "" {
		readOnlyChild(t, dir)
		return
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("unshare (util-linux) is not installed")
	}
	if out, err := exec.Command(unshare, "-m", "--propagation", "private", "true").CombinedOutput(); err != nil {
		t.Skipf("no mount namespace here (unshare -m needs CAP_SYS_ADMIN): %v %s", err, out)
	}
	dir := newPractice(t).dir
	cmd := exec.Command(unshare, "-m", "--propagation", "private", "sh", "-c",
		`mount --bind -o ro "$1" "$1" && exec "$2" -test.run '^TestReadOnlyDataFolder$' -test.v -test.count=1`,
		"sh", dir, os.Args[0])
	cmd.Env = append(os.Environ(), readOnlyEnv+"="+dir)
	out, err := cmd.CombinedOutput()
	t.Logf("child:\n%s", out)
	if err != nil {
		t.Fatalf("the read-only run failed: %v", err)
	}
	if !strings.Contains(string(out), "--- PASS: TestReadOnlyDataFolder") {
		t.Fatal("the child did not run the read-only checks")
	}
	// Outside the namespace the folder is writable as before.
	if err := os.WriteFile(dir+"/probe", nil, 0o600); err != nil {
		t.Fatalf("the read-only mount leaked out of its namespace: %v", err)
	}
}

// readOnlyChild runs in the namespace where dir is read-only.
func readOnlyChild(t *testing.T, dir string) {
	if err := os.WriteFile(dir+"/probe", nil, 0o600); err == nil {
		t.Fatal("the data folder is writable: the bind mount did not take")
	} else {
		t.Logf("writing in the data folder: %v", err)
	}
	ws, w := open(t, dir)
	if ws.st != nil {
		signInAs(t, w, "mlopez", testPassword)
	}
	t.Logf("shown: %q", shown(w))
	clean(t, "read-only data folder", w, "cannot be written")
}
