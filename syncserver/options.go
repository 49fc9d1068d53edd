package syncserver

import (
	"log/slog"
	"time"
)

// Option configures a [Server].
type Option func(*Server)

// WithClock makes the server read the time from now instead of the system
// clock (tests).
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithRegistrationSecret makes the server register a new practice only
// when its first device presents secret.
func WithRegistrationSecret(secret string) Option {
	return func(s *Server) { s.registrationSecret = secret }
}

// WithLogger makes the server log one line per request: method, path,
// status, time, sizes and the practice and device IDs (random, no patient
// data). Bodies are never logged. Without it nothing is logged.
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.logger = l } }

// WithQuota limits each practice's stored bytes to n (quota.go); 0 is no
// limit. The default is DefaultQuota.
func WithQuota(n int64) Option { return func(s *Server) { s.quota = n } }

// WithOpenRegistration lets anyone register a new practice without a
// registration secret. Without it (and without a secret) the server
// accepts no new practices.
func WithOpenRegistration() Option { return func(s *Server) { s.openRegistration = true } }

// WithDeviceLimits sets how many long-polls (default
// DefaultLongPollsPerDevice) and requests in all (default
// DefaultRequestsPerDevice) one device may have in progress; 0 is no
// limit.
func WithDeviceLimits(longPolls, requests int) Option {
	return func(s *Server) { s.maxPolls, s.maxRequests = longPolls, requests }
}

// WithRateLimits sets the per-address limits of registrations and
// enrollment redeems: burst at once, then one per every. A zero burst
// turns that limit off.
func WithRateLimits(registerBurst int, registerEvery time.Duration, redeemBurst int, redeemEvery time.Duration) Option {
	return func(s *Server) {
		s.registerLimit, s.redeemLimit = nil, nil
		if registerBurst > 0 {
			s.registerLimit = newRateLimiter(registerBurst, registerEvery)
		}
		if redeemBurst > 0 {
			s.redeemLimit = newRateLimiter(redeemBurst, redeemEvery)
		}
	}
}

// WithSweepEvery sets how often expired enrollments are swept (default
// SweepEvery); 0 sweeps only at start (tests call SweepEnrollments).
func WithSweepEvery(d time.Duration) Option { return func(s *Server) { s.sweepEvery = d } }

// WithReadTimeouts sets how long a request may take to arrive before its
// device is authenticated (default UnauthReadTimeout) and after (default
// AuthReadTimeout).
func WithReadTimeouts(unauthenticated, authenticated time.Duration) Option {
	return func(s *Server) { s.unauthRead, s.authRead = unauthenticated, authenticated }
}
