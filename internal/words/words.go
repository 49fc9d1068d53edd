// Package words holds the small wording helpers that several packages
// print with: lists without their blank parts, counted nouns, and stored
// decimals in a language's form.
package words

import (
	"strconv"
	"strings"
	"unicode"
)

// NonEmpty returns the strings of ss that are not blank, in order (nil when
// all are). It never changes ss.
func NonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

// Plural counts a regular noun: "1 page", "0 pages", "3 pages".
func Plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// Count counts a noun whose plural is not regular: Count(3, "entry",
// "entries") is "3 entries".
func Count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// Decimals is text holding numbers written with a decimal point, as
// results are stored ("8.0 %", "4.0–5.6"), with sep for the point: each
// point between two digits is changed, nothing else.
func Decimals(s, sep string) string {
	if sep == "." || sep == "" || !strings.Contains(s, ".") {
		return s
	}
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		if r == '.' && i > 0 && i+1 < len(rs) && unicode.IsDigit(rs[i-1]) && unicode.IsDigit(rs[i+1]) {
			b.WriteString(sep)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
