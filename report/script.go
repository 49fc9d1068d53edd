package report

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf16"

	"github.com/go-text/typesetting/di"
	"github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/language"
	"github.com/go-text/typesetting/shaping"
	"golang.org/x/image/math/fixed"
	"golang.org/x/text/unicode/bidi"

	"chartkeeper/report/fonts"
)

// Text in the scripts the Go fonts lack is drawn with the bundled fonts
// (package fonts). gofpdf writes a UTF-8 font's text as code points and
// maps each to one glyph, which is enough for scripts with a glyph per
// character (Chinese, Japanese, Korean, Ethiopic, Vietnamese's composed
// letters): those print as ordinary text in their font. Scripts that need
// shaping (Arabic and Hebrew, right to left and joined; Devanagari's
// conjuncts and reordered vowels; Thai's stacked marks) are shaped with
// go-text's HarfBuzz port, and each glyph the shaper picks is written
// through a copy of its font whose character map sends the private-use
// code point U+E000+n to glyph n. pdftotext and copy-and-paste get the
// text back from an /ActualText marked-content span around each shaped
// run, which holds the run's characters in logical order.
//
// Right-to-left runs inside the left-to-right pages are ordered by the
// Unicode bidirectional algorithm's rules for a left-to-right paragraph
// without explicit embeddings: a right-to-left run reaches from its first
// to its last strong right-to-left character, taking in the spaces,
// punctuation and numbers between; numbers inside it keep their own
// left-to-right order.

// face is a bundled font as a document uses it.
type face struct {
	*fonts.Font
	family string // the gofpdf family it is registered as
	once   sync.Once
	gt     *font.Face // for the shaper and for widths
	pua    []byte     // shaped fonts: the copy that maps U+E000+n to glyph n
	upem   float64
}

var faces = func() []*face {
	fs := make([]*face, len(fonts.Fallbacks))
	for i, f := range fonts.Fallbacks {
		fs[i] = &face{Font: f, family: fmt.Sprintf("ck%d", i+1)}
	}
	return fs
}()

// load parses the font once.
func (f *face) load() *face {
	f.once.Do(func() {
		ttf := f.TTF()
		gt, err := font.ParseTTF(bytes.NewReader(ttf))
		if err != nil {
			panic("report: the bundled font " + f.Name + " does not parse: " + err.Error())
		}
		f.gt = gt
		f.upem = float64(gt.Upem())
		if f.Shaped {
			f.pua, err = puaFont(ttf)
			if err != nil {
				panic("report: the bundled font " + f.Name + ": " + err.Error())
			}
		}
	})
	return f
}

// puaBase is the code point glyph 0 of a shaped font is written as.
const puaBase = 0xE000

// puaFont copies a TrueType font with its character map replaced by one
// that maps U+E000+n to glyph n, so gofpdf can write any glyph the shaper
// picks. The private-use area has room for 6400 glyphs.
func puaFont(ttf []byte) ([]byte, error) {
	if len(ttf) < 12 {
		return nil, fmt.Errorf("too short")
	}
	n := int(binary.BigEndian.Uint16(ttf[4:]))
	type table struct {
		tag  string
		data []byte
	}
	var tables []table
	glyphs := 0
	for i := range n {
		rec := ttf[12+16*i:]
		tag := string(rec[:4])
		off, length := binary.BigEndian.Uint32(rec[8:]), binary.BigEndian.Uint32(rec[12:])
		if int(off)+int(length) > len(ttf) {
			return nil, fmt.Errorf("table %s out of range", tag)
		}
		data := ttf[off : off+length]
		if tag == "maxp" {
			glyphs = int(binary.BigEndian.Uint16(data[4:]))
		}
		tables = append(tables, table{tag, data})
	}
	if glyphs == 0 || glyphs > 0xF8FF-puaBase+1 {
		return nil, fmt.Errorf("%d glyphs do not fit the private-use area", glyphs)
	}
	// format 4, one segment U+E000..U+E000+glyphs-1 with idDelta -0xE000,
	// and the closing segment at U+FFFF
	cmap := []uint16{0, 1, 3, 1, 0, 12, // version, 1 subtable: Windows Unicode BMP at offset 12
		4, 32, 0, 4, 4, 1, 0, // format, length, language, segCountX2, searchRange, entrySelector, rangeShift
		uint16(puaBase + glyphs - 1), 0xFFFF, // endCode
		0,               // reservedPad
		puaBase, 0xFFFF, // startCode
		uint16(-puaBase & 0xFFFF), 1, // idDelta
		0, 0, // idRangeOffset
	}
	var cm []byte
	for _, v := range cmap {
		cm = binary.BigEndian.AppendUint16(cm, v)
	}
	for i := range tables {
		if tables[i].tag == "cmap" {
			tables[i].data = cm
		}
	}
	out := slices.Clone(ttf[:12])
	dir := make([]byte, 16*len(tables))
	out = append(out, dir...)
	for i, t := range tables {
		off := len(out)
		out = append(out, t.data...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
		rec := out[12+16*i:]
		copy(rec, t.tag)
		binary.BigEndian.PutUint32(rec[4:], checksum(t.data))
		binary.BigEndian.PutUint32(rec[8:], uint32(off))
		binary.BigEndian.PutUint32(rec[12:], uint32(len(t.data)))
	}
	return out, nil
}

func checksum(b []byte) uint32 {
	var sum uint32
	for i := 0; i < len(b); i += 4 {
		var w [4]byte
		copy(w[:], b[i:])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}

// fallbackFor is the index in faces of the bundled font that draws r, or
// -1: the font for r's script if it has a glyph for r, else the first in
// faces that has one. Fonts are unpacked and read only when a character
// needs them, so a Vietnamese name does not unpack the Chinese font.
func fallbackFor(r rune) int {
	if r < 0 || r >= 1<<16 {
		return -1 // gofpdf keeps widths for the Basic Multilingual Plane only
	}
	pref := preferredFace(r)
	if pref >= 0 && fallbackDraws(pref, r) {
		return pref
	}
	for i := range faces {
		if i != pref && fallbackDraws(i, r) {
			return i
		}
	}
	return -1
}

// scriptFaces names the bundled font for each script it is made for.
var scriptFaces = []struct {
	script *unicode.RangeTable
	font   *fonts.Font
}{
	{unicode.Latin, fonts.Latin}, {unicode.Greek, fonts.Latin}, {unicode.Cyrillic, fonts.Latin},
	{unicode.Arabic, fonts.Arabic}, {unicode.Hebrew, fonts.Hebrew},
	{unicode.Devanagari, fonts.Devanagari}, {unicode.Thai, fonts.Thai}, {unicode.Ethiopic, fonts.Ethiopic},
	{unicode.Han, fonts.CJK}, {unicode.Hiragana, fonts.CJK}, {unicode.Katakana, fonts.CJK}, {unicode.Bopomofo, fonts.CJK},
	{unicode.Hangul, fonts.Korean},
}

// preferredFace is the index in faces of the font for r's script, or -1.
func preferredFace(r rune) int {
	for _, sf := range scriptFaces {
		if unicode.Is(sf.script, r) {
			for i, f := range faces {
				if f.Font == sf.font {
					return i
				}
			}
		}
	}
	return -1
}

// needsLayout reports whether s has characters the Go fonts lack or
// right-to-left characters, so it cannot go to gofpdf as it is.
func needsLayout(s string) bool {
	for _, r := range s {
		if r > '~' && (!goDraws(r) || isRTL(r)) {
			return true
		}
	}
	return false
}

func isRTL(r rune) bool {
	p, _ := bidi.LookupRune(r)
	c := p.Class()
	return c == bidi.R || c == bidi.AL
}

// run is a stretch of a line in one font and one direction.
type run struct {
	text  []rune // logical order
	font  int    // -1: the document's Go font; else an index in faces
	level int    // 0 left to right, 1 right to left, 2 a number inside a right-to-left run
	width float64
	// shaped runs: the glyphs left to right, positions from the run's
	// start in the document's unit, y upwards
	glyphs []placed
}

type placed struct {
	gid  uint16
	x, y float64
}

func (r *run) rtl() bool { return r.level%2 == 1 }

// visual is the run's characters in the order they stand on the page, left
// to right: the order text extraction expects, as it puts right-to-left
// text back into logical order from the characters' places, as for any
// right-to-left PDF.
func (r *run) visual() []rune {
	if !r.rtl() {
		return r.text
	}
	v := slices.Clone(r.text)
	slices.Reverse(v)
	return v
}

// shaper is shared; the HarfBuzz shaper keeps buffers between calls.
var shaper struct {
	sync.Mutex
	hb shaping.HarfbuzzShaper
}

// layout splits s into runs in visual order, measured at the current
// font size (size in points, k points per unit).
func (d *doc) layout(s string) []run {
	rs := []rune(s)
	if len(rs) == 0 {
		return nil
	}
	fontOf := make([]int, len(rs))
	for i, r := range rs {
		fontOf[i] = -1
		if !goDraws(r) {
			fontOf[i] = fallbackFor(r)
		}
	}
	levels := bidiLevels(rs)
	// spaces, punctuation and marks stay in the font of what they follow
	// when it draws them, so a run is not broken at every space
	for i := 1; i < len(rs); i++ {
		if f := fontOf[i-1]; f >= 0 && fontOf[i] != f && levels[i] == levels[i-1] && commonChar(rs[i]) && fallbackDraws(f, rs[i]) {
			fontOf[i] = f
		}
	}
	// a word with a character only a bundled unshaped font draws (a
	// Vietnamese letter, a kanji) is set wholly in that font when it can be
	for start := 0; start < len(rs); {
		end := start
		for end < len(rs) && !unicode.IsSpace(rs[end]) {
			end++
		}
		pick := -1
		for i := start; i < end; i++ {
			if f := fontOf[i]; f >= 0 && !faces[f].Shaped {
				pick = f
				break
			}
		}
		if pick >= 0 {
			all := true
			for i := start; i < end; i++ {
				if fontOf[i] != pick && !fallbackDraws(pick, rs[i]) {
					all = false
					break
				}
			}
			if all {
				for i := start; i < end; i++ {
					fontOf[i] = pick
				}
			}
		}
		start = end + 1
	}

	// runs in logical order
	var runs []run
	for i := 0; i < len(rs); {
		j := i + 1
		for j < len(rs) && fontOf[j] == fontOf[i] && levels[j] == levels[i] {
			j++
		}
		runs = append(runs, run{text: rs[i:j], font: fontOf[i], level: levels[i]})
		i = j
	}
	// visual order: reverse every stretch at level 2 or more, then at 1
	for lv := 2; lv >= 1; lv-- {
		for i := 0; i < len(runs); {
			if runs[i].level < lv {
				i++
				continue
			}
			j := i
			for j < len(runs) && runs[j].level >= lv {
				j++
			}
			slices.Reverse(runs[i:j])
			i = j
		}
	}
	ptSize, _ := d.pdf.GetFontSize()
	k := d.pdf.GetConversionRatio()
	for i := range runs {
		d.measureRun(&runs[i], ptSize, k)
	}
	return runs
}

// commonChar: spaces, punctuation, digits and marks, which belong to no
// script of their own.
func commonChar(r rune) bool {
	return unicode.Is(unicode.Common, r) || unicode.Is(unicode.Inherited, r)
}

func fallbackDraws(f int, r rune) bool {
	g, ok := faces[f].load().gt.NominalGlyph(r)
	return ok && g != 0
}

// measureRun shapes or measures r at ptSize points.
func (d *doc) measureRun(r *run, ptSize, k float64) {
	if r.font < 0 {
		r.width = d.pdf.GetStringWidth(string(r.text))
		return
	}
	f := faces[r.font].load()
	scale := ptSize / f.upem / k // font units to document units
	if !f.Shaped {
		w := 0.0
		for _, c := range r.text {
			g, _ := f.gt.NominalGlyph(c)
			w += float64(f.gt.HorizontalAdvance(g))
		}
		r.width = w * scale
		return
	}
	dir := di.DirectionLTR
	if r.rtl() {
		dir = di.DirectionRTL
	}
	in := shaping.Input{
		Text:      r.text,
		RunStart:  0,
		RunEnd:    len(r.text),
		Direction: dir,
		Face:      f.gt,
		Size:      fixed.I(int(f.upem)), // positions in font units
		Script:    language.LookupScript(firstLetter(r.text)),
	}
	shaper.Lock()
	out := shaper.hb.Shape(in)
	shaper.Unlock()
	x := 0.0
	r.glyphs = make([]placed, 0, len(out.Glyphs))
	for _, g := range out.Glyphs {
		r.glyphs = append(r.glyphs, placed{
			gid: uint16(g.GlyphID),
			x:   (x + fromFixed(g.XOffset)) * scale,
			y:   fromFixed(g.YOffset) * scale,
		})
		x += fromFixed(g.XAdvance)
	}
	r.width = x * scale
}

func fromFixed(v fixed.Int26_6) float64 { return float64(v) / 64 }

// firstLetter is the first character of rs that belongs to a script, which
// names the run's script for the shaper.
func firstLetter(rs []rune) rune {
	for _, r := range rs {
		if !commonChar(r) {
			return r
		}
	}
	return rs[0]
}

// bidiLevels gives each character its embedding level in a left-to-right
// paragraph: 0, 1 inside a right-to-left run, 2 for a number inside one.
func bidiLevels(rs []rune) []int {
	cls := make([]bidi.Class, len(rs))
	for i, r := range rs {
		p, _ := bidi.LookupRune(r)
		cls[i] = p.Class()
		if cls[i] == bidi.NSM && i > 0 {
			cls[i] = cls[i-1] // a mark takes its base's direction
		}
	}
	levels := make([]int, len(rs))
	strongR := func(c bidi.Class) bool { return c == bidi.R || c == bidi.AL }
	number := func(c bidi.Class) bool { return c == bidi.EN || c == bidi.AN }
	for i := 0; i < len(rs); {
		if !strongR(cls[i]) {
			i++
			continue
		}
		// from this strong R to the last R or number before a strong L
		last := i
		j := i
		for j < len(rs) && cls[j] != bidi.L {
			if strongR(cls[j]) || number(cls[j]) {
				last = j
			}
			j++
		}
		for x := i; x <= last; x++ {
			levels[x] = 1
		}
		// numbers inside, with the separators between their digits
		for x := i; x <= last; x++ {
			if !number(cls[x]) {
				continue
			}
			y := x
			for y+1 <= last && (number(cls[y+1]) || (cls[y+1] == bidi.CS || cls[y+1] == bidi.ES || cls[y+1] == bidi.ET) && y+2 <= last && number(cls[y+2])) {
				y++
			}
			for z := x; z <= y; z++ {
				levels[z] = 2
			}
			x = y
		}
		i = last + 1
	}
	return levels
}

// textWidth is the width of cleaned text s in the current font.
func (d *doc) textWidth(s string) float64 {
	if !needsLayout(s) {
		return d.pdf.GetStringWidth(s)
	}
	w := 0.0
	for _, r := range d.layout(s) {
		w += r.width
	}
	return w
}

// setFont sets the document's font; text in other scripts is drawn in the
// bundled fonts at the same size.
func (d *doc) setFont(family, style string, size float64) {
	d.family, d.style = family, style
	d.pdf.SetFont(family, style, size)
}

// cell is gofpdf's CellFormat for cleaned text in any script.
func (d *doc) cell(w, h float64, s, border string, ln int, align string, fill bool, link int, linkStr string) {
	pdf := d.pdf
	if !needsLayout(s) {
		pdf.CellFormat(w, h, s, border, ln, align, fill, link, linkStr)
		return
	}
	runs := d.layout(s)
	x0 := pdf.GetX()
	pdf.CellFormat(w, h, "", border, ln, align, fill, link, linkStr)
	// where the cell went (a page may have broken before it)
	y0 := pdf.GetY()
	if ln > 0 {
		y0 -= h
	}
	if w == 0 {
		w = d.pageW - marginX - x0
	}
	total := 0.0
	for _, r := range runs {
		total += r.width
	}
	cm := pdf.GetCellMargin()
	x := x0 + cm
	switch align {
	case "R":
		x = x0 + w - cm - total
	case "C":
		x = x0 + (w-total)/2
	}
	_, unit := pdf.GetFontSize()
	d.drawRuns(x, y0+0.5*h+0.3*unit, runs)
}

// drawRuns draws runs from x along the baseline y. Each right-to-left
// stretch (with the numbers inside it) is one /ActualText span, so text
// extraction sees it as one piece in page order and puts it back into
// logical order whole; shaped left-to-right runs have a span each.
func (d *doc) drawRuns(x, y float64, runs []run) {
	pdf := d.pdf
	for i := 0; i < len(runs); {
		if runs[i].level == 0 {
			if runs[i].glyphs != nil {
				actualText(pdf, runs[i].text, func() { d.drawRun(x, y, &runs[i]) })
			} else {
				d.drawRun(x, y, &runs[i])
			}
			x += runs[i].width
			i++
			continue
		}
		j := i
		var text []rune
		for j < len(runs) && runs[j].level > 0 {
			text = append(text, runs[j].visual()...)
			j++
		}
		actualText(pdf, text, func() {
			for k := i; k < j; k++ {
				d.drawRun(x, y, &runs[k])
				x += runs[k].width
			}
		})
		i = j
	}
}

// drawRun draws one run from x along the baseline y.
func (d *doc) drawRun(x, y float64, r *run) {
	pdf := d.pdf
	ptSize, _ := pdf.GetFontSize()
	if r.font >= 0 {
		d.register(r.font)
		pdf.SetFont(faces[r.font].family, "", ptSize)
		defer pdf.SetFont(d.family, d.style, ptSize)
	}
	switch {
	case r.glyphs != nil:
		for _, g := range r.glyphs {
			if g.gid == 0 {
				continue // never the missing-glyph box
			}
			pdf.Text(x+g.x, y-g.y, string(rune(puaBase+int(g.gid))))
		}
	case r.rtl():
		pdf.Text(x, y, mirrored(r.text))
	default:
		pdf.Text(x, y, string(r.text))
	}
}

// register adds a bundled font to the document the first time it is used.
func (d *doc) register(i int) {
	if d.registered == nil {
		d.registered = make(map[int]bool)
	}
	if d.registered[i] {
		return
	}
	d.registered[i] = true
	f := faces[i].load()
	if f.Shaped {
		d.pdf.AddUTF8FontFromBytes(f.family, "", f.pua)
	} else {
		d.pdf.AddUTF8FontFromBytes(f.family, "", f.TTF())
	}
}

// actualText wraps what draw writes in a marked-content span whose
// /ActualText is text, so text extraction reads text in logical order.
func actualText(pdf interface{ RawWriteStr(string) }, text []rune, draw func()) {
	var b strings.Builder
	b.WriteString("/Span <</ActualText <FEFF")
	for _, u := range utf16.Encode(text) {
		fmt.Fprintf(&b, "%04X", u)
	}
	b.WriteString(">>> BDC")
	pdf.RawWriteStr(b.String())
	draw()
	pdf.RawWriteStr("EMC")
}

// mirrored is right-to-left text in the order it is drawn, left to right,
// with brackets turned round.
func mirrored(text []rune) string {
	out := make([]rune, len(text))
	for i, r := range text {
		switch r {
		case '(':
			r = ')'
		case ')':
			r = '('
		case '[':
			r = ']'
		case ']':
			r = '['
		case '{':
			r = '}'
		case '}':
			r = '{'
		case '<':
			r = '>'
		case '>':
			r = '<'
		}
		out[len(text)-1-i] = r
	}
	return string(out)
}

// wrap breaks s into lines no wider than w at spaces, and inside a word
// too long for a line between characters (never before a combining mark).
// Newlines break lines.
func (d *doc) wrap(s string, w float64) []string {
	var out []string
	for _, para := range strings.Split(s, "\n") {
		words := strings.Split(para, " ")
		line := ""
		for i, word := range words {
			cand := word
			if i > 0 {
				cand = line + " " + word
			}
			if i == 0 || d.textWidth(cand) <= w {
				line = cand
			} else {
				out = append(out, line)
				line = word
			}
			for d.textWidth(line) > w {
				rs := []rune(line)
				cut := len(rs) - 1
				for cut > 1 && (d.textWidth(string(rs[:cut])) > w || isMark(rs[cut])) {
					cut--
				}
				if cut < 1 {
					cut = 1
				}
				out = append(out, string(rs[:cut]))
				line = string(rs[cut:])
			}
		}
		out = append(out, line)
	}
	return out
}

// isMark reports whether r joins the character before it (a combining
// mark, a vowel sign, a virama, a joiner), so a line may not break before
// it.
func isMark(r rune) bool {
	return unicode.In(r, unicode.Mn, unicode.Mc, unicode.Me) || r == 0x200C || r == 0x200D
}
