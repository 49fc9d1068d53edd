package syncclient_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"chartkeeper/chart"
	"chartkeeper/store"
	"chartkeeper/syncclient"
	"chartkeeper/syncproto"
	"chartkeeper/syncserver"
	"chartkeeper/syncserver/boltbackend"
)

// fakeClock is a settable clock for the server.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func issue(t *testing.T, w *workstation, ttl time.Duration) string {
	t.Helper()
	code, exp, err := syncclient.IssueEnrollment(context.Background(), w.st, w.cfg, ttl)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(code, "ck1.") || exp.IsZero() {
		t.Fatalf("code %q expires %v", code, exp)
	}
	return code
}

func join(t *testing.T, code string) (*store.Store, syncclient.Config, error) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "joined")
	st, cfg, _, err := syncclient.Join(context.Background(), code, dir, syncclient.JoinOptions{DeviceName: "new room", StoreOptions: chart.StoreOptions()})
	if err == nil {
		t.Cleanup(func() { st.Close() })
	} else if store.Exists(dir) {
		t.Fatalf("a failed join left a store in %s", dir)
	}
	return st, cfg, err
}

func TestEnrollmentJoin(t *testing.T) {
	ts := startServer(t)
	a := newPractice(t, ts, 1)[0]
	if _, err := a.st.AddUser(store.NewUser{Username: "maria", Name: "Maria", Role: store.RoleClinician, Password: []byte("Velvet-Canyon-Mosaic-19")}); err != nil {
		t.Fatal(err)
	}
	p := put(t, a.st, "patient", "", "", "Okonkwo")
	code := issue(t, a, time.Hour)
	a.sync(t)

	st, cfg, err := join(t, code)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DeviceID == a.cfg.DeviceID || token(t, cfg) == token(t, a.cfg) || cfg.ServerID != a.cfg.ServerID || st.DeviceID() != cfg.DeviceID {
		t.Fatalf("joined config %+v", cfg)
	}
	saved, err := syncclient.LoadConfig(st.Dir())
	if err != nil || saved.Server != cfg.Server || saved.Fingerprint != cfg.Fingerprint || saved.ServerID != cfg.ServerID ||
		saved.PracticeID != cfg.PracticeID || saved.DeviceID != cfg.DeviceID || saved.Token != "" {
		t.Fatalf("saved config %+v %v", saved, err)
	}
	st.Lock()
	// maria signs in last: the password change below is hers
	for _, u := range []struct{ user, pw string }{{"admin", adminPass}, {"maria", "Velvet-Canyon-Mosaic-19"}} {
		st.Lock()
		if err := st.Unlock(u.user, []byte(u.pw)); err != nil {
			t.Fatalf("%s signs in on the joined workstation: %v", u.user, err)
		}
	}
	if got := get(t, st, p.ID); string(got.Body) != "Okonkwo" {
		t.Fatalf("joined workstation has %q", got.Body)
	}
	// It syncs with its own credential from now on.
	b := &workstation{st: st, cfg: cfg}
	b.c, _ = syncclient.NewClient(st, cfg)
	t.Cleanup(b.c.Close)
	if err := st.ChangePassword([]byte("Velvet-Canyon-Mosaic-19"), []byte("maria-changed-on-b")); err != nil {
		t.Fatal(err)
	}
	syncAll(t, a, b)
	a.st.Lock()
	if err := a.st.Unlock("maria", []byte("maria-changed-on-b")); err != nil {
		t.Fatalf("a password changed on B does not work on A: %v", err)
	}
	sameRecords(t, a, b)
	ds, err := syncclient.Devices(context.Background(), a.cfg)
	if err != nil || len(ds) != 2 {
		t.Fatalf("devices %+v %v", ds, err)
	}

	// A code works once.
	if _, _, err := join(t, code); !isErr(err, syncproto.ErrEnrollmentUsed) {
		t.Fatalf("second use: %v", err)
	}
	// The server holds neither the code nor the secrets in clear.
	db, err := os.ReadFile(filepath.Join(ts.dir, boltbackend.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(db, []byte(code)) || bytes.Contains(db, []byte("Okonkwo")) {
		t.Fatal("server.db holds the code or patient data")
	}
}

func TestEnrollmentRefusals(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	ts := &testServer{t: t, dir: t.TempDir(), addr: "127.0.0.1:0", now: clock.now}
	cert, fp, _, err := syncserver.LoadOrCreateCert(ts.dir, "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	ts.cert, ts.fp = cert, fp
	ts.start()
	t.Cleanup(ts.stop)
	ws := newPractice(t, ts, 2)
	a, b := ws[0], ws[1]
	a.sync(t)
	ctx := context.Background()

	// Expired: the server's clock decides.
	code := issue(t, a, time.Hour)
	clock.add(time.Hour + time.Second)
	if _, _, err := join(t, code); !isErr(err, syncproto.ErrEnrollmentExpired) {
		t.Fatalf("expired code: %v", err)
	}
	if _, _, err := join(t, code); !isErr(err, syncproto.ErrEnrollmentExpired) {
		t.Fatalf("expired code again: %v", err)
	}
	if _, _, err := syncclient.IssueEnrollment(ctx, a.st, a.cfg, 8*24*time.Hour); err == nil {
		t.Fatal("a code valid for 8 days was issued")
	}

	// A code for another practice (or mistyped into one): unknown.
	code = issue(t, a, time.Hour)
	c, err := syncclient.ParseEnrollCode(code)
	if err != nil {
		t.Fatal(err)
	}
	other := newPractice(t, ts, 1)[0]
	c.PracticeID = other.st.PracticeID()
	if _, _, err := join(t, c.String()); !isErr(err, syncproto.ErrUnknownEnrollment) {
		t.Fatalf("code of another practice: %v", err)
	}
	// A typo is caught before anything is sent.
	i := len(code) / 2
	typo := code[:i] + string(code[i]^1) + code[i+1:]
	if _, _, err := join(t, typo); !isErr(err, syncclient.ErrBadCode) {
		t.Fatalf("typo: %v", err)
	}
	if _, _, err := join(t, "hello"); !isErr(err, syncclient.ErrBadCode) {
		t.Fatalf("not a code: %v", err)
	}
	// The original still works: refusals used nothing up.
	if _, _, err := join(t, code); err != nil {
		t.Fatalf("the good code after refusals: %v", err)
	}

	// A code issued by a device that is revoked before it is used dies
	// with it; the revoked device can neither sync nor issue codes.
	code = issue(t, b, time.Hour)
	if err := syncclient.RevokeDevice(ctx, a.cfg, b.cfg.DeviceID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := join(t, code); !isErr(err, syncproto.ErrIssuerRevoked) {
		t.Fatalf("code of a revoked device: %v", err)
	}
	if _, err := b.c.RunOnce(ctx); !isErr(err, syncproto.ErrDeviceRevoked) {
		t.Fatalf("revoked device syncs: %v", err)
	}
	if _, _, err := syncclient.IssueEnrollment(ctx, b.st, b.cfg, time.Hour); !isErr(err, syncproto.ErrDeviceRevoked) {
		t.Fatalf("revoked device issues: %v", err)
	}

	// No credential: the enroll call is refused.
	tc, _ := syncclient.PinnedTLS(ts.fp)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tc}}
	resp, err := hc.Post(ts.url()+"/v1/enroll", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("enroll without a credential: %d", resp.StatusCode)
	}
	// A non-HIM user cannot issue a code.
	if _, err := a.st.AddUser(store.NewUser{Username: "fran", Name: "Fran", Role: store.RoleFrontDesk, Password: []byte("Harbor-Tulip-Engine-64")}); err != nil {
		t.Fatal(err)
	}
	a.st.Lock()
	if err := a.st.Unlock("fran", []byte("Harbor-Tulip-Engine-64")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := syncclient.IssueEnrollment(ctx, a.st, a.cfg, time.Hour); !isErr(err, store.ErrPermission) {
		t.Fatalf("front desk issues a code: %v", err)
	}
}

func TestEnrollCodeRoundTrip(t *testing.T) {
	for _, fp := range []string{"", strings.Repeat("ab", 32)} {
		c := syncclient.EnrollCode{Server: "https://clinic.example:8443", Fingerprint: fp, PracticeID: strings.Repeat("0f", 16), Seed: bytes.Repeat([]byte{7}, 32)}
		s := c.String()
		// Pasted across lines, with spaces.
		got, err := syncclient.ParseEnrollCode(" " + s[:20] + "\n " + s[20:] + "\n")
		if err != nil || got.Server != c.Server || got.Fingerprint != fp || got.PracticeID != c.PracticeID || !bytes.Equal(got.Seed, c.Seed) {
			t.Fatalf("round trip %q: %+v %v", s, got, err)
		}
	}
}

// FuzzParseEnrollCode: whatever text is pasted, ParseEnrollCode never
// panics, and a code it accepts is complete.
func FuzzParseEnrollCode(f *testing.F) {
	f.Add([]byte(`{"token_hash":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","sealed":"AAAA","ttl_seconds":86400}`))
	f.Add([]byte("ck1.AQ"))
	f.Add([]byte("ck1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if c, err := syncclient.ParseEnrollCode(string(b)); err == nil && (len(c.Seed) != 32 || c.PracticeID == "" || c.Server == "") {
			t.Fatalf("accepted %+v", c)
		}
	})
}
