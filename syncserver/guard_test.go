package syncserver_test

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	stdlog "log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"chartkeeper/internal/testpractice"
	"chartkeeper/store"
	"chartkeeper/syncproto"
	"chartkeeper/syncserver"
	"chartkeeper/syncserver/boltbackend"
)

// The attacks of a hostile client on a running server, each as a test.

type device struct {
	practice, id, token string
	cred                *store.DeviceCredentials // its signing key
}

func newHandler(t *testing.T, opts ...syncserver.Option) (*syncserver.Server, string) {
	t.Helper()
	dir := t.TempDir()
	b, err := boltbackend.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	s := syncserver.NewServer(b, opts...)
	t.Cleanup(s.Close)
	return s, dir
}

func do(h http.Handler, method, path string, body []byte, d *device) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, bytes.NewReader(body))
	if d != nil {
		r.Header.Set(syncproto.HeaderPractice, d.practice)
		r.Header.Set(syncproto.HeaderDevice, d.id)
		r.Header.Set("Authorization", "Bearer "+d.token)
		sig, err := syncproto.SignRequest(d.cred, method, r.URL.RequestURI(), d.practice, d.id, body)
		if err != nil {
			panic(err)
		}
		r.Header.Set(syncproto.HeaderSignature, sig)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func registerBody(d device, secret string) []byte {
	b, _ := json.Marshal(syncproto.RegisterRequest{PracticeID: d.practice, DeviceID: d.id, Token: d.token, PublicKey: d.cred.PublicKey(), RegistrationSecret: secret})
	return b
}

func newDevice() device {
	tok := syncproto.NewToken()
	return device{store.NewID(), store.NewID(), tok, store.NewDeviceCredentials(tok)}
}

func TestRegistrationClosedByDefault(t *testing.T) {
	s, _ := newHandler(t)
	if w := do(s, "POST", "/v1/register", registerBody(newDevice(), ""), nil); w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "does not accept new practices") {
		t.Fatalf("registration on a default server: %d %s", w.Code, w.Body)
	}
	s, _ = newHandler(t, syncserver.WithRegistrationSecret("s3cret"))
	if w := do(s, "POST", "/v1/register", registerBody(newDevice(), "guess"), nil); w.Code != http.StatusForbidden {
		t.Fatalf("a wrong secret: %d %s", w.Code, w.Body)
	}
	if w := do(s, "POST", "/v1/register", registerBody(newDevice(), "s3cret"), nil); w.Code != http.StatusOK {
		t.Fatalf("the secret: %d %s", w.Code, w.Body)
	}
	s, _ = newHandler(t, syncserver.WithOpenRegistration())
	if w := do(s, "POST", "/v1/register", registerBody(newDevice(), ""), nil); w.Code != http.StatusOK {
		t.Fatalf("open registration: %d %s", w.Code, w.Body)
	}
}

// TestRegistrationRateLimited: an anonymous client registered 4,000
// practices in 3.7 s; now an address gets a few, then one every few
// seconds.
func TestRegistrationRateLimited(t *testing.T) {
	s, _ := newHandler(t, syncserver.WithOpenRegistration())
	ok := 0
	for range 100 {
		if w := do(s, "POST", "/v1/register", registerBody(newDevice(), ""), nil); w.Code == http.StatusOK {
			ok++
		} else if w.Code != http.StatusTooManyRequests || !strings.Contains(w.Body.String(), "too many registrations") {
			t.Fatalf("refusal: %d %s", w.Code, w.Body)
		}
	}
	if ok > 10 {
		t.Fatalf("%d registrations from one address at once", ok)
	}
	// Redeem attempts too (an unknown code costs the server a lookup).
	red, _ := json.Marshal(syncproto.RedeemRequest{PracticeID: store.NewID(), Token: syncproto.NewToken(), DeviceID: store.NewID(), DeviceToken: syncproto.NewToken()})
	limited := false
	for range 100 {
		if w := do(s, "POST", "/v1/enroll/redeem", red, nil); w.Code == http.StatusTooManyRequests {
			limited = true
			break
		}
	}
	if !limited {
		t.Fatal("100 redeem attempts from one address, none refused")
	}
}

// TestLogNamesTheClient: every request's log line has the client's
// address.
func TestLogNamesTheClient(t *testing.T) {
	var buf bytes.Buffer
	s, _ := newHandler(t, syncserver.WithLogger(slog.New(slog.NewTextHandler(&buf, nil))))
	do(s, "GET", "/v1/health", nil, nil)
	if !strings.Contains(buf.String(), "client=192.0.2.1") { // httptest's address
		t.Fatalf("log: %s", &buf)
	}
}

// serveTLS runs h on loopback behind the connection cap, as chartkeeperd
// does.
func serveTLS(t *testing.T, h http.Handler, maxConns int) (addr string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cp, kp, _ := syncserver.SelfSignedCert(nil, time.Now())
	cert, _ := tls.X509KeyPair(cp, kp)
	ll := syncserver.LimitConns(ln, maxConns)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: time.Second, ConnContext: ll.ConnContext,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}, ErrorLog: stdlog.New(io.Discard, "", 0)}
	go srv.ServeTLS(ll, "", "")
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// TestSlowUnauthenticatedBodyIsCut: a client that dribbles the body of
// an unauthenticated request is cut off after the short read deadline,
// not minutes later.
func TestSlowUnauthenticatedBodyIsCut(t *testing.T) {
	s, _ := newHandler(t, syncserver.WithOpenRegistration(), syncserver.WithReadTimeouts(500*time.Millisecond, time.Minute))
	addr := serveTLS(t, s, 100)
	c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "POST /v1/register HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{")
	start := time.Now()
	cut := make(chan time.Duration, 1)
	go func() { // the server's answer or close ends the read
		io.Copy(io.Discard, c)
		cut <- time.Since(start)
	}()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case d := <-cut:
			if d > 3*time.Second {
				t.Fatalf("cut after %v", d)
			}
			return
		case <-tick.C:
			c.SetWriteDeadline(time.Now().Add(time.Second))
			c.Write([]byte(" "))
			if time.Since(start) > 5*time.Second {
				t.Fatal("a slow body still read after 5 s")
			}
		}
	}
}

// TestLongPollsPerDevice: one device cannot hold unlimited long-polls.
func TestLongPollsPerDevice(t *testing.T) {
	s, _ := newHandler(t, syncserver.WithOpenRegistration())
	d := newDevice()
	if w := do(s, "POST", "/v1/register", registerBody(d, ""), nil); w.Code != http.StatusOK {
		t.Fatalf("register: %d %s", w.Code, w.Body)
	}
	var wg sync.WaitGroup
	codes := make(chan int, syncserver.DefaultLongPollsPerDevice)
	for range syncserver.DefaultLongPollsPerDevice {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes <- do(s, "GET", "/v1/changes?since=0&wait=60", nil, &d).Code
		}()
	}
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	w := do(s, "GET", "/v1/changes?since=0&wait=60", nil, &d)
	if w.Code != http.StatusTooManyRequests || time.Since(start) > 2*time.Second || !strings.Contains(w.Body.String(), "waits for changes") {
		t.Fatalf("one long-poll too many: %d %s after %v", w.Code, w.Body, time.Since(start))
	}
	// Without wait it is answered as ever.
	if w := do(s, "GET", "/v1/changes?since=0", nil, &d); w.Code != http.StatusOK {
		t.Fatalf("a plain pull: %d %s", w.Code, w.Body)
	}
	s.Close()
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != http.StatusOK {
			t.Fatalf("a held long-poll: %d", c)
		}
	}
}

// TestConnLimiterDropsTheOldestIdle: at the cap, a new connection closes
// the oldest one that serves no device, not itself.
func TestConnLimiterDropsTheOldestIdle(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ll := syncserver.LimitConns(ln, 3)
	defer ll.Close()
	go func() {
		for {
			c, err := ll.Accept()
			if err != nil {
				return
			}
			go io.Copy(io.Discard, c)
		}
	}()
	var cs []net.Conn
	for range 4 {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		cs = append(cs, c)
		time.Sleep(50 * time.Millisecond)
	}
	if n := ll.Open(); n != 3 {
		t.Fatalf("%d connections open, want 3", n)
	}
	cs[0].SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := cs[0].Read(make([]byte, 1)); err == nil || isTimeout(err) {
		t.Fatalf("the oldest connection: %v", err)
	}
	cs[3].SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if _, err := cs[3].Read(make([]byte, 1)); !isTimeout(err) {
		t.Fatalf("the newest connection: %v", err)
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// TestQuotaCountsMetadata: with the quota full, requests that store
// metadata and few sealed bytes (enrollments, revisions with long parent
// lists) are refused with the plain 507 message, and server.db stops
// growing. (The quota once counted sealed bytes only: such requests grew
// a full practice's file without bound.)
func TestQuotaCountsMetadata(t *testing.T) {
	const quota = 60_000
	s, dir := newHandler(t, syncserver.WithRegistrationSecret("s"), syncserver.WithQuota(quota))
	d := newDevice()
	admin := testpractice.New(t, testpractice.Config{}).Store // signs the enrollments
	reg, _ := json.Marshal(syncproto.RegisterRequest{PracticeID: d.practice, DeviceID: d.id, Token: d.token, PublicKey: d.cred.PublicKey(),
		RegistrationSecret: "s", AdminKey: admin.AdminPublicKey()})
	if w := do(s, "POST", "/v1/register", reg, nil); w.Code != http.StatusOK {
		t.Fatalf("register: %d %s", w.Code, w.Body)
	}
	// 64 first revisions of one record, to be the parents of later ones.
	rec := store.NewID()
	var parents []string
	var base []syncproto.Rev
	for i := range 64 {
		r := syncproto.Rev{RecordID: rec, Rev: fmt.Sprintf("1-%032x", i+1), Sealed: []byte{byte(i)}}
		parents = append(parents, r.Rev)
		base = append(base, r)
	}
	body, _ := json.Marshal(syncproto.PushRequest{Revs: base})
	if w := do(s, "POST", "/v1/push", body, &d); w.Code != http.StatusOK {
		t.Fatalf("push: %d %s", w.Code, w.Body)
	}
	enroll := func(i int) *httptest.ResponseRecorder {
		h := make([]byte, 32)
		copy(h, fmt.Sprintf("enrollment %d", i))
		req := syncproto.EnrollRequest{TokenHash: h, Sealed: bytes.Repeat([]byte{1}, 1000), TTLSeconds: 3600, IssuedAt: time.Now().Unix()}
		var err error
		if req.AdminSig, err = admin.SignAdmin(syncproto.PurposeEnroll, syncproto.EnrollMessage(d.practice, d.id, req)); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(req)
		return do(s, "POST", "/v1/enroll", b, &d)
	}
	heavy := func(i int) *httptest.ResponseRecorder {
		r := syncproto.Rev{RecordID: rec, Rev: fmt.Sprintf("2-%032x", i+1), Parents: parents, Sealed: []byte{1}}
		b, _ := json.Marshal(syncproto.PushRequest{Revs: []syncproto.Rev{r}})
		return do(s, "POST", "/v1/push", b, &d)
	}
	full := false
	for i := 0; i < 1000 && !full; i++ {
		full = true
		for _, w := range []*httptest.ResponseRecorder{heavy(i), enroll(i)} {
			if w.Code == http.StatusOK {
				full = false
			} else if w.Code != http.StatusInsufficientStorage {
				t.Fatalf("request %d: %d %s", i, w.Code, w.Body)
			}
		}
	}
	if !full {
		t.Fatal("1,000 pushes of long parent lists into a practice of 60 KB, none refused")
	}
	fileSize := func() int64 {
		fi, err := os.Stat(filepath.Join(dir, boltbackend.FileName))
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	size := fileSize()
	for i := range 300 {
		for _, w := range []*httptest.ResponseRecorder{enroll(1000 + i), heavy(1000 + i)} {
			if w.Code != http.StatusInsufficientStorage || !strings.Contains(w.Body.String(), "the practice's storage on the sync server is full (60 KB)") {
				t.Fatalf("past the quota: %d %s", w.Code, w.Body)
			}
		}
	}
	if now := fileSize(); now > size {
		t.Fatalf("server.db grew from %d to %d bytes while the practice was full", size, now)
	}
}
