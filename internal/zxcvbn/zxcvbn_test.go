package zxcvbn

import (
	"fmt"
	"math"
	"os"
	"testing"

	upstream "github.com/ccojocar/zxcvbn-go"
	"github.com/ccojocar/zxcvbn-go/match"

	"chartkeeper/internal/zxcvbn/adjacency"
	"chartkeeper/internal/zxcvbn/frequency"
)

// TestMain checks, before any test judges a password, that importing the
// package built nothing: the lists and graphs wait for the first use.
func TestMain(m *testing.M) {
	if n, g := len(frequency.Lists), len(adjacency.GraphMap); n != 0 || g != 0 {
		fmt.Fprintf(os.Stderr, "at start, before any use: %d frequency lists and %d keyboard graphs already built\n", n, g)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// passwords are upstream's own test passwords and the kinds the store
// refuses and takes (common words, keyboard rows, repeats, sequences,
// dates, names, l33t, other scripts).
var passwords = []string{
	"zxcvbn", "Tr0ub4dour&3", "qwER43@!", "correcthorsebatterystaple",
	"coRrecth0rseba++ery9.23.2007staple$", "D0g..................", "abcdefghijk987654321",
	"neverforget", "13/3/1997", "neverforget13/3/1997", "1qaz2wsx3edc", "temppass22",
	"briansmith", "briansmith4mayor", "password1", "viking", "thx1138", "ScoRpi0ns",
	"do you know", "ryanhunter2000", "rianhunter2000", "asdfghju7654rewq", "AOEUIDHG&*()LS_",
	"12345678", "defghi6789", "rosebud", "Rosebud", "ROSEBUD", "rosebuD", "ros3bud99",
	"r0s3bud99", "R0$38uD99", "verlineVANDERMARK", "eheuczkqyq", "rWibMFACxAUGZmxhVncy",
	"Ba9ZyWABu99[BK#6MBgbH88Tofv)vs$", "password1234", "qwertyuiop123", "aaaaaaaaaaaaaa",
	"1234567890123", "nurse.ada2026", "Password2026!", "Tablet-Harbor-Quince-58",
	"correct horse battery", "mirlo verde en la azotea", "Ζωή πίνει τσάι στις πέντε",
	"7894561230", "p@ssw0rd!2019", "",
}

// TestSameAsUpstream: the lazily built estimator judges every password as
// the upstream module does, with and without the person's own words.
func TestSameAsUpstream(t *testing.T) {
	for _, hints := range [][]string{nil, {"nurse.ada", "nurse", "ada", "Ada Testperson", "Ada", "Testperson"}} {
		for _, pw := range passwords {
			got, want := PasswordStrength(pw, hints), upstream.PasswordStrength(pw, hints)
			if got.Score != want.Score || math.Abs(got.Entropy-want.Entropy) > 1e-9 || got.CrackTimeDisplay != want.CrackTimeDisplay {
				t.Errorf("%q (hints %v): score %d, entropy %.4f, %q; upstream %d, %.4f, %q", pw, hints,
					got.Score, got.Entropy, got.CrackTimeDisplay, want.Score, want.Entropy, want.CrackTimeDisplay)
			}
			if g, w := patterns(got.MatchSequence), patterns(want.MatchSequence); g != w {
				t.Errorf("%q (hints %v): found %s; upstream %s", pw, hints, g, w)
			}
		}
	}
}

// TestPrepareConcurrently: screens may call Prepare while a password is
// being judged on another goroutine (run with -race to see a data race).
func TestPrepareConcurrently(t *testing.T) {
	done := make(chan int)
	for range 4 {
		go func() { Prepare(); done <- PasswordStrength("qwertyuiop123", nil).Score }()
	}
	for range 4 {
		if s := <-done; s >= 3 {
			t.Errorf("a keyboard row scored %d", s)
		}
	}
}

func patterns(ms []match.Match) string {
	s := ""
	for _, m := range ms {
		s += fmt.Sprintf("[%s %q]", m.Pattern, m.Token)
	}
	return s
}
