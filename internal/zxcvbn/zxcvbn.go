package zxcvbn

import (
	"time"

	"chartkeeper/internal/zxcvbn/matching"
	"chartkeeper/internal/zxcvbn/scoring"
	"github.com/ccojocar/zxcvbn-go/match"
	zxcvbnmath "github.com/ccojocar/zxcvbn-go/utils/math"
)

// Prepare builds the estimator's lists and graphs now, so that the first
// PasswordStrength does not wait for them (about a fifth of a second). It
// is safe to call from any goroutine, as often as wanted.
func Prepare() { matching.Load() }

// PasswordStrength takes a password, userInputs and optional filters and returns a MinEntropyMatch
func PasswordStrength(password string, userInputs []string, filters ...func(match.Matcher) bool) scoring.MinEntropyMatch {
	start := time.Now()
	matches := matching.Omnimatch(password, userInputs, filters...)
	result := scoring.MinimumEntropyMatchSequence(password, matches)
	end := time.Now()

	calcTime := end.Nanosecond() - start.Nanosecond()
	result.CalcTime = zxcvbnmath.Round(float64(calcTime)*time.Nanosecond.Seconds(), .5, 3)
	return result
}
