package sync

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	gosync "sync"
	"time"
)

// ServerOptions configure a [Server].
type ServerOptions struct {
	// RegistrationSecret, when set, must be presented by the first device
	// of a practice to register it here.
	RegistrationSecret string
	// Logger receives one line per request: method, path, status, time,
	// sizes and the practice and device IDs (random, no patient data).
	// Bodies are never logged. Nil logs nothing.
	Logger *slog.Logger
	// Now is the clock (tests); time.Now when nil.
	Now func() time.Time
	// Quota limits each practice's stored bytes (quota.go); 0: no limit.
	Quota int64
}

// Server is the sync server's HTTP handler. It never holds a key: it checks
// device credentials, stores what devices push and serves it to the
// practice's other devices.
type Server struct {
	b    Backend
	opts ServerOptions
	mux  *http.ServeMux

	mu      gosync.Mutex
	signals map[string]*signal // per practice: wakes long-polls after a push
	closing chan struct{}
	closed  bool
}

// NewServer makes a server over backend b.
func NewServer(b Backend, opts ServerOptions) *Server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{b: b, opts: opts, mux: http.NewServeMux(), signals: map[string]*signal{}, closing: make(chan struct{})}
	if qb, ok := b.(QuotaBackend); ok {
		qb.SetQuota(opts.Quota)
	}
	s.mux.HandleFunc("GET /v1/health", s.health)
	s.mux.HandleFunc("POST /v1/register", s.register)
	s.mux.HandleFunc("POST /v1/push", s.authed(s.push))
	s.mux.HandleFunc("GET /v1/changes", s.authed(s.changes))
	s.mux.HandleFunc("GET /v1/devices", s.authed(s.devices))
	s.mux.HandleFunc("POST /v1/devices/revoke", s.authed(s.revoke))
	s.mux.HandleFunc("POST /v1/enroll", s.authed(s.enroll))
	s.mux.HandleFunc("POST /v1/enroll/redeem", s.redeem)
	s.registerAudit() // audit streams (audit.go)
	s.registerBlobs() // blobs.go
	return s
}

// Close ends every long-poll at once (call it before http.Server.Shutdown,
// or register it with RegisterOnShutdown). It does not close the backend.
func (s *Server) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		close(s.closing)
	}
}

// signal is a broadcast: every waiter's channel closes on fire.
type signal struct {
	mu gosync.Mutex
	ch chan struct{}
}

func (c *signal) wait() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ch == nil {
		c.ch = make(chan struct{})
	}
	return c.ch
}

func (c *signal) fire() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ch != nil {
		close(c.ch)
		c.ch = nil
	}
}

func (s *Server) signalFor(practice string) *signal {
	s.mu.Lock()
	defer s.mu.Unlock()
	sg := s.signals[practice]
	if sg == nil {
		sg = &signal{}
		s.signals[practice] = sg
	}
	return sg
}

// statusWriter records what a handler answered, for the log line.
type statusWriter struct {
	http.ResponseWriter
	status int
	n      int64
}

func (w *statusWriter) WriteHeader(code int) { w.status = code; w.ResponseWriter.WriteHeader(code) }
func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.n += int64(n)
	return n, err
}

type ctxKey int

const authKey ctxKey = 0

type authInfo struct{ practice, device string }

// ServeHTTP serves the protocol and logs one line per request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.opts.Now()
	sw := &statusWriter{ResponseWriter: w}
	ai := &authInfo{}
	r = r.WithContext(context.WithValue(r.Context(), authKey, ai))
	s.mux.ServeHTTP(sw, r)
	if s.opts.Logger != nil {
		// Only the path: queries carry nothing but numbers, bodies are
		// never logged, and IDs are random.
		s.opts.Logger.Info("request", "method", r.Method, "path", r.URL.Path, "status", sw.status,
			"in", r.ContentLength, "out", sw.n, "ms", s.opts.Now().Sub(start).Milliseconds(),
			"practice", short(ai.practice), "device", short(ai.device))
	}
}

func short(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, ErrorResponse{Error: msg})
}

// fail maps a backend or decoding error to a response.
func (s *Server) fail(w http.ResponseWriter, err error) {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		writeErr(w, http.StatusRequestEntityTooLarge, "request too large")
	case errors.Is(err, ErrBadRequest):
		writeErr(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, ErrPracticeExists), errors.Is(err, ErrDeviceExists), errors.Is(err, ErrMissingParent):
		writeErr(w, http.StatusConflict, err.Error())
	case errors.Is(err, ErrUnknownDevice), errors.Is(err, ErrUnknownPractice):
		writeErr(w, http.StatusNotFound, err.Error())
	case errors.Is(err, ErrUnknownEnrollment):
		writeErr(w, http.StatusNotFound, ErrUnknownEnrollment.Error())
	case errors.Is(err, ErrEnrollmentUsed):
		writeErr(w, http.StatusGone, ErrEnrollmentUsed.Error())
	case errors.Is(err, ErrEnrollmentExpired):
		writeErr(w, http.StatusGone, ErrEnrollmentExpired.Error())
	case errors.Is(err, ErrIssuerRevoked):
		writeErr(w, http.StatusForbidden, ErrIssuerRevoked.Error())
	case errors.Is(err, ErrQuotaExceeded):
		writeErr(w, http.StatusInsufficientStorage, quotaMessage(s.opts.Quota))
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		writeErr(w, http.StatusServiceUnavailable, "request cancelled")
	default:
		// Backend errors name no patient data (the backend holds none).
		if s.opts.Logger != nil {
			s.opts.Logger.Error("backend", "err", err.Error())
		}
		writeErr(w, http.StatusInternalServerError, "the server could not store or read this; try again later")
	}
}

// readBody reads at most max bytes of a request body.
func readBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	return io.ReadAll(http.MaxBytesReader(w, r.Body, max))
}

// HashToken is what the server keeps of a device token. Tokens are 256
// random bits, so a fast hash is enough: there is nothing to guess.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// checkToken validates a token's shape: base64url of 32 bytes.
func checkToken(tok string) error {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) != 32 {
		return fmt.Errorf("%w: a device token is 32 random bytes in base64url", ErrBadRequest)
	}
	return nil
}

// authed checks the device credential before h runs.
func (s *Server) authed(h func(http.ResponseWriter, *http.Request, authInfo)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		pid, did := r.Header.Get(HeaderPractice), r.Header.Get(HeaderDevice)
		tok, ok := bytes.CutPrefix([]byte(r.Header.Get("Authorization")), []byte("Bearer "))
		if !ok || checkName("practice", pid) != nil || checkName("device", did) != nil {
			writeErr(w, http.StatusUnauthorized, "a device credential is required")
			return
		}
		ai := r.Context().Value(authKey).(*authInfo)
		ai.practice, ai.device = pid, did
		d, err := s.b.Device(r.Context(), pid, did)
		// One answer for an unknown practice, an unknown device and a
		// wrong token, so the server does not confirm which IDs exist.
		if errors.Is(err, ErrUnknownDevice) || errors.Is(err, ErrUnknownPractice) ||
			(err == nil && subtle.ConstantTimeCompare(d.TokenHash, HashToken(string(tok))) != 1) {
			writeErr(w, http.StatusUnauthorized, "this device is not enrolled with the server (unknown device or wrong credential)")
			return
		}
		if err != nil {
			s.fail(w, err)
			return
		}
		if !d.Revoked.IsZero() {
			writeErr(w, http.StatusForbidden, ErrDeviceRevoked.Error())
			return
		}
		h(w, r, *ai)
	}
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, Health{OK: true, ServerID: s.b.ServerID(), Version: ProtocolVersion})
}

// checkDevice checks a new device's ID and name as a request gives them.
func checkDevice(id, name string) error {
	if err := checkName("device", id); err != nil {
		return err
	}
	if len(name) > 200 {
		return fmt.Errorf("%w: device name too long", ErrBadRequest)
	}
	return nil
}

// DecodeRegister parses and checks a register body.
func DecodeRegister(body []byte) (RegisterRequest, error) {
	var req RegisterRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return req, fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	if err := checkName("practice", req.PracticeID); err != nil {
		return req, err
	}
	if err := checkDevice(req.DeviceID, req.DeviceName); err != nil {
		return req, err
	}
	return req, checkToken(req.Token)
}

func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	req, ok := readRequest(s, w, r, MaxSmallBody, DecodeRegister)
	if !ok {
		return
	}
	ai := r.Context().Value(authKey).(*authInfo)
	ai.practice, ai.device = req.PracticeID, req.DeviceID
	if s.opts.RegistrationSecret != "" &&
		subtle.ConstantTimeCompare([]byte(req.RegistrationSecret), []byte(s.opts.RegistrationSecret)) != 1 {
		writeErr(w, http.StatusForbidden, "this server accepts new practices only with its registration secret")
		return
	}
	d := Device{ID: req.DeviceID, Name: req.DeviceName, TokenHash: HashToken(req.Token), Created: s.opts.Now().UTC()}
	if err := s.b.RegisterPractice(r.Context(), req.PracticeID, d); err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, Health{OK: true, ServerID: s.b.ServerID(), Version: ProtocolVersion})
}

// DecodePush parses and checks a push body.
func DecodePush(body []byte) (PushRequest, error) {
	var req PushRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return req, fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	if len(req.Revs) > MaxPushRevs {
		return req, fmt.Errorf("%w: more than %d revisions in one push", ErrBadRequest, MaxPushRevs)
	}
	for i := range req.Revs {
		req.Revs[i].Seq, req.Revs[i].Device = 0, ""
		if err := checkRev(&req.Revs[i]); err != nil {
			return req, fmt.Errorf("revision %d: %w", i, err)
		}
	}
	return req, nil
}

func (s *Server) push(w http.ResponseWriter, r *http.Request, ai authInfo) {
	req, ok := readRequest(s, w, r, MaxPushBytes, DecodePush)
	if !ok {
		return
	}
	res, err := s.b.Push(r.Context(), ai.practice, ai.device, req.Revs)
	if err != nil {
		s.fail(w, err)
		return
	}
	if res.Inserted > 0 {
		s.signalFor(ai.practice).fire()
	}
	writeJSON(w, http.StatusOK, res)
}

// ChangesQuery is a parsed GET /v1/changes query.
type ChangesQuery struct {
	Since uint64
	Limit int
	Wait  time.Duration
	// All asks for the device's own pushes too (a first sync).
	All bool
}

// ParseChangesQuery parses and checks the query of GET /v1/changes.
func ParseChangesQuery(q url.Values) (ChangesQuery, error) {
	cq := ChangesQuery{Limit: 500}
	var err error
	if v := q.Get("since"); v != "" {
		if cq.Since, err = strconv.ParseUint(v, 10, 64); err != nil {
			return cq, fmt.Errorf("%w: since", ErrBadRequest)
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return cq, fmt.Errorf("%w: limit", ErrBadRequest)
		}
		cq.Limit = min(n, MaxPullLimit)
	}
	if v := q.Get("wait"); v != "" {
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || n < 0 || n != n {
			return cq, fmt.Errorf("%w: wait", ErrBadRequest)
		}
		// capped in seconds first: a huge number would overflow Duration
		cq.Wait = time.Duration(min(n, MaxLongPoll.Seconds()) * float64(time.Second))
	}
	cq.All = q.Get("all") == "1"
	return cq, nil
}

func (s *Server) changes(w http.ResponseWriter, r *http.Request, ai authInfo) {
	cq, err := ParseChangesQuery(r.URL.Query())
	if err != nil {
		s.fail(w, err)
		return
	}
	skip := ai.device
	if cq.All {
		skip = ""
	}
	var timeout <-chan time.Time
	if cq.Wait > 0 {
		t := time.NewTimer(cq.Wait)
		defer t.Stop()
		timeout = t.C
	}
	sig := s.signalFor(ai.practice)
	// An audit push answers the long-poll too, so the client fetches the
	// new entries at once (audit.go).
	audit := s.signalFor(ai.practice + auditSignal).wait()
	for {
		wake := sig.wait() // before reading, so a push in between is not missed
		res, err := s.b.Changes(r.Context(), ai.practice, cq.Since, cq.Limit, MaxPullBytes, skip)
		if err != nil {
			s.fail(w, err)
			return
		}
		res.ServerID = s.b.ServerID()
		if len(res.Revs) > 0 || res.More || timeout == nil || res.LastSeq < cq.Since {
			writeJSON(w, http.StatusOK, res)
			return
		}
		cq.Since = res.LastSeq // own pushes skipped meanwhile stay skipped
		select {
		case <-wake:
		case <-audit:
			writeJSON(w, http.StatusOK, res)
			return
		case <-timeout:
			writeJSON(w, http.StatusOK, res)
			return
		case <-s.closing:
			writeJSON(w, http.StatusOK, res)
			return
		case <-r.Context().Done():
			return
		}
	}
}

func deviceInfo(d Device) DeviceInfo {
	return DeviceInfo{ID: d.ID, Name: d.Name, Created: d.Created, Revoked: d.Revoked}
}

func (s *Server) devices(w http.ResponseWriter, r *http.Request, ai authInfo) {
	ds, err := s.b.Devices(r.Context(), ai.practice)
	if err != nil {
		s.fail(w, err)
		return
	}
	out := []DeviceInfo{}
	for _, d := range ds {
		out = append(out, deviceInfo(d))
	}
	writeJSON(w, http.StatusOK, out)
}

// DecodeRevoke parses and checks a revoke body.
func DecodeRevoke(body []byte) (RevokeRequest, error) {
	var req RevokeRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return req, fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	return req, checkName("device", req.DeviceID)
}

func (s *Server) revoke(w http.ResponseWriter, r *http.Request, ai authInfo) {
	req, ok := readRequest(s, w, r, MaxSmallBody, DecodeRevoke)
	if !ok {
		return
	}
	if err := s.b.RevokeDevice(r.Context(), ai.practice, req.DeviceID, s.opts.Now()); err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		OK bool `json:"ok"`
	}{true})
}

// DecodeEnroll parses and checks an enroll body.
func DecodeEnroll(body []byte) (EnrollRequest, error) {
	var req EnrollRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return req, fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	if len(req.TokenHash) != sha256.Size {
		return req, fmt.Errorf("%w: an enrollment token hash is a SHA-256", ErrBadRequest)
	}
	if len(req.Sealed) == 0 || len(req.Sealed) > maxEnrollSealed {
		return req, fmt.Errorf("%w: sealed enrollment of %d bytes", ErrBadRequest, len(req.Sealed))
	}
	ttl := time.Duration(req.TTLSeconds) * time.Second
	if req.TTLSeconds <= 0 || req.TTLSeconds > int64(MaxEnrollTTL/time.Second) || ttl < MinEnrollTTL {
		return req, fmt.Errorf("%w: an enrollment code lives between %s and %s", ErrBadRequest, MinEnrollTTL, MaxEnrollTTL)
	}
	return req, nil
}

// enroll keeps a one-time enrollment left by an enrolled device. The server
// cannot tell an HIM manager from anyone else (it sees no roles): the
// workstation refuses other roles before it asks (store.SealEnrollment),
// and the secrets arrive sealed under a key the server never sees.
func (s *Server) enroll(w http.ResponseWriter, r *http.Request, ai authInfo) {
	req, ok := readRequest(s, w, r, MaxSmallBody, DecodeEnroll)
	if !ok {
		return
	}
	now := s.opts.Now().UTC()
	e := Enrollment{TokenHash: req.TokenHash, Sealed: req.Sealed, Issuer: ai.device, Created: now,
		Expires: now.Add(time.Duration(req.TTLSeconds) * time.Second)}
	if err := s.b.AddEnrollment(r.Context(), ai.practice, e); err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, EnrollResponse{Expires: e.Expires})
}

// DecodeRedeem parses and checks a redeem body.
func DecodeRedeem(body []byte) (RedeemRequest, error) {
	var req RedeemRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return req, fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	if err := checkName("practice", req.PracticeID); err != nil {
		return req, err
	}
	if err := checkDevice(req.DeviceID, req.DeviceName); err != nil {
		return req, err
	}
	if err := checkToken(req.Token); err != nil {
		return req, err
	}
	return req, checkToken(req.DeviceToken)
}

// redeem turns a one-time enrollment into a device of the practice.
func (s *Server) redeem(w http.ResponseWriter, r *http.Request) {
	req, ok := readRequest(s, w, r, MaxSmallBody, DecodeRedeem)
	if !ok {
		return
	}
	ai := r.Context().Value(authKey).(*authInfo)
	ai.practice, ai.device = req.PracticeID, req.DeviceID
	now := s.opts.Now().UTC()
	d := Device{ID: req.DeviceID, Name: req.DeviceName, TokenHash: HashToken(req.DeviceToken), Created: now}
	sealed, err := s.b.RedeemEnrollment(r.Context(), req.PracticeID, HashToken(req.Token), d, now)
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, RedeemResponse{ServerID: s.b.ServerID(), Sealed: sealed})
}

// readRequest reads a request body of at most limit bytes and decodes it.
// When either fails it answers the request and returns false.
func readRequest[T any](s *Server, w http.ResponseWriter, r *http.Request, limit int64, decode func([]byte) (T, error)) (T, bool) {
	body, err := readBody(w, r, limit)
	if err == nil {
		var req T
		if req, err = decode(body); err == nil {
			return req, true
		}
	}
	s.fail(w, err)
	var zero T
	return zero, false
}
