package ui

import (
	"golang.org/x/text/unicode/bidi"
)

// ordered returns s with the spaces and punctuation inside each
// right-to-left stretch turned round, so that Fyne draws them where they
// belong.
//
// Fyne 2.7.1 orders the runs of a line by the Unicode bidirectional
// algorithm and shapes each in its direction, but draws a run of spaces
// and punctuation inside a right-to-left stretch from left to right. A
// right-to-left name, "تجربة, ليلى" (family name, comma, given name),
// then shows its comma beside the given name instead of after the family
// name, and a reader takes the given name for the first. ordered reverses
// those runs (", " becomes " ,") so that they come out in right-to-left
// order; the letters are left alone. TestNamesShowInEveryScript reads the
// drawn name back and fails if Fyne changes this.
//
// A stretch is made of right-to-left letters (Hebrew, Arabic and the other
// right-to-left scripts) and the spaces and punctuation between two of
// them; digits and left-to-right letters end it. Text with no
// right-to-left letter comes back as it is.
func ordered(s string) string {
	rs := []rune(s)
	const (
		left = iota
		right
		neutral
	)
	kind := make([]int, len(rs))
	rtl := false
	for i, r := range rs {
		p, _ := bidi.LookupRune(r)
		switch p.Class() {
		case bidi.R, bidi.AL, bidi.AN:
			kind[i], rtl = right, true
		case bidi.NSM:
			kind[i] = neutral
			if i > 0 {
				kind[i] = kind[i-1]
			}
		case bidi.L, bidi.EN:
			kind[i] = left
		default:
			kind[i] = neutral
		}
	}
	if !rtl {
		return s
	}
	// the level of each rune: 1 inside a right-to-left stretch
	level := make([]int, len(rs))
	for i := 0; i < len(rs); {
		if kind[i] != neutral {
			if kind[i] == right {
				level[i] = 1
			}
			i++
			continue
		}
		j := i
		for j < len(rs) && kind[j] == neutral {
			j++
		}
		if i > 0 && kind[i-1] == right && j < len(rs) && kind[j] == right {
			for k := i; k < j; k++ {
				level[k] = 1
			}
		}
		i = j
	}
	out := make([]rune, 0, len(rs))
	for i := 0; i < len(rs); {
		if level[i] == 0 {
			out = append(out, rs[i])
			i++
			continue
		}
		j := i
		for j < len(rs) && level[j] == 1 {
			j++
		}
		// the stretch's runs (letters, or the spaces and punctuation
		// between them), last first
		var runs [][]rune
		for k := i; k < j; {
			m := k
			for m < j && (kind[m] == right) == (kind[k] == right) {
				m++
			}
			runs = append(runs, rs[k:m])
			k = m
		}
		for k := len(runs) - 1; k >= 0; k-- {
			out = append(out, runs[k]...)
		}
		i = j
	}
	return string(out)
}
