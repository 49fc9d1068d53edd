package csvimport

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	xunicode "golang.org/x/text/encoding/unicode"
)

// encodings are the 8-bit encodings a list may be read from when it is
// not UTF-8, by the names a person gives them.
var encodings = map[string]struct {
	name string
	enc  encoding.Encoding
}{
	"windows-1252": {"Windows-1252", charmap.Windows1252}, "cp1252": {"Windows-1252", charmap.Windows1252},
	"latin1": {"Windows-1252", charmap.Windows1252}, "iso-8859-1": {"Windows-1252", charmap.Windows1252}, // as browsers read it
	"iso-8859-15": {"ISO-8859-15", charmap.ISO8859_15}, "latin9": {"ISO-8859-15", charmap.ISO8859_15},
	"windows-1250": {"Windows-1250", charmap.Windows1250}, "cp1250": {"Windows-1250", charmap.Windows1250},
	"windows-1251": {"Windows-1251", charmap.Windows1251}, "cp1251": {"Windows-1251", charmap.Windows1251},
	"macintosh": {"Mac OS Roman", charmap.Macintosh}, "macroman": {"Mac OS Roman", charmap.Macintosh},
	"cp850": {"DOS code page 850", charmap.CodePage850}, "ibm850": {"DOS code page 850", charmap.CodePage850},
}

// Encodings lists the encodings a list may be read from besides UTF-8.
func Encodings() []string {
	var out []string
	for k := range encodings {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// notUTF8 is the problem of a list that is not UTF-8 and was not said to
// be in another encoding; guess, when not empty, is the encoding it looks
// like.
func notUTF8(guess string) *FileError {
	msg := "the file is not UTF-8 text"
	if guess != "" {
		msg += fmt.Sprintf(" (it looks like %s, as Excel saves \"CSV (comma delimited)\" in Western Europe and the Americas)", guess)
	}
	msg += "; save it from the spreadsheet as \"CSV UTF-8\""
	if guess != "" {
		msg += ", or read it as " + strings.ToLower(guess)
	}
	return &FileError{Msg: msg, Encoding: strings.ToLower(guess)}
}

// decode turns the file into UTF-8 text. A UTF-8 or UTF-16 byte order
// mark says the encoding; otherwise the file must be UTF-8 unless
// encName names another. It returns the text and the encoding read.
func decode(raw []byte, encName string) ([]byte, string, error) {
	switch {
	case bytes.HasPrefix(raw, []byte("\xef\xbb\xbf")):
		raw = raw[3:]
	case bytes.HasPrefix(raw, []byte("\xff\xfe")), bytes.HasPrefix(raw, []byte("\xfe\xff")):
		// Excel's "Unicode text": UTF-16 with a byte order mark, tab-separated.
		out, err := xunicode.UTF16(xunicode.LittleEndian, xunicode.ExpectBOM).NewDecoder().Bytes(raw)
		if err != nil || !utf8.Valid(out) {
			return nil, "", &FileError{Msg: "the file starts as UTF-16 text but is not UTF-16 throughout"}
		}
		return bytes.TrimPrefix(out, []byte("\ufeff")), "UTF-16", nil
	}
	name := strings.ToLower(strings.TrimSpace(encName))
	if name == "" || name == "utf-8" || name == "utf8" {
		if utf8.Valid(raw) {
			return raw, "UTF-8", nil
		}
		return nil, "", notUTF8(guess8bit(raw))
	}
	e, ok := encodings[name]
	if !ok {
		return nil, "", &FileError{Msg: fmt.Sprintf("the encoding %q is not one of utf-8, %s", encName, strings.Join(Encodings(), ", "))}
	}
	if utf8.Valid(raw) && !isASCII(raw) {
		return nil, "", &FileError{Msg: fmt.Sprintf("the file is UTF-8 text, not %s: import it without naming an encoding", e.name)}
	}
	out, err := e.enc.NewDecoder().Bytes(raw)
	if err != nil {
		return nil, "", &FileError{Msg: fmt.Sprintf("the file cannot be read as %s: %v", e.name, err)}
	}
	return out, e.name, nil
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// guess8bit names Windows-1252 when the bytes read as Western European
// text: no NUL bytes, none of the five bytes Windows-1252 leaves
// undefined, and no word of four or more letters that are all outside
// ASCII (which is what Greek, Cyrillic or Hebrew 8-bit text turns into).
func guess8bit(raw []byte) string {
	for _, c := range raw {
		switch c {
		case 0, 0x81, 0x8d, 0x8f, 0x90, 0x9d:
			return ""
		}
	}
	text, err := charmap.Windows1252.NewDecoder().Bytes(raw)
	if err != nil {
		return ""
	}
	run := 0
	for _, r := range string(text) {
		switch {
		case r > 127 && unicode.IsLetter(r):
			run++
			if run >= 4 {
				return ""
			}
		default:
			run = 0
		}
	}
	return "Windows-1252"
}
