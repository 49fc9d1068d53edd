package syncserver

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"chartkeeper/syncproto"
)

// Server is the sync server's HTTP handler. It never holds a key: it checks
// device credentials, stores what devices push and serves it to the
// practice's other devices.
type Server struct {
	b   Backend
	mux *http.ServeMux

	registrationSecret string
	openRegistration   bool
	logger             *slog.Logger
	now                func() time.Time
	quota              int64
	maxPolls           int // long-polls per device (guard.go)
	maxRequests        int // requests in progress per device
	slots              deviceSlots
	registerLimit      *rateLimiter // per client address
	redeemLimit        *rateLimiter
	sweepEvery         time.Duration
	unauthRead         time.Duration // read deadlines (guard.go)
	authRead           time.Duration

	mu      sync.Mutex
	signals map[string]*signal // per practice: wakes long-polls after a push
	closing chan struct{}
	closed  bool
}

// NewServer makes a server over backend b.
func NewServer(b Backend, opts ...Option) *Server {
	s := &Server{b: b, now: time.Now, mux: http.NewServeMux(), signals: map[string]*signal{}, closing: make(chan struct{}),
		quota: DefaultQuota, maxPolls: DefaultLongPollsPerDevice, maxRequests: DefaultRequestsPerDevice,
		registerLimit: newRateLimiter(10, 6*time.Second), redeemLimit: newRateLimiter(30, 2*time.Second),
		sweepEvery: SweepEvery, unauthRead: UnauthReadTimeout, authRead: AuthReadTimeout}
	for _, o := range opts {
		o(s)
	}
	if s.now == nil {
		s.now = time.Now
	}
	b.SetQuota(s.quota)
	// Expired enrollment secrets go at start and then every few minutes.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	s.SweepEnrollments(ctx)
	cancel()
	if s.sweepEvery > 0 {
		go s.sweepLoop(s.sweepEvery)
	}
	s.mux.HandleFunc("GET /v1/health", s.health)
	s.mux.HandleFunc("POST /v1/register", s.register)
	s.mux.HandleFunc("POST /v1/push", s.authed(syncproto.MaxPushBytes, s.push))
	s.mux.HandleFunc("GET /v1/changes", s.authed(0, s.changes))
	s.mux.HandleFunc("GET /v1/devices", s.authed(0, s.devices))
	s.mux.HandleFunc("POST /v1/devices/revoke", s.authed(syncproto.MaxSmallBody, s.revoke))
	s.mux.HandleFunc("POST /v1/devices/key", s.authedFor(syncproto.MaxSmallBody, true, s.deviceKey))
	s.mux.HandleFunc("POST /v1/enroll", s.authed(syncproto.MaxSmallBody, s.enroll))
	s.mux.HandleFunc("POST /v1/enroll/redeem", s.redeem)
	s.registerAdmin() // practice keys (admin.go)
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

// statusWriter records what a handler answered, for the log line.
type statusWriter struct {
	http.ResponseWriter
	status int
	n      int64
}

func (w *statusWriter) WriteHeader(code int) { w.status = code; w.ResponseWriter.WriteHeader(code) }

// Unwrap lets http.ResponseController reach the connection (deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
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

type authInfo struct {
	practice, device string
	// Set by authed once the device's signature over the request checked:
	signed bool
	body   []byte // the request's body
	key    []byte // the device's public key on the server (nil: none yet)
}

// ServeHTTP serves the protocol and logs one line per request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.now()
	// Until a device credential is checked (authed), the whole request must
	// arrive within seconds.
	setReadDeadline(w, s.unauthRead)
	sw := &statusWriter{ResponseWriter: w}
	ai := &authInfo{}
	r = r.WithContext(context.WithValue(r.Context(), authKey, ai))
	s.mux.ServeHTTP(sw, r)
	if s.logger != nil {
		// Only the path: queries carry nothing but numbers, bodies are
		// never logged, and IDs are random.
		s.logger.Info("request", "client", clientAddr(r), "method", r.Method, "path", r.URL.Path, "status", sw.status,
			"in", r.ContentLength, "out", sw.n, "ms", s.now().Sub(start).Milliseconds(),
			"practice", syncproto.ShortID(ai.practice), "device", syncproto.ShortID(ai.device))
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, syncproto.ErrorResponse{Error: msg})
}

// fail maps a backend or decoding error to a response.
func (s *Server) fail(w http.ResponseWriter, err error) {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		writeErr(w, http.StatusRequestEntityTooLarge, "request too large")
	case errors.Is(err, syncproto.ErrBadRequest):
		writeErr(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, syncproto.ErrPracticeExists), errors.Is(err, syncproto.ErrDeviceExists), errors.Is(err, syncproto.ErrMissingParent),
		errors.Is(err, syncproto.ErrDeviceKeyExists), errors.Is(err, syncproto.ErrPracticeKeysChanged):
		writeErr(w, http.StatusConflict, err.Error())
	case errors.Is(err, syncproto.ErrUnknownDevice), errors.Is(err, syncproto.ErrUnknownPractice):
		writeErr(w, http.StatusNotFound, err.Error())
	case errors.Is(err, syncproto.ErrUnknownEnrollment):
		writeErr(w, http.StatusNotFound, syncproto.ErrUnknownEnrollment.Error())
	case errors.Is(err, syncproto.ErrEnrollmentUsed):
		writeErr(w, http.StatusGone, syncproto.ErrEnrollmentUsed.Error())
	case errors.Is(err, syncproto.ErrEnrollmentExpired):
		writeErr(w, http.StatusGone, syncproto.ErrEnrollmentExpired.Error())
	case errors.Is(err, syncproto.ErrIssuerRevoked):
		writeErr(w, http.StatusForbidden, syncproto.ErrIssuerRevoked.Error())
	case errors.Is(err, syncproto.ErrQuotaExceeded):
		writeErr(w, http.StatusInsufficientStorage, quotaMessage(s.quota))
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		writeErr(w, http.StatusServiceUnavailable, "request cancelled")
	default:
		// Backend errors name no patient data (the backend holds none).
		if s.logger != nil {
			s.logger.Error("backend", "err", err.Error())
		}
		writeErr(w, http.StatusInternalServerError, "the server could not store or read this; try again later")
	}
}

// readBody returns the request's body: the one authed read and checked
// the signature of, or for a request without a device credential at most
// max bytes read now.
func readBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	if ai, _ := r.Context().Value(authKey).(*authInfo); ai != nil && ai.signed {
		return ai.body, nil
	}
	return io.ReadAll(http.MaxBytesReader(w, r.Body, max))
}

// authed checks the device credential before h runs: the token, that the
// device is not revoked, and the device's signature over the request
// (syncproto's sign.go), for which it reads the body first, at most limit
// bytes (0: none may come). Nothing of a request that fails reaches h.
func (s *Server) authed(limit int64, h func(http.ResponseWriter, *http.Request, authInfo)) http.HandlerFunc {
	return s.authedFor(limit, false, h)
}

// authedFor is authed; with keyRegistration, a device without a key on
// the server may sign with the key its body names (POST /v1/devices/key).
func (s *Server) authedFor(limit int64, keyRegistration bool, h func(http.ResponseWriter, *http.Request, authInfo)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		pid, did := r.Header.Get(syncproto.HeaderPractice), r.Header.Get(syncproto.HeaderDevice)
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
		if errors.Is(err, syncproto.ErrUnknownDevice) || errors.Is(err, syncproto.ErrUnknownPractice) ||
			(err == nil && subtle.ConstantTimeCompare(d.TokenHash, syncproto.HashToken(string(tok))) != 1) {
			writeErr(w, http.StatusUnauthorized, "this device is not enrolled with the server (unknown device or wrong credential)")
			return
		}
		if err != nil {
			s.fail(w, err)
			return
		}
		if !d.Revoked.IsZero() {
			writeErr(w, http.StatusForbidden, syncproto.ErrDeviceRevoked.Error())
			return
		}
		if len(d.PublicKey) == 0 && !keyRegistration {
			writeErr(w, http.StatusForbidden, syncproto.ErrNoDeviceKey.Error())
			return
		}
		release, ok := s.take(pid+"/"+did, false)
		if !ok {
			writeErr(w, http.StatusTooManyRequests, "this device has too many requests in progress; try again shortly")
			return
		}
		defer release()
		defer markBusy(r, pid+"/"+did)()
		setReadDeadline(w, s.authRead)
		// One buffer of the announced length for up to a document chunk;
		// larger bodies grow as they arrive (an announced length costs
		// the sender nothing).
		n := r.ContentLength
		if n > syncproto.MaxBlobChunkBody {
			n = -1
		}
		body, err := syncproto.ReadSized(http.MaxBytesReader(w, r.Body, limit), n, limit)
		if err != nil {
			s.fail(w, err)
			return
		}
		pub := d.PublicKey
		if len(pub) == 0 { // keyRegistration: the key the body names
			req, err := DecodeDeviceKey(body)
			if err != nil {
				s.fail(w, err)
				return
			}
			pub = req.PublicKey
		}
		if err := syncproto.VerifyRequest(pub, r.Header.Get(syncproto.HeaderSignature), r.Method, r.URL.RequestURI(), pid, did, body); err != nil {
			writeErr(w, http.StatusForbidden, err.Error())
			return
		}
		ai.body, ai.signed, ai.key = body, true, d.PublicKey
		h(w, r, *ai)
	}
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
