package store

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"chartkeeper/internal/zxcvbn"
)

// A new password is judged by how easily it could be guessed, not by its
// length alone: zxcvbn (github.com/ccojocar/zxcvbn-go, the maintained Go
// port; docs/SECURITY.md says why this one; internal/zxcvbn is its copy
// that builds its lists on first use, not at start) estimates the guesses an
// attacker needs, knowing common passwords, dictionary words, names,
// keyboard patterns, repeats, sequences and dates, and scores them from 0
// (guessed at once) to 4. The person's own username and name, and the
// practice's name, count as known words.

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 10

// MinPasswordScore is the least zxcvbn score a new password needs: 3
// stands for about 10^8 seconds of guessing or more at zxcvbn's offline
// rate ("safely unguessable" in zxcvbn's own words, once slowed by a key
// derivation such as the keyslots' Argon2id).
const MinPasswordScore = 3

// judgedRunes caps the text given to the estimator, whose work grows
// faster than the length; a password longer than this is judged by its
// beginning, which makes the judgement stricter, never looser.
const judgedRunes = 64

// PreparePasswordJudge builds the estimator's word lists and keyboard
// graphs (about a fifth of a second of CPU), which the first JudgePassword
// or CheckPassword otherwise waits for. A screen where a password is set
// calls it in the background when it opens; nothing at start-up does.
func PreparePasswordJudge() { zxcvbn.Prepare() }

// PasswordStrength is the judgement of a new password, for the feedback
// shown while it is typed.
type PasswordStrength struct {
	Score  int    // 0 (guessed at once) to 4 (very hard to guess)
	OK     bool   // long enough and at least MinPasswordScore
	Advice string // one or two plain sentences for the person typing it
}

// JudgePassword judges a new password. hints are words the person or the
// practice is known by (username, full name, the practice's name), which
// an attacker would try first.
func JudgePassword(p []byte, hints ...string) PasswordStrength {
	n := utf8.RuneCount(p)
	if n == 0 {
		return PasswordStrength{Advice: fmt.Sprintf("At least %d characters, hard to guess: a few unrelated words make a good password.", MinPasswordLen)}
	}
	s := string(p)
	if n > judgedRunes {
		s = string([]rune(s)[:judgedRunes])
	}
	var inputs []string
	for _, h := range hints {
		inputs = append(inputs, strings.Fields(strings.NewReplacer(".", " ", "-", " ", "_", " ").Replace(h))...)
		inputs = append(inputs, h)
	}
	r := zxcvbn.PasswordStrength(s, inputs)
	j := PasswordStrength{Score: r.Score}
	short := n < MinPasswordLen
	j.OK = !short && r.Score >= MinPasswordScore
	// The reason shown is the weakness found that matters most: the
	// person's own words, then a pattern, then common words, then a date.
	why, rank := "", 0
	for _, m := range r.MatchSequence {
		if utf8.RuneCountInString(m.Token) < 3 {
			continue
		}
		w, k := "", 0
		switch m.Pattern {
		case "dictionary":
			if m.DictionaryName == "user_inputs" {
				w, k = "It contains your name or username.", 5
			} else {
				w, k = "It is built from common words or passwords.", 2
			}
		case "spatial":
			w, k = "It follows a row of keys on the keyboard.", 4
		case "repeat":
			w, k = "It repeats characters.", 4
		case "sequence":
			w, k = "It contains a sequence such as abc or 123.", 3
		case "date":
			w, k = "It contains a date.", 1
		}
		if k > rank {
			why, rank = w, k
		}
	}
	switch {
	case short:
		j.Advice = fmt.Sprintf("Too short: %d of at least %d characters.", n, MinPasswordLen)
	case r.Score < MinPasswordScore:
		j.Advice = strings.TrimSpace("Too easy to guess. " + why + " Add another word or two that are not about you.")
	case r.Score == MinPasswordScore:
		j.Advice = "Good: hard to guess. One more word makes it stronger."
	default:
		j.Advice = "Strong: very hard to guess."
	}
	return j
}

// CheckPassword says why a new password is not acceptable, or returns nil.
// hints are as for [JudgePassword].
func CheckPassword(p []byte, hints ...string) error {
	if !utf8.Valid(p) {
		return fmt.Errorf("%w: the password is not valid text", ErrInvalid)
	}
	if utf8.RuneCount(p) < MinPasswordLen {
		return fmt.Errorf("%w: a password needs at least %d characters", ErrInvalid, MinPasswordLen)
	}
	if j := JudgePassword(p, hints...); !j.OK {
		return fmt.Errorf("%w: this password is too easy to guess; add another word or two that are not about you", ErrInvalid)
	}
	return nil
}
