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
	missing map[field]*missing // by field
	order   []field
	notes   []string // other warnings, in order
}

type missing struct {
	count   int
	scripts map[string]bool
}

// A field names where a printed string comes from, for the warnings: an
// English phrase that is a translation key ("patient name", "allergy %d,
// substance"; %d is the list's line), named in the reader's language only
// when a warning is written, so printing costs no translating.
type field struct {
	key   string // marked with trLater, so the translations are checked
	n     int    // the line of a list, for a key with %d
	visit bool   // one of a visit's fields: the key names it within the visit
	date  string // the visit's date, as recorded
}

// trLater marks key as a translation key that is translated when it is
// shown (a field's name, by [field.name]).
func trLater(key string) string { return key }

// The fields of the page itself.
var (
	fPatientName  = field{key: trLater("patient name")}
	fPracticeName = field{key: trLater("practice name")}
	fPrintedBy    = field{key: trLater("printed by")}
	fPracticeID   = field{key: trLater("practice ID")}
	fNKARecorder  = field{key: trLater("no known allergies recorded by")}
	fMRN          = field{key: trLater("MRN")}
	fBirthDate    = field{key: trLater("birth date")}
	fDeathDate    = field{key: trLater("date of death")}
	fSex          = field{key: trLater("sex")}
	fPreferred    = field{key: trLater("preferred name")}
	fPhone        = field{key: trLater("phone")}
	fAddress      = field{key: trLater("address")}
	fEmergency    = field{key: trLater("emergency contact")}
	fLanguage     = field{key: trLater("language")}
)

// item is the field key of line i (from 0) of a list.
func item(key string, i int) field { return field{key: key, n: i + 1} }

// name is the field's name in the reader's language (tr translates).
func (f field) name(tr func(string) string) string {
	name := tr(f.key)
	if f.n > 0 {
		name = fmt.Sprintf(name, f.n)
	}
	if !f.visit {
		return name
	}
	if f.date == "" {
		return fmt.Sprintf(tr("visit: %s"), name)
	}
	return fmt.Sprintf(tr("visit of %s: %s"), f.date, name)
}

// line cleans s for one printed line: newlines and tabs become spaces.
func (t *texter) line(f field, s string) string {
	return t.clean(f, s, false)
}

// block cleans s for a paragraph: newlines stay.
func (t *texter) block(f field, s string) string {
	return t.clean(f, s, true)
}

// clean composes s (NFC, so "e" + combining acute prints as "é"), drops
// invisible format characters, turns control characters into spaces (or
// keeps newlines in a block) and replaces what the fonts cannot draw with
// [Placeholder], noting the field.
func (t *texter) clean(f field, s string, multiline bool) string {
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
			t.missScript(f, invalidUTF8)
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
			t.missScript(f, scriptOf(r))
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

func (t *texter) missScript(f field, script string) {
	if t.missing == nil {
		t.missing = make(map[field]*missing)
	}
	m := t.missing[f]
	if m == nil {
		m = &missing{scripts: make(map[string]bool)}
		t.missing[f] = m
		t.order = append(t.order, f)
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
// sentence, the field's name ([field.name]) and the scripts' names
// ([scriptName]).
func (t *texter) warnings(tr func(string) string) Warnings {
	var ws Warnings
	for _, f := range t.order {
		m := t.missing[f]
		var scripts []string
		for s := range m.scripts {
			scripts = append(scripts, scriptName(tr, s))
		}
		sort.Strings(scripts)
		field, list := f.name(tr), strings.Join(scripts, ", ")
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

// scriptName is the name of a script of [scriptOf] in the reader's
// language: the scripts people write names and notes in have their own
// keys; any other keeps its Unicode name, a code point stays as it is.
func scriptName(tr func(string) string, s string) string {
	switch s {
	case invalidUTF8:
		return tr("invalid UTF-8")
	case "Latin":
		return tr("Latin")
	case "Greek":
		return tr("Greek")
	case "Cyrillic":
		return tr("Cyrillic")
	case "Armenian":
		return tr("Armenian")
	case "Georgian":
		return tr("Georgian")
	case "Arabic":
		return tr("Arabic")
	case "Hebrew":
		return tr("Hebrew")
	case "Syriac":
		return tr("Syriac")
	case "Thaana":
		return tr("Thaana")
	case "Han":
		return tr("Han")
	case "Hiragana":
		return tr("Hiragana")
	case "Katakana":
		return tr("Katakana")
	case "Bopomofo":
		return tr("Bopomofo")
	case "Hangul":
		return tr("Hangul")
	case "Devanagari":
		return tr("Devanagari")
	case "Bengali":
		return tr("Bengali")
	case "Gurmukhi":
		return tr("Gurmukhi")
	case "Gujarati":
		return tr("Gujarati")
	case "Oriya":
		return tr("Oriya")
	case "Tamil":
		return tr("Tamil")
	case "Telugu":
		return tr("Telugu")
	case "Kannada":
		return tr("Kannada")
	case "Malayalam":
		return tr("Malayalam")
	case "Sinhala":
		return tr("Sinhala")
	case "Thai":
		return tr("Thai")
	case "Lao":
		return tr("Lao")
	case "Tibetan":
		return tr("Tibetan")
	case "Myanmar":
		return tr("Myanmar")
	case "Khmer":
		return tr("Khmer")
	case "Mongolian":
		return tr("Mongolian")
	case "Ethiopic":
		return tr("Ethiopic")
	case "Tifinagh":
		return tr("Tifinagh")
	case "Nko":
		return tr("N'Ko")
	case "Vai":
		return tr("Vai")
	case "Cherokee":
		return tr("Cherokee")
	case "Canadian_Aboriginal":
		return tr("Canadian syllabics")
	case "Yi":
		return tr("Yi")
	}
	return s
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
