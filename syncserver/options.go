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

// WithQuota limits each practice's stored bytes to n (quota.go); 0, the
// default, is no limit.
func WithQuota(n int64) Option { return func(s *Server) { s.quota = n } }
