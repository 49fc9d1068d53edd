package search

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// Fold's table-driven path must give exactly what the definition gives.

func TestFoldTableMatchesDefinition(t *testing.T) {
	contexts := []string{"%s", "a%s", "%sb", "Σ%s", "%s\u0301", "\u1100%s", "%s\u1161", "ক%sা", "%s%s"}
	for r := rune(utf8.RuneSelf); r < foldTableSize; r++ {
		for _, c := range contexts {
			s := strings.ReplaceAll(c, "%s", string(r))
			if got, want := Fold(s), foldSlow(s); got != want {
				t.Fatalf("Fold(%q) = %q, definition gives %q", s, got, want)
			}
		}
	}
}

func TestFoldsToItself(t *testing.T) {
	for r := rune(0); r <= 0x2A6DF; r++ {
		if !foldsToItself(r) {
			continue
		}
		if s := string(r); foldSlow(s) != s || !concatenable(s) {
			t.Fatalf("%U: folds to %q, concatenable %v", r, foldSlow(s), concatenable(s))
		}
	}
}

func TestFoldRandomMatchesDefinition(t *testing.T) {
	// Letters of many scripts, marks, jamo, compatibility characters,
	// format characters, and a broken byte.
	alphabet := []rune("aZéÉßİıσςΣΆάёЁйЙأإآةىيـًٌَُِّ\u0654山田が\u3099ﾊﾟ한\u1100\u1161\u11a8ক\u09be\u09c7ो\u093fﬁ①Ⅻ\u200c\u200d\u00ad\u0301\u0327\u20dd")
	alphabet = append(alphabet, 0xFFFD, 0x2F800, 0x1D165)
	r := rand.New(rand.NewPCG(1, 2))
	for range 50_000 {
		var b strings.Builder
		for range 1 + r.IntN(8) {
			b.WriteRune(alphabet[r.IntN(len(alphabet))])
		}
		s := b.String()
		if r.IntN(20) == 0 {
			s += "\xff"
		}
		if got, want := Fold(s), foldSlow(s); got != want {
			t.Fatalf("Fold(%q) = %q, definition gives %q", s, got, want)
		}
	}
}

func FuzzFold(f *testing.F) {
	for _, s := range []string{"Müller", "Καλοσπύρου", "한국", "\u1100\u1161", "ক\u09c7\u09be", "ﾔﾏﾀﾞ", "a\xffb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := Fold(s), foldSlow(s); got != want {
			t.Fatalf("Fold(%q) = %q, definition gives %q", s, got, want)
		}
	})
}

// The linear edit tests against the textbook table, on a small alphabet
// where repeated letters (the hard cases) are common.

// OSADistance is the optimal-string-alignment distance (Damerau–Levenshtein
// with adjacent transpositions) by the textbook table; exported for the
// reference search in oracle_test.go.
func OSADistance(a, b []rune) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

func TestEditTests(t *testing.T) {
	alphabet := []rune("abé山")
	r := rand.New(rand.NewPCG(3, 4))
	word := func() string {
		rs := make([]rune, r.IntN(7))
		for i := range rs {
			rs[i] = alphabet[r.IntN(len(alphabet))]
		}
		return string(rs)
	}
	for range 200_000 {
		a, b := word(), word()
		ra, rb := []rune(a), []rune(b)
		if got, want := withinOneEdit(a, b), OSADistance(ra, rb) <= 1; got != want {
			t.Fatalf("withinOneEdit(%q, %q) = %v, want %v", a, b, got, want)
		}
		want := false
		if !strings.HasPrefix(a, b) {
			for l := len(rb) - 1; l <= len(rb)+1; l++ {
				if l >= 0 && l <= len(ra) && OSADistance(ra[:l], rb) == 1 {
					want = true
				}
			}
		}
		if got := typoPrefix(a, b); got != want {
			t.Fatalf("typoPrefix(%q, %q) = %v, want %v", a, b, got, want)
		}
	}
}

func TestCompareRev(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	rev := func(s string) string {
		b := []byte(s)
		for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
			b[i], b[j] = b[j], b[i]
		}
		return string(b)
	}
	for range 10_000 {
		a, b := digitsN(r), digitsN(r)
		if got, want := compareRev(a, b), strings.Compare(rev(a), rev(b)); got != want {
			t.Fatalf("compareRev(%q, %q) = %d, want %d", a, b, got, want)
		}
	}
}

func digitsN(r *rand.Rand) string {
	b := make([]byte, r.IntN(5))
	for i := range b {
		b[i] = byte('0' + r.IntN(3))
	}
	return string(b)
}
