package search

import (
	"strconv"
	"strings"
	"time"
	"unicode"
)

// termKind is what a query term is read as.
type termKind uint8

const (
	nameTerm   termKind = iota // matches name words
	digitsTerm                 // MRN prefix, phone prefix or suffix
	dateTerm                   // DOB, exactly
	monthTerm                  // DOB's year and month
)

type term struct {
	kind  termKind
	text  string // folded word, digit string, "YYYY-MM-DD" or "YYYY-MM"
	alt   string // a date term's other reading ("" if none): 07/09/1961 read month first
	runes int    // length of a name term, in runes
}

// DateOrder is how a query's dates that are not ISO are read: the order of
// day and month in the user's language.
type DateOrder uint8

const (
	// AnyOrder is for a language that writes dates ISO (English on the
	// workstation): "07/09/1961" is read both ways, 7 September and
	// July 9, and matches either; "07.09.1961" is 7 September, as dots
	// are written day first.
	AnyOrder DateOrder = iota
	// DayFirst is for a language that writes the day first (French,
	// Spanish, Portuguese, Swahili): "07/09/1961", "7/9/1961",
	// "07.09.1961" and "07-09-1961" are 7 September 1961, and "07/09/61"
	// is too (a two-digit year is the one in the hundred years up to
	// today).
	DayFirst
)

// parseQuery splits a query into terms; see the package documentation for
// the rules. Adjacent numeric pieces are joined so that a phone number typed
// with spaces ("+1 555 014 2231") is one term. today (a date) is what a
// two-digit year is read against.
func parseQuery(q string, order DateOrder, today time.Time) []term {
	raws := strings.FieldsFunc(q, func(r rune) bool { return unicode.IsSpace(r) || r == ',' })
	var terms []term
	var number []byte
	flush := func() {
		if len(number) >= 3 {
			terms = append(terms, term{kind: digitsTerm, text: string(number)})
		} else if len(number) > 0 { // too short to be a number: a name word
			terms = append(terms, term{kind: nameTerm, text: string(number), runes: len(number)})
		}
		number = number[:0]
	}
	for _, raw := range raws {
		if d, alt, ok := queryDate(raw, order, today); ok {
			flush()
			terms = append(terms, term{kind: dateTerm, text: d, alt: alt})
			continue
		}
		if m, ok := parseMonth(raw); ok {
			flush()
			terms = append(terms, term{kind: monthTerm, text: m})
			continue
		}
		if isNumeric(raw) {
			number = append(number, digits(raw)...)
			continue
		}
		flush()
		for _, w := range splitWords(nil, Fold(raw)) {
			terms = append(terms, term{kind: nameTerm, text: w, runes: len([]rune(w))})
		}
	}
	flush()
	return terms
}

// isNumeric says whether s is a piece of a number as people type them:
// digits with + - ( ) . / between them.
func isNumeric(s string) bool {
	hasDigit := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case '0' <= c && c <= '9':
			hasDigit = true
		case strings.IndexByte("+-()./", c) < 0:
			return false
		}
	}
	return hasDigit
}

// parseDate reads "YYYY-MM-DD" or "DD.MM.YYYY" (month and day may have one
// digit) and returns the date as "YYYY-MM-DD" if it is a real calendar date.
func parseDate(s string) (string, bool) {
	var y, m, d string
	if p := strings.Split(s, "-"); len(p) == 3 {
		y, m, d = p[0], p[1], p[2]
	} else if p := strings.Split(s, "."); len(p) == 3 {
		d, m, y = p[0], p[1], p[2]
	} else {
		return "", false
	}
	year, okY := number(y, 4, 4)
	month, okM := number(m, 1, 2)
	day, okD := number(d, 1, 2)
	if !okY || !okM || !okD {
		return "", false
	}
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if t.Year() != year || int(t.Month()) != month || t.Day() != day {
		return "", false // 31.02.1984 and the like
	}
	if len(s) == len("2006-01-02") && s[4] == '-' {
		return s, true // already in form: no copy
	}
	return t.Format(time.DateOnly), true
}

// OnlyDate says whether query is a date and nothing else, read in order
// (see DateOrder), and gives the dates it stands for as "YYYY-MM-DD": one,
// or two when AnyOrder reads "07/09/1961" both ways. A screen can then
// say which birth date it looked for.
func OnlyDate(query string, order DateOrder) ([]string, bool) {
	terms := parseQuery(query, order, time.Now())
	if len(terms) != 1 || terms[0].kind != dateTerm {
		return nil, false
	}
	if terms[0].alt != "" {
		return []string{terms[0].text, terms[0].alt}, true
	}
	return []string{terms[0].text}, true
}

// queryDate reads a date typed in a query (see DateOrder) and returns it
// as "YYYY-MM-DD", with its other reading as alt when the order of day and
// month is not known and both are dates.
func queryDate(s string, order DateOrder, today time.Time) (d, alt string, ok bool) {
	if d, ok := parseDate(s); ok { // ISO, and day first with dots
		return d, "", true
	}
	sep := byte(0)
	for _, c := range []byte{'/', '.', '-'} {
		if strings.Count(s, string(c)) == 2 {
			sep = c
			break
		}
	}
	if sep == 0 || sep != '/' && order != DayFirst {
		return "", "", false
	}
	p := strings.Split(s, string(sep))
	first, ok1 := number(p[0], 1, 2)
	second, ok2 := number(p[1], 1, 2)
	year, ok3 := number(p[2], 4, 4)
	if !ok3 && order == DayFirst && sep == '/' {
		// A two-digit year, with slashes only: dots and dashes between
		// pairs of digits are how phone numbers are written.
		if yy, ok := number(p[2], 2, 2); ok && ok1 && ok2 {
			year, ok3 = centuryOf(yy, time.Month(second), first, today), true
		}
	}
	if !ok1 || !ok2 || !ok3 {
		return "", "", false
	}
	dayFirst, okD := isoDate(year, second, first)
	if order == DayFirst {
		return dayFirst, "", okD
	}
	monthFirst, okM := isoDate(year, first, second)
	switch {
	case okD && okM && dayFirst != monthFirst:
		return dayFirst, monthFirst, true
	case okD:
		return dayFirst, "", true
	case okM:
		return monthFirst, "", true
	}
	return "", "", false
}

// centuryOf is the year ending in yy (0 to 99) that puts day and month in
// the hundred years up to today, which holds exactly one of them.
func centuryOf(yy int, month time.Month, day int, today time.Time) int {
	y := today.Year() - today.Year()%100 + yy
	if time.Date(y, month, day, 0, 0, 0, 0, time.UTC).After(time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)) {
		y -= 100
	}
	return y
}

// isoDate is year, month and day as "YYYY-MM-DD" if they are a real
// calendar date.
func isoDate(year, month, day int) (string, bool) {
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if t.Year() != year || int(t.Month()) != month || t.Day() != day {
		return "", false
	}
	return t.Format(time.DateOnly), true
}

// parseMonth reads "YYYY-MM" and returns it with a two-digit month.
func parseMonth(s string) (string, bool) {
	y, m, ok := strings.Cut(s, "-")
	if !ok {
		return "", false
	}
	_, okY := number(y, 4, 4)
	month, okM := number(m, 1, 2)
	if !okY || !okM || month < 1 || month > 12 {
		return "", false
	}
	return y + "-" + twoDigits(month), true
}

// number parses s as a decimal of minLen to maxLen ASCII digits.
func number(s string, minLen, maxLen int) (int, bool) {
	if len(s) < minLen || len(s) > maxLen {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// normDOB is the form a stored DOB is indexed in: "YYYY-MM-DD" when it can
// be read as a date, otherwise the text as given (so a malformed DOB still
// groups duplicates by exact text).
func normDOB(s string) string {
	s = strings.TrimSpace(s)
	if d, ok := parseDate(s); ok {
		return d
	}
	return s
}
