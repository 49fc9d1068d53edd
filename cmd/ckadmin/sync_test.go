package main

import (
	"context"
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/http"
	"regexp"
	"testing"

	"chartkeeper/sync"
)

// syncServer runs the sync server in the test process on loopback.
func syncServer(t *testing.T) (url, fp string) {
	t.Helper()
	dir := t.TempDir()
	cert, fp, _, err := sync.LoadOrCreateCert(dir, "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := sync.OpenBolt(dir)
	if err != nil {
		t.Fatal(err)
	}
	h := sync.NewServer(b, sync.ServerOptions{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}, ErrorLog: log.New(io.Discard, "", 0)}
	go srv.ServeTLS(ln, "", "")
	t.Cleanup(func() { h.Close(); srv.Shutdown(context.Background()); b.Close() })
	return "https://" + ln.Addr().String(), fp
}

func TestSync(t *testing.T) {
	url, fp := syncServer(t)
	p := newPractice(t)
	wantCode(t, "sync before connecting", p.admin("sync"), 2)
	r := p.admin("patient", "add", "--family", "Synctest", "--given", "Ana", "--dob", "1980-02-03", "--sex", "female")
	wantCode(t, "patient add", r, 0)
	r = p.admin("sync", "--server", url, "--fingerprint", wrongFingerprint(fp))
	wantCode(t, "sync with a wrong fingerprint", r, 1)
	wantOutput(t, "sync with a wrong fingerprint", r, "fingerprint")
	r = p.admin("sync", "--server", url, "--fingerprint", fp)
	wantCode(t, "first sync", r, 0)
	wantOutput(t, "first sync", r, "registered the practice", "up to date")
	if !regexp.MustCompile(`pushed [1-9][0-9]* revisions`).MatchString(r.stdout) {
		t.Fatalf("first sync pushed nothing:\n%s", r.stdout)
	}
	if !regexp.MustCompile(`audit entries: sent [1-9][0-9]*, fetched 0`).MatchString(r.stdout) {
		t.Fatalf("first sync sent no audit entries:\n%s", r.stdout)
	}
	r = p.admin("sync")
	wantCode(t, "second sync", r, 0)
	wantOutput(t, "second sync", r, "pushed 0 revisions (0 sent), pulled 0 (0 received)", "up to date")
	if _, err := sync.LoadConfig(p.dir); err != nil {
		t.Fatal(err)
	}
}

// wrongFingerprint is fp with its first digit changed.
func wrongFingerprint(fp string) string {
	if fp[0] == '0' {
		return "1" + fp[1:]
	}
	return "0" + fp[1:]
}
