package search

import (
	"strings"
	"unicode/utf8"
)

// Both edit tests below use the same observation: when two strings are one
// edit apart (insert, delete, substitute, or transpose two adjacent runes),
// the edit can always be put at the first rune where they differ. So the
// test is: skip the common prefix, try each of the four edits there, and
// compare what is left. That is linear and allocates nothing, and it is why
// the candidate lookups in typo.go only need to consider the first two
// runes specially.

// commonPrefix is the length in bytes of the longest common prefix of a and
// b that ends on a rune boundary.
func commonPrefix(a, b string) int {
	n := min(len(a), len(b))
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	for i > 0 && i < len(a) && !utf8.RuneStart(a[i]) {
		i--
	}
	for i > 0 && i < len(b) && !utf8.RuneStart(b[i]) {
		i--
	}
	return i
}

// withinOneEdit reports whether a and b are equal or one edit apart
// (Damerau–Levenshtein distance, restricted to adjacent transpositions, of
// at most 1).
func withinOneEdit(a, b string) bool {
	c := commonPrefix(a, b)
	a, b = a[c:], b[c:]
	if a == b {
		return true
	}
	ra, na := utf8.DecodeRuneInString(a)
	rb, nb := utf8.DecodeRuneInString(b)
	switch {
	case a == "":
		return b[nb:] == "" // b has one rune more
	case b == "":
		return a[na:] == ""
	}
	if a[na:] == b[nb:] || a[na:] == b || a == b[nb:] {
		return true // substitution, a has an extra rune, b has an extra rune
	}
	return transposed(a[na:], ra, b[nb:], rb)
}

// transposed reports whether, given that the two strings differ first at
// ra vs rb, swapping ra with the rune after it makes them agree; restA and
// restB are what follows ra and rb. prefix says restA need only start with
// the rest of restB.
func transposed(restA string, ra rune, restB string, rb rune) bool {
	ra2, na2 := utf8.DecodeRuneInString(restA)
	rb2, nb2 := utf8.DecodeRuneInString(restB)
	return restA != "" && restB != "" && ra2 == rb && rb2 == ra && restA[na2:] == restB[nb2:]
}

// typoPrefix reports whether a prefix of word with len(term)-1, len(term)
// or len(term)+1 runes is exactly one edit away from term: the term is a
// name typed with one mistake, possibly before the name is complete
// ("shmid" for "schmidt"). A word that simply starts with term is not a
// typo and gives false.
func typoPrefix(word, term string) bool {
	c := commonPrefix(word, term)
	w, t := word[c:], term[c:]
	if t == "" {
		return false // word starts with term: a prefix match, not a typo
	}
	rt, nt := utf8.DecodeRuneInString(t)
	restT := t[nt:]
	if strings.HasPrefix(w, restT) {
		return true // term has one rune too many (typed twice, or stray key)
	}
	if w == "" {
		return false
	}
	rw, nw := utf8.DecodeRuneInString(w)
	restW := w[nw:]
	if strings.HasPrefix(restW, restT) || strings.HasPrefix(restW, t) {
		return true // a wrong rune; or term misses a rune of word
	}
	// Two adjacent runes typed in the wrong order.
	rw2, nw2 := utf8.DecodeRuneInString(restW)
	rt2, nt2 := utf8.DecodeRuneInString(restT)
	return restW != "" && restT != "" && rw2 == rt && rt2 == rw && strings.HasPrefix(restW[nw2:], restT[nt2:])
}
