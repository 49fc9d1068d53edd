package main

import (
	"fmt"
	"io"
	"os"
	"unicode/utf8"
)

// safeWriter is where ckadmin's output goes: text stored before names and
// free text refused control characters (or brought by sync from an older
// workstation) may still hold them, and a terminal escape sequence in a
// patient's name must not reach the terminal. Every control character
// other than a line break and a tab, every bidirectional embedding,
// override and isolate, and every byte that is not UTF-8 is written as a
// visible escape (\x1b, \u202e, \xff); everything else passes as it is.
type safeWriter struct {
	w io.Writer
	f *os.File // the terminal or file behind w, if any
}

func newSafeWriter(f *os.File) *safeWriter { return &safeWriter{w: f, f: f} }

// fileOf is the file behind w (for a terminal check), or nil.
func fileOf(w io.Writer) *os.File {
	switch w := w.(type) {
	case *os.File:
		return w
	case *safeWriter:
		return w.f
	}
	return nil
}

func unsafeRune(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// safeText is s with what safeWriter escapes escaped.
func safeText(s []byte) []byte {
	clean := true
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && n <= 1 || unsafeRune(r) {
			clean = false
			break
		}
		i += n
	}
	if clean {
		return s
	}
	out := make([]byte, 0, len(s)+16)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRune(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			out = fmt.Appendf(out, `\x%02x`, s[i])
		case unsafeRune(r) && r < 0x80:
			out = fmt.Appendf(out, `\x%02x`, r)
		case unsafeRune(r):
			out = fmt.Appendf(out, `\u%04x`, r)
		default:
			out = append(out, s[i:i+n]...)
		}
		i += n
	}
	return out
}

func (w *safeWriter) Write(p []byte) (int, error) {
	if _, err := w.w.Write(safeText(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}
