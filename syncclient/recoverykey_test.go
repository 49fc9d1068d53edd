package syncclient_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"chartkeeper/chart"
	"chartkeeper/internal/testpractice"
	"chartkeeper/store"
	"chartkeeper/syncclient"
	"chartkeeper/syncproto"
	"chartkeeper/syncserver"
)

// TestCapturedRevocationReplay: a revocation the HIM manager signed,
// captured on its way to the server, is worth nothing for another device
// (the device ID is signed), from another device (the sender is signed),
// or once the server's clock is past its window.
func TestCapturedRevocationReplay(t *testing.T) {
	ctx := context.Background()
	ts := startServer(t)
	var mu sync.Mutex
	var captured []byte
	ts.wrap = func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v1/devices/revoke" {
				b, _ := io.ReadAll(r.Body)
				mu.Lock()
				captured = b
				mu.Unlock()
				r.Body = io.NopCloser(bytes.NewReader(b))
			}
			h.ServeHTTP(w, r)
		})
	}
	ts.restart()
	ws := newPractice(t, ts, 4)
	a, desk, first, second := ws[0], ws[1], ws[2], ws[3]
	signInAsDesk(t, a, desk)
	if got, want := revokeMessage(a.cfg, first.cfg.DeviceID, 1234567890), syncproto.RevokeMessage(a.cfg.PracticeID, a.cfg.DeviceID, first.cfg.DeviceID, 1234567890); !bytes.Equal(got, want) {
		t.Fatalf("the test's revocation message %x is not the protocol's %x", got, want)
	}

	if err := syncclient.RevokeDevice(ctx, a.cfg, first.cfg.DeviceID); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	signed := captured
	mu.Unlock()
	var req syncproto.RevokeRequest
	if err := json.Unmarshal(signed, &req); err != nil || req.DeviceID != first.cfg.DeviceID || len(req.AdminSig) == 0 {
		t.Fatalf("captured revocation: %s %v", signed, err)
	}
	// The same signature for another device, sent by the HIM manager's
	// own workstation and by the front desk's.
	req.DeviceID = second.cfg.DeviceID
	other, _ := json.Marshal(req)
	for _, w := range []*workstation{a, desk} {
		if code, msg := rawPost(t, ts, w.cfg, "/v1/devices/revoke", other); code != http.StatusForbidden || msg != syncproto.ErrAdminBadSignature.Error() {
			t.Fatalf("captured revocation replayed against another device: %d %q", code, msg)
		}
	}
	// The captured request as it was, from the front desk's device.
	if code, msg := rawPost(t, ts, desk.cfg, "/v1/devices/revoke", signed); code != http.StatusForbidden || msg != syncproto.ErrAdminBadSignature.Error() {
		t.Fatalf("captured revocation replayed by another device: %d %q", code, msg)
	}
	if deviceRevoked(t, a.cfg, second.cfg.DeviceID) {
		t.Fatal("a replayed revocation revoked another device")
	}
	// Past the window, the exact request is refused too.
	ts.now = func() time.Time { return time.Now().Add(syncproto.AdminWindow + time.Minute) }
	ts.restart()
	if code, msg := rawPost(t, ts, a.cfg, "/v1/devices/revoke", signed); code != http.StatusForbidden || msg != syncproto.ErrAdminStale.Error() {
		t.Fatalf("captured revocation replayed after its window: %d %q", code, msg)
	}
	// The HIM manager's own fresh one, dated by the server's clock, works.
	if err := syncclient.RevokeDevice(ctx, a.cfg, second.cfg.DeviceID); err != nil {
		t.Fatalf("a revocation dated by the server's (later) clock: %v", err)
	}
}

// TestRecoveryKeyReestablishesAdminKey: the practice registers with its
// administration and recovery keys; the server's administration key is
// then replaced behind the practice's back (its storage changed, or a
// thief first to claim it), so the practice's own revocations are refused
// and the other key's accepted; an HIM manager re-establishes the
// practice's key with the recovery key, after which the other key's
// signatures are refused and the practice's accepted, and the device
// revoked in between stays revoked. A wrong recovery key, another
// practice's recovery key and a non-HIM session cannot do it.
func TestRecoveryKeyReestablishesAdminKey(t *testing.T) {
	ctx := context.Background()
	ts := startServer(t)
	p := testpractice.New(t, testpractice.Config{Dir: filepath.Join(t.TempDir(), "a"), Name: "Clinic", AdminName: "Ada Admin", Password: adminPass, Options: chart.StoreOptions()})
	// Registered as the workstation's own screen does, without the kit:
	// the recovery public key kept when the practice was made is given.
	cfgA, err := syncclient.Register(ctx, p.Store, ts.url(), ts.fp, syncclient.RegisterOptions{DeviceName: "office"})
	if err != nil {
		t.Fatal(err)
	}
	a := &workstation{st: p.Store, cfg: cfgA}
	rk, err := p.Store.RecoverySigningKey(p.RecoveryKey)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := syncclient.PracticeKeys(ctx, cfgA)
	if err != nil || !bytes.Equal(keys.AdminKey, p.Store.AdminPublicKey()) || !bytes.Equal(keys.RecoveryKey, rk.PublicKey()) {
		t.Fatalf("keys after registration: %+v %v", keys, err)
	}
	rk.Wipe()
	join := func(name string) *workstation {
		code, _, err := syncclient.IssueEnrollment(ctx, a.st, a.cfg, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		s, cfg, _, err := syncclient.Join(ctx, code, filepath.Join(t.TempDir(), name), syncclient.JoinOptions{DeviceName: name, StoreOptions: chart.StoreOptions()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return &workstation{st: s, cfg: cfg}
	}
	// The joined workstations are left signed in by their enrollment;
	// they serve here only as devices to revoke and, d, to send the other
	// key's requests from.
	b, c, d := join("room 1"), join("room 2"), join("room 3")

	// Another administration key takes the practice's place at the server.
	rogue := testpractice.New(t, testpractice.Config{}).Store
	old := syncserver.PracticeKeys{Admin: keys.AdminKey, Recovery: keys.RecoveryKey}
	if err := ts.backend.ReplacePracticeKeys(ctx, a.cfg.PracticeID, old, syncserver.PracticeKeys{Admin: rogue.AdminPublicKey(), Recovery: keys.RecoveryKey}); err != nil {
		t.Fatal(err)
	}
	if err := syncclient.RevokeDevice(ctx, a.cfg, b.cfg.DeviceID); !isErr(err, syncproto.ErrAdminBadSignature) {
		t.Fatalf("the practice's revocation under another server key: %v", err)
	}
	if _, _, err := syncclient.IssueEnrollment(ctx, a.st, a.cfg, time.Hour); !isErr(err, syncproto.ErrAdminBadSignature) {
		t.Fatalf("the practice's enrollment under another server key: %v", err)
	}
	rogueRevoke := func(target string) (int, string) {
		now := time.Now().Unix()
		sig, err := rogue.SignAdmin(syncproto.PurposeRevoke, syncproto.RevokeMessage(d.cfg.PracticeID, d.cfg.DeviceID, target, now))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := json.Marshal(syncproto.RevokeRequest{DeviceID: target, IssuedAt: now, AdminSig: sig})
		return rawPost(t, ts, d.cfg, "/v1/devices/revoke", body)
	}
	if code, msg := rogueRevoke(c.cfg.DeviceID); code != http.StatusOK {
		t.Fatalf("the key the server holds revokes: %d %q", code, msg)
	}

	// Re-establishing needs the practice's recovery key and an HIM manager.
	other := testpractice.New(t, testpractice.Config{})
	if err := syncclient.SetPracticeKeys(ctx, a.st, a.cfg, other.RecoveryKey); !isErr(err, store.ErrWrongRecoveryKey) {
		t.Fatalf("another practice's recovery key: %v", err)
	}
	if err := syncclient.SetPracticeKeys(ctx, a.st, a.cfg, "0000-0000-0000-0000-0000-0000-0000-0000"); !isErr(err, store.ErrWrongRecoveryKey) {
		t.Fatalf("a wrong recovery key: %v", err)
	}
	// Signed by another recovery key (its own practice's, whose kit the
	// sender holds), sent raw: refused by the server.
	ork, err := other.Store.RecoverySigningKey(other.RecoveryKey)
	if err != nil {
		t.Fatal(err)
	}
	kr := syncproto.PracticeKeysRequest{AdminKey: rogue.AdminPublicKey(), RecoveryKey: ork.PublicKey(), IssuedAt: time.Now().Unix()}
	msg := syncproto.KeysMessage(d.cfg.PracticeID, d.cfg.DeviceID, kr)
	kr.AdminSig, _ = rogue.SignAdmin(syncproto.PurposeKeys, msg)
	kr.RecoverySig, _ = ork.Sign(syncproto.RecoveryDomain, msg)
	body, _ := json.Marshal(kr)
	if code, m := rawPost(t, ts, d.cfg, "/v1/practice/keys", body); code != http.StatusForbidden || m != syncproto.ErrRecoveryMismatch.Error() {
		t.Fatalf("keys signed by another recovery key: %d %q", code, m)
	}
	if _, err := a.st.AddUser(store.NewUser{Username: "doc", Name: "Dr Zoë Test", Role: store.RoleClinician, Password: []byte(deskPass)}); err != nil {
		t.Fatal(err)
	}
	a.st.Lock()
	if err := a.st.Unlock("doc", []byte(deskPass)); err != nil {
		t.Fatal(err)
	}
	if err := syncclient.SetPracticeKeys(ctx, a.st, a.cfg, p.RecoveryKey); !isErr(err, store.ErrPermission) {
		t.Fatalf("a clinician sets the practice's keys: %v", err)
	}
	a.st.Lock()
	if err := a.st.Unlock("admin", []byte(adminPass)); err != nil {
		t.Fatal(err)
	}
	if err := syncclient.SetPracticeKeys(ctx, a.st, a.cfg, p.RecoveryKey); err != nil {
		t.Fatalf("re-establishing the administration key with the recovery key: %v", err)
	}
	if keys, err := syncclient.PracticeKeys(ctx, a.cfg); err != nil || !bytes.Equal(keys.AdminKey, a.st.AdminPublicKey()) {
		t.Fatalf("keys after re-establishing: %+v %v", keys, err)
	}

	// The other key is refused, the practice's accepted; the device
	// revoked in between stays revoked.
	if code, msg := rogueRevoke(b.cfg.DeviceID); code != http.StatusForbidden || msg != syncproto.ErrAdminBadSignature.Error() {
		t.Fatalf("the replaced key revokes: %d %q", code, msg)
	}
	if !deviceRevoked(t, a.cfg, c.cfg.DeviceID) {
		t.Fatal("re-establishing the key brought a revoked device back")
	}
	if err := syncclient.RevokeDevice(ctx, a.cfg, c.cfg.DeviceID); err != nil {
		t.Fatalf("revoking the revoked device again: %v", err)
	}
	if _, _, err := syncclient.IssueEnrollment(ctx, a.st, a.cfg, time.Hour); err != nil {
		t.Fatalf("the practice's enrollment after re-establishing: %v", err)
	}
	if err := syncclient.RevokeDevice(ctx, a.cfg, b.cfg.DeviceID); err != nil {
		t.Fatalf("the practice's revocation after re-establishing: %v", err)
	}
	if !deviceRevoked(t, a.cfg, b.cfg.DeviceID) || !deviceRevoked(t, a.cfg, c.cfg.DeviceID) {
		t.Fatal("a revocation did not take")
	}
}

// TestPracticeKeysFirstUse: a practice registered before the server kept
// administration keys has none there: revocations and enrollments are
// refused with a plain message until an HIM manager sets them with the
// recovery key; the first pair is kept (trust on first use) and a later
// pair from elsewhere is refused. A thief who claims first shuts the
// practice's HIM manager out, loudly.
func TestPracticeKeysFirstUse(t *testing.T) {
	ctx := context.Background()
	ts := startServer(t)
	claim := func() (*testpractice.Practice, *workstation) {
		p := testpractice.New(t, testpractice.Config{Dir: filepath.Join(t.TempDir(), "a"), Name: "Clinic", AdminName: "Ada Admin", Password: adminPass, Options: chart.StoreOptions()})
		cfg, err := syncclient.Register(ctx, p.Store, ts.url(), ts.fp, syncclient.RegisterOptions{DeviceName: "office"})
		if err != nil {
			t.Fatal(err)
		}
		// As the server's migration leaves a practice registered before.
		keys, err := ts.backend.PracticeKeys(ctx, cfg.PracticeID)
		if err != nil {
			t.Fatal(err)
		}
		if err := ts.backend.ReplacePracticeKeys(ctx, cfg.PracticeID, keys, syncserver.PracticeKeys{}); err != nil {
			t.Fatal(err)
		}
		return p, &workstation{st: p.Store, cfg: cfg}
	}
	p, a := claim()
	if _, _, err := syncclient.IssueEnrollment(ctx, a.st, a.cfg, time.Hour); !isErr(err, syncproto.ErrNoAdminKey) {
		t.Fatalf("an enrollment before the practice's keys are set: %v", err)
	}
	if err := syncclient.SetPracticeKeys(ctx, a.st, a.cfg, p.RecoveryKey); err != nil {
		t.Fatal(err)
	}
	if _, _, err := syncclient.IssueEnrollment(ctx, a.st, a.cfg, time.Hour); err != nil {
		t.Fatalf("an enrollment after the practice's keys are set: %v", err)
	}
	// Another pair later: refused (the recovery key the server holds did
	// not sign it).
	thief := testpractice.New(t, testpractice.Config{})
	claimWith := func(w *workstation, admin *store.Store, recoveryKey string) (int, string) {
		rk, err := admin.RecoverySigningKey(recoveryKey)
		if err != nil {
			t.Fatal(err)
		}
		defer rk.Wipe()
		kr := syncproto.PracticeKeysRequest{AdminKey: admin.AdminPublicKey(), RecoveryKey: rk.PublicKey(), IssuedAt: time.Now().Unix()}
		msg := syncproto.KeysMessage(w.cfg.PracticeID, w.cfg.DeviceID, kr)
		kr.AdminSig, _ = admin.SignAdmin(syncproto.PurposeKeys, msg)
		kr.RecoverySig, _ = rk.Sign(syncproto.RecoveryDomain, msg)
		body, _ := json.Marshal(kr)
		return rawPost(t, ts, w.cfg, "/v1/practice/keys", body)
	}
	if code, msg := claimWith(a, thief.Store, thief.RecoveryKey); code != http.StatusForbidden || msg != syncproto.ErrRecoveryMismatch.Error() {
		t.Fatalf("a second claim: %d %q", code, msg)
	}
	// The risk: on a practice without keys, a device whose session is
	// not an HIM manager's claims first with keys of its own making; the
	// HIM manager's claim is then refused, and so are their revocations.
	p2, a2 := claim()
	if code, msg := claimWith(a2, thief.Store, thief.RecoveryKey); code != http.StatusOK {
		t.Fatalf("the thief's first claim: %d %q", code, msg)
	}
	if err := syncclient.SetPracticeKeys(ctx, a2.st, a2.cfg, p2.RecoveryKey); !isErr(err, syncproto.ErrRecoveryMismatch) {
		t.Fatalf("the HIM manager's claim after the thief's: %v", err)
	}
}
