// Package synctestserver runs a sync server with bbolt storage in a test
// process, on HTTPS on loopback, for the tests of sync's clients (ckadmin,
// the workstation).
package synctestserver

import (
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/http"
	"testing"

	"chartkeeper/syncserver"
	"chartkeeper/syncserver/boltbackend"
)

// Start runs a server in a temporary folder until the test ends, or stop
// ends it sooner. It returns the server's URL and certificate fingerprint.
func Start(t testing.TB) (url, fingerprint string, stop func()) {
	t.Helper()
	return StartWith(t)
}

// StartWith is Start with server options, e.g. syncserver.WithQuota to
// provoke a full practice.
func StartWith(t testing.TB, opts ...syncserver.Option) (url, fingerprint string, stop func()) {
	t.Helper()
	dir := t.TempDir()
	cert, fp, _, err := syncserver.LoadOrCreateCert(dir, "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := boltbackend.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Tests register practices freely and join many workstations; opts
	// come after, so a test may close registration again.
	h := syncserver.NewServer(b, append([]syncserver.Option{syncserver.WithOpenRegistration(), syncserver.WithRateLimits(0, 0, 0, 0)}, opts...)...)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}, ErrorLog: log.New(io.Discard, "", 0)}
	go srv.ServeTLS(ln, "", "")
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			h.Close()
			srv.Close()
			b.Close()
		}
	}
	t.Cleanup(stop)
	return "https://" + ln.Addr().String(), fp, stop
}

// WrongFingerprint is fp with its first digit changed.
func WrongFingerprint(fp string) string {
	if fp[0] == '0' {
		return "1" + fp[1:]
	}
	return "0" + fp[1:]
}
