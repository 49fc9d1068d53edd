package syncclient_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"chartkeeper/internal/testpractice"
	"chartkeeper/store"
	"chartkeeper/syncclient"
	"chartkeeper/syncproto"
)

const deskPass = "Harbor-Tulip-Engine-64"

// rawPost sends body to path with the device credential of cfg (its token
// and its device signature, as our client makes them) over the server's
// pinned HTTPS, bypassing syncclient's own checks, and returns the status
// and the server's message. A cfg without a device sends no credential.
func rawPost(t *testing.T, ts *testServer, cfg syncclient.Config, path string, body []byte) (int, string) {
	t.Helper()
	tc, err := syncclient.PinnedTLS(ts.fp)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tc}}
	defer hc.CloseIdleConnections()
	req, err := http.NewRequest("POST", ts.url()+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if cfg.DeviceID != "" {
		if err := cfg.Authorize(req, body); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var er syncproto.ErrorResponse
	json.Unmarshal(b, &er)
	return resp.StatusCode, er.Error
}

func deviceRevoked(t *testing.T, cfg syncclient.Config, id string) bool {
	t.Helper()
	ds, err := syncclient.Devices(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.ID == id {
			return !d.Revoked.IsZero()
		}
	}
	t.Fatalf("the server lists no device %s", id)
	return false
}

// signInAsDesk adds a front-desk user on the HIM manager's workstation a,
// syncs it to w and signs it in there: w is then a front-desk workstation
// with its own valid device token and signing key.
func signInAsDesk(t *testing.T, a, w *workstation) {
	t.Helper()
	if _, err := a.st.AddUser(store.NewUser{Username: "fran", Name: "Fran Ólafsdóttir", Role: store.RoleFrontDesk, Password: []byte(deskPass)}); err != nil {
		t.Fatal(err)
	}
	syncAll(t, a, w)
	w.st.Lock()
	if err := w.st.Unlock("fran", []byte(deskPass)); err != nil {
		t.Fatal(err)
	}
}

// TestDeviceCannotRevokeOthers: only an HIM manager can revoke devices or
// issue enrollment codes. An enrolled front-desk workstation, with its own
// valid device token and device signature, tries to revoke another device
// and to leave an enrollment code, through syncclient and by raw HTTPS
// (with a forged administration signature too): every attempt is refused
// and changes nothing; the HIM manager's succeed.
//
// Before administration signatures the server took any enrolled device's
// signed revocation or enrollment (it sees devices, not roles). Run on
// that code, this test fails: the front desk's syncclient.RevokeDevice
// returned nil, both raw revocations (unsigned and forged) and the raw
// enrollment were answered 200, the other device was revoked, and the
// front desk's enrollment token redeemed (200, not 404) into a new device.
func TestDeviceCannotRevokeOthers(t *testing.T) {
	ctx := context.Background()
	ts := startServer(t)
	ws := newPractice(t, ts, 3)
	a, desk, victim := ws[0], ws[1], ws[2]
	signInAsDesk(t, a, desk)

	// Through our own packages: the front-desk session cannot sign.
	if err := syncclient.RevokeDevice(ctx, desk.cfg, victim.cfg.DeviceID); !isErr(err, store.ErrPermission) {
		t.Fatalf("front desk revokes through syncclient: %v", err)
	}
	if _, _, err := syncclient.IssueEnrollment(ctx, desk.st, desk.cfg, time.Hour); !isErr(err, store.ErrPermission) {
		t.Fatalf("front desk issues a code through syncclient: %v", err)
	}

	// By raw HTTPS with the desk's own valid credential and signature.
	body, _ := json.Marshal(map[string]any{"device": victim.cfg.DeviceID})
	if code, msg := rawPost(t, ts, desk.cfg, "/v1/devices/revoke", body); code != http.StatusForbidden || !strings.Contains(msg, "health information manager") {
		t.Fatalf("raw revocation by a front-desk workstation: %d %q", code, msg)
	}
	// With a forged administration signature: the desk's user makes a
	// practice of their own, whose administration key they hold, and
	// signs with it.
	forger := testpractice.New(t, testpractice.Config{}).Store
	now := time.Now().Unix()
	sig, err := forger.SignAdmin("sync device revocation", revokeMessage(desk.cfg, victim.cfg.DeviceID, now))
	if err != nil {
		t.Fatal(err)
	}
	body, _ = json.Marshal(map[string]any{"device": victim.cfg.DeviceID, "issued_at": now, "admin_sig": sig})
	if code, msg := rawPost(t, ts, desk.cfg, "/v1/devices/revoke", body); code != http.StatusForbidden || !strings.Contains(msg, "does not match") {
		t.Fatalf("raw revocation with a forged administration signature: %d %q", code, msg)
	}
	if deviceRevoked(t, a.cfg, victim.cfg.DeviceID) {
		t.Fatal("a front-desk workstation revoked another device")
	}
	// An enrollment left by raw HTTPS: refused, so its token redeems
	// nothing.
	tok := syncproto.NewToken()
	body, _ = json.Marshal(map[string]any{"token_hash": syncproto.HashToken(tok), "sealed": bytes.Repeat([]byte{7}, 200), "ttl_seconds": 3600})
	if code, msg := rawPost(t, ts, desk.cfg, "/v1/enroll", body); code != http.StatusForbidden || !strings.Contains(msg, "health information manager") {
		t.Fatalf("raw enrollment by a front-desk workstation: %d %q", code, msg)
	}
	newTok := syncproto.NewToken()
	redeem, _ := json.Marshal(syncproto.RedeemRequest{PracticeID: a.cfg.PracticeID, Token: tok, DeviceID: store.NewID(), DeviceToken: newTok,
		PublicKey: store.NewDeviceCredentials(newTok).PublicKey()})
	if code, _ := rawPost(t, ts, syncclient.Config{Server: ts.url(), Fingerprint: ts.fp}, "/v1/enroll/redeem", redeem); code != http.StatusNotFound {
		t.Fatalf("redeeming the front desk's enrollment: %d; want 404", code)
	}

	// The HIM manager's succeed.
	if _, _, err := syncclient.IssueEnrollment(ctx, a.st, a.cfg, time.Hour); err != nil {
		t.Fatalf("the HIM manager issues a code: %v", err)
	}
	if err := syncclient.RevokeDevice(ctx, a.cfg, victim.cfg.DeviceID); err != nil {
		t.Fatalf("the HIM manager revokes: %v", err)
	}
	if !deviceRevoked(t, a.cfg, victim.cfg.DeviceID) {
		t.Fatal("the HIM manager's revocation did not take")
	}
	if _, err := victim.c.RunOnce(ctx); !isErr(err, syncproto.ErrDeviceRevoked) {
		t.Fatalf("the revoked device syncs: %v", err)
	}
	// A device may still give up its own credential (a join that failed).
	if err := syncclient.RevokeDevice(ctx, desk.cfg, desk.cfg.DeviceID); err != nil {
		t.Fatalf("a device revokes itself: %v", err)
	}
}

// revokeMessage is syncproto.RevokeMessage, spelled out so the test above
// also builds on code from before administration signatures.
func revokeMessage(sender syncclient.Config, deviceID string, at int64) []byte {
	var b []byte
	for _, f := range []string{"revoke", sender.PracticeID, sender.DeviceID, deviceID} {
		b = append(b, byte(len(f)))
		b = append(b, f...)
	}
	b = append(b, 8)
	for i := 7; i >= 0; i-- {
		b = append(b, byte(at>>(8*i)))
	}
	return b
}
