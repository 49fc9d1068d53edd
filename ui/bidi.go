package ui

import (
	"slices"
	"strings"

	"golang.org/x/text/unicode/bidi"
)

// Directional marks and isolates (Unicode's bidirectional controls): drawn
// as nothing, they only steer the bidirectional algorithm.
const (
	lrm = '\u200e' // left-to-right mark: a strong left-to-right character
	rli = '\u2067' // right-to-left isolate
	pdi = '\u2069' // pop directional isolate
)

// ordered returns a line of text that may hold right-to-left words
// (Arabic, Hebrew and the other right-to-left scripts: a patient's name,
// a reason for a visit) in a form that Fyne draws in reading order.
//
// The line is laid out as the Unicode bidirectional algorithm lays out a
// left-to-right paragraph (the workstation's screens are left to right in
// every language it speaks), golang.org/x/text/unicode/bidi resolving the
// direction of each character, the neutral ones (spaces, commas, "·")
// included. Each right-to-left stretch of the line, from a right-to-left
// letter to the last one before a left-to-right letter, is taken as a
// piece of data set into the line, as Unicode advises: it is isolated
// (RLI … PDI), so the spaces and punctuation around it take the line's
// direction and a number after a name stays where it is written. Inside
// it, a space or comma between two right-to-left words is right to left.
// So "شرما, رحشراء · MRN 00012345" shows the family name at the right
// of the name, the comma after it, and " · MRN 00012345" after the name,
// as a reader of both scripts expects.
//
// Fyne 2.7.1 cannot be handed that layout as it is: it takes a line's
// direction from its first letter (so a line that starts with a name is
// right to left: the " · " after the name went with it), and it draws the
// pieces of a right-to-left stretch (each word, each run of punctuation
// in another font) in stored order, only each piece turned round. So
// ordered returns the line in the order it is to be seen, from left to
// right: a left-to-right mark first, each right-to-left word in stored
// order between two left-to-right marks (Fyne shapes it right to left,
// its letters joined), and everything else in visual order, brackets
// mirrored where they sit in right-to-left text. The marks make Fyne take
// every character outside the words as left to right, so it places
// everything where it is written. Text with no right-to-left letter comes
// back as it is.
//
// TestNamesShowInEveryScript reads a drawn name back with OCR, and
// TestMixedLinesShowInOrder checks where the words and punctuation of
// mixed lines are drawn; both fail if Fyne changes how it lays out.
func ordered(s string) string {
	rs := []rune(s)
	cls := make([]bidi.Class, len(rs))
	rtl := false
	for i, r := range rs {
		p, _ := bidi.LookupRune(r)
		cls[i] = p.Class()
		rtl = rtl || isRTL(cls[i])
	}
	if !rtl {
		return s
	}

	// The right-to-left stretches: from a right-to-left letter to the
	// last one before the next left-to-right letter, with the marks on it.
	inStretch := make([]bool, len(rs))
	for i := 0; i < len(rs); {
		if !isRTL(cls[i]) {
			i++
			continue
		}
		end := i // the last right-to-left letter of the stretch
		for j := i; j < len(rs) && cls[j] != bidi.L; j++ {
			if isRTL(cls[j]) {
				end = j
			}
		}
		for end+1 < len(rs) && (cls[end+1] == bidi.NSM || cls[end+1] == bidi.BN || closes(rs[i:end+1], rs[end+1])) {
			end++
		}
		for k := i; k <= end; k++ {
			inStretch[k] = true
		}
		i = end + 1
	}

	// The line as the algorithm reads it: a left-to-right mark first, so
	// the paragraph is left to right, and each stretch isolated. at[k] is
	// the place in rs of the k-th rune of the line (-1: a control).
	line := make([]rune, 0, len(rs)+8)
	at := make([]int, 0, len(rs)+8)
	add := func(r rune, i int) { line, at = append(line, r), append(at, i) }
	add(lrm, -1)
	for i, r := range rs {
		if inStretch[i] && (i == 0 || !inStretch[i-1]) {
			add(rli, -1)
		}
		add(r, i)
		if inStretch[i] && (i+1 == len(rs) || !inStretch[i+1]) {
			add(pdi, -1)
		}
	}
	var p bidi.Paragraph
	if _, err := p.SetString(string(line)); err != nil {
		return s
	}
	o, err := p.Order()
	if err != nil {
		return s
	}
	// The embedding level of each rune: a stretch is at level 1 and its
	// left-to-right parts (digits) at 2; the rest of the line at 0, or 1
	// where a character is resolved right to left.
	level := make([]int, len(rs))
	for k := range o.NumRuns() {
		run := o.Run(k)
		start, end := run.Pos()
		for j := start; j <= end && j < len(at); j++ {
			i := at[j]
			if i < 0 {
				continue
			}
			odd := run.Direction() == bidi.RightToLeft
			switch {
			case inStretch[i] && odd:
				level[i] = 1
			case inStretch[i]:
				level[i] = 2
			case odd:
				level[i] = 1
			}
		}
	}

	// Reorder (the algorithm's rule L2): from the highest level down to
	// the lowest odd one, every run of characters at that level or above
	// is turned round.
	vis := make([]int, len(rs))
	for i := range vis {
		vis[i] = i
	}
	for lv := slices.Max(level); lv >= 1; lv-- {
		for i := 0; i < len(vis); {
			if level[vis[i]] < lv {
				i++
				continue
			}
			j := i
			for j < len(vis) && level[vis[j]] >= lv {
				j++
			}
			slices.Reverse(vis[i:j])
			i = j
		}
	}

	// What Fyne is given: each right-to-left word back in stored order
	// between two left-to-right marks, the rest as it is to be seen.
	word := make([]bool, len(rs)) // a right-to-left letter, or a mark on one
	for i := range rs {
		word[i] = level[i]%2 == 1 && (isRTL(cls[i]) || i > 0 && word[i-1] && (cls[i] == bidi.NSM || cls[i] == bidi.BN))
	}
	var b strings.Builder
	b.WriteRune(lrm)
	for i := 0; i < len(vis); {
		if !word[vis[i]] {
			r := rs[vis[i]]
			if level[vis[i]]%2 == 1 {
				r = []rune(bidi.ReverseString(string(r)))[0] // a bracket faces the other way
			}
			b.WriteRune(r)
			i++
			continue
		}
		j := i
		for j < len(vis) && word[vis[j]] && (j == i || vis[j] == vis[j-1]-1) {
			j++
		}
		for k := j - 1; k >= i; k-- {
			b.WriteRune(rs[vis[k]])
		}
		b.WriteRune(lrm)
		i = j
	}
	return b.String()
}

func isRTL(c bidi.Class) bool { return c == bidi.R || c == bidi.AL }

// closes says whether r is a closing bracket whose opening one is in
// stretch and not closed there: "(لیلی)" keeps its ")" with it.
func closes(stretch []rune, r rune) bool {
	if p, _ := bidi.LookupRune(r); !p.IsBracket() || p.IsOpeningBracket() {
		return false
	}
	open := []rune(bidi.ReverseString(string(r)))[0]
	depth := 0
	for _, c := range stretch {
		switch c {
		case open:
			depth++
		case r:
			depth--
		}
	}
	return depth > 0
}
