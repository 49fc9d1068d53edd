package csvimport

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"chartkeeper/chart"
	"chartkeeper/chart/search"
)

// noValue reports whether a field holds nothing: empty, or one of the
// ways exports write a missing value (NULL, \N, N/A, -).
func noValue(s string) bool {
	switch s {
	case "", "NULL", "null", `\N`, "-":
		return true
	}
	return strings.EqualFold(s, "n/a")
}

// dateFormat is how a list writes dates: the order of year, month and
// day, and the separator.
type dateFormat struct {
	name  string // as the user wrote it, for messages
	order string // "YMD", "DMY" or "MDY"
	sep   byte
}

// parseDateFormat reads a format such as DD/MM/YYYY, D.M.YY or
// YYYY-MM-DD (the letters may be single or doubled, the year written YY or
// YYYY).
func parseDateFormat(s string) (dateFormat, bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	f := dateFormat{name: s}
	var last byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case 'Y', 'M', 'D':
			if c != last {
				if strings.IndexByte(f.order, c) >= 0 {
					return f, false
				}
				f.order += string(c)
			}
		case '/', '.', '-':
			if f.sep != 0 && f.sep != c || last == 0 || last == '/' || last == '.' || last == '-' {
				return f, false
			}
			f.sep = c
		default:
			return f, false
		}
		last = c
	}
	switch f.order {
	case "YMD", "DMY", "MDY":
		return f, f.sep != 0 && strings.Count(s, string(f.sep)) == 2
	}
	return f, false
}

// DateFormats lists the date formats a list may use. The day and month
// may have one digit or two in each; in the formats ending with the year,
// a two-digit year is read too (a birth date in the last hundred years).
func DateFormats() []string {
	return []string{"DD-MM-YYYY", "DD.MM.YYYY", "DD/MM/YYYY", "MM/DD/YYYY", "YYYY-MM-DD", "YYYY/MM/DD"}
}

// zeroDate reports a date of nothing but zeros (0000-00-00, as databases
// write an unknown date).
func zeroDate(s string) bool { return strings.Trim(s, "0-/. :") == "" && strings.Contains(s, "0") }

// splitDate cuts a date into its three numbers with the separator given;
// a time of midnight after it (a spreadsheet's date and time cell) is
// allowed.
func splitDate(s string, sep byte) ([3]string, bool) {
	var out [3]string
	if i := strings.IndexAny(s, " T"); i > 0 {
		if strings.Trim(s[i+1:], "0:. ") != "" {
			return out, false
		}
		s = s[:i]
	}
	parts := strings.Split(s, string(sep))
	if len(parts) != 3 {
		return out, false
	}
	for i, p := range parts {
		if p == "" || len(p) > 4 || strings.Trim(p, "0123456789") != "" {
			return out, false
		}
		out[i] = p
	}
	return out, true
}

// parseDate reads a birth date written in format f. A two-digit year is
// the one that puts the date in the hundred years up to today.
func parseDate(s string, f dateFormat, today time.Time) (string, bool) {
	parts, ok := splitDate(s, f.sep)
	if !ok {
		return "", false
	}
	var ys, ms, ds string
	for i, c := range f.order {
		switch c {
		case 'Y':
			ys = parts[i]
		case 'M':
			ms = parts[i]
		case 'D':
			ds = parts[i]
		}
	}
	if len(ms) > 2 || len(ds) > 2 || !(len(ys) == 4 || len(ys) == 2 && f.order[0] != 'Y') {
		return "", false
	}
	y, _ := strconv.Atoi(ys)
	m, _ := strconv.Atoi(ms)
	d, _ := strconv.Atoi(ds)
	if len(ys) == 2 {
		y += 2000
		if time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).After(today) {
			y -= 100
		}
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != m || t.Day() != d || y < 1 {
		return "", false
	}
	return t.Format(time.DateOnly), true
}

// dateHint looks at the birth dates that could not be read in the format
// given and says in which format they seem to be written, or that the
// list does not tell. It never chooses for the user.
func dateHint(failed []failedDate, f dateFormat) string {
	var dayFirst, monthFirst, yearFirst, numeric []failedDate
	for _, fd := range failed {
		sep := strings.IndexAny(fd.value, "/.-")
		if sep < 0 {
			continue
		}
		parts, ok := splitDate(fd.value, fd.value[sep])
		if !ok {
			continue
		}
		numeric = append(numeric, fd)
		a, _ := strconv.Atoi(parts[0])
		b, _ := strconv.Atoi(parts[1])
		switch {
		case len(parts[0]) == 4:
			yearFirst = append(yearFirst, fd)
		case a > 12 && b <= 12:
			dayFirst = append(dayFirst, fd)
		case b > 12 && a <= 12:
			monthFirst = append(monthFirst, fd)
		}
	}
	if len(numeric) == 0 {
		return ""
	}
	ex := func(fd failedDate) string { return fmt.Sprintf("line %d has %s", fd.line, fd.value) }
	sepOf := func(fd failedDate) string { return string(fd.value[strings.IndexAny(fd.value, "/.-")]) }
	lead := fmt.Sprintf("%d birth dates are not written %s", len(failed), f.name)
	switch {
	case len(dayFirst) > 0 && len(monthFirst) > 0:
		return fmt.Sprintf("%s, and they are written in more than one order (%s, %s): correct the list", lead, ex(dayFirst[0]), ex(monthFirst[0]))
	case len(dayFirst) > 0:
		s := sepOf(dayFirst[0])
		return fmt.Sprintf("%s; they look like DD%sMM%sYYYY (%s): import with that date format", lead, s, s, ex(dayFirst[0]))
	case len(monthFirst) > 0:
		s := sepOf(monthFirst[0])
		return fmt.Sprintf("%s; they look like MM%sDD%sYYYY (%s): import with that date format", lead, s, s, ex(monthFirst[0]))
	case len(yearFirst) == len(numeric):
		s := sepOf(yearFirst[0])
		return fmt.Sprintf("%s; they look like YYYY%sMM%sDD (%s): import with that date format", lead, s, s, ex(yearFirst[0]))
	}
	fd := numeric[0]
	s := sepOf(fd)
	return fmt.Sprintf("%s; they are written like %s (line %d), and no day or month in the list is over 12, so it does not say whether that is DD%sMM%sYYYY or MM%sDD%sYYYY: "+
		"nothing was guessed; import with the date format the list was written in", lead, fd.value, fd.line, s, s, s, s)
}

type failedDate struct {
	line  int
	value string
}

// sexWords are the values of a sex column, folded (no case or accents).
var sexWords = map[string]chart.Sex{
	"f": chart.Female, "female": chart.Female, "w": chart.Female, "woman": chart.Female, "girl": chart.Female,
	"femme": chart.Female, "feminin": chart.Female, "feminine": chart.Female, "weiblich": chart.Female,
	"mujer": chart.Female, "femenino": chart.Female, "femenina": chart.Female, "feminino": chart.Female, "mulher": chart.Female,
	"m": chart.Male, "male": chart.Male, "man": chart.Male, "boy": chart.Male, "homme": chart.Male, "masculin": chart.Male,
	"mannlich": chart.Male, "hombre": chart.Male, "masculino": chart.Male, "homem": chart.Male, "h": chart.Male, "varon": chart.Male,
	"o": chart.Other, "other": chart.Other, "x": chart.Other, "d": chart.Other, "divers": chart.Other, "diverse": chart.Other,
	"autre": chart.Other, "otro": chart.Other, "outro": chart.Other,
	"u": chart.Unknown, "unknown": chart.Unknown, "unk": chart.Unknown, "?": chart.Unknown,
	"inconnu": chart.Unknown, "desconocido": chart.Unknown, "desconhecido": chart.Unknown,
}

// foldSex is a sex value as sexWords has it.
func foldSex(s string) string {
	return strings.TrimSuffix(search.Fold(strings.TrimSpace(s)), ".")
}

// parseSex reads a sex value; when the column writes H and M but never F
// (hombre/mujer, homem/mulher), M is female.
func parseSex(s string, hm bool) (chart.Sex, bool) {
	v := foldSex(s)
	if noValue(v) {
		return chart.Unknown, true
	}
	if hm && v == "m" {
		return chart.Female, true
	}
	x, ok := sexWords[v]
	return x, ok
}
