package syncclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"chartkeeper/syncproto"
)

// ServerError is a refusal from the server.
type ServerError struct {
	Status int
	Msg    string
}

func (e *ServerError) Error() string {
	return fmt.Sprintf("the sync server refused (%d): %s", e.Status, e.Msg)
}

// Is lets errors.Is match the protocol's sentinel errors.
func (e *ServerError) Is(target error) bool {
	switch target {
	case syncproto.ErrDeviceRevoked:
		return e.Status == http.StatusForbidden && e.Msg == syncproto.ErrDeviceRevoked.Error()
	case syncproto.ErrUnknownDevice:
		return e.Status == http.StatusUnauthorized
	case syncproto.ErrPracticeExists:
		return e.Status == http.StatusConflict && e.Msg == syncproto.ErrPracticeExists.Error()
	case syncproto.ErrUnknownEnrollment, syncproto.ErrEnrollmentUsed, syncproto.ErrEnrollmentExpired, syncproto.ErrIssuerRevoked:
		return e.Msg == target.Error()
	case syncproto.ErrMissingParent:
		return e.Status == http.StatusConflict && bytes.Contains([]byte(e.Msg), []byte(syncproto.ErrMissingParent.Error()))
	case syncproto.ErrQuotaExceeded:
		return e.Status == http.StatusInsufficientStorage
	}
	return false
}

// Unreachable reports whether err means the server could not be reached
// (as opposed to a refusal or a local failure): the client backs off and
// shows "offline".
func Unreachable(err error) bool {
	var ne net.Error
	var se *ServerError
	switch {
	case err == nil, errors.Is(err, ErrFingerprint), errors.Is(err, context.Canceled):
		return false
	case errors.As(err, &se):
		// A full quota (507) is a refusal that lasts, not an outage.
		return (se.Status >= 500 && se.Status != http.StatusInsufficientStorage) || se.Status == http.StatusTooManyRequests
	}
	// *url.Error is a net.Error: every transport failure lands here.
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, context.DeadlineExceeded)
}

// httpClient talks to one server with one device's credential.
type httpClient struct {
	cfg Config
	hc  *http.Client
}

func newHTTP(cfg Config) (*httpClient, error) {
	server, err := normalizeServer(cfg.Server)
	if err != nil {
		return nil, err
	}
	cfg.Server = server
	tc, err := PinnedTLS(cfg.Fingerprint)
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{
		TLSClientConfig:     tc,
		ForceAttemptHTTP2:   true,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout: 10 * time.Second,
		IdleConnTimeout:     90 * time.Second,
		MaxIdleConnsPerHost: 4,
		// A connection the server dropped while idle (a restart, a NAT
		// timeout) is found by a ping rather than by the next request.
		HTTP2: &http.HTTP2Config{SendPingTimeout: 20 * time.Second, PingTimeout: 10 * time.Second},
	}
	return &httpClient{cfg: cfg, hc: &http.Client{Transport: tr}}, nil
}

func (c *httpClient) close() { c.hc.CloseIdleConnections() }

// replayable are the POSTs that change nothing when repeated: the server
// inserts only what it lacks, and revoking twice revokes once. Register,
// enroll and redeem are not: a second redeem of a code finds it used.
var replayable = map[string]bool{"/v1/push": true, "/v1/devices/revoke": true}

// call sends in as JSON (nil: no body) and decodes the answer into out.
func (c *httpClient) call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.cfg.Server+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if replayable[path] {
		// net/http may then resend it on a fresh connection when a pooled
		// one turns out dead before the server answered.
		req.Header["Idempotency-Key"] = []string{} // marks it, sends nothing
	}
	if c.cfg.Token != "" {
		req.Header.Set(syncproto.HeaderPractice, c.cfg.PracticeID)
		req.Header.Set(syncproto.HeaderDevice, c.cfg.DeviceID)
		req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var er syncproto.ErrorResponse
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		if json.Unmarshal(b, &er) != nil || er.Error == "" {
			er.Error = http.StatusText(resp.StatusCode)
		}
		return &ServerError{Status: resp.StatusCode, Msg: er.Error}
	}
	if out == nil {
		_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, syncproto.MaxSmallBody))
		return err
	}
	dec := json.NewDecoder(io.LimitReader(resp.Body, 2*syncproto.MaxPullBytes+1<<20))
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("reading the server's answer: %w", err)
	}
	return nil
}
