package search

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Fold is the normalisation every name and query goes through before they
// are compared: Unicode NFKD, then nonspacing marks are dropped (accents,
// Greek tonos, Arabic harakat, Hebrew points, the Japanese voicing marks),
// as are invisible format characters (zero-width joiners, bidi marks, soft
// hyphens) and the Arabic tatweel, then letters are lower-cased (Greek final
// sigma ς becomes σ), then the result is put back in NFC. Spaces and
// punctuation are kept: Fold changes letters, it does not split words.
//
//	Fold("Müller") == "muller"; Fold("Ζωή") == "ζωη"; Fold("Ёлкин") == "елкин"
func Fold(s string) string {
	if ascii, upper := scanASCII(s); ascii {
		if !upper {
			return s
		}
		return strings.ToLower(s)
	}
	if f, ok := foldFast(s); ok {
		return f
	}
	return foldSlow(s)
}

// foldSlow is Fold by its definition.
func foldSlow(s string) string {
	d := norm.NFKD.String(s)
	var b strings.Builder
	b.Grow(len(d))
	for _, r := range d {
		switch {
		case unicode.Is(unicode.Mn, r), unicode.Is(unicode.Cf, r), r == 'ـ':
			continue
		case r == 'ς':
			r = 'σ'
		default:
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return norm.NFC.String(b.String())
}

// foldFast folds s rune by rune from a table, which is several times
// faster than normalising whole strings. That gives foldSlow's result
// exactly when every rune of the output is in NFC on its own and cannot
// combine with a rune before it: then the whole-string decomposition
// differs only by the reordering of marks, which are dropped, and the
// final composition has nothing to compose. Otherwise (decomposed Hangul
// jamo, some Indic vowel signs, runes outside the table) it reports false.
func foldFast(s string) (string, bool) {
	table := foldTable()
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			b.WriteByte(byte(r))
		case r < foldTableSize:
			f := &table[r]
			if !f.safe {
				return "", false
			}
			b.WriteString(f.s)
		case foldsToItself(r):
			b.WriteRune(r)
		default:
			return "", false
		}
	}
	return b.String(), true
}

// foldTableSize covers the alphabets (Latin, Greek, Cyrillic, Armenian,
// Hebrew, Arabic, Indic, Thai, Georgian, ...) and the kana.
const foldTableSize = 0x3400

type runeFold struct {
	s    string // foldSlow of the rune alone
	safe bool   // s can be concatenated with other folds (see foldFast)
}

var foldTable = sync.OnceValue(func() []runeFold {
	t := make([]runeFold, foldTableSize)
	for r := rune(utf8.RuneSelf); r < foldTableSize; r++ {
		f := foldSlow(string(r))
		t[r] = runeFold{s: f, safe: concatenable(f)}
	}
	return t
})

// concatenable says whether every rune of s is in NFC by itself and cannot
// combine with a rune before it.
func concatenable(s string) bool {
	for _, r := range s {
		one := string(r)
		if !norm.NFC.PropertiesString(one).BoundaryBefore() || !norm.NFC.IsNormalString(one) {
			return false
		}
	}
	return true
}

// foldsToItself covers the large blocks whose letters Fold leaves alone:
// CJK unified ideographs and precomposed Hangul syllables (the tests check
// every one of them).
func foldsToItself(r rune) bool {
	return 0x3400 <= r && r <= 0x4DBF || 0x4E00 <= r && r <= 0x9FFF ||
		0xAC00 <= r && r <= 0xD7A3 || 0x20000 <= r && r <= 0x2A6DF
}

// scanASCII says whether s is all ASCII, and if so whether it has an
// upper-case letter: most names in most clinics are, and they need no
// Unicode tables at all.
func scanASCII(s string) (ascii, upper bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return false, false
		}
		if 'A' <= c && c <= 'Z' {
			upper = true
		}
	}
	return true, upper
}

// isWordRune says what a word is made of: letters, digits, and the marks
// that Fold keeps (spacing vowel signs of Indic scripts, for instance).
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// splitWords appends the words of an already folded string to dst.
func splitWords(dst []string, folded string) []string {
	start := -1
	for i, r := range folded {
		if isWordRune(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			dst = append(dst, folded[start:i])
			start = -1
		}
	}
	if start >= 0 {
		dst = append(dst, folded[start:])
	}
	return dst
}

// nameWords appends the words a folded name is found by: each of its
// words, and, when it has several, all of them run together, so that
// "O'Brien" is found as "obrien" and "Van der Berg" as "vanderberg".
func nameWords(dst []string, folded string) []string {
	n := len(dst)
	dst = splitWords(dst, folded)
	if len(dst)-n > 1 {
		dst = append(dst, strings.Join(dst[n:], ""))
	}
	return dst
}

// compactFolded is a folded name with everything but its letters and
// digits removed: the form in which names are compared for duplicates.
func compactFolded(folded string) string {
	var buf [4]string
	words := splitWords(buf[:0], folded)
	if len(words) == 1 {
		return words[0] // shares the name's memory: no copy for the usual one-word name
	}
	return strings.Join(words, "")
}

// digits keeps only the ASCII digits of s.
func digits(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if '0' <= s[i] && s[i] <= '9' {
			n++
		}
	}
	if n == len(s) {
		return s
	}
	b := make([]byte, 0, n)
	for i := 0; i < len(s); i++ {
		if '0' <= s[i] && s[i] <= '9' {
			b = append(b, s[i])
		}
	}
	return string(b)
}

// compareRev compares two ASCII strings read from their ends: the order
// in which phone numbers sharing their last digits are neighbours.
func compareRev(a, b string) int {
	i, j := len(a)-1, len(b)-1
	for ; i >= 0 && j >= 0; i, j = i-1, j-1 {
		if a[i] != b[j] {
			if a[i] < b[j] {
				return -1
			}
			return 1
		}
	}
	switch {
	case i < 0 && j < 0:
		return 0
	case i < 0:
		return -1
	}
	return 1
}
