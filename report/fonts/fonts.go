// Package fonts carries the open-licensed fonts Chartkeeper draws the
// scripts the Go fonts lack with, on paper and on screen, so every build
// (Windows too) prints and shows them without any font installed.
//
// Noto Sans, Noto Sans Arabic, Hebrew, Devanagari, Ethiopic and Thai, and
// NanumSquare (Korean) are under the SIL Open Font License 1.1
// (OFL-1.1.txt); Droid Sans Fallback, for Chinese and Japanese, under the
// Apache License 2.0 (LICENSE-Apache-2.0.txt). All are TrueType (glyf
// outlines), which the PDF writer needs. They are stored gzip-compressed
// (about 3.1 MB in all) and unpacked the first time they are used.
package fonts

import (
	"bytes"
	"compress/gzip"
	"embed"
	"io"
	"strings"
	"sync"
)

//go:embed *.ttf.gz
var files embed.FS

// Font is one bundled font.
type Font struct {
	// Name is the font's family name, e.g. "Noto Sans Arabic".
	Name string
	// Shaped says the font's script needs a shaper (joining forms,
	// conjuncts, mark positioning, reordering), not a glyph per character.
	Shaped bool
	// RTL says its script is written right to left.
	RTL  bool
	file string
	once sync.Once
	ttf  []byte
}

// FileName is the font file's name, e.g. "NotoSansArabic-Regular.ttf".
func (f *Font) FileName() string { return strings.TrimSuffix(f.file, ".gz") }

// TTF is the font file, unpacked once.
func (f *Font) TTF() []byte {
	f.once.Do(func() {
		gz, err := files.ReadFile(f.file)
		if err != nil {
			panic("fonts: " + f.file + " is not bundled")
		}
		r, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			panic("fonts: " + f.file + " is damaged")
		}
		f.ttf, err = io.ReadAll(r)
		if err != nil {
			panic("fonts: " + f.file + " is damaged")
		}
	})
	return f.ttf
}

// The bundled fonts.
var (
	Latin      = &Font{Name: "Noto Sans", file: "NotoSans-Regular.ttf.gz"} // Vietnamese and the rest of Latin, Greek and Cyrillic
	Arabic     = &Font{Name: "Noto Sans Arabic", Shaped: true, RTL: true, file: "NotoSansArabic-Regular.ttf.gz"}
	Hebrew     = &Font{Name: "Noto Sans Hebrew", Shaped: true, RTL: true, file: "NotoSansHebrew-Regular.ttf.gz"}
	Devanagari = &Font{Name: "Noto Sans Devanagari", Shaped: true, file: "NotoSansDevanagari-Regular.ttf.gz"}
	Thai       = &Font{Name: "Noto Sans Thai", Shaped: true, file: "NotoSansThai-Regular.ttf.gz"}
	Ethiopic   = &Font{Name: "Noto Sans Ethiopic", file: "NotoSansEthiopic-Regular.ttf.gz"}
	CJK        = &Font{Name: "Droid Sans Fallback", file: "DroidSansFallbackFull.ttf.gz"} // Han and kana
	Korean     = &Font{Name: "NanumSquare", file: "NanumSquareR.ttf.gz"}                  // Hangul
)

// Fallbacks are the bundled fonts in the order a character is looked up
// in them after the Go fonts.
var Fallbacks = []*Font{Latin, Arabic, Hebrew, Devanagari, Thai, Ethiopic, CJK, Korean}
