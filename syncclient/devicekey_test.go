package syncclient_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chartkeeper/chart"
	"chartkeeper/internal/testpractice"
	"chartkeeper/store"
	"chartkeeper/syncclient"
	"chartkeeper/syncproto"
	"chartkeeper/syncserver"
)

// Device keys: a device token alone is worth nothing, every request must be
// signed with the device's key, and a revoked device's signed requests are
// refused (docs/SYNC.md, "Device keys and signed requests").

// rawRequest sends one request to the test server: signed with cfg's
// credentials when cfg is not nil, then changed by change. It returns the
// status and the body.
func rawRequest(t *testing.T, ts *testServer, cfg *syncclient.Config, method, path string, body []byte, change func(*http.Request)) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, ts.url()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if cfg != nil {
		if err := cfg.Authorize(req, body); err != nil {
			t.Fatal(err)
		}
	}
	if change != nil {
		change(req)
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: mustTLS(t, ts.fp)}, Timeout: 10 * time.Second}
	defer hc.CloseIdleConnections()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// credentialOf returns a request change that puts a device's credential
// on it as tok and signs it with key (nil: no signature) over signedBody
// and signedPath (what the request was signed for, which a forger may
// choose).
func credentialOf(practice, device, tok string, key *store.DeviceCredentials, signedPath string, signedBody []byte) func(*http.Request) {
	return func(r *http.Request) {
		r.Header.Set(syncproto.HeaderPractice, practice)
		r.Header.Set(syncproto.HeaderDevice, device)
		r.Header.Set("Authorization", "Bearer "+tok)
		r.Header.Del(syncproto.HeaderSignature)
		if key != nil {
			sig, err := syncproto.SignRequest(key, r.Method, signedPath, practice, device, signedBody)
			if err != nil {
				panic(err)
			}
			r.Header.Set(syncproto.HeaderSignature, sig)
		}
	}
}

// garbage are pushes of every kind a holder of a device's credential could
// try: a revision, an audit entry, a document's announcement, chunk and
// header, and a revocation.
func garbageRequests(victim string) []struct {
	method, path string
	body         []byte
} {
	blob := store.NewID()
	revs, _ := json.Marshal(syncproto.PushRequest{Revs: []syncproto.Rev{{RecordID: store.NewID(),
		Rev: "1-" + strings.Repeat("ab", 16), Sealed: bytes.Repeat([]byte("garbage "), 40)}}})
	audit, _ := json.Marshal(syncproto.AuditPushRequest{Head: 1, Entries: []store.AuditWire{{Seq: 1,
		Stored: append(make([]byte, store.AuditHashSize), bytes.Repeat([]byte{7}, 80)...)}}})
	return []struct {
		method, path string
		body         []byte
	}{
		{"POST", "/v1/push", revs},
		{"POST", "/v1/audit/push", audit},
		{"POST", "/v1/blobs/" + blob + "/begin", []byte(`{"size":10,"chunks":1}`)},
		{"PUT", "/v1/blobs/" + blob + "/chunks/0", make([]byte, 10+store.BlobSealOverhead)},
		{"PUT", "/v1/blobs/" + blob + "/header", make([]byte, 100)},
		{"POST", "/v1/devices/revoke", []byte(`{"device":"` + victim + `"}`)},
	}
}

// serverHoldsNothing checks that no revision and no audit entry reached
// the practice on the server.
func serverHoldsNothing(t *testing.T, ts *testServer, practice string) {
	t.Helper()
	ctx := context.Background()
	if cr, err := ts.backend.Changes(ctx, practice, 0, 100, 1<<20, ""); err != nil || len(cr.Revs) != 0 {
		t.Fatalf("the server holds %d revisions (%v)", len(cr.Revs), err)
	}
	sts, err := ts.backend.AuditStreams(ctx, practice)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range sts {
		if st.Seq != 0 {
			t.Fatalf("the server holds audit entries of %s: %+v", st.Device, st)
		}
	}
	if fr, err := ts.backend.BlobFeed(ctx, practice, 0, 10); err != nil || len(fr.Blobs) != 0 {
		t.Fatalf("the server holds documents: %+v %v", fr, err)
	}
}

// legacyWorkstation makes a workstation as an older Chartkeeper left it:
// registered with the server without a signing key, its token in clear in
// sync.json.
func legacyWorkstation(t *testing.T, ts *testServer) (*store.Store, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "old")
	st := testpractice.New(t, testpractice.Config{Dir: dir, Name: "Clinic", AdminName: "Ada Admin", Password: adminPass, Options: chart.StoreOptions()}).Store
	tok := syncproto.NewToken()
	if err := ts.backend.RegisterPractice(context.Background(), st.PracticeID(), syncserver.Device{ID: st.DeviceID(), Name: "front desk",
		TokenHash: syncproto.HashToken(tok), Created: time.Now().UTC()}, syncserver.PracticeKeys{}); err != nil {
		t.Fatal(err)
	}
	old, _ := json.Marshal(map[string]string{"server": ts.url(), "fingerprint": ts.fp, "server_id": ts.backend.ServerID(),
		"practice": st.PracticeID(), "device": st.DeviceID(), "token": tok})
	if err := os.WriteFile(filepath.Join(dir, syncclient.ConfigFileName), old, 0o600); err != nil {
		t.Fatal(err)
	}
	return st, tok
}

// TestStolenTokenCannotPush: a thief reads a workstation's token from
// sync.json (no password needed; an older Chartkeeper kept it there in
// clear). Once the workstation has signed in and synced, the token moves
// into the store, the server holds the workstation's key, and nothing the
// thief pushes with the token is accepted: unsigned, signed with a key of
// their own, or a key of their own registered for the device.
func TestStolenTokenCannotPush(t *testing.T) {
	ts := startServer(t)
	ctx := context.Background()
	st, _ := legacyWorkstation(t, ts)
	dir := st.Dir()
	// What the thief reads, without a password.
	var file struct {
		Token string `json:"token"`
	}
	b, _ := os.ReadFile(filepath.Join(dir, syncclient.ConfigFileName))
	json.Unmarshal(b, &file)
	stolen := file.Token
	if stolen == "" {
		t.Fatal("the older workstation's sync.json holds no token")
	}
	pid, did := st.PracticeID(), st.DeviceID()

	// The workstation's user signs in and it syncs.
	rec := put(t, st, "patient", "", "", "Ngata-Testperson")
	cfg, err := syncclient.LoadConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	c, err := syncclient.NewClient(st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if r, err := c.RunOnce(ctx); err != nil || r.Pushed == 0 {
		t.Fatalf("the workstation's first sync: %+v %v", r, err)
	}
	b, _ = os.ReadFile(filepath.Join(dir, syncclient.ConfigFileName))
	if bytes.Contains(b, []byte(stolen)) {
		t.Fatalf("sync.json still holds the token: %s", b)
	}
	if d, err := ts.backend.Device(ctx, pid, did); err != nil || len(d.PublicKey) != store.PublicKeySize {
		t.Fatalf("the server holds no key for the workstation: %+v %v", d, err)
	}
	before, err := ts.backend.Changes(ctx, pid, 0, 100, 1<<20, "")
	if err != nil {
		t.Fatal(err)
	}

	// The thief: the token, and a key of their own.
	thief := store.NewDeviceCredentials(stolen)
	for _, p := range garbageRequests(did) {
		for name, change := range map[string]func(*http.Request){
			"unsigned":              credentialOf(pid, did, stolen, nil, "", nil),
			"signed with a new key": credentialOf(pid, did, stolen, thief, p.path, p.body),
		} {
			code, msg := rawRequest(t, ts, nil, p.method, p.path, p.body, change)
			if code != http.StatusForbidden || !strings.Contains(msg, "signature") {
				t.Errorf("%s %s %s with the stolen token: %d %s", name, p.method, p.path, code, msg)
			}
		}
	}
	keyBody, _ := json.Marshal(syncproto.DeviceKeyRequest{PublicKey: thief.PublicKey()})
	if code, msg := rawRequest(t, ts, nil, "POST", "/v1/devices/key", keyBody, credentialOf(pid, did, stolen, thief, "/v1/devices/key", keyBody)); code != http.StatusForbidden {
		t.Errorf("the thief registering a key of their own: %d %s", code, msg)
	}
	after, err := ts.backend.Changes(ctx, pid, 0, 100, 1<<20, "")
	if err != nil || after.LastSeq != before.LastSeq {
		t.Fatalf("the server's log moved from %d to %d (%v)", before.LastSeq, after.LastSeq, err)
	}
	if d, _ := ts.backend.Device(ctx, pid, did); !d.Revoked.IsZero() {
		t.Fatal("the thief revoked the workstation")
	}
	if sts, _ := ts.backend.AuditStreams(ctx, pid); len(sts) != 1 || sts[0].Device != did {
		t.Fatalf("audit streams: %+v", sts)
	}

	// The workstation syncs on, signed in again later with its sealed
	// credential.
	put(t, st, "patient", rec.ID, rec.Rev, "Ngata-Testperson Jr")
	st.Lock()
	if _, err := c.RunOnce(ctx); err == nil {
		t.Fatal("a locked workstation synced")
	}
	if err := st.Unlock("admin", []byte(adminPass)); err != nil {
		t.Fatal(err)
	}
	if r, err := c.RunOnce(ctx); err != nil || r.Pushed != 1 {
		t.Fatalf("sync after signing in again: %+v %v", r, err)
	}

	// A workstation connected now never has its token in sync.json.
	a := newPractice(t, ts, 1)[0]
	b, _ = os.ReadFile(filepath.Join(a.st.Dir(), syncclient.ConfigFileName))
	if tok := token(t, a.cfg); bytes.Contains(b, []byte(tok)) || strings.Contains(string(b), `"token"`) {
		t.Fatalf("a new workstation's sync.json holds its token: %s", b)
	}
}

// TestStolenTokenUsedFirst: a thief who registers a key with a token
// stolen from an older workstation before that workstation does takes
// the device over, but the workstation then says so at once, and its HIM
// manager revokes the device (which stops the thief too).
func TestStolenTokenUsedFirst(t *testing.T) {
	ts := startServer(t)
	ctx := context.Background()
	st, stolen := legacyWorkstation(t, ts)
	pid, did := st.PracticeID(), st.DeviceID()
	thief := store.NewDeviceCredentials(stolen)
	keyBody, _ := json.Marshal(syncproto.DeviceKeyRequest{PublicKey: thief.PublicKey()})
	if code, msg := rawRequest(t, ts, nil, "POST", "/v1/devices/key", keyBody, credentialOf(pid, did, stolen, thief, "/v1/devices/key", keyBody)); code != http.StatusOK {
		t.Fatalf("the first key for a device without one: %d %s", code, msg)
	}
	cfg, err := syncclient.Load(st)
	if err != nil {
		t.Fatal(err)
	}
	c, err := syncclient.NewClient(st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	put(t, st, "patient", "", "", "Okafor-Testperson")
	if _, err := c.RunOnce(ctx); !isErr(err, syncproto.ErrBadSignature) && !isErr(err, syncproto.ErrDeviceKeyExists) {
		t.Fatalf("the workstation after a thief registered a key: %v", err)
	}
}

// TestRequestsMustBeSigned: the device's own token with no signature, a
// signature over other content, another path or another device, or bytes
// that are no signature: every push is refused and stores nothing.
func TestRequestsMustBeSigned(t *testing.T) {
	ts := startServer(t)
	ws := newPractice(t, ts, 2)
	a, b := ws[0], ws[1]
	pid, did := a.cfg.PracticeID, a.cfg.DeviceID
	tok := token(t, a.cfg)
	cred, err := a.cfg.Credentials()
	if err != nil {
		t.Fatal(err)
	}
	bcred, err := b.cfg.Credentials()
	if err != nil {
		t.Fatal(err)
	}
	// What a new practice holds before anything is synced.
	other := newPractice(t, ts, 1)[0]
	opid, odid, otok := other.cfg.PracticeID, other.cfg.DeviceID, token(t, other.cfg)
	ocred, _ := other.cfg.Credentials()
	for _, p := range garbageRequests(b.cfg.DeviceID) {
		for name, change := range map[string]func(*http.Request){
			"no signature":             credentialOf(pid, did, tok, nil, "", nil),
			"signed over another body": credentialOf(pid, did, tok, cred, p.path, append(bytes.Clone(p.body), ' ')),
			"signed for another path":  credentialOf(pid, did, tok, cred, p.path+"x", p.body),
			"signed by another device": credentialOf(pid, did, tok, bcred, p.path, p.body),
			"not a signature": func(r *http.Request) {
				credentialOf(pid, did, tok, nil, "", nil)(r)
				r.Header.Set(syncproto.HeaderSignature, "bm90IGEgc2lnbmF0dXJl")
			},
		} {
			code, msg := rawRequest(t, ts, nil, p.method, p.path, p.body, change)
			if code != http.StatusForbidden || !strings.Contains(msg, "signature") {
				t.Errorf("%s: %s %s: %d %s", name, p.method, p.path, code, msg)
			}
			// The same on the practice that has nothing yet.
			ochange := map[string]func(*http.Request){
				"no signature":             credentialOf(opid, odid, otok, nil, "", nil),
				"signed over another body": credentialOf(opid, odid, otok, ocred, p.path, append(bytes.Clone(p.body), ' ')),
			}[name]
			if ochange != nil {
				if code, msg := rawRequest(t, ts, nil, p.method, p.path, p.body, ochange); code != http.StatusForbidden {
					t.Errorf("%s on a new practice: %s %s: %d %s", name, p.method, p.path, code, msg)
				}
			}
		}
	}
	serverHoldsNothing(t, ts, opid)
	if d, _ := ts.backend.Device(context.Background(), pid, b.cfg.DeviceID); !d.Revoked.IsZero() {
		t.Fatal("an unsigned revocation revoked a device")
	}
	// Reads need the signature too: the token alone lists nothing.
	for _, path := range []string{"/v1/changes?since=0", "/v1/devices", "/v1/audit/streams", "/v1/blobs?since=0"} {
		if code, msg := rawRequest(t, ts, nil, "GET", path, nil, credentialOf(pid, did, tok, nil, "", nil)); code != http.StatusForbidden {
			t.Errorf("GET %s unsigned: %d %s", path, code, msg)
		}
		if code, msg := rawRequest(t, ts, &a.cfg, "GET", path, nil, nil); code != http.StatusOK {
			t.Errorf("GET %s signed: %d %s", path, code, msg)
		}
	}
	// Properly signed, the same workstation syncs as ever.
	put(t, a.st, "patient", "", "", "Kowalczyk-Testperson")
	syncAll(t, a, b)
}

// TestRevokedDeviceSignedPushRefused: a revoked device's requests are
// refused even when signed with its own key.
func TestRevokedDeviceSignedPushRefused(t *testing.T) {
	ts := startServer(t)
	ctx := context.Background()
	ws := newPractice(t, ts, 2)
	a, b := ws[0], ws[1]
	syncAll(t, a, b)
	if err := syncclient.RevokeDevice(ctx, a.cfg, b.cfg.DeviceID); err != nil {
		t.Fatal(err)
	}
	before, _ := ts.backend.Changes(ctx, a.cfg.PracticeID, 0, 1000, 8<<20, "")
	for _, p := range garbageRequests(a.cfg.DeviceID) {
		code, msg := rawRequest(t, ts, &b.cfg, p.method, p.path, p.body, nil)
		if code != http.StatusForbidden || !strings.Contains(msg, syncproto.ErrDeviceRevoked.Error()) {
			t.Errorf("the revoked device's signed %s %s: %d %s", p.method, p.path, code, msg)
		}
	}
	put(t, b.st, "patient", "", "", "Tanaka-Testperson")
	if _, err := b.c.RunOnce(ctx); !isErr(err, syncproto.ErrDeviceRevoked) {
		t.Fatalf("the revoked device's sync: %v", err)
	}
	after, _ := ts.backend.Changes(ctx, a.cfg.PracticeID, 0, 1000, 8<<20, "")
	if after.LastSeq != before.LastSeq {
		t.Fatalf("the revoked device's pushes moved the log from %d to %d", before.LastSeq, after.LastSeq)
	}
	if d, _ := ts.backend.Device(ctx, a.cfg.PracticeID, a.cfg.DeviceID); !d.Revoked.IsZero() {
		t.Fatal("the revoked device revoked another")
	}
	if code, msg := rawRequest(t, ts, &b.cfg, "GET", fmt.Sprintf("/v1/changes?since=%d", 0), nil, nil); code != http.StatusForbidden {
		t.Fatalf("the revoked device's signed pull: %d %s", code, msg)
	}
}
