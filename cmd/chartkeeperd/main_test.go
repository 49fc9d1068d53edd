package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"chartkeeper/syncclient"
	"chartkeeper/syncproto"
	"chartkeeper/syncserver"
)

// syncBuf is an output buffer safe to read while the server writes.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// start runs chartkeeperd in-process and returns its address and a stop
// function that returns the exit status.
func start(t *testing.T, args ...string) (addr string, out, errs *syncBuf, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan int, 1)
	out, errs = &syncBuf{}, &syncBuf{}
	go func() { done <- run(ctx, args, out, errs, ready) }()
	select {
	case addr = <-ready:
	case code := <-done:
		t.Fatalf("exited %d: %s", code, errs)
	case <-time.After(10 * time.Second):
		t.Fatal("did not start")
	}
	return addr, out, errs, func() int { cancel(); return <-done }
}

// startOpen starts chartkeeperd on a new data folder, on loopback, open to
// new practices, and returns the folder, its address, its URL, its
// certificate's fingerprint and the stop function.
func startOpen(t *testing.T) (data, addr, url, fp string, stop func() int) {
	t.Helper()
	data = t.TempDir()
	addr, out, _, stop := start(t, "--data", data, "--listen", "127.0.0.1:0", "--open-registration", "--quiet")
	return data, addr, "https://" + addr, fpRE.FindStringSubmatch(out.String())[1], stop
}

var fpRE = regexp.MustCompile(`fingerprint \(SHA-256\): ([0-9a-f]{64})`)

func TestSelfSignedCertificateAndHealth(t *testing.T) {
	dir := t.TempDir()
	addr, out, errs, stop := start(t, "--data", dir, "--listen", "127.0.0.1:0", "--open-registration")
	m := fpRE.FindStringSubmatch(out.String())
	if m == nil || !bytes.Contains([]byte(out.String()), []byte("made a self-signed certificate")) {
		t.Fatalf("output: %s", out)
	}
	fp := m[1]
	tc, _ := syncclient.PinnedTLS(fp)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tc}}
	resp, err := hc.Get("https://" + addr + "/v1/health")
	if err != nil {
		t.Fatal(err)
	}
	var h syncproto.Health
	json.NewDecoder(resp.Body).Decode(&h)
	resp.Body.Close()
	if !h.OK || h.ServerID == "" {
		t.Fatalf("health: %+v", h)
	}
	// A long-poll in progress does not hold up shutdown.
	go func() {
		req, _ := http.NewRequest("GET", "https://"+addr+"/v1/changes?wait=60", nil)
		hc.Do(req)
	}()
	// Size limit: a body over the limit is refused.
	resp, err = hc.Post("https://"+addr+"/v1/register", "application/json", bytes.NewReader(make([]byte, syncproto.MaxSmallBody+10)))
	if err != nil || resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("large body: %v %v", resp.StatusCode, err)
	}
	time.Sleep(50 * time.Millisecond)
	t0 := time.Now()
	if code := stop(); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if d := time.Since(t0); d > 5*time.Second {
		t.Fatalf("shutdown took %v", d)
	}
	if !bytes.Contains([]byte(errs.String()), []byte("client=127.0.0.1 method=GET path=/v1/health status=200")) {
		t.Fatalf("log: %s", errs)
	}
	if fi, err := os.Stat(filepath.Join(dir, syncserver.KeyFileName)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}

	// Second start: the same certificate, not a new one.
	_, out2, _, stop2 := start(t, "--data", dir, "--listen", "127.0.0.1:0")
	stop2()
	if m2 := fpRE.FindStringSubmatch(out2.String()); m2 == nil || m2[1] != fp || bytes.Contains([]byte(out2.String()), []byte("made a")) {
		t.Fatalf("second start: %s", out2)
	}

	// A given certificate.
	cp, kp, _ := syncserver.SelfSignedCert([]string{"sync.example"}, time.Now())
	cdir := t.TempDir()
	os.WriteFile(filepath.Join(cdir, "c.pem"), cp, 0o600)
	os.WriteFile(filepath.Join(cdir, "k.pem"), kp, 0o600)
	_, out3, _, stop3 := start(t, "--data", t.TempDir(), "--listen", "127.0.0.1:0", "--tls-cert", filepath.Join(cdir, "c.pem"), "--tls-key", filepath.Join(cdir, "k.pem"))
	stop3()
	if m3 := fpRE.FindStringSubmatch(out3.String()); m3 == nil || m3[1] == fp {
		t.Fatalf("given certificate: %s", out3)
	}
}

func TestUsage(t *testing.T) {
	var out, errs bytes.Buffer
	if code := run(context.Background(), nil, &out, &errs, nil); code != exitUsage {
		t.Fatalf("no --data: %d", code)
	}
	if code := run(context.Background(), []string{"--data", t.TempDir(), "--quota", "lots"}, &out, &errs, nil); code != exitUsage || !strings.Contains(errs.String(), "--quota") {
		t.Fatalf("--quota lots: %d %s", code, &errs)
	}
	_, qout, _, qstop := start(t, "--data", t.TempDir(), "--listen", "127.0.0.1:0", "--quota", "20GB")
	qstop()
	if !strings.Contains(qout.String(), "storage quota per practice: 20 GB") {
		t.Fatalf("--quota 20GB: %s", qout)
	}
	// A database that cannot be reached: a plain failure, the password
	// nowhere in the output.
	out.Reset()
	errs.Reset()
	pg := "postgres://ck:Secret-Pw%2F42@127.0.0.1:1/chartkeeper?connect_timeout=5"
	if code := run(context.Background(), []string{"--data", t.TempDir(), "--listen", "127.0.0.1:0", "--postgres", pg}, &out, &errs, nil); code != exitFailed {
		t.Fatalf("--postgres to nowhere: %d", code)
	}
	for _, pw := range []string{"Secret-Pw", "Secret-Pw%2F42"} {
		if strings.Contains(out.String()+errs.String(), pw) {
			t.Fatalf("the password is in the output: %s %s", &out, &errs)
		}
	}
	if !strings.Contains(errs.String(), "127.0.0.1") {
		t.Fatalf("message: %s", &errs)
	}
}

// TestSafeDefaults: registration is closed and every practice has a quota
// unless the operator says otherwise.
func TestSafeDefaults(t *testing.T) {
	_, out, _, stop := start(t, "--data", t.TempDir(), "--listen", "127.0.0.1:0")
	stop()
	for _, want := range []string{"storage quota per practice: 20 GB", "registration of new practices: closed"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("default start, no %q: %s", want, out)
		}
	}
	_, out, _, stop = start(t, "--data", t.TempDir(), "--listen", "127.0.0.1:0", "--open-registration", "--quota", "unlimited")
	stop()
	for _, want := range []string{"storage quota per practice: unlimited", "registration of new practices: open to anyone"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("open start, no %q: %s", want, out)
		}
	}
	secret := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(secret, []byte("a long registration secret\n"), 0o600)
	_, out, _, stop = start(t, "--data", t.TempDir(), "--listen", "127.0.0.1:0", "--registration-secret-file", secret)
	stop()
	if !strings.Contains(out.String(), "registration of new practices: with the registration secret") {
		t.Fatalf("start with a secret: %s", out)
	}
	var o, e bytes.Buffer
	if code := run(context.Background(), []string{"--data", t.TempDir(), "--registration-secret-file", secret, "--open-registration"}, &o, &e, nil); code != exitUsage {
		t.Fatalf("a secret and open registration: %d %s", code, &e)
	}
}
