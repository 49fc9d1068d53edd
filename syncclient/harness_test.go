package syncclient_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"chartkeeper/chart"
	"chartkeeper/internal/testpractice"
	"chartkeeper/store"
	"chartkeeper/syncclient"
	"chartkeeper/syncserver"
	"chartkeeper/syncserver/boltbackend"
)

const adminPass = "correct horse battery"

// testServer is chartkeeperd in miniature: the bbolt backend and the
// handler behind a real TLS listener on loopback, restartable on the same
// address.
type testServer struct {
	t       testing.TB
	dir     string
	addr    string
	fp      string
	cert    tls.Certificate
	backend syncserver.Backend
	handler *syncserver.Server
	srv     *http.Server
	// wrap, when set before start, sits in front of the handler (faults).
	wrap func(http.Handler) http.Handler
	// now, when set before start, is the server's clock.
	now func() time.Time
	// quota, when set before start, is the per-practice storage quota.
	quota int64
}

// openBackend opens a test server's storage in its folder: bbolt, unless
// a test on another backend replaces it for its run (postgres_test.go).
var openBackend = boltbackend.Open

func startServer(t testing.TB) *testServer {
	t.Helper()
	ts := &testServer{t: t, dir: t.TempDir(), addr: "127.0.0.1:0"}
	cert, fp, created, err := syncserver.LoadOrCreateCert(ts.dir, "", "", nil)
	if err != nil || !created {
		t.Fatalf("certificate: %v (created %v)", err, created)
	}
	ts.cert, ts.fp = cert, fp
	ts.start()
	t.Cleanup(ts.stop)
	return ts
}

func (ts *testServer) url() string { return "https://" + ts.addr }

func (ts *testServer) start() {
	t := ts.t
	t.Helper()
	b, err := openBackend(ts.dir)
	if err != nil {
		t.Fatal(err)
	}
	ts.backend = b
	ts.handler = syncserver.NewServer(b, syncserver.WithClock(ts.now), syncserver.WithQuota(ts.quota),
		syncserver.WithOpenRegistration(), syncserver.WithRateLimits(0, 0, 0, 0))
	var h http.Handler = ts.handler
	if ts.wrap != nil {
		h = ts.wrap(h)
	}
	var ln net.Listener
	for i := 0; ; i++ {
		ln, err = net.Listen("tcp", ts.addr)
		if err == nil || i == 50 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	ts.addr = ln.Addr().String()
	ts.srv = &http.Server{Handler: h, TLSConfig: &tls.Config{Certificates: []tls.Certificate{ts.cert}}, ErrorLog: log.New(io.Discard, "", 0)}
	ts.srv.RegisterOnShutdown(ts.handler.Close)
	go ts.srv.ServeTLS(ln, "", "")
}

func (ts *testServer) stop() {
	if ts.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ts.srv.Shutdown(ctx)
	ts.srv.Close()
	ts.backend.Close()
	ts.srv = nil
}

func (ts *testServer) restart() {
	ts.stop()
	ts.start()
}

// workstation is one data folder of the practice with its sync client.
type workstation struct {
	st  *store.Store
	cfg syncclient.Config
	c   *syncclient.Client
}

// newPractice makes workstation A (which registers the practice with the
// server) and n-1 more workstations of the same practice, each joined the
// way a new workstation joins: A (signed in as the HIM manager) issues an
// enrollment code, the new workstation redeems it with [syncclient.Join] and
// pulls everything, and the manager then signs in there with the password
// that came with the synced keyslots. opts are passed to every store
// (the faults tests give each workstation its own clock).
func newPractice(t testing.TB, ts *testServer, n int, opts ...[]store.Option) []*workstation {
	t.Helper()
	return newPracticeAt(t, ts.url(), ts.fp, n, opts...)
}

// newPracticeAt is [newPractice] with a server given by its URL and
// certificate fingerprint (the faults tests put a proxy in front of it).
func newPracticeAt(t testing.TB, url, fp string, n int, opts ...[]store.Option) []*workstation {
	t.Helper()
	ctx := context.Background()
	optsFor := func(i int) []store.Option {
		if i < len(opts) {
			return chart.StoreOptions(opts[i]...)
		}
		return chart.StoreOptions()
	}
	dirA := filepath.Join(t.TempDir(), "a")
	a := testpractice.New(t, testpractice.Config{Dir: dirA, Name: "Clinic", AdminName: "Ada Admin", Password: adminPass, Options: optsFor(0)}).Store
	cfgA, err := syncclient.Register(ctx, a, url, fp, syncclient.RegisterOptions{DeviceName: "front desk"})
	if err != nil {
		t.Fatal(err)
	}
	ws := []*workstation{{st: a, cfg: cfgA}}
	if n > 1 {
		// The new workstations' users sign in with keyslots from the server.
		c, err := syncclient.NewClient(a, cfgA)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.RunOnce(ctx)
		c.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i < n; i++ {
		code, _, err := syncclient.IssueEnrollment(ctx, a, cfgA, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(t.TempDir(), "ws")
		s, cfg, _, err := syncclient.Join(ctx, code, dir, syncclient.JoinOptions{DeviceName: "room " + string(rune('0'+i)), StoreOptions: optsFor(i)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		s.Lock()
		if err := s.Unlock("admin", []byte(adminPass)); err != nil {
			t.Fatal(err)
		}
		ws = append(ws, &workstation{st: s, cfg: cfg})
	}
	for _, w := range ws {
		c, err := syncclient.NewClient(w.st, w.cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		w.c = c
	}
	return ws
}

func (w *workstation) sync(t testing.TB) syncclient.Result {
	t.Helper()
	r, err := w.c.RunOnce(context.Background())
	if err != nil {
		t.Fatalf("sync %s: %v", w.st.DeviceID()[:8], err)
	}
	return r
}

// syncAll runs rounds until nothing moves.
func syncAll(t testing.TB, ws ...*workstation) {
	t.Helper()
	for round := 0; round < 5; round++ {
		moved := 0
		for _, w := range ws {
			r := w.sync(t)
			moved += r.Pushed + r.Pulled
		}
		if moved == 0 {
			return
		}
	}
	t.Fatal("sync did not settle")
}

func put(t testing.TB, s *store.Store, typ, id, parent, body string) store.Record {
	t.Helper()
	r, err := s.Put(typ, id, parent, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func get(t testing.TB, s *store.Store, id string) store.Record {
	t.Helper()
	r, err := s.Get(id)
	if err != nil {
		t.Fatalf("get %s: %v", id, err)
	}
	return r
}

func isErr(err, target error) bool { return errors.Is(err, target) }

// token is a workstation's device token, from its store.
func token(t testing.TB, cfg syncclient.Config) string {
	t.Helper()
	c, err := cfg.Credentials()
	if err != nil {
		t.Fatal(err)
	}
	tok, err := c.Token()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
