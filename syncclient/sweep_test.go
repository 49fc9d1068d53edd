package syncclient_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"chartkeeper/syncproto"
	"chartkeeper/syncserver"
	"chartkeeper/syncserver/boltbackend"
)

// TestExpiredCodeOpensNothingFromACopy: an enrollment code that expires
// unused takes its sealed practice secret and data key with it. The
// server forgets them at its sweep (at start, here after a restart, and
// every few minutes), so a copy of server.db made afterwards holds them
// nowhere, not even in bbolt's free pages, and the code redeemed against
// a server run on that copy, with its clock turned back, opens nothing.
func TestExpiredCodeOpensNothingFromACopy(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	ts := &testServer{t: t, dir: t.TempDir(), addr: "127.0.0.1:0", now: clock.now}
	cert, fp, _, err := syncserver.LoadOrCreateCert(ts.dir, "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	ts.cert, ts.fp = cert, fp
	// The sealed bytes the issuing workstation leaves with the server, as
	// they cross the wire.
	var (
		mu     sync.Mutex
		sealed [][]byte
	)
	ts.wrap = func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v1/enroll" {
				body, _ := io.ReadAll(r.Body)
				var req syncproto.EnrollRequest
				if json.Unmarshal(body, &req) == nil {
					mu.Lock()
					sealed = append(sealed, req.Sealed)
					mu.Unlock()
				}
				r.Body = io.NopCloser(bytes.NewReader(body))
			}
			h.ServeHTTP(w, r)
		})
	}
	ts.start()
	t.Cleanup(ts.stop)
	a := newPractice(t, ts, 1)[0]
	a.sync(t)
	issued := clock.now()
	code := issue(t, a, time.Hour)
	mu.Lock()
	if len(sealed) != 1 {
		t.Fatalf("%d enrollments seen", len(sealed))
	}
	secret := sealed[0]
	mu.Unlock()
	holds := func(db []byte) bool {
		return bytes.Contains(db, secret) || bytes.Contains(db, []byte(base64.StdEncoding.EncodeToString(secret))) ||
			bytes.Contains(db, []byte(base64.RawURLEncoding.EncodeToString(secret)))
	}
	file := filepath.Join(ts.dir, boltbackend.FileName)
	db, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !holds(db) {
		t.Fatal("the live enrollment's sealed bytes are not in server.db: the search below would prove nothing")
	}
	// Some traffic after the enrollment, so that bbolt copies and frees
	// the pages that held it.
	for range 3 {
		issue(t, a, time.Hour*2)
	}

	// The code expires unused; the server restarts (a sweep at start).
	clock.add(time.Hour + time.Second)
	ts.restart()
	copyDir := t.TempDir()
	db, err = os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if holds(db) {
		t.Fatal("a copy of server.db made after the code expired still holds its sealed practice secret and data key")
	}
	if err := os.WriteFile(filepath.Join(copyDir, boltbackend.FileName), db, 0o600); err != nil {
		t.Fatal(err)
	}

	// The code against a server run on the copy, its clock back before
	// the expiry: refused, nothing to open.
	ts.stop()
	cs := &testServer{t: t, dir: copyDir, addr: ts.addr, now: func() time.Time { return issued }, cert: ts.cert, fp: ts.fp}
	cs.start()
	t.Cleanup(cs.stop)
	if _, _, err := join(t, code); !isErr(err, syncproto.ErrEnrollmentExpired) {
		t.Fatalf("the expired code redeemed against a copy of server.db: %v", err)
	}
}
