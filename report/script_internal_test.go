package report

import (
	"slices"
	"testing"
)

func layoutDoc(t *testing.T) *doc {
	t.Helper()
	d := newDoc("Test", Page{}, nil)
	d.pdf.AddPage()
	d.setFont(famSans, "", 10)
	return d
}

// Every character is drawn by a font that has a glyph for it, and no
// shaped glyph is the missing-glyph box.
func TestShapedGlyphs(t *testing.T) {
	d := layoutDoc(t)
	for _, s := range []string{
		"تجربة, ليلى", "בדיקה, נועה", "测试, 小红", "試験, はなこ", "시험, 민준",
		"Thử Nghiệm, Nguyễn Thị Ánh", "परीक्षण, प्रिया", "परीक्षा, सृष्टि", "ሙከራ, ሰላም", "ทดสอบ, สมหญิง",
	} {
		runs := d.layout(s)
		var text []rune
		for _, r := range runs {
			text = append(text, r.text...)
			for _, c := range r.text {
				switch {
				case r.font < 0 && !goDraws(c):
					t.Errorf("%q: %q set in the Go font, which lacks it", s, c)
				case r.font >= 0 && !faces[r.font].Shaped && !fallbackDraws(r.font, c):
					t.Errorf("%q: %q set in %s, which lacks it", s, c, faces[r.font].Name)
				}
			}
			if r.font >= 0 && faces[r.font].Shaped {
				if len(r.glyphs) == 0 {
					t.Errorf("%q: a shaped run %q has no glyphs", s, string(r.text))
				}
				for _, g := range r.glyphs {
					if g.gid == 0 {
						t.Errorf("%q: the shaper gave the missing glyph for %q", s, string(r.text))
					}
				}
			}
		}
		if len(text) != len([]rune(s)) {
			t.Errorf("%q: the runs hold %d characters, not %d", s, len(text), len([]rune(s)))
		}
	}
}

// Arabic letters join: each letter of تجربة takes its initial, medial or
// final form, none the isolated form its character maps to; Devanagari
// conjuncts are one glyph and the i vowel sign stands before its
// consonant.
func TestShapingJoinsAndReorders(t *testing.T) {
	d := layoutDoc(t)
	shaped := func(s string) *run {
		t.Helper()
		runs := d.layout(s)
		if len(runs) != 1 || runs[0].glyphs == nil {
			t.Fatalf("%q: want one shaped run, have %d", s, len(runs))
		}
		return &runs[0]
	}
	ar := shaped("تجربة")
	f := faces[ar.font]
	for _, c := range "تجربة" {
		iso, _ := f.gt.NominalGlyph(c)
		for _, g := range ar.glyphs {
			if g.gid == uint16(iso) {
				t.Errorf("%q is drawn in its isolated form", c)
			}
		}
	}
	if !ar.rtl() {
		t.Error("Arabic is not right to left")
	}

	ks := shaped("क्ष")
	if len(ks.glyphs) != 1 {
		t.Errorf("क्ष is %d glyphs, want one conjunct", len(ks.glyphs))
	}
	pi := shaped("पि")
	f = faces[pi.font]
	pa, _ := f.gt.NominalGlyph('प')
	if len(pi.glyphs) != 2 || pi.glyphs[1].gid != uint16(pa) || pi.glyphs[0].x > pi.glyphs[1].x {
		t.Errorf("पि: the vowel sign does not stand before प: %+v", pi.glyphs)
	}
}

// Right-to-left runs sit in left-to-right lines in the order the bidi
// algorithm gives, numbers inside them left to right.
func TestBidiOrder(t *testing.T) {
	d := layoutDoc(t)
	for _, c := range []struct {
		in   string
		want []string // runs, left to right, each as stored (logical order)
	}{
		{"Seen with ליה דנה today", []string{"Seen with ", "ליה דנה", " today"}},
		{"A שלום כהן 123 B", []string{"A ", "123", "שלום כהן ", " B"}},
		{"تجربة, ليلى (test)", []string{"تجربة, ليلى", " (test)"}},
		{"12 שלום", []string{"12 ", "שלום"}},
	} {
		var got []string
		for _, r := range d.layout(c.in) {
			got = append(got, string(r.text))
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%q: runs %q, want %q", c.in, got, c.want)
		}
	}
}

func TestPUAFont(t *testing.T) {
	for _, f := range faces {
		if !f.Shaped {
			continue
		}
		f.load()
		if len(f.pua) == 0 {
			t.Fatalf("%s: no private-use copy", f.Name)
		}
	}
	if _, err := puaFont([]byte("short")); err == nil {
		t.Error("a damaged font passes")
	}
}

// Text in another script inside bold body text on a page that a header in
// another style began returns to the body's font, not the header's.
func TestFontAfterPageBreak(t *testing.T) {
	d := newDoc("Test", Page{}, nil)
	d.pdf.AddPage()
	d.setFont(famSans, "", bodySize)
	for range 80 { // several pages, each with its header
		d.para("Seen with ليلى تجربة today")
	}
	if d.family != famSans || d.style != "" {
		t.Errorf("the body's font is noted as %q %q after page breaks", d.family, d.style)
	}
}
