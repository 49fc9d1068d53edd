// Package words holds the small wording helpers that several packages
// print with: lists without their blank parts, and counted nouns.
package words

import (
	"strconv"
	"strings"
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
