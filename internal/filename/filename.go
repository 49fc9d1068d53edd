// Package filename makes names for the files the programs offer to save
// (a document's copy, a printout, an export) that every file system a
// clinic uses accepts: Linux and macOS folders, Windows drives and
// network shares. A name comes from data (a scanned file's original name,
// a patient's record number), so it may hold characters or whole names
// that Windows refuses.
package filename

import (
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxLen is the longest name Safe returns, in bytes: below the 255 that
// most file systems allow, leaving room for a folder path on Windows.
const MaxLen = 200

// reserved are the device names Windows keeps in every folder, with or
// without an extension ("NUL.pdf" is the null device too).
var reserved = map[string]bool{
	"CON": true, "PRN": true, "AUX": true, "NUL": true, "CONIN$": true, "CONOUT$": true,
	"COM1": true, "COM2": true, "COM3": true, "COM4": true, "COM5": true, "COM6": true, "COM7": true, "COM8": true, "COM9": true,
	"LPT1": true, "LPT2": true, "LPT3": true, "LPT4": true, "LPT5": true, "LPT6": true, "LPT7": true, "LPT8": true, "LPT9": true,
	"COM¹": true, "COM²": true, "COM³": true, "LPT¹": true, "LPT²": true, "LPT³": true,
}

// Safe returns name as a file name any of those file systems accepts:
//   - folder separators of every system (/ and \) and drive colons become
//     "_", so a name never climbs out of or into another folder;
//   - the characters Windows refuses (< > : " | ? *) and control
//     characters become "_";
//   - leading and trailing dots and spaces are removed (Windows drops
//     trailing ones; a leading dot hides a file on Linux and macOS);
//   - a Windows device name (CON, NUL.pdf, com1.txt, …) gets a leading "_";
//   - a name longer than [MaxLen] bytes is cut, keeping its extension and
//     whole characters.
//
// An empty result becomes fallback (itself made safe), or "file".
func Safe(name, fallback string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r == utf8.RuneError:
			b.WriteRune('_')
		case strings.ContainsRune(`/\<>:"|?*`, r), unicode.IsControl(r),
			r == '\u202e' || r == '\u202d' || r == '\u2066' || r == '\u2067' || r == '\u2068' || r == '\u2069':
			// Bidirectional overrides could make "fdp.exe" read as "exe.pdf".
			b.WriteRune('_')
		default:
			b.WriteRune(r)
		}
	}
	s := strings.Trim(strings.TrimSpace(b.String()), ". ")
	if s == "" || strings.Trim(s, "_") == "" && name != s {
		if fallback != "" && fallback != name {
			return Safe(fallback, "")
		}
		if s == "" {
			return "file"
		}
	}
	stem, ext := s, path.Ext(s)
	if ext == s {
		ext = "" // ".pdf" alone is a name, not an extension
	}
	stem = strings.TrimSuffix(s, ext)
	base, _, _ := strings.Cut(stem, ".")
	if reserved[strings.ToUpper(strings.TrimRight(base, " "))] {
		stem = "_" + stem
	}
	if len(ext) > MaxLen/4 {
		ext = ""
		stem = s
	}
	if len(stem)+len(ext) > MaxLen {
		cut := MaxLen - len(ext)
		for cut > 0 && !utf8.RuneStart(stem[cut]) {
			cut--
		}
		stem = strings.TrimRight(stem[:cut], ". ")
	}
	return stem + ext
}
