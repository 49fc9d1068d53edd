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
	case syncproto.ErrUnsigned, syncproto.ErrBadSignature, syncproto.ErrNoDeviceKey, syncproto.ErrDeviceKeyExists:
		return e.Msg == target.Error()
	case syncproto.ErrAdminUnsigned, syncproto.ErrAdminBadSignature, syncproto.ErrAdminStale, syncproto.ErrNoAdminKey,
		syncproto.ErrRecoveryMismatch, syncproto.ErrAdminKeyMismatch, syncproto.ErrPracticeKeysChanged:
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

// httpClient talks to one server, with one device's credentials (or, for
// register and redeem, none).
type httpClient struct {
	cfg Config
	hc  *http.Client
}

// newAuthedHTTP is newHTTP for requests that carry the device's
// credentials: cfg must have them.
func newAuthedHTTP(cfg Config) (*httpClient, error) {
	if cfg.src == nil && cfg.cred == nil {
		return nil, ErrNoCredentials
	}
	return newHTTP(cfg)
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
var replayable = map[string]bool{"/v1/push": true, "/v1/devices/revoke": true, "/v1/devices/key": true}

// Authorize sets the device credential's headers on req, whose body is
// body (nil: none): practice, device, bearer token and the device's
// signature over the request (syncproto's sign.go).
func (c Config) Authorize(req *http.Request, body []byte) error {
	cred, err := c.Credentials()
	if err != nil {
		return err
	}
	tok, err := cred.Token()
	if err != nil {
		return err
	}
	sig, err := syncproto.SignRequest(cred, req.Method, req.URL.RequestURI(), c.PracticeID, c.DeviceID, body)
	if err != nil {
		return err
	}
	req.Header.Set(syncproto.HeaderPractice, c.PracticeID)
	req.Header.Set(syncproto.HeaderDevice, c.DeviceID)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set(syncproto.HeaderSignature, sig)
	return nil
}

// send makes one request and returns the response of a 200; any other
// answer comes back as *ServerError. A server that holds no signing key
// for this device yet (one enrolled before devices had keys) is given
// the device's key, once, and the request sent again.
func (c *httpClient) send(ctx context.Context, method, path string, body []byte, contentType string) (*http.Response, error) {
	resp, err := c.sendOnce(ctx, method, path, body, contentType)
	if se := (*ServerError)(nil); errors.As(err, &se) && errors.Is(se, syncproto.ErrNoDeviceKey) && path != keyPath {
		if err := c.registerKey(ctx); err != nil {
			return nil, err
		}
		return c.sendOnce(ctx, method, path, body, contentType)
	}
	return resp, err
}

const keyPath = "/v1/devices/key"

// registerKey gives the server this device's public key, signed with it.
func (c *httpClient) registerKey(ctx context.Context) error {
	cred, err := c.cfg.Credentials()
	if err != nil {
		return err
	}
	b, err := json.Marshal(syncproto.DeviceKeyRequest{PublicKey: cred.PublicKey()})
	if err != nil {
		return err
	}
	resp, err := c.sendOnce(ctx, "POST", keyPath, b, "application/json")
	if err != nil {
		return err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, syncproto.MaxSmallBody))
	return resp.Body.Close()
}

func (c *httpClient) sendOnce(ctx context.Context, method, path string, body []byte, contentType string) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.cfg.Server+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if replayable[path] {
		// net/http may then resend it on a fresh connection when a pooled
		// one turns out dead before the server answered.
		req.Header["Idempotency-Key"] = []string{} // marks it, sends nothing
	}
	if c.cfg.src != nil || c.cfg.cred != nil {
		if err := c.cfg.Authorize(req, body); err != nil {
			return nil, err
		}
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		var er syncproto.ErrorResponse
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		if json.Unmarshal(b, &er) != nil || er.Error == "" {
			er.Error = http.StatusText(resp.StatusCode)
		}
		return nil, &ServerError{Status: resp.StatusCode, Msg: er.Error}
	}
	return resp, nil
}

// call sends in as JSON (nil: no body) and decodes the answer into out.
func (c *httpClient) call(ctx context.Context, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = b
	}
	resp, err := c.send(ctx, method, path, body, "application/json")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
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
