package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chartkeeper/internal/testpractice"
	"chartkeeper/syncclient"
	"chartkeeper/syncproto"
)

// operator runs an operator's command (keys, items) with args and returns
// what it wrote, standard output then standard error, and its exit status.
func operator(cmd string, args ...string) (string, int) {
	var out, errs bytes.Buffer
	code := run(context.Background(), append([]string{cmd}, args...), &out, &errs, nil)
	return out.String() + errs.String(), code
}

// TestKeysShowAndClear: the operator sees the practice's administration
// and recovery keys as the HIM manager registered them, cannot touch them
// while the server holds its file, and clears them; the server then
// refuses the practice's enrollment codes until an HIM manager claims the
// keys again with the recovery key, after which codes work.
func TestKeysShowAndClear(t *testing.T) {
	ctx := context.Background()
	data, addr, url, fp, stop := startOpen(t)
	p := testpractice.New(t, testpractice.Config{Dir: filepath.Join(t.TempDir(), "a"), Name: "Clinic", AdminName: "Ada Admin"})
	cfg, err := syncclient.Register(ctx, p.Store, url, fp, syncclient.RegisterOptions{DeviceName: "office", RecoveryKey: p.RecoveryKey})
	if err != nil {
		t.Fatal(err)
	}
	if o, code := operator("keys", "show", "--data", data, "--practice", cfg.PracticeID); code != exitFailed || !strings.Contains(o, "in use") {
		t.Fatalf("keys show while the server runs: %d %s", code, o)
	}
	stop()

	rk, err := p.Store.RecoverySigningKey(p.RecoveryKey)
	if err != nil {
		t.Fatal(err)
	}
	want := "administration key: " + hex.EncodeToString(p.Store.AdminPublicKey()) + "\nrecovery key: " + hex.EncodeToString(rk.PublicKey()) + "\n"
	rk.Wipe()
	if o, code := operator("keys", "show", "--data", data, "--practice", cfg.PracticeID); code != exitOK || o != want {
		t.Fatalf("keys show: %d\n%s\nwant\n%s", code, o, want)
	}
	if o, code := operator("keys", "show", "--data", data, "--practice", strings.Repeat("0", 32)); code != exitFailed || !strings.Contains(o, "no practice") {
		t.Fatalf("keys show of an unknown practice: %d %s", code, o)
	}
	if o, code := operator("keys", "rotate", "--data", data, "--practice", cfg.PracticeID); code != exitUsage {
		t.Fatalf("keys rotate: %d %s", code, o)
	}
	if o, code := operator("keys", "clear", "--data", data, "--practice", cfg.PracticeID); code != exitOK {
		t.Fatalf("keys clear: %d %s", code, o)
	}
	if o, code := operator("keys", "show", "--data", data, "--practice", cfg.PracticeID); code != exitOK || o != "administration key: none\nrecovery key: none\n" {
		t.Fatalf("keys show after clear: %d %s", code, o)
	}

	// Back on the same address: no codes until the HIM manager claims.
	start(t, "--data", data, "--listen", addr, "--quiet")
	if _, _, err := syncclient.IssueEnrollment(ctx, p.Store, cfg, time.Hour); !errors.Is(err, syncproto.ErrNoAdminKey) {
		t.Fatalf("an enrollment after the keys were cleared: %v", err)
	}
	if err := syncclient.SetPracticeKeys(ctx, p.Store, cfg, p.RecoveryKey); err != nil {
		t.Fatal(err)
	}
	if _, _, err := syncclient.IssueEnrollment(ctx, p.Store, cfg, time.Hour); err != nil {
		t.Fatalf("an enrollment after the claim: %v", err)
	}
}
