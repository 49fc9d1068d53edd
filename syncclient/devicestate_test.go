package syncclient_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"chartkeeper/syncclient"
	"chartkeeper/syncproto"
)

// TestWorkstationPutBackFromOldCopyIsRefused replaces a workstation's
// whole store file with an older copy of itself. Nothing in the file
// shows it (verify and the state digest agree with it); the server, which
// saw what the workstation sent after the copy, refuses it at its next
// sync over HTTPS, and says so plainly.
func TestWorkstationPutBackFromOldCopyIsRefused(t *testing.T) {
	ts := startServer(t)
	ws := newPractice(t, ts, 1)
	a := ws[0]
	put(t, a.st, "allergy", "", "", `{"substance":"penicillin","patient":"Øster Test"}`)
	a.sync(t)

	// An old copy of the whole file, taken with the store closed.
	var old []byte
	reopen(t, a, func(dir string) {
		var err error
		if old, err = os.ReadFile(filepath.Join(dir, "chartkeeper.db")); err != nil {
			t.Fatal(err)
		}
	})
	later := put(t, a.st, "allergy", "", "", `{"substance":"latex","patient":"Øster Test"}`)
	a.sync(t)

	reopen(t, a, func(dir string) {
		if err := os.WriteFile(filepath.Join(dir, "chartkeeper.db"), old, 0o600); err != nil {
			t.Fatal(err)
		}
	})
	// Not seen locally: the old copy is consistent in itself.
	if rep, err := a.st.Verify(); err != nil || !rep.OK() {
		t.Fatalf("verify of the old copy: %v %v", err, rep.Problems)
	}
	if err := a.st.StateError(true); err != nil {
		t.Fatalf("the state digest of the old copy: %v", err)
	}
	if _, err := a.st.Get(later.ID); err == nil {
		t.Fatal("the old copy holds the later allergy")
	}

	// New work on the old copy; the next sync is refused.
	put(t, a.st, "allergy", "", "", `{"substance":"iodine","patient":"Øster Test"}`)
	for i := range 2 {
		_, err := a.c.RunOnce(context.Background())
		var rb *syncclient.RolledBackError
		if !errors.Is(err, syncproto.ErrDeviceRolledBack) || !errors.As(err, &rb) {
			t.Fatalf("sync %d of the old copy: %v", i, err)
		}
		if !strings.HasPrefix(err.Error(), "This workstation's data is older than what it last sent to the server (restored from an old copy?)") ||
			!strings.Contains(err.Error(), "enroll this workstation again") {
			t.Fatalf("message: %s", err)
		}
		st := a.c.Status()
		if st.State != syncclient.StateError || !strings.Contains(st.Err, "older than what it last sent") {
			t.Fatalf("status: %+v", st)
		}
	}
	// The server kept what the workstation had sent after the copy.
	var found bool
	for _, r := range serverRevs(t, ts, a.cfg.PracticeID) {
		found = found || r.RecordID == later.ID
	}
	if !found {
		t.Fatal("the server lost the allergy sent after the copy")
	}
}
