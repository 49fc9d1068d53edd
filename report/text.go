package report

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/gomonobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/text/unicode/norm"
)

// Placeholder is what a character none of the bundled fonts can draw is
// printed as. The Go fonts draw it (U+25A1 WHITE SQUARE).
const Placeholder = '□'

// Warnings are things a person should know about a printout that was made
// all the same, e.g. "patient name: 4 characters (Han) cannot be drawn by
// the bundled fonts; printed as □". They name fields, never patient data.
type Warnings []string

// The font families every document registers.
const (
	famSans = "go"     // Go Regular and Go Bold
	famMono = "gomono" // Go Mono and Go Mono Bold
)

type fontFile struct {
	family, style string
	ttf           []byte
}

var fontFiles = []fontFile{
	{famSans, "", goregular.TTF},
	{famSans, "B", gobold.TTF},
	{famMono, "", gomono.TTF},
	{famMono, "B", gomonobold.TTF},
}

// coverage is the set of BMP characters every Go font draws: gofpdf
// keeps character widths for the BMP only, so anything beyond it counts as
// missing too.
var coverage = sync.OnceValue(func() *[1 << 16 / 64]uint64 {
	var set [1 << 16 / 64]uint64
	for r := range rune(1 << 16) {
		set[r/64] |= 1 << (r % 64)
	}
	var buf sfnt.Buffer
	for _, ff := range fontFiles {
		f, err := sfnt.Parse(ff.ttf)
		if err != nil {
			panic("report: a bundled font does not parse: " + err.Error())
		}
		for r := range rune(1 << 16) {
			if set[r/64]&(1<<(r%64)) == 0 {
				continue
			}
			if g, err := f.GlyphIndex(&buf, r); err != nil || g == 0 {
				set[r/64] &^= 1 << (r % 64)
			}
		}
	}
	return &set
})

// goDraws reports whether every Go font draws r.
func goDraws(r rune) bool {
	if r < 0 || r >= 1<<16 {
		return false
	}
	return coverage()[r/64]&(1<<(r%64)) != 0
}

// Drawable reports whether the bundled fonts draw r: the Go fonts, or
// one of the fonts for other scripts (package fonts).
func Drawable(r rune) bool {
	return goDraws(r) || fallbackFor(r) >= 0
}

// texter cleans every string a document prints and collects the warnings.
type texter struct {
	missing map[string]*missing // by field
	order   []string
	notes   []string // other warnings, in order
}

type missing struct {
	count   int
	scripts map[string]bool
}

// line cleans s for one printed line: newlines and tabs become spaces.
func (t *texter) line(field, s string) string {
	return t.clean(field, s, false)
}

// block cleans s for a paragraph: newlines stay.
func (t *texter) block(field, s string) string {
	return t.clean(field, s, true)
}

// clean composes s (NFC, so "e" + combining acute prints as "é"), drops
// invisible format characters, turns control characters into spaces (or
// keeps newlines in a block) and replaces what the fonts cannot draw with
// [Placeholder], noting the field.
func (t *texter) clean(field, s string, multiline bool) string {
	if isPlain(s) {
		return s
	}
	s = norm.NFC.String(s)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			// not UTF-8 at all: damaged text
			t.missScript(field, invalidUTF8)
			b.WriteRune(Placeholder)
		case r == '\n' && multiline:
			b.WriteByte('\n')
		case unicode.IsControl(r):
			b.WriteByte(' ')
		case unicode.Is(unicode.Cf, r) && !Drawable(r):
			// zero-width joiners, bidi marks, byte order marks: invisible
		case Drawable(r):
			b.WriteRune(r)
		default:
			t.missScript(field, scriptOf(r))
			b.WriteRune(Placeholder)
		}
	}
	return b.String()
}

// isPlain reports whether s is printable ASCII, which needs no cleaning.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > '~' {
			return false
		}
	}
	return true
}

func (t *texter) missScript(field, script string) {
	if t.missing == nil {
		t.missing = make(map[string]*missing)
	}
	m := t.missing[field]
	if m == nil {
		m = &missing{scripts: make(map[string]bool)}
		t.missing[field] = m
		t.order = append(t.order, field)
	}
	m.count++
	m.scripts[script] = true
}

// note adds a warning of another kind, a sentence already in the
// reader's language.
func (t *texter) note(w string) {
	for _, n := range t.notes {
		if n == w {
			return
		}
	}
	t.notes = append(t.notes, w)
}

// warnings lists what was noted, fields in the order they were first met,
// in the reader's language (tr is the document's translator): the
// sentence, the name of a field of the page itself and "invalid UTF-8";
// a field of a list's line ("allergy 2 substance") and the scripts'
// Unicode names ("Han") are given as they are.
func (t *texter) warnings(tr func(string) string) Warnings {
	var ws Warnings
	for _, f := range t.order {
		m := t.missing[f]
		var scripts []string
		for s := range m.scripts {
			if s == invalidUTF8 {
				s = tr("invalid UTF-8")
			}
			scripts = append(scripts, s)
		}
		sort.Strings(scripts)
		field, list := fieldName(tr, f), strings.Join(scripts, ", ")
		if m.count == 1 {
			ws = append(ws, fmt.Sprintf(tr("%s: 1 character (%s) cannot be drawn by the bundled fonts; printed as %c"),
				field, list, Placeholder))
			continue
		}
		ws = append(ws, fmt.Sprintf(tr("%s: %d characters (%s) cannot be drawn by the bundled fonts; printed as %c"),
			field, m.count, list, Placeholder))
	}
	return append(ws, t.notes...)
}

// invalidUTF8 is the script of bytes that are not UTF-8 at all.
const invalidUTF8 = "invalid UTF-8"

// fieldName is the name of a printed field in the reader's language, for
// the fields of the page itself; a list line's field is named as it is.
func fieldName(tr func(string) string, f string) string {
	switch f {
	case "patient name":
		return tr("patient name")
	case "practice name":
		return tr("practice name")
	case "printed by":
		return tr("printed by")
	case "practice ID":
		return tr("practice ID")
	case "no known allergies recorded by":
		return tr("no known allergies recorded by")
	case "MRN":
		return tr("MRN")
	case "birth date":
		return tr("birth date")
	case "date of death":
		return tr("date of death")
	case "sex":
		return tr("sex")
	case "preferred name":
		return tr("preferred name")
	case "phone":
		return tr("phone")
	case "address":
		return tr("address")
	case "emergency contact":
		return tr("emergency contact")
	case "language":
		return tr("language")
	}
	return f
}

// scriptOf names the Unicode script of r ("Han", "Arabic"), or its code
// point when it belongs to none in particular (symbols, emoji).
func scriptOf(r rune) string {
	for _, name := range scriptNames() {
		if name == "Common" || name == "Inherited" {
			continue
		}
		if unicode.Is(unicode.Scripts[name], r) {
			return name
		}
	}
	return fmt.Sprintf("%U", r)
}

var scriptNames = sync.OnceValue(func() []string {
	names := make([]string, 0, len(unicode.Scripts))
	for name := range unicode.Scripts {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
})
